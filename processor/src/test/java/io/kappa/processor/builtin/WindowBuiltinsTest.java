package io.kappa.processor.builtin;

import io.kappa.processor.LogTest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import io.kappa.log.Event;
import io.kappa.log.Partitioner;
import io.kappa.log.Record;
import io.kappa.log.Topic;
import io.kappa.log.TopicConfig;
import io.kappa.processor.Groups;
import io.kappa.processor.ProcessorRunner;
import io.kappa.processor.RunnerContext;
import io.kappa.processor.TaskCheckpoint;
import io.kappa.processor.Topology;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static io.kappa.processor.builtin.BuiltinsTest.json;
import static io.kappa.processor.builtin.BuiltinsTest.readAll;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The windowed built-ins against a brute-force batch computation over the same events: random keys, values and
 * event times, delivered out of order within the allowed disorder (out-of-orderness plus lateness), must give
 * exactly the batch result; events beyond it must land in GROUP.late.
 */
class WindowBuiltinsTest extends LogTest {
    static final long BASE = 1_763_800_000_000L; // a multiple of every window size used here
    static final String FLUSH = "~flush";

    /** One generated event. */
    record Ev(String key, String page, long time, long value, int index) {
        byte[] json() {
            return ("{\"user\":\"" + key + "\",\"page\":\"" + page + "\",\"v\":" + value + "}").getBytes(StandardCharsets.UTF_8);
        }
    }

