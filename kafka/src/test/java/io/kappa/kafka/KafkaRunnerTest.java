package io.kappa.kafka;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import io.kappa.log.Event;
import io.kappa.log.EventLog;
import io.kappa.log.LogContext;
import io.kappa.log.Partitioner;
import io.kappa.log.PartitionTailer;
import io.kappa.log.Topic;
import io.kappa.log.TopicConfig;
import io.kappa.processor.OnError;
import io.kappa.processor.ProcessorRunner;
import io.kappa.processor.RunnerContext;
import io.kappa.processor.Serdes;
import io.kappa.processor.builtin.BuiltinSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kappa processors on a real Kafka broker (KRaft, in this JVM): the same built-ins over the same partitions give
 * the same results as on the local log, through a repartition topic (rewinds on Kafka: {@link KafkaRewindTest}).
 */
class KafkaRunnerTest {
    static final long BASE = 1_763_800_000_000L;
    @org.junit.jupiter.api.extension.RegisterExtension
    static final TestBroker broker = new TestBroker();

    @TempDir
    Path dir;

    record Click(String user, String page, long time) {
        byte[] key() {
            return user.getBytes(StandardCharsets.UTF_8);
        }

        byte[] value() {
            return ("{\"user\":\"" + user + "\",\"page\":\"" + page + "\"}").getBytes(StandardCharsets.UTF_8);
        }
    }

