package io.kappa.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.kappa.kafka.KafkaGroups;
import io.kappa.kafka.TestBroker;
import io.kappa.log.EventLog;
import io.kappa.log.JvmFlags;
import io.kappa.log.PartitionTailer;
import io.kappa.log.Topic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Kills {@code kappa mirror --from-kafka} (a child JVM copying a Kafka topic into a local one) with SIGKILL
 * mid-transfer, several times while records keep being produced to Kafka, then lets a last run catch up: the local
 * topic must hold every Kafka record exactly once, each partition in Kafka offset order, and nothing else.
 */
@Tag("slow")
@Timeout(300)
class MirrorFromKafkaCrashTest {
    static final int ROUNDS = 4;
    static final int INITIAL = 200_000;
    /** Produced in each round once the child copies; it is killed within the first half of it, so mid-transfer. */
    static final int BURST = 50_000;
    static final int PARTITIONS = 3;

    @TempDir
    Path dir;

    private long seed;
    private Random rnd;
    private final AtomicLong next = new AtomicLong();
    private TestBroker broker;
    private KafkaProducer<byte[], byte[]> producer;

    /** Produces keyed records with distinct values {@code v0, v1, ...} from {@code next}; Kafka picks the partition by key. */
    private void produce(Random keys, int n) {
        for (int i = 0; i < n; i++) {
            long seq = next.getAndIncrement();
            producer.send(new ProducerRecord<>("orders", null, 1_763_800_000_000L + seq,
                ("k" + keys.nextInt(1000)).getBytes(StandardCharsets.UTF_8), ("v" + seq).getBytes(StandardCharsets.UTF_8)));
        }
    }

    /** Records in the local topic, all partitions; 0 before the mirror created it. */
    static long localEnd(EventLog log) {
        if (!log.exists("local")) {
            return 0;
        }
        Topic t = log.topic("local");
        long sum = 0;
        for (int p = 0; p < t.partitionCount(); p++) {
            sum += t.partition(p).endOffset();
        }
        return sum;
    }

