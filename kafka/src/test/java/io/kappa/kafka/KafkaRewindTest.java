package io.kappa.kafka;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import io.kappa.log.Partitioner;
import io.kappa.processor.Serdes;
import io.kappa.processor.builtin.BuiltinSpec;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A rewind on Kafka rebuilds the group's state at the new offsets (as the local rewind does), in every stage: what the
 * group computes after it continues from the state a run stopped there had; an undo puts offsets and state back, once;
 * a dry run changes nothing on the broker; both are in the group's audit log on Kafka.
 */
class KafkaRewindTest {
    @org.junit.jupiter.api.extension.RegisterExtension
    static final TestBroker broker = new TestBroker();

    @TempDir
    Path dir;

    static void write(String topic, int partitions, List<KafkaRunnerTest.Click> clicks) throws Exception {
        List<Future<?>> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> prod = broker.inputProducer()) {
            for (KafkaRunnerTest.Click c : clicks) {
                sent.add(prod.send(new ProducerRecord<>(topic, new Partitioner().partition(c.key(), partitions), c.time(), c.key(), c.value())));
            }
            prod.flush();
            for (Future<?> f : sent) {
                f.get(60, TimeUnit.SECONDS);
            }
        }
    }

    KafkaGroups groups() {
        return new KafkaGroups(broker.bootstrap(), 30_000);
    }

    io.kappa.processor.Topology topology(BuiltinSpec spec, String group, String in, String out) {
        try (KafkaGroups g = groups()) {
            return spec.topology(g.catalog(), group, List.of(in), out);
        }
    }

    void run(BuiltinSpec spec, String group, String in, String out) throws Exception {
        broker.runCaughtUp(topology(spec, group, in, out), group, dir.resolve("streams-" + group), Map.of());
    }

    KafkaRewind.Plan rewind(KafkaGroups g, BuiltinSpec spec, String group, String in, String out, Map<TopicPartition, Long> to,
                            boolean dryRun) {
        return KafkaRewind.rewind(g, group, to, "a test's offsets", name -> topology(spec, name, in, out), dir.resolve("rewind"), dryRun,
            line -> { });
    }

    /** Everything a rewind could change: the topics, their ends, the group's and its note's committed offsets. */
    static Map<String, Object> brokerState(KafkaGroups g, String group) throws Exception {
        Map<String, Object> m = new TreeMap<>();
        List<String> topics = new ArrayList<>(new java.util.TreeSet<>(g.topics()));
        topics.removeIf(t -> t.startsWith("__"));
        m.put("topics", topics);
        m.put("ends", new TreeMap<>(g.ends(topics).entrySet().stream().collect(java.util.stream.Collectors.toMap(e -> e.getKey().toString(),
            Map.Entry::getValue))));
        m.put("committed", g.committed(group).toString());
        m.put("noted", g.recomputed(group).toString());
        return m;
    }

    /** Per page, every count written, in order. */
    static Map<String, List<Long>> counts(String topic) throws Exception {
        Map<String, List<Long>> m = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : broker.readAll(topic)) {
            JsonNode n = Serdes.MAPPER.readTree(r.value());
            m.computeIfAbsent(n.get("key").asText(), k -> new ArrayList<>()).add(n.get("count").asLong());
        }
        return m;
    }

    @Test
    void countThroughARepartitionContinuesFromTheRebuiltStateAndUndoPutsItBack() throws Exception {
        int n = 1200;
        List<KafkaRunnerTest.Click> clicks = KafkaRunnerTest.clicks(11, n, 0);
        broker.createTopic("rw-clicks", 2);
        write("rw-clicks", 2, clicks);
        BuiltinSpec spec = KafkaRunnerTest.spec("count", "by", "page"); // keyed by user: two stages, through rc.repartition
        run(spec, "rc", "rw-clicks", "rw-counts");
        Map<String, List<Long>> first = counts("rw-counts");
        try (KafkaGroups g = groups()) {
            Map<TopicPartition, Long> committedAtEnd = g.committed("rc");
            long half = KafkaRunnerTest.BASE + (n / 2) * 20L;
            Map<TopicPartition, Long> to = g.offsets(g.partitions(List.of("rw-clicks")), OffsetSpec.forTimestamp(half));

            Map<String, Object> before = brokerState(g, "rc");
            KafkaRewind.Plan dry = rewind(g, spec, "rc", "rw-clicks", "rw-counts", to, true);
            assertEquals(n / 2, dry.events(), "the plan: the second half to reprocess");
            assertEquals(n / 2, dry.rebuildEvents(), "the plan: the first half to rebuild the state");
            assertEquals(before, brokerState(g, "rc"), "a dry run changes nothing on the broker");
            assertTrue(g.audit("rc").isEmpty(), "nor the audit log");

            rewind(g, spec, "rc", "rw-clicks", "rw-counts", to, false);
            assertEquals(n / 2, g.lag("rc", List.of("rw-clicks")).stream().mapToLong(KafkaGroups.PartitionLag::lag).sum());
            assertTrue(g.changelogs("rc.rewind").isEmpty() && g.topics().stream().noneMatch(t -> t.startsWith("rc.rewind")),
                "the scratch application's topics are gone: " + g.topics());
            List<JsonNode> audit = g.audit("rc");
            assertEquals(1, audit.size(), audit.toString());
            assertEquals("rewind", audit.get(0).get("action").asText());
            assertEquals(to.get(new TopicPartition("rw-clicks", 0)), audit.get(0).get("moves").get(0).get("to").asLong(), audit.toString());
        }

        run(spec, "rc", "rw-clicks", "rw-counts");
        Map<String, List<Long>> after = counts("rw-counts");
        Map<String, Long> total = new TreeMap<>();
        Map<String, Long> atRewind = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            total.merge(clicks.get(i).page(), 1L, Long::sum);
            atRewind.merge(clicks.get(i).page(), i < n / 2 ? 1L : 0L, Long::sum);
        }
        for (Map.Entry<String, List<Long>> e : after.entrySet()) {
            List<Long> recomputed = e.getValue().subList(first.get(e.getKey()).size(), e.getValue().size());
            List<Long> expected = new ArrayList<>();
            for (long c = atRewind.get(e.getKey()) + 1; c <= total.get(e.getKey()); c++) {
                expected.add(c);
            }
            assertEquals(expected, recomputed, e.getKey() + ": counts after the rewind go on from the count at the rewind point");
        }

        try (KafkaGroups g = groups()) {
            Map<String, Object> beforeUndo = brokerState(g, "rc");
            KafkaRewind.Plan dryUndo = KafkaRewind.undo(g, "rc", true, line -> { });
            assertTrue(dryUndo.how().startsWith("restored"), dryUndo.how());
            assertEquals(beforeUndo, brokerState(g, "rc"), "a dry-run undo changes nothing on the broker");
            KafkaRewind.undo(g, "rc", false, line -> { });
            assertEquals("undo", g.audit("rc").get(1).get("action").asText());
            for (Map.Entry<TopicPartition, Long> e : g.committed("rc").entrySet()) {
                if (e.getKey().topic().equals("rw-clicks")) {
                    assertEquals(g.ends(List.of("rw-clicks")).get(e.getKey()), e.getValue(), "the input back at its end");
                }
            }
            IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> KafkaRewind.undo(g, "rc", false, l -> { }));
            assertTrue(twice.getMessage().contains("has no rewind on Kafka to undo"), twice.getMessage());
        }
        // 60 more clicks: counted on top of the state from before the rewind (the totals), nothing counted twice
        List<KafkaRunnerTest.Click> more = KafkaRunnerTest.clicks(12, 60, 0);
        write("rw-clicks", 2, more);
        int[] written = new int[1];
        counts("rw-counts").values().forEach(v -> written[0] += v.size());
        run(spec, "rc", "rw-clicks", "rw-counts");
        Map<String, List<Long>> last = counts("rw-counts");
        Map<String, Long> all = new TreeMap<>(total);
        more.forEach(c -> all.merge(c.page(), 1L, Long::sum));
        int now = 0;
        for (Map.Entry<String, List<Long>> e : last.entrySet()) {
            now += e.getValue().size();
            assertEquals(all.get(e.getKey()), e.getValue().get(e.getValue().size() - 1), e.getKey() + ": the total after the undo");
        }
        assertEquals(written[0] + more.size(), now, "only the new clicks were counted after the undo");
    }

    @Test
    void aWindowSpanningTheRewindPointEndsAsInACleanRun() throws Exception {
        int n = 1000;
        List<KafkaRunnerTest.Click> clicks = KafkaRunnerTest.clicks(21, n, 0);
        broker.createTopic("rw-win", 1);
        write("rw-win", 1, clicks);
        // windows of 1 s hold 50 clicks; the rewind point (offset 525) is in the middle of one
        BuiltinSpec spec = KafkaRunnerTest.spec("window-count", "by", "page", "size", "1s", "mode", "update");
        run(spec, "rwin-clean", "rw-win", "rw-win-clean");
        run(spec, "rwin", "rw-win", "rw-win-out");
        try (KafkaGroups g = groups()) {
            rewind(g, spec, "rwin", "rw-win", "rw-win-out", Map.of(new TopicPartition("rw-win", 0), 525L), false);
        }
        run(spec, "rwin", "rw-win", "rw-win-out");
        try (KafkaGroups g = groups()) {
            // a group whose processor is not known cannot have its state rebuilt: refused before anything changes
            Map<String, Object> before = brokerState(g, "rwin");
            IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> KafkaRewind.rewind(g, "rwin",
                Map.of(new TopicPartition("rw-win", 0), 300L), "offset 300", null, dir.resolve("rewind"), false, line -> { }));
            assertTrue(unknown.getMessage().contains("has no processor recorded on Kafka"), unknown.getMessage());
            assertEquals(before, brokerState(g, "rwin"), "nothing changed");
        }
        Map<String, String> clean = latestPerWindow("rw-win-clean");
        Map<String, String> rewound = latestPerWindow("rw-win-out");
        assertEquals(clean.keySet(), rewound.keySet(), "the same windows");
        List<String> differ = new ArrayList<>();
        clean.forEach((w, v) -> {
            if (!v.equals(rewound.get(w))) {
                differ.add(w + ": clean " + v + ", rewound " + rewound.get(w));
            }
        });
        assertEquals(List.of(), differ, "every window's last value is the clean run's");
        assertTrue(broker.readAll("rw-win-out").size() > broker.readAll("rw-win-clean").size(), "recomputed outputs were appended");
    }

    static Map<String, String> latestPerWindow(String topic) throws Exception {
        Map<String, String> m = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : broker.readAll(topic)) {
            JsonNode v = Serdes.MAPPER.readTree(r.value());
            m.put(v.path("key").asText() + "@" + v.path("windowStart").asText(), new String(r.value(), StandardCharsets.UTF_8));
        }
        return new TreeMap<>(m);
    }
}