    static List<Click> clicks(long seed, int n, long disorderMs) {
        Random rnd = new Random(seed);
        List<Click> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Click("u" + rnd.nextInt(40), "p" + rnd.nextInt(9), BASE + i * 20L - (long) (rnd.nextDouble() * disorderMs)));
        }
        return out;
    }

    /** The same records into the same partitions of a local topic and a Kafka topic. */
    void write(EventLog log, String topic, int partitions, List<Click> clicks) throws Exception {
        Topic t = log.exists(topic) ? log.topic(topic) : log.createTopic(topic, TopicConfig.partitions(partitions));
        if (!broker.admin().listTopics().names().get().contains(topic)) {
            broker.createTopic(topic, partitions);
        }
        // every send is checked: an unchecked send that failed under load left the input short, and a test that
        // compares counts then failed far from the cause
        List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> prod = broker.inputProducer()) {
            for (Click c : clicks) {
                int part = new Partitioner().partition(c.key(), partitions);
                t.append(part, new Event(c.key(), c.value(), c.time(), null));
                sent.add(prod.send(new ProducerRecord<>(topic, part, c.time(), c.key(), c.value())));
            }
            prod.flush();
            for (java.util.concurrent.Future<?> f : sent) {
                f.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
    }

    void runLocal(EventLog log, BuiltinSpec spec, String group, String in, String out) throws Exception {
        ProcessorRunner r = new ProcessorRunner(log, spec.topology(log, group, List.of(in), out),
            new RunnerContext().group(group).threads(2).description(spec.describe()));
        r.start();
        try {
            assertTrue(r.awaitCaughtUp(60_000), "caught up");
        } finally {
            r.close();
        }
        assertNull(r.failure());
    }

    KafkaRunner runKafka(BuiltinSpec spec, String group, String in, String out) throws Exception {
        io.kappa.processor.Topology topology;
        try (KafkaGroups groups = new KafkaGroups(broker.bootstrap(), 30_000)) {
            topology = spec.topology(groups.catalog(), group, List.of(in), out);
        }
        return broker.runCaughtUp(topology, group, dir.resolve("streams-" + group), Map.of());
    }

    static List<String> localValues(EventLog log, String topic) {
        List<String> rows = new ArrayList<>();
        Topic t = log.topic(topic);
        for (int p = 0; p < t.partitionCount(); p++) {
            try (PartitionTailer tailer = t.partition(p).newTailer()) {
                tailer.toStart();
                while (tailer.poll(v -> rows.add(v.toRecord().valueString()), 1000) > 0) {
                    // drain
                }
            }
        }
        return rows;
    }

    static List<String> kafkaValues(String topic) throws Exception {
        List<String> rows = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : broker.readAll(topic)) {
            rows.add(new String(r.value(), StandardCharsets.UTF_8));
        }
        return rows;
    }

    /** key -> the last value written for it (records of one key are in one partition, in order). */
    static Map<String, String> latest(List<String> rows, String... keyFields) throws Exception {
        Map<String, String> m = new TreeMap<>();
        for (String row : rows) {
            JsonNode n = Serdes.MAPPER.readTree(row);
            StringBuilder k = new StringBuilder();
            for (String f : keyFields) {
                k.append(n.get(f).asText()).append('|');
            }
            m.put(k.toString(), row);
        }
        return m;
    }

    static BuiltinSpec spec(String name, String... options) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < options.length; i += 2) {
            m.put(options[i], options[i + 1]);
        }
        return new BuiltinSpec(name, m);
    }

    @Test
    void countThroughARepartitionTopicIsTheSameAsOnTheLocalLog() throws Exception {
        List<Click> clicks = clicks(1, 6000, 0);
        try (EventLog log = EventLog.open(new LogContext().dataDir(dir.resolve("log")).pretouch(false))) {
            write(log, "clicks1", 3, clicks);
            BuiltinSpec spec = spec("count", "by", "page");
            runLocal(log, spec, "c1", "clicks1", "counts1");
            KafkaRunner r = runKafka(spec, "c1", "clicks1", "counts1");
            List<String> local = localValues(log, "counts1");
            List<String> kafka = kafkaValues("counts1");
            assertEquals(clicks.size(), local.size(), "one count per click locally");
            assertEquals(local.size(), kafka.size(), "one count per click on Kafka: nothing lost, nothing doubled");
            assertEquals(latest(local, "key"), latest(kafka, "key"), "final counts");
            assertTrue(r.recordsProcessed() >= 2L * clicks.size(), "both stages processed every click: " + r.recordsProcessed());
        }
    }

    @Test
    void tumblingWindowsWithDisorderAreTheSameAsOnTheLocalLog() throws Exception {
        List<Click> clicks = clicks(2, 6000, 4_000);
        try (EventLog log = EventLog.open(new LogContext().dataDir(dir.resolve("log")).pretouch(false))) {
            write(log, "clicks2", 3, clicks);
            BuiltinSpec spec = spec("window-count", "by", "page", "size", "10s", "out-of-order", "5s");
            runLocal(log, spec, "w2", "clicks2", "windows2");
            runKafka(spec, "w2", "clicks2", "windows2");
            List<String> local = localValues(log, "windows2");
            List<String> kafka = kafkaValues("windows2");
            assertFalse(local.isEmpty(), "windows closed locally");
            Map<String, String> l = latest(local, "key", "windowStart");
            assertEquals(local.size(), l.size(), "append mode: each window once");
            assertEquals(l, latest(kafka, "key", "windowStart"), "every window's count");
            assertEquals(local.size(), kafka.size(), "each window once on Kafka too");
        }
    }

    @Test
    void twoProcessesOfOneGroupShareItsPartitions() throws Exception {
        List<Click> clicks = clicks(4, 8000, 0);
        try (EventLog log = EventLog.open(new LogContext().dataDir(dir.resolve("log")).pretouch(false))) {
            write(log, "clicks4", 4, clicks);
            BuiltinSpec spec = spec("count", "by", "page");
            io.kappa.processor.Topology topology;
            try (KafkaGroups groups = new KafkaGroups(broker.bootstrap(), 30_000)) {
                topology = spec.topology(groups.catalog(), "c4", List.of("clicks4"), "counts4");
            }
            // two "machines": separate runners with their own state directories, one thread each
            KafkaRunner a = new KafkaRunner(topology, new KafkaRunner.Options(broker.bootstrap(), "c4", 1, OnError.DEAD_LETTER,
                KafkaTopologies.Start.EARLIEST, dir.resolve("a"), 30_000, Map.of()));
            KafkaRunner b = new KafkaRunner(topology, new KafkaRunner.Options(broker.bootstrap(), "c4", 1, OnError.DEAD_LETTER,
                KafkaTopologies.Start.EARLIEST, dir.resolve("b"), 30_000, Map.of()));
            a.start();
            b.start();
            try {
                assertTrue(a.awaitCaughtUp(120_000) && b.awaitCaughtUp(120_000), "caught up");
            } finally {
                a.close();
                b.close();
            }
            assertNull(a.failure());
            assertNull(b.failure());
            assertTrue(a.recordsProcessed() > 0 && b.recordsProcessed() > 0,
                "both processes got partitions: " + a.recordsProcessed() + " and " + b.recordsProcessed());
            Map<String, Integer> seen = new HashMap<>();
            for (String row : kafkaValues("counts4")) {
                JsonNode n = Serdes.MAPPER.readTree(row);
                int i = seen.merge(n.get("key").asText(), 1, Integer::sum);
                assertEquals(i, n.get("count").asLong(), "counts go 1, 2, 3... across both processes");
            }
            Map<String, Integer> expected = new HashMap<>();
            clicks.forEach(c -> expected.merge(c.page(), 1, Integer::sum));
            assertEquals(expected, seen);
        }
    }
}
