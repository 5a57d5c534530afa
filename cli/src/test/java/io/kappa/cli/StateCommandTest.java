package io.kappa.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code kappa state}: for every stateful built-in, the state rebuilt at a random offset equals the checkpointed
 * state of a run stopped there ({@code kappa replay --to}), without touching the group; the checkpoint read as it is;
 * {@code --key}; an unknown group; a real process beside a running group.
 */
@Timeout(300)
class StateCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long T0 = 1_780_000_000_000L;

    @TempDir
    Path dir;

    private Cli.Result kappa(String... args) {
        return Cli.run(Cli.inDir(dir, args));
    }

    private Cli.Result ok(String... args) {
        Cli.Result r = kappa(args);
        assertEquals(0, r.code(), () -> String.join(" ", args) + ": " + r.err());
        return r;
    }

    /** {@code n} events over 2 partitions, keys u0..u39, record ids id0..id59, times ~0.7 s apart (some out of order), pages, numbers and ids. */
    private void append(String topic, int n, long seed) {
        Random random = new Random(seed);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            long t = T0 + i * 700L - random.nextInt(1_500);
            b.append("{\"key\":\"u").append(random.nextInt(40)).append("\",\"id\":\"id").append(random.nextInt(60))
                .append("\",\"time\":").append(t).append(",\"value\":{\"page\":\"p")
                .append(random.nextInt(4)).append("\",\"v\":").append(random.nextInt(100)).append(",\"id\":\"id").append(random.nextInt(40))
                .append("\"}}\n");
        }
        Cli.Result r = Cli.runWithStdin(b.toString(), "append", "--data-dir=" + dir, topic);
        assertEquals(0, r.code(), r.err());
    }

    /** Every stateful built-in: its name (for the groups) and its processor options, reading {@code a} (and {@code b}). */
    static List<Object[]> builtins() {
        return List.of(
            new Object[] {"count", List.of("count", "--by", "page", "--input", "a")},
            new Object[] {"sum", List.of("sum", "--field", "v", "--by", "key", "--input", "a")},
            new Object[] {"dedup", List.of("dedup", "--window", "20s", "--input", "a")},
            new Object[] {"wc", List.of("window-count", "--by", "page", "--size", "10s", "--input", "a")},
            new Object[] {"hop", List.of("window-agg", "--agg", "avg", "--field", "v", "--size", "10s", "--advance", "5s", "--by", "key", "--input", "a")},
            new Object[] {"session", List.of("window-agg", "--agg", "max", "--field", "v", "--session-gap", "2s", "--by", "key", "--input", "a")},
            new Object[] {"p99", List.of("window-agg", "--agg", "p99", "--field", "v", "--by", "page", "--size", "30s", "--input", "a")},
            new Object[] {"distinct", List.of("window-agg", "--agg", "distinct", "--field", "id", "--by", "page", "--size", "30s", "--input", "a")},
            new Object[] {"top", List.of("top", "--by", "v", "--n", "2", "--size", "1h", "--input", "a")},
            new Object[] {"pairs", List.of("join", "--left", "a", "--right", "b", "--within", "5s")},
            new Object[] {"table", List.of("join", "--left", "a", "--right", "b", "--table", "--join", "left")},
            new Object[] {"dsl", List.of("--class", StatefulPipelineTopology.class.getName(), "--input", "a")});
    }

    private static String[] args(String command, List<String> processor, String... more) {
        List<String> all = new ArrayList<>();
        all.add(command);
        all.addAll(processor);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    /** The non-empty stores of a {@code state --json} document: stage, task, store and rows. */
    private static List<JsonNode> stores(Cli.Result r) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode s : JSON.readTree(r.out()).get("stores")) {
            if (s.get("entries").asLong() > 0) {
                out.add(s);
            }
        }
        return out;
    }

    /** Every file of the group (but its lock), with its bytes. */
    private Map<String, String> files(Path root) throws Exception {
        Map<String, String> m = new HashMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                if (!f.getFileName().toString().equals("lock")) {
                    m.put(root.relativize(f).toString(), java.util.HexFormat.of().formatHex(Files.readAllBytes(f)));
                }
            }
        }
        return m;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("builtins")
    void theStateAtARandomOffsetIsThatOfARunStoppedThere(String name, List<String> processor) throws Exception {
        ok("topic", "create", "a", "--partitions", "2");
        ok("topic", "create", "b", "--partitions", "2");
        append("a", 400, name.hashCode());
        append("b", 150, name.hashCode() + 1);
        ok(args("run", processor, "--group", name, "--output", name + "-out", "--until-caught-up"));
        long offset = 1 + new Random(name.hashCode() * 31L).nextInt(60);

        Map<String, String> groupBefore = files(dir.resolve("groups").resolve(name));
        String outputBefore = ok("read", name + "-out").out();
        List<String> topicsBefore = Names.topics(dir);
        Cli.Result at = ok("state", name, "--at", Long.toString(offset), "--json");
        assertTrue(at.err().contains("events to replay"), at.err());
        assertEquals(groupBefore, files(dir.resolve("groups").resolve(name)), "state --at never writes the group");
        assertEquals(outputBefore, ok("read", name + "-out").out(), "nor its output");
        assertEquals(topicsBefore, Names.topics(dir), "its scratch topics are gone");
        assertEquals(List.of(), Names.groups(dir).stream().filter(g -> g.contains(".state-")).toList(), "its scratch group is gone");

        ok(args("replay", processor, "--group", name + "-stopped", "--output", name + "-stopped", "--to", Long.toString(offset)));
        List<JsonNode> expected = stores(ok("state", name + "-stopped", "--json"));
        assertFalse(expected.isEmpty(), () -> "a run stopped at " + offset + " has state: " + ok("state", name + "-stopped", "--json").out());
        assertEquals(expected, stores(at), "state --at " + offset);

        // the checkpoint of the run to the end, read as it is, is what a rebuild at the end gives
        assertEquals(stores(ok("state", name, "--json")), stores(ok("state", name, "--at", "latest", "--json")));

        // a rewind there leaves the group with that state too (the same rebuild)
        ok("rewind", "--group", name, "--to", Long.toString(offset));
        assertEquals(expected, stores(ok("state", name, "--json")), "after rewind --to " + offset);
    }

    @Test
    void keyLimitTableAndErrors() throws Exception {
        ok("topic", "create", "a", "--partitions", "2");
        append("a", 300, 7);
        ok("run", "count", "--by", "page", "--group", "pages", "--input", "a", "--output", "counts", "--until-caught-up");
        Map<String, Long> counts = new HashMap<>();
        for (String line : ok("read", "a").lines()) {
            counts.merge(JSON.readTree(line).get("value").get("page").asText(), 1L, Long::sum);
        }
        JsonNode doc = JSON.readTree(ok("state", "pages", "--key", "p1", "--json").out());
        assertEquals("checkpoint", doc.get("at").asText());
        long p1 = 0;
        for (JsonNode s : doc.get("stores")) {
            for (JsonNode row : s.get("rows")) {
                assertEquals("p1", row.get("key").asText());
                p1 += row.get("value").asLong();
            }
        }
        assertEquals(counts.get("p1"), p1, "the counts of p1 over both tasks");
        List<String> positions = new ArrayList<>();
        for (JsonNode p : doc.get("positions")) {
            positions.add(p.get("stage").asText() + " " + p.get("topic").asText() + "/" + p.get("partition").asText());
        }
        assertEquals(List.of("main pages.repartition/0", "main pages.repartition/1", "repartition a/0", "repartition a/1"), positions);

        Cli.Result table = ok("state", "pages", "--limit", "3");
        assertEquals(4, table.lines().size(), table.out());
        assertTrue(table.lines().get(0).startsWith("STAGE"), table.out());
        assertTrue(table.err().contains("first 3 entries"), table.err());

        Cli.Result wc = ok("run", "window-count", "--by", "page", "--size", "10s", "--group", "wc", "--input", "a", "--output", "wc-out",
            "--until-caught-up");
        assertEquals(0, wc.code());
        JsonNode window = JSON.readTree(ok("state", "wc", "--json", "--limit", "1").out()).get("stores").get(0).get("rows").get(0);
        assertTrue(window.has("windowStart") && window.has("windowEnd") && window.get("value").get("count").isNumber(), window.toString());

        assertEquals(stores(ok("state", "pages", "--at", "latest", "--json")), stores(ok("state", "pages", "--at", "now", "--json")),
            "a time is resolved as rewind resolves it: now is after every append");
        Cli.Result empty = ok("state", "pages", "--at", "earliest", "--json");
        assertEquals(List.of(), stores(empty));

        Cli.Result clamped = ok("state", "pages", "--at", "100000", "--json");
        assertTrue(clamped.err().contains("outside") && clamped.err().contains("using"), clamped.err());

        Cli.Result unknown = kappa("state", "pagse");
        assertEquals(1, unknown.code(), "an unknown name is a failure, as everywhere (CliErrorsTest)");
        assertTrue(unknown.err().contains("unknown group 'pagse'") && unknown.err().contains("did you mean 'pages'?"), unknown.err());
        assertEquals(2, kappa("state", "pages", "--at", "yesterday-ish").code(), "a bad position is a usage error");
        Cli.Result negative = kappa("state", "pages", "--limit", "-1");
        assertEquals(2, negative.code());
        assertTrue(negative.err().contains("--limit must be at least 0"), negative.err());
    }

    private static long checkpoints(Path group) throws Exception {
        if (!Files.isDirectory(group)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(group)) {
            return s.filter(f -> f.getFileName().toString().endsWith(".ckpt")).count();
        }
    }

    @Test
    void aRealProcessReadsTheStateOfARunningGroup() throws Exception {
        ok("topic", "create", "a", "--partitions", "2");
        append("a", 500, 11);
        Process run = Cli.start(dir, "run", "count", "--by", "page", "--group", "live", "--input", "a", "--output", "live-out",
            "--checkpoint-interval", "100ms");
        try {
            long deadline = System.currentTimeMillis() + 60_000;
            while (checkpoints(dir.resolve("groups/live")) < 2 && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            Cli.Result now = Cli.exec(dir, null, "state", "live", "--json");
            assertEquals(0, now.code(), now.err());
            Cli.Result at = Cli.exec(dir, null, "state", "live", "--at", "40", "--json");
            assertEquals(0, at.code(), at.err());
            assertTrue(run.isAlive(), "the group runs on");
            long total = 0;
            for (JsonNode s : JSON.readTree(at.out()).get("stores")) {
                for (JsonNode row : s.get("rows")) {
                    total += row.get("value").asLong();
                }
            }
            assertEquals(80, total, "40 records of each partition counted");
        } finally {
            run.destroy();
            run.waitFor();
        }
    }

    @Test
    void aSignalStopsARebuildAndItsScratchGroupIsRemoved() throws Exception {
        ok("topic", "create", "a");
        append("a", 2_500, 5);
        ok("run", "--class", SlowCountTopology.class.getName(), "-o", "sleepMs=1", "--group", "slow", "--input", "a", "--output",
            "slow-out", "--until-caught-up");
        Map<String, String> before = files(dir.resolve("groups").resolve("slow"));
        Process p = Cli.start(dir, "state", "slow", "--at", "latest");
        java.util.concurrent.BlockingQueue<String> lines = new java.util.concurrent.LinkedBlockingQueue<>();
        StringBuilder err = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getErrorStream(),
                java.nio.charset.StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (java.io.IOException e) {
                lines.add("read failed: " + e);
            }
        });
        reader.start();
        // the cost first, then a progress line a second: stop it there
        for (String line; (line = lines.poll(60, java.util.concurrent.TimeUnit.SECONDS)) != null; ) {
            err.append(line).append('\n');
            if (line.contains(" records (")) {
                break;
            }
        }
        // with the group's last measured rate when its run recorded one: ", about N s at the group's last measured R events/s"
        assertTrue(err.toString().matches("(?s).*2,500 events to replay with outputs muted(, about [0-9.]+ s at the group's last measured "
            + "[0-9,]+ events/s)?; state rebuilt by a replay from the start.*"), err.toString());
        assertTrue(p.isAlive(), "the rebuild of 2,500 records at 1 ms each is still going: " + err);
        assertEquals(0, new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor());
        if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("kappa state did not stop on SIGTERM: " + err);
        }
        reader.join();
        lines.forEach(l -> err.append(l).append('\n'));
        assertEquals(1, p.exitValue(), err.toString());
        assertTrue(err.toString().contains("stopped by SIGTERM") && err.toString().contains("removed"), err.toString());
        assertEquals(List.of(), Names.groups(dir).stream().filter(g -> g.contains(".state-")).toList(), "the scratch group is gone");
        assertEquals(before, files(dir.resolve("groups").resolve("slow")), "the group is as it was");

        // what a SIGKILLed one leaves behind is removed by the next one; a live process's scratch group is left alone
        Process killed = Cli.start(dir, "state", "slow", "--at", "latest");
        long deadline = System.currentTimeMillis() + 60_000;
        while (Names.groups(dir).stream().noneMatch(g -> g.startsWith("slow.state-" + killed.pid() + "-"))
            && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        killed.destroyForcibly();
        killed.waitFor();
        String live = "slow.state-" + ProcessHandle.current().pid() + "-9";
        Files.createDirectories(dir.resolve("groups").resolve(live));
        List<String> left = Names.groups(dir).stream().filter(g -> g.startsWith("slow.state-" + killed.pid() + "-")).toList();
        assertEquals(1, left.size(), Names.groups(dir).toString());
        Cli.Result next = ok("state", "slow", "--at", "3", "--json");
        assertTrue(next.err().contains("removed " + left.get(0)), next.err());
        assertEquals(List.of(live), Names.groups(dir).stream().filter(g -> g.contains(".state-")).toList());
    }
}
