package io.kappa.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/** {@code kappa append} / {@code kappa run} / {@code kappa read} / {@code kappa status}, end to end. */
@Timeout(120)
class RunCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Cli.Result kappa(String... args) {
        return Cli.run(withDir(args));
    }

    private String[] withDir(String... args) {
        String[] full = new String[args.length + 1];
        int i = 0;
        for (String a : args) {
            full[i++] = a;
            if (i == subcommandLength(args)) {
                full[i++] = "--data-dir=" + dir;
            }
        }
        return full;
    }

    private static int subcommandLength(String[] args) {
        return args[0].equals("topic") ? 2 : 1;
    }

    private Cli.Result appendLines(String topic, String lines) {
        return Cli.runWithStdin(lines, withDir("append", topic));
    }

    /** Latest value per key of a topic, read back through {@code kappa read}. */
    private Map<String, JsonNode> latest(String topic) throws Exception {
        Cli.Result r = Cli.run(withDir("read", topic));
        assertEquals(0, r.code(), r.err());
        Map<String, JsonNode> m = new HashMap<>();
        for (String line : r.lines()) {
            JsonNode n = JSON.readTree(line);
            m.put(n.get("key").asText(), n.get("value"));
        }
        return m;
    }

    private static String events() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 60; i++) {
            b.append("{\"key\":\"u").append(i % 4).append("\",\"id\":\"e").append(i % 50).append("\",\"value\":{\"page\":\"p")
                .append(i % 3).append("\",\"ms\":").append(i).append("}}\n");
        }
        return b.toString();
    }

    @Test
    void countSumFilterMapAndDedupThroughTheCommandLine() throws Exception {
        assertEquals(0, kappa("topic", "create", "clicks", "--partitions", "3").code());
        assertEquals(0, appendLines("clicks", events()).code());

        Cli.Result run = kappa("run", "count", "--by", "page", "--group", "pages", "--input", "clicks", "--output", "page-counts",
            "--until-caught-up");
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("group pages: 120 records processed"), run.out());
        Map<String, JsonNode> counts = latest("page-counts");
        assertEquals(3, counts.size());
        for (int p = 0; p < 3; p++) {
            assertEquals("{\"key\":\"p" + p + "\",\"count\":20}", counts.get("p" + p).toString());
        }

        assertEquals(0, kappa("run", "sum", "--by", "key", "--field", "ms", "--group", "sums", "--input", "clicks", "--output", "user-ms",
            "--until-caught-up").code());
        Map<String, JsonNode> sums = latest("user-ms");
        for (int u = 0; u < 4; u++) {
            long expected = 0;
            for (int i = u; i < 60; i += 4) {
                expected += i;
            }
            assertEquals(expected, sums.get("u" + u).get("sum").asLong());
        }

        assertEquals(0, kappa("run", "filter", "--where", "ms >= 50 and page = p1", "--group", "f", "--input", "clicks", "--output",
            "late-p1", "--until-caught-up").code());
        Cli.Result filtered = Cli.run(withDir("read", "late-p1"));
        assertEquals(3, filtered.lines().size(), filtered.out()); // ms 52, 55, 58

        assertEquals(0, kappa("run", "map", "--select", "page", "--group", "m", "--input", "clicks", "--output", "pages-only",
            "--until-caught-up").code());
        for (String line : Cli.run(withDir("read", "pages-only")).lines()) {
            assertEquals(1, JSON.readTree(line).get("value").size(), line);
        }

        assertEquals(0, kappa("run", "dedup", "--window", "1h", "--group", "d", "--input", "clicks", "--output", "unique",
            "--until-caught-up").code());
        assertEquals(50, Cli.run(withDir("read", "unique")).lines().size(), "ids e0..e49, ten of them sent twice");

        Cli.Result status = kappa("status", "pages", "--json");
        assertEquals(0, status.code(), status.err());
        JsonNode s = JSON.readTree(status.out());
        assertFalse(s.get("running").asBoolean());
        assertEquals(0, s.get("lag").asLong());
        assertEquals(120, s.get("records").asLong());
        assertEquals(3, s.get("stateEntries").asLong());
        assertEquals("count --by page", s.get("processor").asText());
        Cli.Result table = kappa("status");
        assertTrue(table.out().contains("group pages: stopped, count --by page"), table.out());
        assertTrue(table.out().contains("COMMITTED"), table.out());
    }

    @Test
    void badRecordsGoToTheDeadLetterTopicOrStopTheRunNamingTheOffset() throws Exception {
        assertEquals(0, kappa("topic", "create", "in").code());
        assertEquals(0, appendLines("in", "{\"key\":\"a\",\"value\":{\"n\":1}}\n{\"key\":\"b\",\"value\":{\"n\":\"x\"}}\n"
            + "{\"key\":\"c\",\"value\":{\"n\":3}}\n").code());
        Cli.Result dlq = kappa("run", "sum", "--by", "key", "--field", "n", "--group", "g", "--input", "in", "--output", "out",
            "--until-caught-up");
        assertEquals(0, dlq.code(), dlq.err());
        assertTrue(dlq.out().contains("1 in g.dlq"), dlq.out());
        JsonNode dead = JSON.readTree(Cli.run(withDir("read", "g.dlq")).out()).get("value");
        assertEquals(1, dead.get("offset").asLong());
        assertEquals("in", dead.get("topic").asText());
        assertTrue(dead.get("error").asText().contains("field 'n' is not a number"), dead.toString());
        assertEquals(2, latest("out").size());

        Cli.Result fail = kappa("run", "sum", "--by", "key", "--field", "n", "--group", "strict", "--input", "in", "--output", "out2",
            "--until-caught-up", "--on-error", "fail");
        assertEquals(1, fail.code());
        assertTrue(fail.err().contains("in/0 offset 1") && fail.err().contains("not a number"), fail.err());
        JsonNode s = JSON.readTree(kappa("status", "strict", "--json").out());
        assertEquals(1, s.get("partitions").get(0).get("committed").asLong(), "the checkpoint stays before the bad record");
    }

    @Test
    void refusesBadArgumentsWithAClearMessage() {
        assertEquals(0, kappa("topic", "create", "in").code());
        Cli.Result r = kappa("run", "median", "--group", "g", "--input", "in", "--output", "o");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown processor 'median'"), r.err());
        r = kappa("run", "count", "--group", "g", "--input", "in");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("missing --output"), r.err());
        r = kappa("run", "count", "--by", "key", "--group", "g", "--input", "nope", "--output", "o");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("nope"), r.err());
        r = kappa("run", "filter", "--where", "price >", "--group", "g", "--input", "in", "--output", "o");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("position"), r.err());
        r = kappa("run", "count", "--by", "key", "--group", "../etc", "--input", "in", "--output", "o");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("group name"), r.err());
        r = kappa("run", "count", "--by", "key", "--field", "x", "--group", "g", "--input", "in", "--output", "o");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("count does not take --field"), r.err());
        r = kappa("run", "count", "--by", "key", "--group", "g", "--input", "in", "--output", "in");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("also an input"), r.err());
        r = kappa("status", "ghost");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("unknown group 'ghost'"), r.err());
    }

    @Test
    void aRunningGroupRefusesASecondRunAndStopsCleanlyOnSigterm() throws Exception {
        assertEquals(0, kappa("topic", "create", "in", "--partitions", "2").code());
        assertEquals(0, appendLines("in", events()).code());
        Process daemon = Cli.start(dir, "run", "count", "--by", "key", "--group", "live", "--input", "in", "--output", "out");
        BufferedReader err = new BufferedReader(new InputStreamReader(daemon.getErrorStream(), StandardCharsets.UTF_8));
        String first = err.readLine();
        assertNotNull(first);
        assertTrue(first.startsWith("kappa: running group live"), first);
        Cli.Result second = kappa("run", "count", "--by", "key", "--group", "live", "--input", "in", "--output", "out");
        assertEquals(1, second.code());
        assertTrue(second.err().contains("already running"), second.err());
        JsonNode s = JSON.readTree(kappa("status", "live", "--json").out());
        assertTrue(s.get("running").asBoolean());
        assertEquals(daemon.pid(), s.get("pid").asLong());
        // live input: appended while it runs
        assertEquals(0, appendLines("in", "{\"key\":\"u0\",\"value\":{}}\n").code());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!"{\"key\":\"u0\",\"count\":16}".equals(String.valueOf(latest("out").get("u0")))) {
            assertTrue(System.nanoTime() < deadline, "the live event was not processed");
            Thread.sleep(20);
        }
        daemon.destroy(); // SIGTERM
        assertTrue(daemon.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, daemon.exitValue());
        s = JSON.readTree(kappa("status", "live", "--json").out());
        assertFalse(s.get("running").asBoolean());
        assertEquals(0, s.get("lag").asLong(), "the last checkpoint was written on SIGTERM");
        assertEquals(61, s.get("records").asLong());
    }

    @Test
    void runsAUserProcessorClassFromAJar() throws Exception {
        assertEquals(0, kappa("topic", "create", "words").code());
        assertEquals(0, Cli.runWithStdin("hello\nboom\nworld\n", withDir("append", "words", "--raw")).code());
        Path jar = dir.resolve("user.jar");
        String resource = UpperCaseProcessor.class.getName().replace('.', '/') + ".class";
        try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(java.nio.file.Files.newOutputStream(jar));
             java.io.InputStream in = UpperCaseProcessor.class.getClassLoader().getResourceAsStream(resource)) {
            out.putNextEntry(new java.util.jar.JarEntry(resource));
            in.transferTo(out);
        }
        Cli.Result r = kappa("run", "--class", UpperCaseProcessor.class.getName(), "--jar", jar.toString(), "--group", "up",
            "--input", "words", "--output", "upper", "--until-caught-up");
        assertEquals(0, r.code(), r.err());
        List<String> values = new java.util.ArrayList<>();
        for (String line : Cli.run(withDir("read", "upper")).lines()) {
            values.add(JSON.readTree(line).get("value").asText());
        }
        assertEquals(List.of("HELLO", "WORLD"), values);
        assertTrue(Cli.run(withDir("read", "up.dlq")).out().contains("boom is not allowed"));
        r = kappa("run", "--class", "com.example.Missing", "--group", "x", "--input", "words", "--output", "o");
        assertEquals(2, r.code(), "a --class that is not there is a usage error");
        assertTrue(r.err().contains("class com.example.Missing not found"), r.err());
        r = kappa("run", "--class", "java.lang.String", "--group", "x", "--input", "words", "--output", "o");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("implements neither"), r.err());
    }

    @Test
    void rewindRecomputesThroughTheSameRunAndCanBeUndone() throws Exception {
        assertEquals(0, kappa("topic", "create", "clicks", "--partitions", "2").code());
        assertEquals(0, appendLines("clicks", events()).code());
        String[] run = {"run", "count", "--by", "key", "--group", "c", "--input", "clicks", "--output", "counts", "--until-caught-up"};
        assertEquals(0, kappa(run).code());
        Cli.Result dry = kappa("rewind", "--group", "c", "--to", "earliest", "--dry-run");
        assertEquals(0, dry.code(), dry.err());
        assertTrue(dry.out().contains("dry run: nothing changed") && dry.out().contains("to reprocess: 60 events"), dry.out());
        assertEquals(60, JSON.readTree(kappa("status", "c", "--json").out()).get("records").asLong());
        assertEquals(0, JSON.readTree(kappa("status", "c", "--json").out()).get("lag").asLong());

        Cli.Result rewound = kappa("rewind", "--group", "c", "--to", "earliest");
        assertEquals(0, rewound.code(), rewound.err());
        assertEquals(60, JSON.readTree(kappa("status", "c", "--json").out()).get("lag").asLong());
        assertEquals(0, kappa(run).code());
        assertEquals(120, Cli.run(withDir("read", "counts")).lines().size(), "recomputed into new output records");
        Map<String, JsonNode> latest = latest("counts");
        assertEquals(15, latest.get("u0").get("count").asLong(), "counted from a cleared state, not doubled");

        Cli.Result middle = kappa("rewind", "--group", "c", "--shift", "-3");
        assertEquals(0, middle.code(), middle.err());
        assertTrue(middle.err().contains("rebuilding the state"), middle.err());
        Cli.Result undone = kappa("rewind", "--group", "c", "--undo");
        assertEquals(0, undone.code(), undone.err());
        assertEquals(0, JSON.readTree(kappa("status", "c", "--json").out()).get("lag").asLong());

        Cli.Result bad = kappa("rewind", "--group", "c");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("exactly one of --to, --shift or --undo"), bad.err());
        bad = kappa("rewind", "--group", "ghost", "--to", "earliest");
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("unknown group 'ghost'"), bad.err());
    }

    @Test
    void replayIntoANewVersionThenDiff() throws Exception {
        assertEquals(0, kappa("topic", "create", "clicks", "--partitions", "2").code());
        assertEquals(0, appendLines("clicks", events()).code());
        assertEquals(0, kappa("run", "count", "--by", "page", "--group", "live", "--input", "clicks", "--output", "pages",
            "--until-caught-up").code());
        Cli.Result same = kappa("replay", "count", "--by", "page", "--input", "clicks", "--output", "pages.v2", "--until-caught-up");
        assertEquals(0, same.code(), same.err());
        Cli.Result diff = kappa("diff", "pages", "pages.v2");
        assertEquals(0, diff.code(), diff.out());
        assertTrue(diff.out().contains("3 equal, 0 differ"), diff.out());
        assertTrue(JSON.readTree(kappa("status", "pages.v2", "--json").out()).get("records").asLong() > 0, "its own group");

        Cli.Result changed = kappa("replay", "filter", "--where", "page = p1", "--input", "clicks", "--output", "pages.v3",
            "--from", "0", "--to", "10", "--max-rate", "1000");
        assertEquals(0, changed.code(), changed.err());
        diff = kappa("diff", "pages", "pages.v3");
        assertEquals(1, diff.code(), diff.out());
        assertTrue(diff.out().contains("different"), diff.out());

        Cli.Result bad = kappa("replay", "count", "--by", "page", "--input", "clicks", "--output", "pages.v4", "--from", "20", "--to", "5");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("is after --to"), bad.err());
        bad = kappa("diff", "pages", "nope");
        assertEquals(2, bad.code(), "trouble is 2, as for diff(1)");
        assertTrue(bad.err().contains("nope"), bad.err());
    }

    @Test
    void promoteSwitchesReadersToTheNewVersion() throws Exception {
        assertEquals(0, kappa("topic", "create", "clicks").code());
        assertEquals(0, appendLines("clicks", events()).code());
        assertEquals(0, kappa("run", "count", "--by", "page", "--group", "live", "--input", "clicks", "--output", "pages",
            "--until-caught-up").code());
        assertEquals(0, kappa("replay", "filter", "--where", "page = p1", "--input", "clicks", "--output", "pages.v2",
            "--until-caught-up").code());
        Cli.Result r = kappa("promote", "pages", "--to", "v3");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("no such topic"), r.err());
        r = kappa("promote", "pages", "--to", "v2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("pages now reads as pages.v2") && r.out().contains("readable as pages.v1"), r.out());
        List<String> now = Cli.run(withDir("read", "pages")).lines();
        assertEquals(20, now.size(), "the filtered version: 20 clicks on p1");
        assertEquals(60, Cli.run(withDir("read", "pages.v1")).lines().size(), "the first version stays readable");
        // a new group reading the logical name reads the promoted version
        Cli.Result downstream = kappa("run", "count", "--by", "key", "--group", "down", "--input", "pages", "--output", "per-user",
            "--until-caught-up");
        assertEquals(0, downstream.code(), downstream.err());
        assertTrue(downstream.err().contains("input pages reads as pages.v2"), downstream.err());
        assertTrue(downstream.out().contains("20 records processed"), downstream.out());

        // a version whose writer still has input to consume is refused unless forced
        assertEquals(0, kappa("replay", "count", "--by", "page", "--input", "clicks", "--output", "pages.v4", "--to", "10").code());
        r = kappa("promote", "pages", "--to", "v4");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("not caught up"), r.err());
        assertEquals(0, kappa("promote", "pages", "--to", "v4", "--force").code());
        assertTrue(java.nio.file.Files.readString(dir.resolve("audit.log")).contains("\"action\":\"promote\""));
    }
}
