package io.kappa.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import io.kappa.kafka.KafkaGroups;
import io.kappa.kafka.TestBroker;
import io.kappa.log.JvmFlags;
import io.kappa.log.Partitioner;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kills {@code kappa run --kafka} (a child JVM) with SIGKILL while it counts and while clicks keep arriving, then
 * lets a last run catch up: the output must hold, per page, exactly the counts 1, 2, ..., N with N the number of
 * clicks, so nothing acknowledged was lost and nothing was doubled (Kafka Streams' exactly_once_v2 under kappa's
 * processors, the changelogged state restored after each kill).
 */
@Tag("slow")
class KafkaRunCrashTest {
    static final int ROUNDS = 3;
    static final int INITIAL = 30_000;
    static final int PER_ROUND = 5_000;

    @TempDir
    Path dir;

    static long produce(TestBroker broker, Random rnd, int n, long nextTime, Map<String, Long> perPage) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        try (KafkaProducer<byte[], byte[]> prod = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < n; i++) {
                String user = "u" + rnd.nextInt(100);
                String page = "p" + rnd.nextInt(8);
                byte[] key = user.getBytes(StandardCharsets.UTF_8);
                prod.send(new ProducerRecord<>("crash-in", new Partitioner().partition(key, 3), nextTime++, key,
                    ("{\"user\":\"" + user + "\",\"page\":\"" + page + "\"}").getBytes(StandardCharsets.UTF_8)));
                perPage.merge(page, 1L, Long::sum);
            }
        }
        return nextTime;
    }

    static long outputEnd(KafkaGroups groups) {
        return groups.ends(List.of("crash-out")).values().stream().mapToLong(Long::longValue).sum();
    }

    @Test
    void countsStayExactAfterKillNineOfRunOnKafka() throws Exception {
        long seed = Long.getLong("kappa.test.seed", System.nanoTime());
        System.out.println("KafkaRunCrashTest seed " + seed);
        Random rnd = new Random(seed);
        Map<String, Long> perPage = new TreeMap<>();
        try (TestBroker broker = TestBroker.start(); KafkaGroups groups = new KafkaGroups(broker.bootstrap(), 30_000)) {
            broker.createTopic("crash-in", 3);
            broker.createTopic("crash-out", 3);
            long time = produce(broker, rnd, INITIAL, 1_763_800_000_000L, perPage);
            List<String> args = List.of("run", "count", "--by", "page", "--group", "kcrash", "--input", "crash-in", "--output", "crash-out",
                "--kafka", broker.bootstrap(), "--threads", "2",
                // a killed member leaves the group after 6 s (the broker's minimum), so the next run gets its partitions soon
                "--kafka-config", "consumer.session.timeout.ms=6000", "--kafka-config", "consumer.heartbeat.interval.ms=1000",
                "--kafka-config", "commit.interval.ms=50");
            for (int round = 0; round < ROUNDS; round++) {
                Path childErr = dir.resolve("child-" + round + ".err");
                ProcessBuilder pb = new ProcessBuilder(JvmFlags.javaCommand(List.of("-Xmx384m"), Kappa.class.getName(), args));
                pb.environment().put("KAPPA_DATA_DIR", dir.resolve("data-" + round).toString());
                pb.redirectError(childErr.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD);
                long before = outputEnd(groups);
                Process child = pb.start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                // kill it while it writes: once its output has grown
                while (outputEnd(groups) <= before + 200) {
                    assertTrue(child.isAlive(), () -> "seed " + seed + ": the child died: " + read(childErr));
                    assertTrue(System.nanoTime() < deadline, () -> "seed " + seed + ": the child wrote nothing: " + read(childErr));
                    Thread.sleep(20);
                }
                time = produce(broker, rnd, PER_ROUND, time, perPage);
                Thread.sleep(rnd.nextInt(300));
                assertTrue(child.isAlive(), () -> "seed " + seed + ": the child exited early: " + read(childErr));
                child.destroyForcibly(); // SIGKILL
                assertTrue(child.waitFor(30, TimeUnit.SECONDS));
                assertEquals(137, child.exitValue(), "killed by SIGKILL");
                System.out.println("round " + round + ": killed with " + outputEnd(groups) + " output offsets");
            }
            // the last run, in its own data directory (another machine, as far as Kafka Streams knows), to the end
            Cli.Result last = Cli.run(List.of("run", "count", "--by", "page", "--group", "kcrash", "--input", "crash-in", "--output",
                "crash-out", "--kafka", broker.bootstrap(), "--until-caught-up", "--data-dir", dir.resolve("data-last").toString())
                .toArray(new String[0]));
            assertEquals(0, last.code(), last.err());
            System.out.println("last run: " + last.out().trim() + " / " + last.err().trim());
            System.out.println("repartition records " + broker.readAll("kcrash.repartition").size() + ", output records "
                + broker.readAll("crash-out").size() + ", clicks " + perPage.values().stream().mapToLong(Long::longValue).sum());
            if (groups.catalog().exists("kcrash.dlq")) {
                var dead = broker.readAll("kcrash.dlq");
                assertTrue(dead.isEmpty(), () -> "seed " + seed + ": " + dead.size() + " dead letters, the first: "
                    + new String(dead.get(0).value(), StandardCharsets.UTF_8));
            }
            Map<String, List<Long>> counts = new TreeMap<>();
            for (var r : broker.readAll("crash-out")) {
                var n = io.kappa.processor.Serdes.MAPPER.readTree(r.value());
                counts.computeIfAbsent(n.get("key").asText(), k -> new java.util.ArrayList<>()).add(n.get("count").asLong());
            }
            assertEquals(perPage.keySet(), counts.keySet());
            for (Map.Entry<String, List<Long>> e : counts.entrySet()) {
                List<Long> v = e.getValue();
                for (int i = 0; i < v.size(); i++) {
                    long expected = i + 1;
                    assertEquals(expected, v.get(i), "seed " + seed + ": page " + e.getKey() + " count #" + (i + 1) + " (a gap is a lost"
                        + " click, a repeat a doubled one)");
                }
                assertEquals(perPage.get(e.getKey()), (long) v.size(), "seed " + seed + ": every click of " + e.getKey() + " counted once");
            }
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return "";
        }
    }
}
