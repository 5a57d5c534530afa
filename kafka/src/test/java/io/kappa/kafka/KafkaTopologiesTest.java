package io.kappa.kafka;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.function.Function;

import io.kappa.log.Event;
import io.kappa.log.EventLog;
import io.kappa.log.LogContext;
import io.kappa.log.PartitionTailer;
import io.kappa.log.Topic;
import io.kappa.log.TopicConfig;
import io.kappa.processor.OnError;
import io.kappa.processor.Processor;
import io.kappa.processor.Serdes;
import io.kappa.processor.Stage;
import io.kappa.processor.ProcessorRunner;
import io.kappa.processor.RunnerContext;
import io.kappa.processor.TopicCatalog;
import io.kappa.processor.builtin.BuiltinSpec;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Kafka Streams adapter against the local runtime, with Kafka Streams' test driver: the same built-in over the
 * same records must write the same outputs, in the same order, to the output, late and dead-letter topics.
 * (The driver has one partition per topic; several partitions and repartitioning are covered against a real
 * broker in {@code KafkaRunnerIT}.)
 */
class KafkaTopologiesTest {
    static final long BASE = 1_763_800_000_000L;

    @TempDir
    Path dir;
    int runs;

    /** Topics of the driver: every one has one partition. */
    static final class OnePartition implements TopicCatalog {
        final Map<String, Integer> topics = new HashMap<>();

        OnePartition(String... names) {
            for (String n : names) {
                topics.put(n, 1);
            }
        }

        @Override
        public boolean exists(String topic) {
            return topics.containsKey(topic);
        }

        @Override
        public int partitionCount(String topic) {
            Integer n = topics.get(topic);
            if (n == null) {
                throw new IllegalArgumentException("no topic " + topic);
            }
            return n;
        }

        @Override
        public void create(String topic, int partitions) {
            topics.put(topic, partitions);
        }
    }

    record In(String key, byte[] value, long time, String id) {
        In(String key, String value, long time, String id) {
            this(key, value.getBytes(StandardCharsets.UTF_8), time, id);
        }
    }

