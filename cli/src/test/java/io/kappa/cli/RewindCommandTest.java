package io.kappa.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/** {@code kappa rewind}: its dry runs, its undo, and what its plan says it costs, through the command line. */
@Timeout(120)
class RewindCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

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

    /** 1,000 clicks over 3 partitions, pages p0..p6 (a page's clicks spread over every partition). */
    private Map<String, Long> appendClicks(int from, int n) {
        StringBuilder b = new StringBuilder();
        Map<String, Long> pages = new HashMap<>();
        for (int i = from; i < from + n; i++) {
            String page = "p" + (i % 7);
            b.append("{\"key\":\"u").append(i % 13).append("\",\"value\":{\"page\":\"").append(page).append("\"}}\n");
            pages.merge(page, 1L, Long::sum);
        }
        Cli.Result r = Cli.runWithStdin(b.toString(), "append", "clicks", "--data-dir=" + dir);
        assertEquals(0, r.code(), r.err());
        return pages;
    }

    private void runPages() {
        ok("run", "count", "--by", "page", "--group", "pages", "--input", "clicks", "--output", "page-counts", "--until-caught-up");
    }

    private Map<String, Long> latestCounts() throws Exception {
        Map<String, Long> m = new HashMap<>();
        for (String line : ok("read", "page-counts").lines()) {
            JsonNode n = JSON.readTree(line);
            m.put(n.get("key").asText(), n.get("value").get("count").asLong());
        }
        return m;
    }

    /** Every file of the group (but its lock), with its bytes. */
    private Map<String, String> groupFiles() throws Exception {
        Map<String, String> m = new HashMap<>();
        Path g = dir.resolve("groups");
        try (Stream<Path> s = Files.walk(g)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                if (!f.getFileName().toString().equals("lock")) {
                    m.put(g.relativize(f).toString(), java.util.HexFormat.of().formatHex(Files.readAllBytes(f)));
                }
            }
        }
        return m;
    }

    /** count --by key (one stage), a snapshot after every 100 records. */
    private void runKeys() {
        ok("run", "count", "--by", "key", "--group", "keys", "--input", "clicks", "--output", "key-counts", "--until-caught-up",
            "--snapshot-every-records", "100", "--snapshots-keep", "3");
    }

    @Test
    void aRewindRebuildsFromTheNearestSnapshotStatusListsAndTheDryRunNames() throws Exception {
        ok("topic", "create", "clicks", "--partitions", "3");
        for (int round = 0; round < 4; round++) {
            appendClicks(round * 300, 300);
            runKeys();
        }
        JsonNode status = JSON.readTree(ok("status", "keys", "--snapshots", "--json").out());
        JsonNode list = status.get("snapshots").get("list");
        assertEquals(3, list.size(), "--snapshots-keep 3: " + list);
        assertEquals(3, status.get("snapshots").get("policy").get("keep").asInt());
        String text = ok("status", "keys", "--snapshots").out();
        assertTrue(text.contains("snapshots: 3 kept") && text.contains(list.get(0).get("id").asText()), text);
        // the snapshot nearest below 100 records back in every partition
        Map<Integer, Long> target = new HashMap<>();
        status.get("partitions").forEach(p -> target.put(p.get("partition").asInt(), p.get("committed").asLong() - 100));
        String nearest = null;
        long fewest = Long.MAX_VALUE;
        for (JsonNode snap : list) {
            long events = 0;
            for (JsonNode p : snap.get("positions")) {
                long next = p.get("next").asLong();
                long to = target.get(p.get("partition").asInt());
                events = events < 0 || next > to ? -1 : events + to - next;
            }
            if (events >= 0 && events < fewest) {
                fewest = events;
                nearest = snap.get("id").asText();
            }
        }
        assertNotNull(nearest, "a snapshot at or below " + target + ": " + list);
        Map<String, String> before = groupFiles();
        JsonNode dry = JSON.readTree(ok("rewind", "--group", "keys", "--shift", "-100", "--dry-run", "--json").out());
        assertEquals(nearest, dry.get("snapshot").get("id").asText());
        assertEquals(fewest, dry.get("rebuildEvents").asLong());
        assertEquals(before, groupFiles(), "a dry run changes no checkpoint and no snapshot");
        Cli.Result rewind = ok("rewind", "--group", "keys", "--shift", "-100");
        assertTrue(rewind.out().contains("from snapshot " + nearest), rewind.out());
        runKeys();
        Map<String, Long> latest = new HashMap<>();
        for (String line : ok("read", "key-counts").lines()) {
            JsonNode n = JSON.readTree(line);
            latest.put(n.get("key").asText(), n.get("value").get("count").asLong());
        }
        Map<String, Long> expected = new HashMap<>();
        for (int i = 0; i < 1_200; i++) {
            expected.merge("u" + (i % 13), 1L, Long::sum);
        }
        assertEquals(expected, latest, "counts after a rewind rebuilt from a snapshot");
    }

    @Test
    void undoDryRunChangesNothing() throws Exception {
        ok("topic", "create", "clicks", "--partitions", "3");
        appendClicks(0, 300);
        runPages();
        ok("rewind", "--group", "pages", "--to", "earliest");
        Map<String, String> before = groupFiles();
        Cli.Result dry = ok("rewind", "--group", "pages", "--undo", "--dry-run");
        assertTrue(dry.out().contains("dry run: nothing changed"), dry.out());
        assertEquals(before, groupFiles(), "undo --dry-run changed the group's files");
        // the undo it described is still there to do
        ok("rewind", "--group", "pages", "--undo");
        assertNotEquals(0, kappa("rewind", "--group", "pages", "--undo").code(), "a second undo has nothing to undo");
    }

    @Test
    void undoAfterARewoundTwoStageGroupRanKeepsEveryStageConsistent() throws Exception {
        ok("topic", "create", "clicks", "--partitions", "3");
        Map<String, Long> expected = appendClicks(0, 1_000);
        runPages();
        assertEquals(expected, latestCounts());
        ok("rewind", "--group", "pages", "--to", "earliest");
        runPages();
        Cli.Result undo = ok("rewind", "--group", "pages", "--undo");
        assertTrue(undo.out().contains("rebuilt"), undo.out());
        appendClicks(1_000, 200).forEach((k, v) -> expected.merge(k, v, Long::sum));
        runPages();
        assertEquals(expected, latestCounts(), "page counts after rewind, run, undo, run");
        assertEquals(1_200, latestCounts().values().stream().mapToLong(Long::longValue).sum());
    }

    @Test
    void undoOfATwoStageGroupThatDidNotRunRestoresItsCheckpoints() throws Exception {
        ok("topic", "create", "clicks", "--partitions", "3");
        Map<String, Long> expected = appendClicks(0, 500);
        runPages();
        ok("rewind", "--group", "pages", "--to", "100");
        Cli.Result undo = ok("rewind", "--group", "pages", "--undo");
        assertTrue(undo.out().contains("restored"), undo.out());
        appendClicks(500, 50).forEach((k, v) -> expected.merge(k, v, Long::sum));
        runPages();
        assertEquals(expected, latestCounts());
    }

    @Test
    void dryRunCostShowsTheStateRebuild() throws Exception {
        ok("topic", "create", "clicks", "--partitions", "3");
        appendClicks(0, 600);
        ok("run", "count", "--by", "key", "--group", "users", "--input", "clicks", "--output", "user-counts", "--until-caught-up");
        long ends = 0;
        long rebuild = 0;
        for (JsonNode p : JSON.readTree(ok("status", "users", "--json").out()).path("partitions")) {
            ends += p.path("end").asLong();
            rebuild += Math.min(50, p.path("end").asLong());
        }
        Cli.Result dry = ok("rewind", "--group", "users", "--to", "50", "--dry-run");
        assertTrue(dry.out().contains(String.format("to rebuild the state: %,d events", rebuild)), dry.out());
        assertTrue(dry.out().contains(String.format("to reprocess: %,d events", ends - rebuild)), dry.out());
        Cli.Result earliest = ok("rewind", "--group", "users", "--to", "earliest", "--dry-run");
        assertFalse(earliest.out().contains("to rebuild"), "nothing to rebuild at earliest: " + earliest.out());
        assertTrue(earliest.out().contains("state: cleared"), earliest.out());
    }

    @Test
    void undoTakesNoPartition() {
        assertEquals(2, kappa("rewind", "--group", "g", "--undo", "--partition", "1").code());
    }

    /** Per value of the output, the flags the two stages of {@link ReplayFlagTopology} saw, last write first. */
    private Map<String, String> flags(String topic) throws Exception {
        Map<String, String> m = new HashMap<>();
        for (String line : ok("read", topic).lines()) {
            String v = JSON.readTree(line).get("value").asText();
            int bar = v.indexOf('|');
            m.put(v.substring(0, bar), v.substring(bar + 1));
        }
        return m;
    }

    @Test
    void whatAGroupRecomputesAfterARewindIsReplayingInEveryStage() throws Exception {
        ok("topic", "create", "words", "--partitions", "2");
        StringBuilder first = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            first.append("w").append(i).append('\n');
        }
        assertEquals(0, Cli.runWithStdin(first.toString(), "append", "words", "--raw", "--data-dir=" + dir).code());
        String[] run = {"run", "--class", ReplayFlagTopology.class.getName(), "--group", "flags", "--input", "words", "--output", "flagged",
            "--until-caught-up"};
        ok(run);
        flags("flagged").forEach((w, f) -> assertEquals("first=false|second=false", f, w + " on the first run"));
        ok("rewind", "--group", "flags", "--to", "earliest");
        StringBuilder more = new StringBuilder();
        for (int i = 20; i < 30; i++) {
            more.append("w").append(i).append('\n');
        }
        assertEquals(0, Cli.runWithStdin(more.toString(), "append", "words", "--raw", "--data-dir=" + dir).code());
        ok(run);
        Map<String, String> after = flags("flagged");
        for (int i = 0; i < 30; i++) {
            assertEquals(i < 20 ? "first=true|second=true" : "first=false|second=false", after.get("w" + i),
                "w" + i + (i < 20 ? " was recomputed after the rewind" : " is new"));
        }
        // a second rewind, to the middle: what any run had read before is recomputed, what is new is not
        ok("rewind", "--group", "flags", "--to", "5");
        ok(run);
        after = flags("flagged");
        for (int i = 0; i < 30; i++) {
            assertTrue(after.get("w" + i).equals("first=true|second=true") || i < 10, "w" + i + ": " + after.get("w" + i));
        }
    }

    @Test
    void aTwoStageGroupUndoneToBeforeItsFirstRewindCanBeRewoundToTheMiddleAgain() throws Exception {
        ok("topic", "create", "clicks", "--partitions", "2");
        Map<String, Long> expected = appendClicks(0, 200);
        runPages();
        ok("rewind", "--group", "pages", "--to", "earliest");
        ok("rewind", "--group", "pages", "--undo");
        // found by LoopSequenceTest: the undo dropped the epochs, and the next rewind took the group for one rewound by
        // an older kappa
        ok("rewind", "--group", "pages", "--to", "30");
        runPages();
        assertEquals(expected, latestCounts());
    }

    @Test
    void aTwoStageGroupRewoundToTheMiddleAfterAnotherRewindKeepsTheLaterStagesState() throws Exception {
        ok("topic", "create", "clicks", "--partitions", "2");
        Map<String, Long> expected = appendClicks(0, 120);
        runPages();
        expected.putAll(mergeInto(expected, appendClicks(120, 40)));
        // found by LoopSequenceTest: the later stage's state was rebuilt from what the current epoch of the repartition
        // topic held, which after a rewind to latest is nothing, so the counts restarted from zero
        ok("rewind", "--group", "pages", "--to", "latest");
        ok("rewind", "--group", "pages", "--to", "10", "--partition", "1");
        runPages();
        assertEquals(expected, latestCounts());
    }

    private static Map<String, Long> mergeInto(Map<String, Long> into, Map<String, Long> more) {
        Map<String, Long> m = new HashMap<>(into);
        more.forEach((k, v) -> m.merge(k, v, Long::sum));
        return m;
    }
}
