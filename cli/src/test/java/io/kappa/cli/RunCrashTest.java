package io.kappa.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import io.kappa.log.Event;
import io.kappa.log.EventLog;
import io.kappa.log.JvmFlags;
import io.kappa.log.PartitionTailer;
import io.kappa.log.Topic;
import io.kappa.log.TopicConfig;
import io.kappa.processor.Groups;
import io.kappa.processor.TaskCheckpoint;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/**
 * kill -9 of a real {@code kappa run count} at random moments, over 1,000,000 events in 4 partitions, some of them
 * appended while it runs: after the last restart every key's output is the same sequence an uninterrupted run
 * writes (1, 2, ..., n), nothing lost and nothing doubled.
 */
@Tag("slow")
@Timeout(600)
class RunCrashTest {
    private static final int KEYS = 5_000;
    private static final int TOTAL = 1_000_000;
    private static final int ROUNDS = 12;
    private static final int PER_ROUND = 25_000;

    @TempDir
    Path dir;

    private static void append(Topic topic, Random random, int n, Map<String, Integer> counts) {
        List<Event> batch = new ArrayList<>(1000);
        for (int i = 0; i < n; i++) {
            String key = "k" + random.nextInt(KEYS);
            counts.merge(key, 1, Integer::sum);
            batch.add(Event.of(key, "{\"v\":" + random.nextInt(1000) + "}"));
            if (batch.size() == 1000) {
                topic.appendBatch(batch);
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            topic.appendBatch(batch);
        }
    }

    /** Per key, the count values in the order they were written. */
    private static Map<String, List<Long>> outputs(EventLog log, String topic) {
        Map<String, List<Long>> out = new HashMap<>();
        Topic t = log.topic(topic);
        for (int p = 0; p < t.partitionCount(); p++) {
            try (PartitionTailer tailer = t.partition(p).newTailer()) {
                tailer.toStart();
                while (tailer.poll(v -> {
                    String value = v.valueString();
                    long count = Long.parseLong(value.substring(value.indexOf("\"count\":") + 8, value.length() - 1));
                    out.computeIfAbsent(v.keyString(), k -> new ArrayList<>()).add(count);
                }, 10_000) > 0) {
                    // drain
                }
            }
        }
        return out;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    /** Whether some output partition holds records written after a task's checkpoint: recovery must recognise them. */
    private boolean outputBeyondCheckpoints(EventLog log) {
        if (!log.exists("out")) {
            return false;
        }
        Topic out = log.topic("out");
        for (TaskCheckpoint c : Groups.checkpoints(dir, "crash")) {
            for (TaskCheckpoint.Output o : c.outputs()) {
                if (o.topic().equals("out") && out.partition(o.partition()).endOffset() > o.endOffset()) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Counts per key of what was appended, after {@code rounds} runs of the group killed with SIGKILL at random moments. */
    private Map<String, Integer> killRounds(Random random, long seed, List<String> emit, int total, int rounds, int perRound,
                                            int[] killsPastCheckpoint) throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        int kills = 0;
        try (EventLog log = EventLog.open(dir)) {
            Topic in = log.createTopic("in", TopicConfig.partitions(4));
            append(in, random, total - rounds * perRound, counts);
            for (int round = 0; round < rounds; round++) {
                Path childErr = dir.resolve("child-" + round + ".err");
                List<String> args = new ArrayList<>(List.of("run", "count", "--by", "key", "--group", "crash", "--input", "in", "--output",
                    "out", "--checkpoint-interval", (5 + random.nextInt(50)) + "ms", "--progress"));
                args.addAll(emit);
                ProcessBuilder pb = new ProcessBuilder(JvmFlags.javaCommand(List.of("-Xmx256m"), Kappa.class.getName(), args));
                pb.environment().put("KAPPA_DATA_DIR", dir.toString());
                pb.redirectError(childErr.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD);
                Process child = pb.start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!Files.readString(childErr).contains("kappa: running group")) {
                    assertTrue(child.isAlive(), () -> "seed " + seed + ": the child died: " + read(childErr));
                    assertTrue(System.nanoTime() < deadline, "the child did not start");
                    Thread.sleep(5);
                }
                Thread.sleep(random.nextInt(600));
                // append this round's share while the child runs, and kill it somewhere in the middle
                int killAt = random.nextInt(perRound);
                append(in, random, killAt, counts);
                if (!child.isAlive()) {
                    fail("seed " + seed + ": the child exited early: " + read(childErr));
                }
                child.destroyForcibly(); // SIGKILL
                assertTrue(child.waitFor(30, TimeUnit.SECONDS));
                assertEquals(137, child.exitValue(), "killed by SIGKILL");
                String said = Files.readString(childErr).trim();
                System.out.println("round " + round + ": " + said.substring(Math.max(0, said.lastIndexOf('\r') + 1))
                    + " / checkpoints " + Groups.checkpoints(dir, "crash").stream().map(c -> c.inputs().get(0).nextOffset() + "").toList()
                    + " / out " + (log.exists("out") ? log.topic("out").partition(0).endOffset() : -1)
                    + " / cached records in checkpoints " + Groups.checkpoints(dir, "crash").stream()
                        .mapToLong(c -> c.storeSizes().getOrDefault("kappa.emit-cache", 0L)).sum());
                kills++;
                if (outputBeyondCheckpoints(log)) {
                    killsPastCheckpoint[0]++;
                }
                append(in, random, perRound - killAt, counts);
            }
            assertEquals(total, counts.values().stream().mapToInt(Integer::intValue).sum());
        }
        assertEquals(rounds, kills);
        List<String> last = new ArrayList<>(List.of("run", "count", "--by", "key", "--group", "crash", "--input", "in", "--output", "out",
            "--until-caught-up"));
        last.addAll(emit);
        Cli.Result result = Cli.exec(dir, null, last.toArray(new String[0]));
        assertEquals(0, result.code(), result.err());
        return counts;
    }

    @Test
    void countOutputsEqualAnUninterruptedRunAfterKillNineAtRandomMoments() throws Exception {
        long seed = Long.getLong("kappa.test.seed", System.nanoTime());
        System.out.println("RunCrashTest seed " + seed);
        Random random = new Random(seed);
        int[] killsWithOutputPastCheckpoint = {0};
        Map<String, Integer> counts = killRounds(random, seed, List.of(), TOTAL, ROUNDS, PER_ROUND, killsWithOutputPastCheckpoint);
        Cli.Result reference = Cli.exec(dir, null, "run", "count", "--by", "key", "--group", "reference", "--input", "in", "--output",
            "reference-out", "--until-caught-up");
        assertEquals(0, reference.code(), reference.err());
        System.out.println("RunCrashTest: " + ROUNDS + " kills, " + killsWithOutputPastCheckpoint[0]
            + " of them with outputs written after a task's last checkpoint");
        assertTrue(killsWithOutputPastCheckpoint[0] >= 3, "seed " + seed + ": kills should land between checkpoints and outputs, "
            + "only " + killsWithOutputPastCheckpoint[0] + " did");
        try (EventLog log = EventLog.open(dir)) {
            Map<String, List<Long>> crashed = outputs(log, "out");
            Map<String, List<Long>> uninterrupted = outputs(log, "reference-out");
            assertEquals(counts.size(), crashed.size(), "seed " + seed + ": keys");
            for (Map.Entry<String, Integer> e : counts.entrySet()) {
                List<Long> seq = crashed.get(e.getKey());
                assertNotNull(seq, "seed " + seed + ": no output for " + e.getKey());
                assertEquals(e.getValue().intValue(), seq.size(), "seed " + seed + ": outputs for " + e.getKey() + " (lost or doubled)");
                for (int i = 0; i < seq.size(); i++) {
                    assertEquals(i + 1, seq.get(i).longValue(), "seed " + seed + ": output " + i + " of " + e.getKey());
                }
            }
            assertEquals(uninterrupted, crashed, "seed " + seed + ": per-key output sequences equal the uninterrupted run's");
            assertFalse(log.exists("crash.dlq"), "nothing dead-lettered");
        }
    }

    /**
     * The same with {@code --emit latest-per-commit}: a key's outputs are fewer, but still rising with no value twice
     * (a cached write that a crash cut short is finished after the restart, never repeated), and the last is its count.
     */
    @Test
    void latestPerCommitOutputsAreWrittenOnceAfterKillNine() throws Exception {
        long seed = Long.getLong("kappa.test.seed", System.nanoTime());
        System.out.println("RunCrashTest (latest-per-commit) seed " + seed);
        Random random = new Random(seed);
        int total = 300_000;
        int[] past = {0};
        Map<String, Integer> counts = killRounds(random, seed, List.of("--emit", "latest-per-commit"), total, 8, 25_000, past);
        System.out.println("RunCrashTest (latest-per-commit): 8 kills, " + past[0] + " with outputs written after a checkpoint");
        try (EventLog log = EventLog.open(dir)) {
            Map<String, List<Long>> crashed = outputs(log, "out");
            assertEquals(counts.size(), crashed.size(), "seed " + seed + ": keys");
            for (Map.Entry<String, Integer> e : counts.entrySet()) {
                List<Long> seq = crashed.get(e.getKey());
                assertNotNull(seq, "seed " + seed + ": no output for " + e.getKey());
                for (int i = 1; i < seq.size(); i++) {
                    assertTrue(seq.get(i) > seq.get(i - 1), "seed " + seed + ": " + e.getKey() + " wrote " + seq + ": a value twice or "
                        + "out of order");
                }
                assertEquals(e.getValue().longValue(), seq.get(seq.size() - 1).longValue(), "seed " + seed + ": last count of " + e.getKey());
            }
            assertFalse(log.exists("crash.dlq"), "nothing dead-lettered");
        }
    }
}
