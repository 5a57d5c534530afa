package io.kappa.log;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Real process death: a child JVM appends as fast as it can and reports acknowledged offsets; it is killed
 * with SIGKILL at random moments; after each kill the log is reopened and checked.
 */
@Tag("slow")
class CrashTest {
    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedRecordSurvivesKillNineIntactWithDenseOffsets() throws Exception {
        long seed = Long.getLong("kappa.test.seed", System.nanoTime());
        System.out.println("CrashTest seed " + seed + " (rerun with -Dkappa.test.seed=" + seed + ")");
        Random random = new Random(seed);
        Path data = dir.resolve("data");
        try (EventLog log = EventLog.open(data)) {
            log.createTopic("crash", TopicConfig.partitions(1));
        }
        Path stderr = dir.resolve("child.err");
        long maxAcked = -1;
        long verifiedEnd = 0;
        int rounds = 20;
        for (int round = 0; round < rounds; round++) {
            Process child = ChildJvm.start(AppendChild.class, stderr, data.toString(), "crash");
            AtomicLong acked = new AtomicLong(-1);
            AtomicLong startedAt = new AtomicLong(-1);
            Thread reader = readAcks(child, acked, startedAt);
            // Wait until the child has really started appending, then let it run a random while.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (acked.get() <= maxAcked && child.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertTrue(child.isAlive(), "round " + round + ": child died by itself: " + Files.readString(stderr));
            assertTrue(acked.get() > maxAcked, "round " + round + ": child made no progress after restart (seed " + seed + ")");
            Thread.sleep(random.nextInt(400));
            child.destroyForcibly(); // SIGKILL
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            reader.join(10_000);
            assertEquals(verifiedEnd, startedAt.get(), "round " + round + ": the child started at the end offset");
            maxAcked = Math.max(maxAcked, acked.get());
            verifiedEnd = verify(data, "crash", maxAcked, "round " + round + " (seed " + seed + ")");
        }
        assertTrue(maxAcked > 1000, "the children appended a fair amount: " + maxAcked);
    }

    private static Thread readAcks(Process child, AtomicLong acked, AtomicLong startedAt) {
        Thread t = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII))) {
                String line;
                while ((line = in.readLine()) != null) {
                    String[] parts = line.split(" ");
                    if (parts[0].equals("started")) {
                        startedAt.set(Long.parseLong(parts[1]));
                    } else if (parts.length == 3 && parts[0].equals("ack")) {
                        acked.set(Long.parseLong(parts[2]));
                    }
                }
            } catch (Exception e) {
                // the child was killed mid-line
            }
        }, "acks");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Every record from 0 to the end is present once, carries its offset and exactly the content of that offset. */
    static long verify(Path data, String topic, long maxAcked, String where) {
        try (EventLog log = EventLog.open(data)) {
            Partition p = log.topic(topic).partition(0);
            long end = p.endOffset();
            assertTrue(end > maxAcked, where + ": end offset " + end + " but offset " + maxAcked + " was acknowledged");
            long[] next = {0};
            try (PartitionTailer t = p.newTailer()) {
                while (t.poll(r -> {
                    assertEquals(next[0], r.offset(), where);
                    long o = r.offset();
                    assertArrayEquals(AppendChild.value(o), r.valueBytes(), where + ": value of offset " + o);
                    assertArrayEquals(AppendChild.key(o), r.keyBytes(), where + ": key of offset " + o);
                    assertEquals(1_000_000L + o, r.eventTime(), where + ": event time of offset " + o);
                    next[0]++;
                }, 10_000) > 0) {
                    // read on
                }
            }
            assertEquals(end, next[0], where + ": records read");
            // Seek checks across the whole range.
            for (long o = 0; o < end; o += Math.max(1, end / 50)) {
                try (PartitionTailer t = p.newTailer().moveToOffset(o)) {
                    long[] seen = {-1};
                    t.poll(r -> seen[0] = r.offset(), 1);
                    assertEquals(o, seen[0], where + ": seek to " + o);
                }
            }
            return end;
        }
    }

    @Test
    void concurrentWriterProcessesShareOnePartitionWithoutLossOrDuplicates() throws Exception {
        Path data = dir.resolve("multi");
        try (EventLog log = EventLog.open(data)) {
            log.createTopic("shared", TopicConfig.partitions(1));
        }
        int writers = 3;
        long each = 20_000;
        List<Process> children = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            children.add(ChildJvm.start(AppendChild.class, dir.resolve("multi-" + w + ".err"), data.toString(), "shared", "w" + w, Long.toString(each)));
        }
        for (int w = 0; w < writers; w++) {
            Process c = children.get(w);
            c.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            assertTrue(c.waitFor(120, TimeUnit.SECONDS), "writer " + w + " finished");
            assertEquals(0, c.exitValue(), "writer " + w + ": " + Files.readString(dir.resolve("multi-" + w + ".err")));
        }
        try (EventLog log = EventLog.open(data)) {
            Partition p = log.topic("shared").partition(0);
            assertEquals(writers * each, p.endOffset());
            Map<String, Long> nextPerWriter = new HashMap<>();
            long[] next = {0};
            long[] lastAppendTime = {Long.MIN_VALUE};
            try (PartitionTailer t = p.newTailer()) {
                while (t.poll(r -> {
                    assertEquals(next[0]++, r.offset());
                    assertTrue(r.appendTime() >= lastAppendTime[0], "append time never decreases");
                    lastAppendTime[0] = r.appendTime();
                    String[] v = r.valueString().split(":");
                    long expected = nextPerWriter.getOrDefault(v[0], 0L);
                    assertEquals(expected, Long.parseLong(v[1]), "writer " + v[0] + " in order, nothing lost or doubled");
                    nextPerWriter.put(v[0], expected + 1);
                }, 10_000) > 0) {
                    // read on
                }
            }
            long[] counts = nextPerWriter.values().stream().mapToLong(Long::longValue).toArray();
            assertArrayEquals(new long[] {each, each, each}, counts, Arrays.toString(counts));
        }
    }

    @Test
    void shouldHideTornRecordAfterKillAndContinueDense() throws Exception {
        Path data = dir.resolve("torn");
        try (EventLog log = EventLog.open(data)) {
            log.createTopic("torn", TopicConfig.partitions(1));
        }
        Process child = ChildJvm.start(TornWriteChild.class, dir.resolve("torn.err"), data.toString(), "25");
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        assertEquals(9, child.exitValue(), out + Files.readString(dir.resolve("torn.err")));
        assertTrue(out.contains("halting with a document open"), out);
        assertEquals(25, verify(data, "torn", 24, "after a torn write"), "the torn record is not visible");
        // The next writer starts despite the torn document (after Chronicle's lock timeout) and offsets stay dense.
        try (EventLog log = EventLog.open(data)) {
            Partition p = log.topic("torn").partition(0);
            for (long o = 25; o < 40; o++) {
                assertEquals(o, p.append(AppendChild.event(o)));
            }
        }
        assertEquals(40, verify(data, "torn", 39, "after appending past a torn write"));
    }
}
