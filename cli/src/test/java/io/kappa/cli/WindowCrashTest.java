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
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.*;

/**
 * kill -9 of a real {@code kappa replay window-count} (and {@code window-agg --agg p99}, and {@code --agg distinct}
 * over a repartition, windows past the exact limit) at random moments while events arrive out of order: window state,
 * timers and watermarks come back from checkpoints, so after the last restart the output is exactly what an
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
    private static final String[] DISORDER = {"--out-of-order", "200ms", "--lateness", "100ms"};
    private static final Map<String, String[]> PROCESSORS = Map.of(
        "count", new String[] {"window-count", "--by", "key", "--size", "1s"},
        "p99", new String[] {"window-agg", "--agg", "p99", "--field", "v", "--by", "key", "--size", "1s"},
        // about 2,000 users per 4 s window of group g0 or g1: past the exact limit, through G.repartition. The idle
        // timeout is above every pause of the test (see distinctOverARepartition...): after a repartition, idleness is
        // measured in the append times of G.repartition, which a kill and a slow restart stretch, and an upstream task
        // that counts as idle makes the others' records late; an uninterrupted run has no such pause to compare with
        "distinct", new String[] {"window-agg", "--agg", "distinct", "--field", "u", "--by", "g", "--size", "4s",
            "--idle-timeout", "1h"});

    @TempDir
    Path dir;
    private long clock;

    /** Events 1 ms apart in event time, each up to 250 ms early (within out-of-order + lateness). */
    private void append(Topic topic, Random random, int n) {
        List<Event> batch = new ArrayList<>(1000);
        for (int i = 0; i < n; i++) {
            String key = "k" + random.nextInt(KEYS);
            String value = "{\"v\":" + (1 + random.nextInt(random.nextInt(20) == 0 ? 100_000 : 1_000)) + ",\"u\":\"u"
                + random.nextInt(1_000_000) + "\",\"g\":\"g" + random.nextInt(2) + "\"}";
            batch.add(new Event(key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8),
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

    /** Records in {@code out.repartition} now (0 before the first stage created it). */
    private static long repartitioned(EventLog log) {
        if (!log.exists("out.repartition")) {
            return 0;
        }
        Topic t = log.topic("out.repartition");
        long n = 0;
        for (int q = 0; q < t.partitionCount(); q++) {
            n += t.partition(q).endOffset();
        }
        return n;
    }

    /**
     * Every input record crossed the group's repartition topic exactly once: its envelope (layout 2: int -2, int
     * partition, long offset, little-endian) names where it came from. Prints the largest gap in append time there,
     * the pause a source of the window stage may have been silent for.
     */
    private static void crossedOnce(EventLog log, String group, long seed) {
        Topic in = log.topic("in");
        Topic rep = log.topic(group + ".repartition");
        java.util.Set<Long> seen = new java.util.HashSet<>();
        List<String> twice = new ArrayList<>();
        long[] gap = {0, Long.MIN_VALUE}; // largest, previous append time
        for (int q = 0; q < rep.partitionCount(); q++) {
            gap[1] = Long.MIN_VALUE;
            try (PartitionTailer tailer = rep.partition(q).newTailer()) {
                while (tailer.poll(v -> {
                    if (gap[1] != Long.MIN_VALUE) {
                        gap[0] = Math.max(gap[0], v.appendTime() - gap[1]);
                    }
                    gap[1] = v.appendTime();
                    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(v.toRecord().value())
                        .order(java.nio.ByteOrder.LITTLE_ENDIAN);
                    assertEquals(-2, b.getInt(0), "an envelope of layout 2");
                    if (!seen.add(((long) b.getInt(4) << 40) | b.getLong(8)) && twice.size() < 10) {
                        twice.add(b.getInt(4) + "/" + b.getLong(8));
                    }
                }, 10_000) > 0) {
                    // drain
                }
            }
        }
        List<String> missing = new ArrayList<>();
        long inputs = 0;
        for (int p = 0; p < in.partitionCount(); p++) {
            long end = in.partition(p).endOffset();
            inputs += end;
            for (long o = 0; o < end && missing.size() < 10; o++) {
                if (!seen.contains(((long) p << 40) | o)) {
                    missing.add(p + "/" + o);
                }
            }
        }
        System.out.println(group + ".repartition: largest gap in append time " + gap[0] + " ms");
        assertEquals(List.of(), missing, "seed " + seed + ": input records that never reached " + rep.name()
            + " (the first ten)");
        assertEquals(List.of(), twice, "seed " + seed + ": input records in " + rep.name() + " twice (the first ten)");
        assertEquals(inputs, seen.size(), "seed " + seed + ": every input record in " + rep.name());
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    private String[] args(String command, String... more) {
        List<String> a = new ArrayList<>(List.of(command));
        a.addAll(List.of(PROCESSORS.get(agg)));
        a.addAll(List.of(DISORDER));
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }

    private String agg;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"count", "p99"})
    void windowedReplayKilledAtRandomMomentsWritesWhatAnUninterruptedRunWrites(String agg) throws Exception {
        killAtRandomMoments(agg);
    }

    /**
     * The distinct count over a repartition, past the exact limit: every input record crosses {@code out.repartition}
     * exactly once, and the windows are those of the uninterrupted run. It runs with an idle timeout of an hour, as a
     * crash test must: a source of the window stage is an upstream task, idle once the stage has read records of the
     * others appended {@code --idle-timeout} after that task's last one; {@code G.repartition}'s append times are when
     * the first stage wrote, so a kill, the test's appends and a restart leave gaps there that the uninterrupted run
     * does not have, and on a loaded machine (rounds of about 20 s) a task that wrote nothing in a round (killed before
     * its first flush) was silent for more than the default 30 s. It then counts as idle when the next round's records
     * of another task arrive, the watermark moves on with the others, and its next records are late: one run here sent
     * 6,110 records to {@code out.late}, and before late records were checked this showed as a window's estimate one
     * lower than the uninterrupted run's. With {@code --idle-timeout 2s}, below the 5 s gaps of a quick run, a seed
     * that passes with an hour sent 14,268. That is the documented rule (docs/architecture.md, "Event time and
     * watermarks": set the idle timeout above the pauses you expect), not a lost record; within the allowed disorder
     * and with no source idle, nothing is late whatever the interleaving, so the comparison holds.
     */
    @org.junit.jupiter.api.Test
    void distinctOverARepartitionKilledAtRandomMomentsWritesWhatAnUninterruptedRunWrites() throws Exception {
        killAtRandomMoments("distinct");
    }

    private void killAtRandomMoments(String agg) throws Exception {
        this.agg = agg;
        long seed = Long.getLong("kappa.test.seed", System.nanoTime());
        System.out.println("WindowCrashTest seed " + seed);
        Random random = new Random(seed);
        try (EventLog log = EventLog.open(dir)) {
            Topic in = log.createTopic("in", TopicConfig.partitions(3));
            append(in, random, 60_000);
            for (int round = 0; round < ROUNDS; round++) {
                Path childErr = dir.resolve("child-" + round + ".err");
                List<String> cmd = new ArrayList<>(List.of(args("replay", "--input", "in", "--output", "out", "--checkpoint-interval",
                    (5 + random.nextInt(40)) + "ms")));
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
                if (agg.equals("distinct")) {
                    // kill once the child is at work (it wrote to out.repartition, or 30 s passed): on a loaded
                    // machine a child can take longer to start than the round lasts, and a child killed before it
                    // read anything tests no recovery
                    long before = repartitioned(log);
                    long atWork = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (repartitioned(log) == before && child.isAlive() && System.nanoTime() < atWork) {
                        Thread.sleep(5);
                    }
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
            // records from every partition far ahead (to both groups after a repartition): every window of the data closes
            for (int p = 0; p < in.partitionCount(); p++) {
                for (String g : new String[] {"g0", "g1"}) {
                    in.append(p, new Event("flush".getBytes(StandardCharsets.UTF_8), ("{\"v\":1,\"u\":\"x\",\"g\":\"" + g + "\"}")
                        .getBytes(StandardCharsets.UTF_8), T0 + clock + 60_000, null));
                }
            }
        }
        Cli.Result last = Cli.exec(dir, null, args("replay", "--input", "in", "--output", "out", "--until-caught-up"));
        assertEquals(0, last.code(), last.err());
        Cli.Result reference = Cli.exec(dir, null, args("run", "--group", "reference", "--input", "in", "--output",
            "reference-out", "--until-caught-up"));
        assertEquals(0, reference.code(), reference.err());
        try (EventLog log = EventLog.open(dir)) {
            // a record sent aside would explain a difference below: say so first
            for (String group : new String[] {"out", "reference"}) {
                if (log.exists(group + ".late")) {
                    List<Record> late = partition(log.topic(group + ".late"), 0);
                    System.out.println(group + ".late: " + late.size() + " records, the first: "
                        + late.stream().limit(3).map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList());
                }
                assertFalse(log.exists(group + ".late") && log.topic(group + ".late").partition(0).endOffset() > 0,
                    "seed " + seed + ": nothing late in group " + group);
                assertFalse(log.exists(group + ".dlq") && log.topic(group + ".dlq").partition(0).endOffset() > 0,
                    "seed " + seed + ": nothing dead-lettered in group " + group);
            }
            if (agg.equals("distinct")) {
                crossedOnce(log, "out", seed);
                crossedOnce(log, "reference", seed);
            }
            Topic out = log.topic("out");
            Topic ref = log.topic("reference-out");
            Map<String, Long> written = new TreeMap<>();
            int estimated = 0;
            for (int p = 0; p < out.partitionCount(); p++) {
                List<Record> a = partition(out, p);
                List<Record> b = partition(ref, p);
                assertEquals(b.size(), a.size(), "seed " + seed + ": partition " + p + " (lost or doubled windows)");
                for (int i = 0; i < a.size(); i++) {
                    assertArrayEquals(b.get(i).key(), a.get(i).key(), "seed " + seed + ": partition " + p + " record " + i);
                    assertArrayEquals(b.get(i).value(), a.get(i).value(), "seed " + seed + ": partition " + p + " record " + i);
                    JsonNode v = JSON.readTree(a.get(i).value());
                    assertNull(written.put(v.get("key").asText() + "@" + v.get("windowStart").asText(),
                        v.get(agg.equals("distinct") ? "distinct" : "count").asLong()), "seed " + seed + ": a window written twice");
                    if (agg.equals("distinct") && !v.get("exact").asBoolean()) {
                        estimated++;
                    }
                }
            }
            if (agg.equals("distinct")) {
                assertTrue(written.size() > 100, "most windows closed: " + written.size());
                assertTrue(estimated > written.size() - 4, "all but the first windows past the exact limit: " + estimated);
                return;
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
        }
    }
}