    /** Random events; delivered in the order of (time + random delay up to {@code disorder}). */
    static List<Ev> events(Random rnd, int n, int keys, long spanMs, long disorder) {
        List<Ev> evs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            evs.add(new Ev("u" + rnd.nextInt(keys), "p" + rnd.nextInt(keys), BASE + (long) (rnd.nextDouble() * spanMs),
                rnd.nextInt(1000) - 200, i));
        }
        long[] delivery = new long[n];
        for (Ev e : evs) {
            delivery[e.index()] = e.time() + (disorder == 0 ? 0 : (long) (rnd.nextDouble() * (disorder + 1)));
        }
        evs.sort(Comparator.<Ev>comparingLong(e -> delivery[e.index()]).thenComparingInt(Ev::index));
        return evs;
    }

    void append(String topic, List<Ev> evs, boolean byPage) {
        Topic t = log.topic(topic);
        for (Ev e : evs) {
            byte[] key = e.key().getBytes(StandardCharsets.UTF_8);
            t.append(new Event(key, e.json(), e.time(), null));
        }
    }

    /**
     * Moves every watermark past the data: a record far in the future from every input partition to every
     * downstream task (a task's watermark waits for every producer that writes to it).
     */
    void flush(String topic, long time, String by) {
        Topic t = log.topic(topic);
        int parts = t.partitionCount();
        for (int p = 0; p < parts; p++) {
            for (int q = 0; q < parts; q++) {
                String page = null;
                for (int i = 0; page == null; i++) {
                    String candidate = FLUSH + i;
                    if (new Partitioner().partition(candidate.getBytes(StandardCharsets.UTF_8), parts) == q) {
                        page = candidate;
                    }
                }
                String key = by.equals("key") ? page : FLUSH;
                t.append(p, new Event(key.getBytes(StandardCharsets.UTF_8),
                    ("{\"user\":\"" + key + "\",\"page\":\"" + page + "\",\"v\":0}").getBytes(StandardCharsets.UTF_8), time, null));
            }
        }
    }

    ProcessorRunner run(BuiltinSpec spec, String group, String input, String output) throws InterruptedException {
        Topology t = spec.topology(log, group, List.of(input), output);
        ProcessorRunner r = new ProcessorRunner(log, t, new RunnerContext().group(group).threads(2).description(spec.describe()));
        r.start();
        try {
            assertTrue(r.awaitCaughtUp(60_000), "caught up");
        } finally {
            r.close();
        }
        assertNull(r.failure(), () -> String.valueOf(r.failure()));
        return r;
    }

    static BuiltinSpec spec(String name, String... options) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < options.length; i += 2) {
            m.put(options[i], options[i + 1]);
        }
        return new BuiltinSpec(name, m);
    }

    // ---- brute force

    /** (group key, window start) -> [end, count, sum, min, max] over all events, windows as defined in WindowSpec. */
    static Map<String, long[]> batch(List<Ev> evs, String by, long size, long advance, long gap) {
        Map<String, List<Ev>> perKey = new TreeMap<>();
        for (Ev e : evs) {
            perKey.computeIfAbsent(by.equals("key") ? e.key() : e.page(), k -> new ArrayList<>()).add(e);
        }
        Map<String, long[]> out = new TreeMap<>();
        perKey.forEach((k, list) -> {
            if (gap > 0) {
                list.sort(Comparator.comparingLong(Ev::time));
                long start = 0;
                long end = Long.MIN_VALUE;
                List<Ev> session = new ArrayList<>();
                for (Ev e : list) {
                    if (!session.isEmpty() && e.time() >= end) {
                        out.put(k + "@" + start, summary(end, session));
                        session.clear();
                    }
                    if (session.isEmpty()) {
                        start = e.time();
                    }
                    session.add(e);
                    end = Math.max(end, e.time() + gap);
                }
                out.put(k + "@" + start, summary(end, session));
            } else {
                Map<Long, List<Ev>> windows = new TreeMap<>();
                for (Ev e : list) {
                    for (long s = Math.floorDiv(e.time(), advance) * advance; s + size > e.time(); s -= advance) {
                        windows.computeIfAbsent(s, x -> new ArrayList<>()).add(e);
                    }
                }
                windows.forEach((s, w) -> out.put(k + "@" + s, summary(s + size, w)));
            }
        });
        return out;
    }

    static long[] summary(long end, List<Ev> evs) {
        long sum = 0;
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (Ev e : evs) {
            sum += e.value();
            min = Math.min(min, e.value());
            max = Math.max(max, e.value());
        }
        return new long[] {end, evs.size(), sum, min, max};
    }

    /** The latest output per (key, window start), flush keys left out; also checks each record's shape. */
    static Map<String, JsonNode> latest(List<Record> out, List<String> emittedTwice) {
        Map<String, JsonNode> m = new TreeMap<>();
        for (Record r : out) {
            JsonNode v = json(r.valueString());
            String key = v.get("key").asText();
            if (key.startsWith(FLUSH)) {
                continue;
            }
            assertEquals(key, new String(r.key(), StandardCharsets.UTF_8), "the record key is the group key");
            long start = Instant.parse(v.get("windowStart").asText()).toEpochMilli();
            long end = Instant.parse(v.get("windowEnd").asText()).toEpochMilli();
            assertEquals(end - 1, r.eventTime(), "a result's event time is its window end - 1");
            if (m.put(key + "@" + start, v) != null && emittedTwice != null) {
                emittedTwice.add(key + "@" + start);
            }
        }
        return m;
    }

    // ---- properties

    @ParameterizedTest(name = "{0} {1} mode={2} partitions={3} by={4} seed={5}")
    @CsvSource({
        "tumbling, count, append,   1, key,  11",
        "tumbling, sum,   update,   1, key,  12",
        "tumbling, count, complete, 1, key,  13",
        "hopping,  max,   append,   1, key,  21",
        "hopping,  count, update,   3, page, 22",
        "hopping,  min,   complete, 1, key,  23",
        "session,  count, append,   1, key,  31",
        "session,  sum,   update,   1, key,  32",
        "session,  count, append,   3, page, 33",
        "session,  max,   complete, 1, key,  34",
    })
    void windowedAggregatesMatchABatchComputation(String kind, String agg, String mode, int partitions, String by, long seed)
        throws InterruptedException {
        Random rnd = new Random(seed);
        long size = 10_000;
        long advance = kind.equals("hopping") ? 4_000 : size;
        long gap = kind.equals("session") ? 1_500 : 0;
        long ooo = 2_000;
        long lateness = 1_000;
        int keys = kind.equals("session") ? 6 : 8;
        List<Ev> evs = events(rnd, 1_500, keys, kind.equals("session") ? 600_000 : 200_000, ooo + lateness);
        log.createTopic("in", TopicConfig.partitions(partitions));
        append("in", evs, by.equals("page"));
        long last = evs.stream().mapToLong(Ev::time).max().orElseThrow();
        flush("in", last + 10 * size + gap + ooo + lateness, by);

        List<String> opts = new ArrayList<>(List.of("by", by, "lateness", "1s", "out-of-order", "2s", "mode", mode));
        if (gap > 0) {
            opts.addAll(List.of("session-gap", "1500ms"));
        } else {
            opts.addAll(List.of("size", "10s", "advance", advance + "ms"));
        }
        String name = agg.equals("count") ? "window-count" : "window-agg";
        if (!agg.equals("count")) {
            opts.addAll(List.of("agg", agg, "field", "v"));
        }
        run(spec(name, opts.toArray(new String[0])), "g", "in", "out");

        String where = kind + " " + agg + " " + mode + " seed " + seed;
        Map<String, long[]> expected = batch(evs, by, size, advance, gap);
        List<String> twice = new ArrayList<>();
        Map<String, JsonNode> actual = latest(readAll(log.topic("out")), twice);
        if (mode.equals("append")) {
            assertEquals(List.of(), twice, where + ": append mode writes each window once");
        }
        if (!(!mode.equals("append") && gap > 0)) {
            assertEquals(expected.keySet(), actual.keySet(), where + ": the windows");
        } else {
            // update and complete modes write sessions before later records merge them; the final ones are all there
            assertTrue(actual.keySet().containsAll(expected.keySet()), where + ": the final sessions");
        }
        int field = switch (agg) {
            case "count" -> 1;
            case "sum" -> 2;
            case "min" -> 3;
            default -> 4;
        };
        expected.forEach((w, e) -> {
            JsonNode v = actual.get(w);
            assertEquals(e[0], Instant.parse(v.get("windowEnd").asText()).toEpochMilli(), where + ": end of " + w);
            assertEquals(e[field], v.get(agg).asLong(), where + ": " + agg + " of " + w + " in " + v);
        });
        assertFalse(log.exists("g.late") && !readAll(log.topic("g.late")).isEmpty(), where + ": nothing was late");
        assertFalse(log.exists("g.dlq") && !readAll(log.topic("g.dlq")).isEmpty(), where + ": nothing was dead-lettered");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"tumbling", "hopping", "session"})
    void recordsBeyondTheAllowedDisorderGoToTheLateTopicAndNotIntoResults(String kind) throws InterruptedException {
        Random rnd = new Random(kind.hashCode());
        List<Ev> evs = events(rnd, 600, 5, 120_000, 1_000);
        log.createTopic("in", TopicConfig.partitions(1));
        append("in", evs, false);
        long last = evs.stream().mapToLong(Ev::time).max().orElseThrow();
        // far behind the watermark: every window they would fall into has closed
        List<Ev> late = List.of(new Ev("u1", "p1", BASE - 50_000, 7, 10_001), new Ev("u2", "p2", last - 60_000, 9, 10_002));
        append("in", late, false);
        flush("in", last + 100_000, "key");
        String[] opts = kind.equals("session") ? new String[] {"by", "key", "session-gap", "1s", "out-of-order", "1s"}
            : new String[] {"by", "key", "size", "10s", "advance", kind.equals("hopping") ? "5s" : "10s", "out-of-order", "1s"};
        run(spec("window-count", opts), "g", "in", "out");

        Map<String, long[]> expected = batch(evs, "key", 10_000, kind.equals("hopping") ? 5_000 : 10_000,
            kind.equals("session") ? 1_000 : 0);
        Map<String, JsonNode> actual = latest(readAll(log.topic("out")), null);
        assertEquals(expected.keySet(), actual.keySet(), "the late records opened no window");
        expected.forEach((w, e) -> assertEquals(e[1], actual.get(w).get("count").asLong(), w));
        List<Record> lateOut = readAll(log.topic("g.late"));
        assertEquals(2, lateOut.size(), "both late records, once each");
        for (int i = 0; i < 2; i++) {
            JsonNode v = json(lateOut.get(i).valueString());
            assertTrue(v.get("reason").asText().contains("closed"), v.toString());
            assertEquals(Instant.ofEpochMilli(late.get(i).time()).toString(), v.get("eventTime").asText());
            assertEquals(late.get(i).value(), v.get("value").get("v").asLong(), "the original value is kept");
            assertEquals("in", v.get("topic").asText());
            assertTrue(Instant.parse(v.get("watermark").asText()).toEpochMilli() > late.get(i).time());
            assertEquals(late.get(i).key(), new String(lateOut.get(i).key(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void appendTimeWindowsIgnoreTheEventTimesAndProcessingTimeWindowsCloseOnTheWallClock() throws Exception {
        log.createTopic("in", TopicConfig.partitions(1));
        Topic t = log.topic("in");
        // event times all over the place; appended within a moment: one append-time window holds them all
        for (int i = 0; i < 50; i++) {
            t.append(new Event("k".getBytes(StandardCharsets.UTF_8), "{}".getBytes(StandardCharsets.UTF_8), BASE + i * 86_400_000L,
                null));
        }
        Thread.sleep(1_100);
        t.append(new Event("k".getBytes(StandardCharsets.UTF_8), "{}".getBytes(StandardCharsets.UTF_8), BASE, null));
        run(spec("window-count", "by", "key", "size", "1s", "time", "append"), "a", "in", "out-append");
        List<Record> byAppend = readAll(log.topic("out-append"));
        assertTrue(byAppend.size() >= 1 && byAppend.size() <= 2, "one window, or two if the appends straddled a second: " + byAppend);
        assertEquals(50, byAppend.stream().mapToLong(r -> json(r.valueString()).get("count").asLong()).sum(),
            "the first 50 counted by append time, closed once the last record's append time passed them");

        // processing time: the runner's clock stamps the records, and moving it on closes the window without a record
        org.agrona.concurrent.CachedEpochClock clock = new org.agrona.concurrent.CachedEpochClock();
        clock.update(BASE);
        Topology topology = spec("window-count", "by", "key", "size", "1m", "time", "processing").topology(log, "p", List.of("in"),
            "out-processing");
        ProcessorRunner r = new ProcessorRunner(log, topology, new RunnerContext().group("p").clock(clock));
        r.start();
        try {
            assertTrue(r.awaitCaughtUp(30_000));
            assertFalse(log.topic("out-processing").partition(0).endOffset() > 0, "the minute is still open");
            clock.update(BASE + 61_000);
            long deadline = System.currentTimeMillis() + 30_000;
            while (log.topic("out-processing").partition(0).endOffset() == 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(10);
            }
        } finally {
            r.close();
        }
        assertNull(r.failure());
        List<Record> byWallClock = readAll(log.topic("out-processing"));
        assertEquals(1, byWallClock.size());
        JsonNode v = json(byWallClock.get(0).valueString());
        assertEquals(51, v.get("count").asLong(), "every record, stamped with the wall clock when read");
        assertEquals(Instant.ofEpochMilli(BASE / 60_000 * 60_000).toString(), v.get("windowStart").asText());
    }

    @Test
    void stateStaysBoundedOnALongStream() throws InterruptedException {
        log.createTopic("in", TopicConfig.partitions(1));
        Topic t = log.topic("in");
        // 200 keys, one event per key every 100 ms of event time, 1 s windows: about 200 windows open at once
        long time = BASE;
        for (int i = 0; i < 40_000; i++) {
            t.append(new Event(("k" + i % 200).getBytes(StandardCharsets.UTF_8), "{}".getBytes(StandardCharsets.UTF_8), time, null));
            if (i % 200 == 199) {
                time += 100;
            }
        }
        run(spec("window-count", "by", "key", "size", "1s"), "g", "in", "out");
        TaskCheckpoint cp = TaskCheckpoint.read(Groups.checkpointPath(log.dataDir(), "g", "main", 0));
        long entries = cp.storeSizes().get("window-count");
        assertTrue(entries <= 200, "only the open window's keys are kept, not all " + 40_000 / 200 / 10 * 200 + ": " + entries);
        assertEquals(19 * 200, readAll(log.topic("out")).size(), "every closed window was written");
    }

    @Test
    void aLiveRunAndARunOverTheWholeLogWriteTheSameRecords() throws Exception {
        log.createTopic("in", TopicConfig.partitions(2));
        List<Ev> evs = events(new Random(5), 3_000, 20, 300_000, 2_000);
        BuiltinSpec spec = spec("window-count", "by", "page", "size", "10s", "out-of-order", "2s", "lateness", "500ms");
        Topology live = spec.topology(log, "live", List.of("in"), "out-live");
        ProcessorRunner runner = new ProcessorRunner(log, live, new RunnerContext().group("live").threads(2)
            .checkpointIntervalMs(50));
        runner.start();
        for (int i = 0; i < evs.size(); i += 250) {
            append("in", evs.subList(i, Math.min(evs.size(), i + 250)), true);
            Thread.sleep(20);
        }
        flush("in", BASE + 400_000, "page");
        // awaitCaughtUp waits for the ends at start; here the inputs grew while it ran: wait for no lag at all
        long deadline = System.currentTimeMillis() + 60_000;
        int quiet = 0;
        while (quiet < 3 && System.currentTimeMillis() < deadline) {
            quiet = runner.lag() == 0 ? quiet + 1 : 0;
            Thread.sleep(50);
        }
        assertEquals(0, runner.lag(), "the live run caught up");
        runner.close();
        assertNull(runner.failure());
        run(spec, "replayed", "in", "out-replayed");
        for (String g : List.of("live", "replayed")) {
            for (String suffix : List.of(".late", ".dlq")) {
                assertFalse(log.exists(g + suffix) && !readAll(log.topic(g + suffix)).isEmpty(),
                    () -> g + suffix + ": " + readAll(log.topic(g + suffix)).get(0).valueString());
            }
        }
        Topic a = log.topic("out-live");
        Topic b = log.topic("out-replayed");
        assertTrue(readAll(a).size() > 100);
        for (int p = 0; p < a.partitionCount(); p++) {
            List<Record> x = BuiltinsTest.readPartition(a.partition(p));
            List<Record> y = BuiltinsTest.readPartition(b.partition(p));
            assertEquals(x.size(), y.size(), "partition " + p);
            for (int i = 0; i < x.size(); i++) {
                assertArrayEquals(x.get(i).key(), y.get(i).key());
                assertArrayEquals(x.get(i).value(), y.get(i).value(), "partition " + p + " record " + i);
                assertEquals(x.get(i).eventTime(), y.get(i).eventTime());
            }
        }
    }

    @Test
    void topKeepsTheHighestValuesPerWindowAfterAPerKeyAggregation() throws InterruptedException {
        // per-symbol daily change (sum of ticks), then the daily top 3 in a one-partition stage
        log.createTopic("ticks", TopicConfig.partitions(2));
        Random rnd = new Random(7);
        long day = 86_400_000L;
        long base = BASE / day * day; // windows are aligned to the epoch
        Map<String, Long> change = new TreeMap<>();
        Topic t = log.topic("ticks");
        List<Event> ticks = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            String sym = "S" + rnd.nextInt(12);
            long d = rnd.nextInt(3);
            long time = base + d * day + rnd.nextInt((int) day);
            long delta = rnd.nextInt(200) - 100;
            change.merge(d + "/" + sym, delta, Long::sum);
            ticks.add(new Event(sym.getBytes(StandardCharsets.UTF_8), ("{\"delta\":" + delta + "}").getBytes(StandardCharsets.UTF_8),
                time, null));
        }
        // in day order, each day shuffled: out of order within the allowed day
        ticks.sort(Comparator.comparingLong(e -> (e.eventTime() - base) / day));
        ticks.forEach(t::append);
        // sorted by day, so windows close in order; flush every partition and task
        flush("ticks", base + 10 * day, "key");
        run(spec("window-agg", "by", "key", "agg", "sum", "field", "delta", "size", "1d", "out-of-order", "1d"), "daily", "ticks",
            "daily-change");
        // the last day's results close the top stage's day only once later results arrive: send one
        flush("daily-change", base + 20 * day, "key");
        run(spec("top", "by", "sum", "n", "3", "size", "1d"), "top3", "daily-change", "top");

        List<Record> out = readAll(log.topic("top"));
        Map<Long, List<String>> expected = new TreeMap<>();
        for (long d = 0; d < 3; d++) {
            long day0 = d;
            List<Map.Entry<String, Long>> rows = new ArrayList<>(change.entrySet().stream()
                .filter(e -> e.getKey().startsWith(day0 + "/")).toList());
            rows.sort(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(e -> e.getKey().substring(2)));
            expected.put(base + d * day, rows.subList(0, 3).stream().map(e -> e.getKey().substring(2) + "=" + e.getValue()).toList());
        }
        Map<Long, List<String>> actual = new TreeMap<>();
        for (Record r : out) {
            JsonNode v = json(r.valueString());
            long start = Instant.parse(v.get("windowStart").asText()).toEpochMilli();
            List<String> rows = new ArrayList<>();
            for (JsonNode row : v.get("top")) {
                rows.add(row.get("key").asText() + "=" + row.get("value").asLong());
            }
            if (start < base + 3 * day) {
                assertNull(actual.put(start, rows), "one ranking per day in append mode");
            }
        }
        assertEquals(expected, actual);
        assertFalse(log.exists("daily.late") || log.exists("top3.late"), "nothing was late");
    }
}
