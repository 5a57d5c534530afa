package io.kappa.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/** {@code run --until-caught-up --drain} and {@code replay --to --drain}: a bounded run closes its last windows. */
@Timeout(180)
class DrainCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long T0 = Instant.parse("2026-11-21T10:00:00Z").toEpochMilli();
    private static final long MINUTE = 60_000;
    private static final long DAY = 86_400_000;

    @TempDir
    Path dir;

    private Cli.Result kappa(String... args) {
        List<String> full = new ArrayList<>();
        int sub = args[0].equals("topic") ? 2 : 1;
        for (int i = 0; i < args.length; i++) {
            full.add(args[i]);
            if (i == sub - 1) {
                full.add("--data-dir=" + dir);
            }
        }
        return Cli.run(full.toArray(new String[0]));
    }

    private Cli.Result ok(String... args) {
        Cli.Result r = kappa(args);
        assertEquals(0, r.code(), String.join(" ", args) + ": " + r.out() + r.err());
        return r;
    }

    private List<JsonNode> read(String topic) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : ok("read", topic).lines()) {
            out.add(JSON.readTree(line));
        }
        return out;
    }

    /** {@code count} clicks 13 s apart, in time order, by four users on three pages. */
    private void appendClicks(int partitions, int count) {
        ok("topic", "create", "clicks", "--partitions", String.valueOf(partitions));
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < count; i++) {
            b.append("{\"key\":\"u").append(i % 4).append("\",\"time\":").append(T0 + i * 13_000L)
                .append(",\"value\":{\"page\":\"p").append(i % 3).append("\"}}\n");
        }
        Cli.Result r = Cli.runWithStdin(b.toString(), "append", "--data-dir=" + dir, "clicks");
        assertEquals(0, r.code(), r.err());
    }

    /** The expected count per "group minute" of the input events that {@code include} accepts, grouped by {@code by}. */
    private Map<String, Long> expectedCounts(String by, java.util.function.Predicate<JsonNode> include) throws Exception {
        Map<String, Long> counts = new TreeMap<>();
        for (JsonNode e : read("clicks")) {
            if (include.test(e)) {
                long t = Instant.parse(e.get("time").asText()).toEpochMilli();
                String group = by.equals("key") ? e.get("key").asText() : e.get("value").get(by).asText();
                counts.merge(group + " " + Instant.ofEpochMilli(t - Math.floorMod(t, MINUTE)), 1L, Long::sum);
            }
        }
        return counts;
    }

    /** The windows written, as "group minute" -> count; a window written twice fails. */
    private Map<String, Long> windows(String topic) throws Exception {
        Map<String, Long> out = new TreeMap<>();
        for (JsonNode r : read(topic)) {
            JsonNode v = r.get("value");
            String k = v.get("key").asText() + " " + v.get("windowStart").asText();
            assertNull(out.put(k, v.get("count").asLong()), "window " + k + " written twice");
        }
        return out;
    }

    private static String lastWindow(Map<String, Long> expected) {
        return expected.keySet().stream().max(Comparator.comparing(k -> k.substring(k.indexOf(' ') + 1))).orElseThrow();
    }

    private String[] windowCount(String by, String group, String output, String... more) {
        List<String> args = new ArrayList<>(List.of("run", "window-count", "--by", by, "--size", "1m", "--group", group, "--input",
            "clicks", "--output", output, "--until-caught-up"));
        args.addAll(List.of(more));
        return args.toArray(new String[0]);
    }

    @Test
    void drainWritesTheWindowsThatCaughtUpLeavesOpenAndMarksTheGroupDrained() throws Exception {
        appendClicks(2, 40);
        Map<String, Long> expected = expectedCounts("key", e -> true);

        ok(windowCount("key", "wc", "per-minute"));
        Map<String, Long> open = windows("per-minute");
        assertFalse(open.containsKey(lastWindow(expected)), "without --drain the last window stays open: " + open);
        assertTrue(open.size() < expected.size(), open.toString());
        open.forEach((k, n) -> assertEquals(expected.get(k), n, k));

        Path groupDir = dir.resolve("groups").resolve("wc");
        Path saved = Files.createDirectories(dir.resolve("saved"));
        for (int p = 0; p < 2; p++) {
            Files.copy(groupDir.resolve("main-" + p + ".ckpt"), saved.resolve("main-" + p + ".ckpt"));
        }
        Cli.Result drained = ok(windowCount("key", "wc", "per-minute", "--drain"));
        assertTrue(drained.out().contains("drained"), drained.out());
        assertEquals(expected, windows("per-minute"), "every window, each once, with the count of its events");

        // killed after the drain wrote its windows, before its checkpoint: the same command again writes nothing twice
        for (int p = 0; p < 2; p++) {
            Files.copy(saved.resolve("main-" + p + ".ckpt"), groupDir.resolve("main-" + p + ".ckpt"), StandardCopyOption.REPLACE_EXISTING);
        }
        ok(windowCount("key", "wc", "per-minute", "--drain"));
        assertEquals(expected, windows("per-minute"), "the re-produced drain is recognised, not written again");
        // and once drained, the same command again is a no-op
        ok(windowCount("key", "wc", "per-minute", "--drain"));
        assertEquals(expected, windows("per-minute"));

        JsonNode status = JSON.readTree(ok("status", "wc", "--json").out());
        assertTrue(status.has("drained"), status.toString());
        assertTrue(ok("status", "wc").out().contains("drained at"));

        Cli.Result refused = kappa(windowCount("key", "wc", "per-minute"));
        assertEquals(1, refused.code(), refused.out() + refused.err());
        assertTrue(refused.err().contains("group wc was drained at") && refused.err().contains("kappa rewind --group wc"),
            refused.err());
        Cli.Result live = kappa("run", "window-count", "--by", "key", "--size", "1m", "--group", "wc", "--input", "clicks", "--output",
            "per-minute");
        assertEquals(1, live.code(), "a live run is refused too: " + live.err());
        assertTrue(live.err().contains("was drained at"), live.err());

        // a rewind writes the rebuilt state (a watermark where a run stopped there would have it); undo puts the drain back
        ok("rewind", "--group", "wc", "--to", "3");
        assertFalse(JSON.readTree(ok("status", "wc", "--json").out()).has("drained"), "a rewind clears the mark");
        ok("rewind", "--group", "wc", "--undo");
        assertTrue(JSON.readTree(ok("status", "wc", "--json").out()).has("drained"), "an undo restores the drained state");
        ok("rewind", "--group", "wc", "--to", "earliest");
        assertFalse(JSON.readTree(ok("status", "wc", "--json").out()).has("drained"), "a rewind clears the mark");
        ok(windowCount("key", "wc", "per-minute"));
        assertEquals(expected.size() + open.size(), read("per-minute").size(), "the rewound group runs again, windows open at its end");
    }

    @Test
    void drainIsForBoundedLocalRuns() throws Exception {
        appendClicks(1, 40);
        Cli.Result unbounded = kappa("run", "window-count", "--by", "key", "--size", "1m", "--group", "wc", "--input", "clicks",
            "--output", "o", "--drain");
        assertEquals(2, unbounded.code(), unbounded.err());
        assertTrue(unbounded.err().contains("--drain ends a bounded run"), unbounded.err());
        Cli.Result replay = kappa("replay", "window-count", "--by", "key", "--size", "1m", "--input", "clicks", "--output", "o2",
            "--drain");
        assertEquals(2, replay.code(), replay.err());
        assertTrue(replay.err().contains("--until-caught-up or --to"), replay.err());
        Cli.Result kafka = kappa(windowCount("key", "wk", "o", "--drain", "--kafka", "localhost:1"));
        assertEquals(2, kafka.code(), kafka.err());
        assertTrue(kafka.err().contains("--drain is for the local log"), kafka.err());
    }

    @Test
    void drainOrdersTheStagesOfARepartitionedWindowCount() throws Exception {
        appendClicks(3, 5000);
        Map<String, Long> expected = expectedCounts("page", e -> true);

        ok(windowCount("page", "byPage", "per-page"));
        Map<String, Long> open = windows("per-page");
        assertTrue(open.size() < expected.size(), "without --drain the last windows stay open: " + open);
        assertFalse(open.containsKey(lastWindow(expected)), open.toString());

        ok(windowCount("page", "byPage", "per-page", "--drain"));
        assertEquals(expected, windows("per-page"), "the second stage read all the first one wrote, then drained");
        assertEquals(1, kappa(windowCount("page", "byPage", "per-page")).code());
        // from scratch: the second stage drains only after the first has read everything and drained
        ok(windowCount("page", "byPage2", "per-page2", "--drain"));
        assertEquals(expected, windows("per-page2"));
        // found by LoopSequenceTest: verify replayed a drained group without draining and reported its state different
        Cli.Result verify = kappa("replay", "--verify", "--group", "byPage2");
        assertEquals(0, verify.code(), verify.out() + verify.err());
        assertTrue(verify.out().contains("equal: the replay reproduces"), verify.out());
    }

    @Test
    void drainWritesTheLastDayOfATopTwo() throws Exception {
        ok("topic", "create", "changes", "--partitions", "2");
        String[] sym = {"A", "B", "C", "D", "E"};
        StringBuilder b = new StringBuilder();
        // three days; each symbol's latest change per day counts; values all distinct
        Map<Long, Map<String, Long>> latest = new TreeMap<>();
        int n = 0;
        for (int day = 0; day < 3; day++) {
            for (int i = 0; i < 8; i++) {
                String s = sym[(i * 3 + day) % sym.length];
                long t = T0 + day * DAY + i * 60_000L;
                long value = (n * 37L) % 101 - 50;
                n++;
                b.append("{\"key\":\"").append(s).append("\",\"time\":").append(t).append(",\"value\":{\"change\":").append(value)
                    .append("}}\n");
                latest.computeIfAbsent(t - Math.floorMod(t, DAY), d -> new HashMap<>()).put(s, value);
            }
        }
        assertEquals(0, Cli.runWithStdin(b.toString(), "append", "--data-dir=" + dir, "changes").code());
        Map<String, List<String>> expected = new TreeMap<>();
        latest.forEach((day, values) -> expected.put(Instant.ofEpochMilli(day).toString(), values.entrySet().stream()
            .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(2).map(e -> e.getKey() + "=" + e.getValue())
            .toList()));

        String[] top = {"run", "top", "--by", "change", "--n", "2", "--size", "1d", "--group", "t", "--input", "changes", "--output",
            "top2", "--until-caught-up"};
        ok(top);
        assertEquals(2, read("top2").size(), "without --drain the last day stays open");
        List<String> drain = new ArrayList<>(List.of(top));
        drain.add("--drain");
        ok(drain.toArray(new String[0]));
        Map<String, List<String>> written = new TreeMap<>();
        for (JsonNode r : read("top2")) {
            List<String> ranks = new ArrayList<>();
            for (JsonNode e : r.get("value").get("top")) {
                ranks.add(e.get("key").asText() + "=" + e.get("value").asLong());
            }
            assertNull(written.put(r.get("value").get("windowStart").asText(), ranks));
        }
        assertEquals(expected, written);
    }

    @Test
    void replayToAPositionDrainsTheWindowsOfTheEventsBeforeIt() throws Exception {
        appendClicks(2, 40);
        Map<String, Long> expected = expectedCounts("key", e -> e.get("offset").asLong() < 7);
        Cli.Result replay = kappa("replay", "window-count", "--by", "key", "--size", "1m", "--input", "clicks", "--output", "pm.v2",
            "--to", "7", "--drain");
        assertEquals(0, replay.code(), replay.err());
        assertEquals(expected, windows("pm.v2"));
        assertTrue(JSON.readTree(ok("status", "pm.v2", "--json").out()).has("drained"));
    }
}
