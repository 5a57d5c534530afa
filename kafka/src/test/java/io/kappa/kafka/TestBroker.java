package io.kappa.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A real single-node Kafka broker (KRaft, combined broker + controller) inside the test JVM, from Kafka's own test
 * kit. One per test class is enough: topics get unique names. Start takes a few seconds.
 */
public final class TestBroker implements AutoCloseable, org.junit.jupiter.api.extension.BeforeAllCallback,
    org.junit.jupiter.api.extension.AfterAllCallback {
    private KafkaClusterTestKit kit;
    private Path dir;
    private boolean closed;

    /**
     * A broker for a whole test class: {@code @RegisterExtension static final TestBroker broker = new TestBroker();}
     * starts it before the first test and stops it after the last.
     */
    public TestBroker() {
    }

    @Override
    public void beforeAll(org.junit.jupiter.api.extension.ExtensionContext context) throws Exception {
        startHere();
    }

    @Override
    public void afterAll(org.junit.jupiter.api.extension.ExtensionContext context) throws Exception {
        close();
    }

    /** A broker started now, for one test (close it). */
    public static TestBroker start() throws Exception {
        TestBroker b = new TestBroker();
        b.startHere();
        return b;
    }

    private void startHere() throws Exception {
        Path dir = Files.createTempDirectory("kappa-test-broker");
        KafkaClusterTestKit kit = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).setBaseDirectory(dir).build())
                // Single node: internal topics (offsets, transactions) with one replica and ISR 1.
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                // tests use event times of 2025: with the default 7-day retention by timestamp the broker would delete them
                .setConfigProp("log.retention.ms", "-1")
                .build();
        kit.format();
        kit.startup();
        kit.waitForReadyBrokers();
        this.kit = kit;
        this.dir = dir;
    }

    public String bootstrap() {
        return kit.bootstrapServers();
    }

    public Admin admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        return Admin.create(p);
    }

    public void createTopic(String name, int partitions) throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    /**
     * Every committed record of the topic, partition by partition in offset order (read_committed), once every
     * transaction in it is resolved. A read_committed consumer's end offset is the last stable offset, so a killed
     * producer's open transaction would hide the committed records after it until the broker aborts it (Kafka
     * Streams' transaction timeout, 10 s): read to the high watermark instead, waiting for that.
     */
    /**
     * A producer for a test's input whose every send the caller checks. Not idempotent: started right after a group's
     * transactional producers closed, an idempotent producer was seen to send nothing until its batches expired
     * (2 min), leaving a prefix of the input missing. acks=all and one request in flight keep every record, in order.
     */
    public org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> inputProducer() {
        Properties p = new Properties();
        p.put(org.apache.kafka.clients.producer.ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(org.apache.kafka.clients.producer.ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        p.put(org.apache.kafka.clients.producer.ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        p.put(org.apache.kafka.clients.producer.ProducerConfig.ACKS_CONFIG, "all");
        return new org.apache.kafka.clients.producer.KafkaProducer<>(p, new org.apache.kafka.common.serialization.ByteArraySerializer(),
            new org.apache.kafka.common.serialization.ByteArraySerializer());
    }

    /**
     * Runs the topology as the group on this broker (two threads, dead letters, from earliest) until it has caught up
     * with its inputs, then stops it (and returns it, closed); fails the test if it does not catch up in two minutes or fails.
     */
    public KafkaRunner runCaughtUp(io.kappa.processor.Topology topology, String group, Path stateDir, Map<String, String> config) throws Exception {
        KafkaRunner r = new KafkaRunner(topology, new KafkaRunner.Options(bootstrap(), group, 2, io.kappa.processor.OnError.DEAD_LETTER,
            KafkaTopologies.Start.EARLIEST, stateDir, 30_000, config));
        r.start();
        try {
            org.junit.jupiter.api.Assertions.assertTrue(r.awaitCaughtUp(120_000), "caught up on Kafka");
        } finally {
            r.close();
        }
        org.junit.jupiter.api.Assertions.assertNull(r.failure());
        return r;
    }

    public List<ConsumerRecord<byte[], byte[]>> readAll(String topic) throws Exception {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            c.partitionsFor(topic, Duration.ofSeconds(30)).forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
            parts.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
            List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
            for (TopicPartition tp : parts) {
                c.assign(Set.of(tp));
                c.seekToBeginning(Set.of(tp));
                Map<TopicPartition, Long> end;
                try (Admin admin = admin()) {
                    long hw = admin.listOffsets(Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.latest())).all()
                        .get(30, TimeUnit.SECONDS).get(tp).offset();
                    end = Map.of(tp, hw);
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                while (c.position(tp) < end.get(tp)) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("could not read " + tp + " to its end " + end.get(tp));
                    }
                    c.poll(Duration.ofMillis(200)).records(tp).forEach(out::add);
                }
            }
            return out;
        }
    }

    @Override
    public synchronized void close() throws Exception {
        if (closed || kit == null) {
            return; // the kit's close throws when called twice
        }
        closed = true;
        kit.close(); // removes its own directories; remove what may be left
        if (!Files.exists(dir)) {
            return;
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