    @Test
    void everyKafkaRecordOnceInOffsetOrderAfterKillNine() throws Exception {
        seed = Long.getLong("kappa.test.seed", System.nanoTime());
        System.out.println("MirrorFromKafkaCrashTest seed " + seed);
        rnd = new Random(seed);
        try (TestBroker b = TestBroker.start(); KafkaGroups groups = new KafkaGroups(b.bootstrap(), 30_000)) {
            broker = b;
            broker.createTopic("orders", PARTITIONS);
            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
            props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
            try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
                producer = p;
                produce(rnd, INITIAL);
                producer.flush();
                // and a steady trickle while the mirror runs and is killed
                AtomicBoolean stop = new AtomicBoolean();
                Random keys = new Random(seed + 1);
                Thread writer = new Thread(() -> {
                    while (!stop.get()) {
                        produce(keys, 200);
                        try {
                            Thread.sleep(20);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }, "background-producer");
                writer.start();
                try (EventLog log = EventLog.open(dir)) {
                    for (int round = 0; round < ROUNDS; round++) {
                        killOnce(groups, log, round);
                    }
                } finally {
                    stop.set(true);
                    writer.join();
                }
                producer.flush();
            }
            Cli.Result last = Cli.run("mirror", "orders", "--from-kafka", "--kafka", broker.bootstrap(), "--to", "local",
                "--until-caught-up", "--data-dir", dir.toString());
            assertEquals(0, last.code(), last.err());
            System.out.println("last run: " + last.out().trim());
            List<ConsumerRecord<byte[], byte[]>> kafka = broker.readAll("orders");
            assertEquals(next.get(), kafka.size(), "every produced record on Kafka");
            try (EventLog log = EventLog.open(dir)) {
                Topic t = log.topic("local");
                assertEquals(PARTITIONS, t.partitionCount());
                int i = 0;
                for (int p = 0; p < PARTITIONS; p++) {
                    List<String> local = new ArrayList<>();
                    List<Long> sequences = new ArrayList<>();
                    try (PartitionTailer tailer = t.partition(p).newTailer()) {
                        tailer.toStart();
                        while (tailer.poll(v -> {
                            local.add(v.valueString());
                            sequences.add(v.producerSequence());
                        }, 4096) > 0) {
                            // drain
                        }
                    }
                    List<String> expected = new ArrayList<>();
                    List<Long> offsets = new ArrayList<>();
                    for (; i < kafka.size() && kafka.get(i).partition() == p; i++) {
                        expected.add(new String(kafka.get(i).value(), StandardCharsets.UTF_8));
                        offsets.add(kafka.get(i).offset());
                    }
                    for (int j = 0; j < Math.min(local.size(), expected.size()); j++) {
                        if (!local.get(j).equals(expected.get(j)) || sequences.get(j).longValue() != offsets.get(j)) {
                            fail("seed " + seed + ": partition " + p + " local offset " + j + " holds " + local.get(j) + " (sequence "
                                + sequences.get(j) + "), Kafka offset " + offsets.get(j) + " holds " + expected.get(j));
                        }
                    }
                    assertEquals(expected.size(), local.size(), "seed " + seed + ": partition " + p + " holds each Kafka record once");
                }
                assertEquals(kafka.size(), i, "the Kafka records in partition order");
            }
        }
    }

    /**
     * Starts the mirror as a child JVM and waits until it copies (in round 1 also until it has written its checkpoint,
     * once a second, so the later runs resume from one); then produces a burst and SIGKILLs the child at a random
     * point within the first half of it, so mid-transfer however fast the mirror is: the local topic must have grown
     * and must not yet hold all of Kafka.
     */
    private void killOnce(KafkaGroups groups, EventLog log, int round) throws Exception {
        Path childErr = dir.resolve("child-" + round + ".err");
        ProcessBuilder pb = new ProcessBuilder(JvmFlags.javaCommand(List.of("-Xmx256m"), Kappa.class.getName(),
            List.of("mirror", "orders", "--from-kafka", "--kafka", broker.bootstrap(), "--to", "local")));
        pb.environment().put("KAPPA_DATA_DIR", dir.toString());
        pb.redirectError(childErr.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        long before = localEnd(log);
        boolean afterCheckpoint = round == 1;
        Path checkpoint = dir.resolve("mirrors").resolve("from-kafka.orders.to.local.json");
        long started = System.currentTimeMillis();
        Process child = pb.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (localEnd(log) == before || afterCheckpoint && !(Files.exists(checkpoint)
                && Files.getLastModifiedTime(checkpoint).toMillis() >= started)) {
                assertTrue(child.isAlive(), () -> "seed " + seed + ": the child died: " + read(childErr));
                assertTrue(System.nanoTime() < deadline, () -> "seed " + seed + ": the child does not copy: " + read(childErr));
                Thread.sleep(2);
            }
            long killAt = localEnd(log) + 1 + rnd.nextInt(BURST / 2);
            produce(rnd, BURST);
            while (localEnd(log) < killAt) {
                assertTrue(child.isAlive(), () -> "seed " + seed + ": the child died: " + read(childErr));
                assertTrue(System.nanoTime() < deadline, () -> "seed " + seed + ": the child mirrored too little: " + read(childErr));
                Thread.sleep(1);
            }
            Thread.sleep(rnd.nextInt(5));
        } finally {
            child.destroyForcibly(); // SIGKILL
        }
        assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        assertEquals(137, child.exitValue(), "killed by SIGKILL");
        long after = localEnd(log);
        long kafkaEnd = groups.ends(List.of("orders")).values().stream().mapToLong(Long::longValue).sum();
        System.out.println("round " + round + ": killed after " + (System.currentTimeMillis() - started) + " ms with " + after
            + " local records (" + (after - before) + " this run), " + kafkaEnd + " on Kafka"
            + (afterCheckpoint ? ", after a checkpoint" : ""));
        assertTrue(after > before, "seed " + seed + ": the run mirrored something");
        assertTrue(after < kafkaEnd, "seed " + seed + ": the kill landed mid-transfer, not after the mirror caught up");
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return "";
        }
    }
}
