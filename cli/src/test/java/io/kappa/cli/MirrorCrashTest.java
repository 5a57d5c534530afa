package io.kappa.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import io.kappa.kafka.KafkaGroups;
import io.kappa.kafka.TestBroker;
import io.kappa.log.Event;
import io.kappa.log.EventLog;
import io.kappa.log.JvmFlags;
import io.kappa.log.PartitionTailer;
import io.kappa.log.Topic;
import io.kappa.log.TopicConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kills {@code kappa mirror} (a child JVM shipping a local topic to Kafka) with SIGKILL mid-transfer, several
 * times while events keep being appended, then lets a last run catch up: the Kafka topic must hold every local
 * event exactly once, each partition in the local order.
 */
@Tag("slow")
class MirrorCrashTest {
    static final int ROUNDS = 4;

    @TempDir
    Path dir;

    static void append(Topic t, Random rnd, int n, int[] next) {
        List<Event> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int seq = next[0]++;
            batch.add(new Event(("u" + rnd.nextInt(200)).getBytes(StandardCharsets.UTF_8),
                ("{\"seq\":" + seq + "}").getBytes(StandardCharsets.UTF_8), 1_763_800_000_000L + seq, null));
        }
        t.appendBatch(batch);
    }

    @Test
    void everyEventOnceInOrderAfterKillNine() throws Exception {
        long seed = Long.getLong("kappa.test.seed", System.nanoTime());
        System.out.println("MirrorCrashTest seed " + seed);
        Random rnd = new Random(seed);
        int[] next = {0};
        try (TestBroker broker = TestBroker.start(); KafkaGroups groups = new KafkaGroups(broker.bootstrap(), 30_000)) {
            try (EventLog log = EventLog.open(dir)) {
                append(log.createTopic("ship", TopicConfig.partitions(3)), rnd, 150_000, next);
            }
            for (int round = 0; round < ROUNDS; round++) {
                Path childErr = dir.resolve("child-" + round + ".err");
                // --batch 200: many small transactions, so a kill lands between and inside them
                ProcessBuilder pb = new ProcessBuilder(JvmFlags.javaCommand(List.of("-Xmx256m"), Kappa.class.getName(),
                    List.of("mirror", "ship", "--kafka", broker.bootstrap(), "--batch", "200")));
                pb.environment().put("KAPPA_DATA_DIR", dir.toString());
                pb.redirectError(childErr.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD);
                long before = endOf(groups);
                Process child = pb.start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (endOf(groups) <= before + 1000) {
                    assertTrue(child.isAlive(), () -> "seed " + seed + ": the child died: " + read(childErr));
                    assertTrue(System.nanoTime() < deadline, () -> "seed " + seed + ": the child mirrored nothing: " + read(childErr));
                    Thread.sleep(10);
                }
                Thread.sleep(rnd.nextInt(200));
                child.destroyForcibly(); // SIGKILL
                assertTrue(child.waitFor(30, TimeUnit.SECONDS));
                assertEquals(137, child.exitValue(), "killed by SIGKILL");
                try (EventLog log = EventLog.open(dir)) {
                    append(log.topic("ship"), rnd, 5_000, next);
                }
                System.out.println("round " + round + ": killed at " + endOf(groups) + " Kafka offsets (aborted records included)");
            }
            Cli.Result last = Cli.run("mirror", "ship", "--kafka", broker.bootstrap(), "--until-caught-up", "--data-dir", dir.toString());
            assertEquals(0, last.code(), last.err());
            System.out.println("last run: " + last.out().trim());
            List<ConsumerRecord<byte[], byte[]>> out = broker.readAll("ship");
            assertEquals(next[0], out.size(), "seed " + seed + ": every local event once on Kafka");
            try (EventLog log = EventLog.open(dir)) {
                Topic t = log.topic("ship");
                int i = 0;
                for (int p = 0; p < 3; p++) {
                    try (PartitionTailer tailer = t.partition(p).newTailer()) {
                        tailer.toStart();
                        List<String> local = new ArrayList<>();
                        while (tailer.poll(v -> local.add(new String(v.valueBytes(), StandardCharsets.UTF_8)), 4096) > 0) {
                            // drain
                        }
                        for (String v : local) {
                            ConsumerRecord<byte[], byte[]> r = out.get(i++);
                            assertEquals(p, r.partition());
                            assertEquals(v, new String(r.value(), StandardCharsets.UTF_8), "seed " + seed + ": partition " + p + " in local order");
                        }
                    }
                }
            }
        }
    }

    static long endOf(KafkaGroups groups) {
        if (!groups.catalog().exists("ship")) {
            return 0;
        }
        return groups.ends(List.of("ship")).values().stream().mapToLong(Long::longValue).sum();
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return "";
        }
    }
}
