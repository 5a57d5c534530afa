package io.kappa.processor.dsl;

import io.kappa.processor.LogTest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.time.ZoneId;

import io.kappa.log.Event;
import io.kappa.log.PartitionTailer;
import io.kappa.log.Topic;
import io.kappa.log.TopicConfig;
import io.kappa.processor.ProcessorRunner;
import io.kappa.processor.RunnerContext;
import io.kappa.processor.Serdes;
import io.kappa.processor.TimePolicy;
import io.kappa.processor.Topology;
import io.kappa.processor.window.WindowSpec;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** windowedBy in the DSL: the same windows as the built-ins, checked against a batch count. */
class WindowedPipelineTest extends LogTest {
    static final long BASE = 1_763_800_000_000L;

    List<String> values(String topic) {
        List<String> out = new ArrayList<>();
        Topic t = log.topic(topic);
        for (int p = 0; p < t.partitionCount(); p++) {
            try (PartitionTailer tailer = t.partition(p).newTailer()) {
                while (tailer.poll(v -> out.add(v.valueString()), 1000) > 0) {
                    // drain
                }
            }
        }
        return out;
    }

    void run(Topology t, String group) throws InterruptedException {
        try (ProcessorRunner r = new ProcessorRunner(log, t, new RunnerContext().group(group).threads(2))) {
            r.start();
            assertTrue(r.awaitCaughtUp(30_000));
            r.close();
            assertNull(r.failure());
        }
    }

    /** percentiles and distinct in the DSL, per day of a zone, against a batch computation by local date. */
    @Test
    void percentilesAndDistinctUsersPerSeoulDay() throws InterruptedException {
        log.createTopic("loads", TopicConfig.partitions(1));
        Topic in = log.topic("loads");
        ZoneId seoul = ZoneId.of("Asia/Seoul");
        Random rnd = new Random(9);
        Map<String, List<Double>> loads = new TreeMap<>();
        Map<String, java.util.Set<String>> users = new TreeMap<>();
        long from = java.time.Instant.parse("2026-11-20T00:00:00Z").toEpochMilli();
        for (int i = 0; i < 3_000; i++) {
            long t = from + i * 60_000L; // one a minute over about two days
            double load = 1 + rnd.nextInt(500) / 10.0;
            String user = "u" + rnd.nextInt(300);
            String day = java.time.Instant.ofEpochMilli(t).atZone(seoul).toLocalDate().toString();
            loads.computeIfAbsent(day, d -> new ArrayList<>()).add(load);
            users.computeIfAbsent(day, d -> new java.util.HashSet<>()).add(user);
            in.append(new Event("host".getBytes(StandardCharsets.UTF_8), (user + " " + load).getBytes(StandardCharsets.UTF_8), t, null));
        }
        in.append(new Event("host".getBytes(StandardCharsets.UTF_8), "x 1".getBytes(StandardCharsets.UTF_8), from + 10 * 86_400_000L, null));
        WindowSpec days = WindowSpec.tumbling(86_400_000L, 0).withZone(seoul);
        Pipeline p = new Pipeline("daily").time(TimePolicy.eventTime(0));
        KGroupedStream<String, String> byHost = p.stream(List.of("loads"), Serdes.string(), Serdes.string())
            .groupByKey(Serdes.string(), Serdes.string());
        byHost.windowedBy(days).percentiles("load", WindowSpec.Mode.APPEND, v -> Double.parseDouble(v.split(" ")[1]))
            .map((w, pct) -> KeyValue.of(w.key(), java.time.Instant.ofEpochMilli(w.start()).atZone(seoul).toLocalDate() + " p90="
                + pct.valueAt(90) + " n=" + pct.count()))
            .to("daily-p90", Serdes.string(), Serdes.string());
        byHost.windowedBy(days).distinct("users", WindowSpec.Mode.APPEND, v -> v.split(" ")[0])
            .map((w, d) -> KeyValue.of(w.key(), java.time.Instant.ofEpochMilli(w.start()).atZone(seoul).toLocalDate() + " users="
                + d.estimate() + " exact=" + d.isExact()))
            .to("daily-users", Serdes.string(), Serdes.string());
        run(p.build(), "daily");
        List<String> p90 = values("daily-p90");
        assertEquals(loads.size(), p90.size(), p90.toString());
        for (String line : p90) {
            String day = line.substring(0, 10);
            double[] sorted = loads.get(day).stream().mapToDouble(Double::doubleValue).sorted().toArray();
            double exact = sorted[(int) Math.ceil(0.9 * sorted.length) - 1];
            double got = Double.parseDouble(line.substring(line.indexOf("p90=") + 4, line.indexOf(" n=")));
            assertEquals(exact, got, exact * 0.01, line);
            assertTrue(line.endsWith(" n=" + sorted.length), line);
        }
        List<String> dau = values("daily-users");
        assertEquals(users.size(), dau.size());
        for (String line : dau) {
            assertEquals(line.substring(0, 10) + " users=" + users.get(line.substring(0, 10)).size() + " exact=true", line);
        }
    }

