package io.kappa.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kappa.log.Event;
import io.kappa.log.EventLog;
import io.kappa.log.JvmFlags;
import io.kappa.log.PartitionTailer;
import io.kappa.log.Record;
import io.kappa.log.Topic;
import io.kappa.log.TopicConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/**
 * kill -9 of a real {@code kappa replay window-count} at random moments while events arrive out of order: window
 * state, timers and watermarks come back from checkpoints, so after the last restart the output is exactly what an
 * uninterrupted {@code kappa run} writes (per partition, the same records in the same order), and every window's
 * count equals a count over the log.
 */
@Tag("slow")
@Timeout(600)
class WindowCrashTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int KEYS = 300;
    private static final int ROUNDS = 8;
    private static final int PER_ROUND = 30_000;
    private static final long T0 = 1_763_800_000_000L;
    private static final String[] WINDOWS = {"--by", "key", "--size", "1s", "--out-of-order", "200ms", "--lateness", "100ms"};

    @TempDir
    Path dir;
    private long clock;

    /** Events 1 ms apart in event time, each up to 250 ms early (within out-of-order + lateness). */
    private void append(Topic topic, Random random, int n) {
        List<Event> batch = new ArrayList<>(1000);
        for (int i = 0; i < n; i++) {
            String key = "k" + random.nextInt(KEYS);
            batch.add(new Event(key.getBytes(StandardCharsets.UTF_8), "{}".getBytes(StandardCharsets.UTF_8),
                T0 + clock++ - random.nextInt(250), null));
            if (batch.size() == 1000) {
                topic.appendBatch(batch);
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            topic.appendBatch(batch);
        }
    }

    private static List<Record> partition(Topic t, int p) {
        List<Record> out = new ArrayList<>();
        try (PartitionTailer tailer = t.partition(p).newTailer()) {
            while (tailer.poll(v -> out.add(v.toRecord()), 10_000) > 0) {
                // drain
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

    private static String[] args(String... first) {
        List<String> a = new ArrayList<>(List.of(first));
        a.addAll(List.of(WINDOWS));
        return a.toArray(new String[0]);
    }

    @Test
    void windowedReplayKilledAtRandomMomentsWritesWhatAnUninterruptedRunWrites() throws Exception {
        long seed = Long.getLong("kappa.test.seed", System.nanoTime());
        System.out.println("WindowCrashTest seed " + seed);
        Random random = new Random(seed);
        try (EventLog log = EventLog.open(dir)) {
            Topic in = log.createTopic("in", TopicConfig.partitions(3));
            append(in, random, 60_000);
            for (int round = 0; round < ROUNDS; round++) {
                Path childErr = dir.resolve("child-" + round + ".err");
                List<String> cmd = new ArrayList<>(List.of(args("replay", "window-count")));
                cmd.addAll(List.of("--input", "in", "--output", "out", "--checkpoint-interval", (5 + random.nextInt(40)) + "ms"));
                ProcessBuilder pb = new ProcessBuilder(JvmFlags.javaCommand(List.of("-Xmx256m"), Kappa.class.getName(), cmd));
                pb.environment().put("KAPPA_DATA_DIR", dir.toString());
                pb.redirectError(childErr.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD);
                Process child = pb.start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!Files.readString(childErr).contains("kappa: running group")) {
                    assertTrue(child.isAlive(), () -> "seed " + seed + ": the child died: " + read(childErr));
                    assertTrue(System.nanoTime() < deadline, "the child did not start");
                    Thread.sleep(5);
                }
                Thread.sleep(random.nextInt(400));
                int killAt = random.nextInt(PER_ROUND);
                append(in, random, killAt);
                assertTrue(child.isAlive(), () -> "seed " + seed + ": the child exited early: " + read(childErr));
                child.destroyForcibly(); // SIGKILL
                assertTrue(child.waitFor(30, TimeUnit.SECONDS));
                assertEquals(137, child.exitValue(), "killed by SIGKILL");
                append(in, random, PER_ROUND - killAt);
            }
            // one record per partition far ahead: every window of the data closes
            for (int p = 0; p < in.partitionCount(); p++) {
                in.append(p, new Event("flush".getBytes(StandardCharsets.UTF_8), "{}".getBytes(StandardCharsets.UTF_8),
                    T0 + clock + 60_000, null));
            }
        }
        Cli.Result last = Cli.exec(dir, null, args("replay", "window-count", "--input", "in", "--output", "out", "--until-caught-up"));
        assertEquals(0, last.code(), last.err());
        Cli.Result reference = Cli.exec(dir, null, args("run", "window-count", "--group", "reference", "--input", "in", "--output",
            "reference-out", "--until-caught-up"));
        assertEquals(0, reference.code(), reference.err());
        try (EventLog log = EventLog.open(dir)) {
            Topic out = log.topic("out");
            Topic ref = log.topic("reference-out");
            Map<String, Long> written = new TreeMap<>();
            for (int p = 0; p < out.partitionCount(); p++) {
                List<Record> a = partition(out, p);
                List<Record> b = partition(ref, p);
                assertEquals(b.size(), a.size(), "seed " + seed + ": partition " + p + " (lost or doubled windows)");
                for (int i = 0; i < a.size(); i++) {
                    assertArrayEquals(b.get(i).key(), a.get(i).key(), "seed " + seed + ": partition " + p + " record " + i);
                    assertArrayEquals(b.get(i).value(), a.get(i).value(), "seed " + seed + ": partition " + p + " record " + i);
                    JsonNode v = JSON.readTree(a.get(i).value());
                    assertNull(written.put(v.get("key").asText() + "@" + v.get("windowStart").asText(), v.get("count").asLong()),
                        "seed " + seed + ": a window written twice");
                }
            }
            Map<String, Long> recount = new TreeMap<>();
            Topic in = log.topic("in");
            for (int p = 0; p < in.partitionCount(); p++) {
                for (Record r : partition(in, p)) {
                    String key = new String(r.key(), StandardCharsets.UTF_8) + "@"
                        + java.time.Instant.ofEpochMilli(Math.floorDiv(r.eventTime(), 1000L) * 1000L);
                    if (written.containsKey(key)) {
                        recount.merge(key, 1L, Long::sum);
                    }
                }
            }
            assertEquals(recount, written, "seed " + seed + ": every window's count equals a count over the log");
            assertTrue(written.size() > KEYS * 100, "most windows closed: " + written.size());
            assertFalse(log.exists("out.late") && log.topic("out.late").partition(0).endOffset() > 0, "nothing late");
        }
    }
}