    static List<In> clicks(long seed, int n, long disorderMs) {
        Random rnd = new Random(seed);
        List<In> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long t = BASE + i * 50L - (long) (rnd.nextDouble() * disorderMs);
            String value = rnd.nextInt(50) == 0 ? "{not json" : "{\"page\":\"p" + rnd.nextInt(7) + "\",\"user\":\"u" + rnd.nextInt(30)
                + "\",\"v\":" + rnd.nextInt(100) + "}";
            out.add(new In("u" + rnd.nextInt(30), value, t, "e" + i));
        }
        return out;
    }

    /** topic -> values (key TAB value TAB event time) as the local runner writes them. */
    Map<String, List<String>> local(BuiltinSpec spec, List<In> input, String... outputs) throws Exception {
        return local(catalog -> spec.topology(catalog, "g", List.of("in"), "out"), input, outputs);
    }

    Map<String, List<String>> local(Function<TopicCatalog, io.kappa.processor.Topology> topology, List<In> input, String... outputs)
        throws Exception {
        try (EventLog log = EventLog.open(new LogContext().dataDir(dir.resolve("local" + (runs++))).pretouch(false))) {
            Topic t = log.createTopic("in", TopicConfig.partitions(1));
            for (In e : input) {
                t.append(0, new Event(e.key.getBytes(StandardCharsets.UTF_8), e.value, e.time,
                    e.id.getBytes(StandardCharsets.UTF_8)));
            }
            ProcessorRunner r = new ProcessorRunner(log, topology.apply(TopicCatalog.of(log)),
                new RunnerContext().group("g").onError(OnError.DEAD_LETTER));
            r.start();
            try {
                assertTrue(r.awaitCaughtUp(60_000), "caught up");
            } finally {
                r.close();
            }
            assertNull(r.failure());
            Map<String, List<String>> m = new LinkedHashMap<>();
            for (String o : outputs) {
                List<String> rows = new ArrayList<>();
                if (log.exists(o)) {
                    try (PartitionTailer tailer = log.topic(o).partition(0).newTailer()) {
                        tailer.toStart();
                        while (tailer.poll(v -> {
                            var rec = v.toRecord();
                            rows.add(rec.keyString() + "\t" + rec.valueString() + "\t" + rec.eventTime());
                        }, 1000) > 0) {
                            // drain
                        }
                    }
                }
                m.put(o, rows);
            }
            return m;
        }
    }

    /** The same through the Kafka Streams adapter in the test driver. */
    static Map<String, List<String>> kafka(BuiltinSpec spec, List<In> input, String... outputs) {
        return kafka(catalog -> spec.topology(catalog, "g", List.of("in"), "out"), input, outputs);
    }

    static Map<String, List<String>> kafka(Function<TopicCatalog, io.kappa.processor.Topology> kappa, List<In> input, String... outputs) {
        OnePartition topics = new OnePartition("in");
        org.apache.kafka.streams.Topology topology = KafkaTopologies.build(kappa.apply(topics), "g", topics,
            OnError.DEAD_LETTER, KafkaTopologies.Start.EARLIEST);
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "g");
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        Map<String, List<String>> m = new LinkedHashMap<>();
        try (TopologyTestDriver driver = new TopologyTestDriver(topology, p)) {
            TestInputTopic<byte[], byte[]> in = driver.createInputTopic("in", new ByteArraySerializer(), new ByteArraySerializer());
            for (In e : input) {
                RecordHeaders h = new RecordHeaders();
                h.add(KappaHeaders.ID, e.id.getBytes(StandardCharsets.UTF_8));
                in.pipeInput(new TestRecord<>(e.key.getBytes(StandardCharsets.UTF_8), e.value, h,
                    Instant.ofEpochMilli(e.time)));
            }
            for (String o : outputs) {
                List<String> rows = new ArrayList<>();
                for (TestRecord<byte[], byte[]> r : driver.createOutputTopic(o, new ByteArrayDeserializer(), new ByteArrayDeserializer())
                    .readRecordsToList()) {
                    rows.add((r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8)) + "\t"
                        + new String(r.value(), StandardCharsets.UTF_8) + "\t" + r.timestamp());
                }
                m.put(o, rows);
            }
        }
        return m;
    }

    static BuiltinSpec spec(String name, String... options) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < options.length; i += 2) {
            m.put(options[i], options[i + 1]);
        }
        return new BuiltinSpec(name, m);
    }

    void assertSame(BuiltinSpec spec, List<In> input, String... outputs) throws Exception {
        Map<String, List<String>> expected = local(spec, input, outputs);
        Map<String, List<String>> actual = kafka(spec, input, outputs);
        assertFalse(expected.get("out").isEmpty(), spec.describe() + ": the local run wrote results");
        for (String o : outputs) {
            assertEquals(expected.get(o).size(), actual.get(o).size(), spec.describe() + ": records in " + o);
            assertEquals(expected.get(o), actual.get(o), spec.describe() + ": " + o);
        }
    }

    @Test
    void countByFieldIsTheSameAsOnTheLocalLog() throws Exception {
        List<In> input = clicks(1, 3000, 0);
        assertSame(spec("count", "by", "page"), input, "out", "g.dlq");
        assertFalse(local(spec("count", "by", "page"), input, "g.dlq").get("g.dlq").isEmpty(), "malformed records were dead-lettered");
    }

    @Test
    void tumblingWindowCountWithDisorderAndLateRecordsIsTheSame() throws Exception {
        // up to 8 s of disorder against 3 s allowed: some records are late and go to g.late
        List<In> input = clicks(2, 4000, 8_000);
        Map<String, List<String>> expected = local(spec("window-count", "by", "page", "size", "1m", "out-of-order", "3s"), input,
            "g.late");
        assertFalse(expected.get("g.late").isEmpty(), "the input has late records");
        assertSame(spec("window-count", "by", "page", "size", "1m", "out-of-order", "3s"), input, "out", "g.late", "g.dlq");
    }

    @Test
    void sessionWindowsInUpdateModeAreTheSame() throws Exception {
        assertSame(spec("window-count", "by", "user", "session-gap", "2s", "out-of-order", "1s", "mode", "update"),
            clicks(3, 3000, 1_500), "out", "g.late");
    }

    @Test
    void hoppingSumAndFilterAreTheSame() throws Exception {
        List<In> input = clicks(4, 2000, 500);
        assertSame(spec("window-agg", "agg", "sum", "field", "v", "by", "page", "size", "30s", "advance", "10s", "out-of-order", "1s"),
            input, "out", "g.late", "g.dlq");
        assertSame(spec("filter", "where", "v > 50"), input, "out", "g.dlq");
    }

    /** A processor that fails on every record. */
    static io.kappa.processor.Topology failing(TopicCatalog topics) {
        return io.kappa.processor.Topology.single(List.of("in"), Serdes.string(), Serdes.bytes(), () -> (r, c) -> {
            throw new IllegalStateException("refused");
        }, "out", Serdes.string(), Serdes.bytes());
    }

    @Test
    void anOversizedDeadLetterIsShortenedToFitARecordAsOnTheLocalLog() throws Exception {
        // 900 KB that are not UTF-8: base64 makes them 1.2 MB, more than a record may hold on either runtime
        byte[] big = new byte[900_000];
        java.util.Arrays.fill(big, (byte) 0xff);
        List<In> input = List.of(new In("k", big, BASE, "e0"), new In("k", "small", BASE + 1, "e1"));
        Map<String, List<String>> expected = local(KafkaTopologiesTest::failing, input, "g.dlq");
        Map<String, List<String>> actual = kafka(KafkaTopologiesTest::failing, input, "g.dlq");
        assertEquals(2, expected.get("g.dlq").size(), "both records dead-lettered locally");
        assertEquals(expected, actual, "the same dead letters, byte for byte");
        String letter = actual.get("g.dlq").get(0);
        assertTrue(letter.contains("\"valueTruncated\":true") && letter.contains("\"valueLength\":900000"), letter.substring(0, 300));
        assertTrue(letter.length() < StageProcessor.MAX_RECORD_BYTES, "fits in a Kafka record: " + letter.length());
    }

    @Test
    void aSupplierThatReturnsTheSameInstanceTwiceIsRefusedOnKafka() {
        Processor<String, String, String, String> shared = (r, c) -> c.forward(r.key(), r.value());
        io.kappa.processor.Topology twice = io.kappa.processor.Topology.of(List.of(
            new Stage<>("a", List.of("in"), Serdes.string(), Serdes.string(), () -> shared, "mid", Serdes.string(), Serdes.string(), false),
            new Stage<>("b", List.of("mid"), Serdes.string(), Serdes.string(), () -> shared, "out", Serdes.string(), Serdes.string(), true)));
        OnePartition topics = new OnePartition("in");
        org.apache.kafka.streams.Topology topology = KafkaTopologies.build(twice, "g", topics, OnError.DEAD_LETTER,
            KafkaTopologies.Start.EARLIEST);
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "g");
        Throwable e = assertThrows(RuntimeException.class, () -> new TopologyTestDriver(topology, p).close());
        StringBuilder messages = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            messages.append(t.getMessage()).append('\n');
        }
        assertTrue(messages.toString().contains("stage 'b' returned the same instance twice"), messages.toString());
    }
}
