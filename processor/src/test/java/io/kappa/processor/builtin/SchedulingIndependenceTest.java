package io.kappa.processor.builtin;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import io.kappa.log.Event;
import io.kappa.log.EventLog;
import io.kappa.log.LogContext;
import io.kappa.log.PartitionTailer;
import io.kappa.log.Record;
import io.kappa.log.Topic;
import io.kappa.log.TopicConfig;
import io.kappa.processor.ProcessorRunner;
import io.kappa.processor.RunnerContext;
import io.kappa.processor.Topology;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Stateful built-ins give outputs that are a function of each partition's records, not of how the partitions
 * interleave or how far one runs ahead: dedup forgets by the watermark, top breaks ties of time by value. The log's clock is driven by the test (one millisecond per
 * append, well in the past), so a task with two inputs merges them in the order the test appended them.
 */
class SchedulingIndependenceTest {
    static final long APPEND_BASE = 1_600_000_000_000L;
    static final long T = 1_700_000_000_000L;
    static final long WINDOW = 60_000;

    @TempDir
    Path dir;
    EventLog log;
    final AtomicLong appendClock = new AtomicLong(APPEND_BASE);

    @BeforeEach
    void open() {
        log = EventLog.open(new LogContext().dataDir(dir).pretouch(false).clock(appendClock::get));
    }

    @AfterEach
    void close() {
        log.close();
    }