    @Test
    void tumblingCountsPerKeyAfterARepartitionMatchABatchCount() throws InterruptedException {
        log.createTopic("clicks", TopicConfig.partitions(2));
        Topic in = log.topic("clicks");
        Random rnd = new Random(3);
        Map<String, Long> expected = new TreeMap<>();
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            String page = "p" + rnd.nextInt(5);
            long t = BASE + i * 50L - rnd.nextInt(1_500);
            expected.merge(page + "@" + Math.floorDiv(t, 10_000L) * 10_000L, 1L, Long::sum);
            events.add(new Event(("u" + rnd.nextInt(20)).getBytes(StandardCharsets.UTF_8), page.getBytes(StandardCharsets.UTF_8), t, null));
        }
        events.sort(Comparator.comparingLong(e -> e.eventTime() + rnd.nextInt(500))); // out of order by up to 2 s in all
        events.forEach(in::append);
        // every downstream task hears from every upstream task far in the future, so all windows of the data close
        for (int p = 0; p < 2; p++) {
            for (String page : List.of("p0", "p1", "p2", "p3", "p4")) {
                in.append(p, new Event("z".getBytes(StandardCharsets.UTF_8), page.getBytes(StandardCharsets.UTF_8), BASE + 10_000_000L,
                    null));
            }
        }
        Pipeline p = new Pipeline("pages").time(TimePolicy.eventTime(2_000));
        p.stream(List.of("clicks"), Serdes.string(), Serdes.string())
            .groupBy((user, page) -> page, Serdes.string(), Serdes.string())
            .windowedBy(WindowSpec.tumbling(10_000, 0))
            .count()
            .map((w, n) -> KeyValue.of(w.key(), w.key() + "@" + w.start() + "=" + n))
            .to("per-window", Serdes.string(), Serdes.string());
        run(p.build(), "pages");
        // a minute behind, once every downstream task has heard from every upstream task: late whatever the scheduling.
        // (Appended before the first run, it was late only if the other upstream task had written to its downstream task
        // by then: until every source has been read the watermark waits, so its lateness depended on the interleaving.)
        in.append(new Event("u0".getBytes(StandardCharsets.UTF_8), "p0".getBytes(StandardCharsets.UTF_8), BASE - 60_000, null));
        run(p.build(), "pages");
        Map<String, Long> actual = new TreeMap<>();
        for (String v : values("per-window")) {
            String[] kv = v.split("=");
            assertNull(actual.put(kv[0], Long.parseLong(kv[1])), "each window once: " + v);
        }
        assertEquals(expected, actual);
        assertEquals(1, values("pages.late").size(), "the record a minute behind went to pages.late");
        Topic out = log.topic("per-window");
        for (int part = 0; part < out.partitionCount(); part++) {
            try (PartitionTailer tailer = out.partition(part).newTailer()) {
                while (tailer.poll(v -> {
                    long start = Long.parseLong(v.valueString().replaceAll(".*@(\\d+)=.*", "$1"));
                    assertEquals(start + 10_000 - 1, v.eventTime(), "a result's event time is its window's last instant");
                }, 1000) > 0) {
                    // drain
                }
            }
        }
    }

    @Test
    void sessionAggregatesMergeWithTheGivenMerger() throws InterruptedException {
        log.createTopic("in", TopicConfig.partitions(1));
        Topic in = log.topic("in");
        long[] at = {0, 1_000, 5_000, 2_500, 20_000};
        for (long t : at) {
            in.append(new Event("k".getBytes(StandardCharsets.UTF_8), "1".getBytes(StandardCharsets.UTF_8), BASE + t, null));
        }
        Pipeline p = new Pipeline("s").time(TimePolicy.eventTime(3_000));
        p.stream(List.of("in"), Serdes.string(), Serdes.string())
            .groupByKey(Serdes.string(), Serdes.string())
            .windowedBy(WindowSpec.session(3_000, 0))
            .aggregate("clicks", WindowSpec.Mode.APPEND, () -> 0L, (k, v, n) -> n + Long.parseLong(v), Long::sum, Serdes.longs())
            .map((w, n) -> KeyValue.of(w.key(), (w.start() - BASE) + "-" + (w.end() - BASE) + ":" + n))
            .to("sessions", Serdes.string(), Serdes.string());
        run(p.build(), "s");
        assertEquals(List.of("0-8000:4"), values("sessions"), "2500 bridges [0,4000) and [5000,8000)");
        assertThrows(IllegalArgumentException.class, () -> new Pipeline("x").stream(List.of("in"), Serdes.string(), Serdes.string())
            .groupByKey(Serdes.string(), Serdes.string()).windowedBy(WindowSpec.session(1_000, 0)).aggregate(null, WindowSpec.Mode.APPEND, () -> 0L,
                (k, v, n) -> n, null, Serdes.longs()));
    }
}