    /** One input event: where it goes (input index or partition), its id, its event time, its value {"i":N}. */
    record In(int source, String id, long time, int i) {
        Event event(int partition) {
            return new Event(utf8("k" + i), utf8("{\"i\":" + i + "}"), time, utf8(id), partition);
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The reference: per id, in each source's order, a record is kept unless a kept record of its id is at most the
     * window away; memory is unbounded. (Every id here lives in one source, so the sources' interleaving is moot.)
     */
    static List<String> expected(List<In> events) {
        Map<String, List<Long>> kept = new HashMap<>();
        List<String> out = new ArrayList<>();
        for (In e : events) {
            List<Long> times = kept.computeIfAbsent(e.id(), x -> new ArrayList<>());
            if (times.stream().noneMatch(k -> Math.abs(k - e.time()) <= WINDOW)) {
                times.add(e.time());
                out.add("{\"i\":" + e.i() + "}");
            }
        }
        out.sort(null);
        return out;
    }

    void runToEnd(Topology t, String group) throws InterruptedException {
        ProcessorRunner r = new ProcessorRunner(log, t, new RunnerContext().group(group).threads(2));
        r.start();
        try {
            assertTrue(r.awaitCaughtUp(30_000), "caught up");
        } finally {
            r.close();
        }
        assertNull(r.failure());
    }

    List<String> sortedValues(String topic) {
        List<String> out = new ArrayList<>();
        if (!log.exists(topic)) {
            return out;
        }
        Topic t = log.topic(topic);
        for (int p = 0; p < t.partitionCount(); p++) {
            try (PartitionTailer tailer = t.partition(p).newTailer()) {
                tailer.toStart();
                while (tailer.poll(v -> out.add(v.toRecord().valueString()), 1000) > 0) {
                    // drain
                }
            }
        }
        out.sort(null);
        return out;
    }

    /** Appends events to their input topic ({@code prefix} + "a" or "b"), each with the next append time. */
    void append(String prefix, List<In> events) {
        for (In e : events) {
            appendClock.incrementAndGet();
            log.topic(prefix + (e.source() == 0 ? "a" : "b")).append(e.event(0));
        }
    }

    /** Dedup by id over two one-partition inputs, read by one task that merges them in append order. */
    List<String> dedupTwoInputs(String name, List<In> interleaving) throws InterruptedException {
        log.createTopic(name + "a", TopicConfig.partitions(1));
        log.createTopic(name + "b", TopicConfig.partitions(1));
        append(name, interleaving);
        runToEnd(Builtins.dedup(name, List.of(name + "a", name + "b"), name + "-out", GroupKey.parse("id", true), WINDOW, false), name);
        return sortedValues(name + "-out");
    }

    /**
     * Source 0 runs ten minutes ahead of source 1 (a backfill, a skewed partition); both hold ids of their own with
     * copies 0 to 90 s apart, in time order.
     */
    static List<List<In>> skewedSources(Random random) {
        List<List<In>> sources = List.of(new ArrayList<>(), new ArrayList<>());
        int i = 0;
        for (int s = 0; s < 2; s++) {
            long time = s == 0 ? T + 600_000 : T;
            for (int n = 0; n < 40; n++) {
                time += random.nextInt(15_000);
                sources.get(s).add(new In(s, (s == 0 ? "fast-" : "slow-") + random.nextInt(6), time, i++));
            }
        }
        return sources;
    }

    /** Merges the two sources' lists, each in its own order, by coin flips. */
    static List<In> interleave(List<List<In>> sources, Random random) {
        List<In> out = new ArrayList<>();
        int a = 0;
        int b = 0;
        List<In> fast = sources.get(0);
        List<In> slow = sources.get(1);
        while (a < fast.size() || b < slow.size()) {
            if (b == slow.size() || (a < fast.size() && random.nextBoolean())) {
                out.add(fast.get(a++));
            } else {
                out.add(slow.get(b++));
            }
        }
        return out;
    }

    static List<In> concat(List<In> first, List<In> second) {
        List<In> out = new ArrayList<>(first);
        out.addAll(second);
        return out;
    }

    @Test
    void theOutputIsTheSameWhateverOrderTheTaskReadsItsPartitionsIn() throws Exception {
        long seed = System.nanoTime();
        System.out.println("SchedulingIndependenceTest seed " + seed);
        Random random = new Random(seed);
        List<List<In>> sources = skewedSources(random);
        List<String> expected = expected(concat(sources.get(0), sources.get(1)));
        assertTrue(expected.size() < 80, "the input holds duplicates (seed " + seed + ")");

        Map<String, List<In>> orders = new java.util.LinkedHashMap<>();
        orders.put("fastfirst", concat(sources.get(0), sources.get(1)));
        orders.put("slowfirst", concat(sources.get(1), sources.get(0)));
        List<In> alternating = new ArrayList<>();
        for (int n = 0; n < 40; n++) {
            alternating.add(sources.get(1).get(n));
            alternating.add(sources.get(0).get(n));
        }
        orders.put("alternating", alternating);
        for (int n = 0; n < 3; n++) {
            orders.put("random" + n, interleave(sources, random));
        }
        for (Map.Entry<String, List<In>> o : orders.entrySet()) {
            assertEquals(expected, dedupTwoInputs(o.getKey(), o.getValue()), o.getKey() + " (seed " + seed + ")");
        }
    }

    @Test
    void aRetryInTheSlowPartitionIsDroppedWhileAnotherPartitionIsTenMinutesAhead() throws Exception {
        In original = new In(1, "order-7", T, 0);
        In ahead = new In(0, "other", T + 600_000, 1);
        In retry = new In(1, "order-7", T + 5_000, 2);
        assertEquals(List.of("{\"i\":0}", "{\"i\":1}"), dedupTwoInputs("x", List.of(original, ahead, retry)));
    }

    /**
     * The case through a repartition: partition 0 of a two-partition input runs ten minutes ahead, partition
     * 1 holds an original and its retry 5 s later, window 1 min. Whatever order the runs see them in, the retry is
     * dropped: a run per step makes the order certain.
     */
    @Test
    void throughARepartitionTheRetryIsDroppedInEveryProcessingOrder() throws Exception {
        In original = new In(1, "order-7", T, 0);
        In retry = new In(1, "order-7", T + 5_000, 1);
        List<In> ahead = new ArrayList<>();
        for (int n = 0; n < 8; n++) {
            // the same id as the slow partition's (10 min away: kept) and others, so some share its repartition partition
            ahead.add(new In(0, n == 0 ? "order-7" : "other-" + n, T + 600_000 + n * 1_000, 2 + n));
        }
        List<In> all = new ArrayList<>(List.of(original, retry));
        all.addAll(ahead);
        List<String> expected = expected(all);
        assertEquals(9, expected.size(), "everything but the retry");

        List<List<List<In>>> orders = List.of(
            List.of(all),                                           // one run over everything
            List.of(ahead, List.of(original, retry)),               // the fast partition processed fully first
            List.of(List.of(original, retry), ahead),               // the slow one first
            List.of(List.of(original), ahead, List.of(retry)));     // the fast one overtakes between original and retry
        for (int o = 0; o < orders.size(); o++) {
            String name = "r" + o;
            Topic in = log.createTopic(name, TopicConfig.partitions(2));
            Topology t = Builtins.dedup(name, List.of(name), name + "-out", GroupKey.parse("id", true), WINDOW, true);
            for (List<In> step : orders.get(o)) {
                for (In e : step) {
                    appendClock.incrementAndGet();
                    in.append(e.event(e.source()));
                }
                runToEnd(t, name);
            }
            assertEquals(expected, sortedValues(name + "-out"), "order " + o);
        }
    }

    @Test
    void aKeptTimeCheckpointedAsOneLongStillReads() {
        byte[] old = io.kappa.processor.Serdes.longs().serialize(T);
        assertArrayEquals(new long[] {T}, Builtins.KEPT_TIMES.deserialize(old));
        assertArrayEquals(old, Builtins.KEPT_TIMES.serialize(new long[] {T}));
        long[] two = {T, T + WINDOW + 1};
        assertArrayEquals(two, Builtins.KEPT_TIMES.deserialize(Builtins.KEPT_TIMES.serialize(two)));
        assertThrows(IllegalArgumentException.class, () -> Builtins.KEPT_TIMES.deserialize(new byte[12]));
    }

    /**
     * Within one partition, a retry out of order by less than {@code --out-of-order} is not late, so its original is
     * still remembered; without the allowance it is late, its original forgotten, and it passes.
     */
    @Test
    void outOfOrderKeepsKeptTimesRememberedForRecordsWithinTheAllowedDisorder() throws Exception {
        List<In> events = List.of(new In(0, "x", T, 0), new In(0, "y", T + 70_000, 1), new In(0, "x", T + 50_000, 2));
        for (String allowed : new String[] {"30s", null}) {
            String name = allowed == null ? "strict" : "lenient";
            log.createTopic(name, TopicConfig.partitions(1));
            for (In e : events) {
                appendClock.incrementAndGet();
                log.topic(name).append(e.event(0));
            }
            Map<String, String> options = new HashMap<>(Map.of("window", "1m"));
            if (allowed != null) {
                options.put("out-of-order", allowed);
            }
            BuiltinSpec spec = new BuiltinSpec("dedup", options);
            runToEnd(spec.topology(log, name, List.of(name), name + "-out"), name);
            List<String> expected = allowed == null ? List.of("{\"i\":0}", "{\"i\":1}", "{\"i\":2}") : expected(events);
            assertEquals(expected, sortedValues(name + "-out"), name);
        }
        assertEquals("dedup --window 1m --out-of-order 30s", new BuiltinSpec("dedup", Map.of("window", "1m", "out-of-order", "30s"))
            .describe());
    }

    /**
     * top counts each key with its latest value; two values of one key at the same time come from two partitions
     * through {@code G.gather}, in whichever order the gather tasks ran: the higher one counts either way.
     */
    @Test
    void topCountsTheHigherOfTwoValuesWithTheSameTimeWhicheverPartitionIsGatheredFirst() throws Exception {
        for (int first = 0; first < 2; first++) {
            String name = "top" + first;
            Topic in = log.createTopic(name, TopicConfig.partitions(2));
            BuiltinSpec spec = new BuiltinSpec("top", Map.of("by", "v", "n", "2", "size", "1m", "mode", "update"));
            Topology t = spec.topology(log, name, List.of(name), name + "-out");
            for (int p : new int[] {first, 1 - first}) {
                appendClock.incrementAndGet();
                in.append(new Event(utf8("AAPL"), utf8("{\"v\":" + (p == 0 ? 1 : 5) + "}"), T, null, p));
                if (p == 0) {
                    appendClock.incrementAndGet();
                    in.append(new Event(utf8("MSFT"), utf8("{\"v\":3}"), T, null, p));
                }
                runToEnd(t, name);
            }
            List<String> rankings = new ArrayList<>();
            try (PartitionTailer tailer = log.topic(name + "-out").partition(0).newTailer()) {
                tailer.toStart();
                while (tailer.poll(v -> rankings.add(v.toRecord().valueString()), 1000) > 0) {
                    // drain
                }
            }
            String last = rankings.get(rankings.size() - 1);
            assertTrue(last.endsWith("\"top\":[{\"rank\":1,\"key\":\"AAPL\",\"value\":5},{\"rank\":2,\"key\":\"MSFT\",\"value\":3}]}"),
                "partition " + first + " gathered first: " + rankings);
        }
    }
}
