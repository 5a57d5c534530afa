package io.kappa.log;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

class ConcurrencyTest {
    @TempDir
    Path dir;

    @Test
    void concurrentAppendersAndReadersOnOnePartitionSeeEveryRecordOnceInOrder() throws Exception {
        int writers = 4;
        int readers = 3;
        int perWriter = 25_000;
        long total = (long) writers * perWriter;
        try (EventLog log = EventLog.open(dir)) {
            Partition p = log.createTopic("c", TopicConfig.partitions(1)).partition(0);
            ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            long[][] offsetsByWriter = new long[writers][perWriter];
            for (int w = 0; w < writers; w++) {
                int writer = w;
                threads.add(new Thread(() -> {
                    try {
                        start.await();
                        for (int i = 0; i < perWriter; i++) {
                            byte[] v = (writer + ":" + i).getBytes(StandardCharsets.US_ASCII);
                            offsetsByWriter[writer][i] = (i % 10 == 0)
                                ? p.appendBatch(List.of(Event.of(v)))[0]
                                : p.append(v);
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }, "writer-" + w));
            }
            AtomicBoolean[] readerOk = new AtomicBoolean[readers];
            for (int r = 0; r < readers; r++) {
                AtomicBoolean ok = new AtomicBoolean();
                readerOk[r] = ok;
                threads.add(new Thread(() -> {
                    try (PartitionTailer t = p.newTailer()) {
                        start.await();
                        long[] expected = {0};
                        int[] nextPerWriter = new int[writers];
                        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                        while (expected[0] < total && System.nanoTime() < deadline) {
                            t.poll(rec -> {
                                assertEquals(expected[0], rec.offset(), "offsets in order, none skipped or repeated");
                                String[] parts = rec.valueString().split(":");
                                int writer = Integer.parseInt(parts[0]);
                                assertEquals(nextPerWriter[writer], Integer.parseInt(parts[1]), "each writer's records in its order");
                                nextPerWriter[writer]++;
                                expected[0]++;
                            }, 256);
                        }
                        assertEquals(total, expected[0]);
                        assertEquals(0, t.poll(rec -> fail("no record beyond the end"), 10));
                        ok.set(true);
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }, "reader-" + r));
            }
            threads.forEach(Thread::start);
            start.countDown();
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(180));
            }
            if (!errors.isEmpty()) {
                AssertionError e = new AssertionError("concurrent access failed: " + errors.peek());
                errors.forEach(e::addSuppressed);
                throw e;
            }
            for (AtomicBoolean ok : readerOk) {
                assertTrue(ok.get());
            }
            assertEquals(total, p.endOffset());
            boolean[] seen = new boolean[(int) total];
            for (long[] offsets : offsetsByWriter) {
                for (int i = 0; i < offsets.length; i++) {
                    assertFalse(seen[(int) offsets[i]], "offset " + offsets[i] + " handed out twice");
                    seen[(int) offsets[i]] = true;
                    if (i > 0) {
                        assertTrue(offsets[i] > offsets[i - 1]);
                    }
                }
            }
        }
    }

    @Test
    void endOffsetAndToEndAreConsistentWhileAnAppenderRuns() throws Exception {
        try (EventLog log = EventLog.open(dir)) {
            Partition p = log.createTopic("live", TopicConfig.partitions(1)).partition(0);
            AtomicBoolean stop = new AtomicBoolean();
            ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
            Thread writer = new Thread(() -> {
                try {
                    for (int i = 0; !stop.get(); i++) {
                        p.append(new byte[i % 700]);
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            });
            writer.start();
            long lastEnd = 0;
            try (PartitionTailer t = p.newTailer()) {
                for (int i = 0; i < 2_000; i++) {
                    long end = p.endOffset();
                    assertTrue(end >= lastEnd, "end offset never goes back");
                    lastEnd = end;
                    t.toEnd();
                    long at = t.offset();
                    assertTrue(at >= end);
                    long[] seen = {-1};
                    if (t.poll(r -> seen[0] = r.offset(), 1) == 1) {
                        assertEquals(at, seen[0], "toEnd then poll gives the next record, none skipped");
                    }
                }
            } finally {
                stop.set(true);
                writer.join();
            }
            assertTrue(errors.isEmpty(), () -> "appender failed: " + errors.peek());
        }
    }

    @Test
    void aReaderWithItsOwnLogInstanceFollowsAcrossSegmentRolls() throws Exception {
        org.agrona.concurrent.CachedEpochClock clock = new org.agrona.concurrent.CachedEpochClock();
        clock.update(1_763_719_200_000L);
        try (EventLog writerLog = EventLog.open(new LogContext().dataDir(dir).clock(clock));
             EventLog readerLog = EventLog.open(new LogContext().dataDir(dir))) {
            Partition w = writerLog.createTopic("roll", TopicConfig.partitions(1).withSegment("5m")).partition(0);
            w.append(new byte[] {0});
            Partition r = readerLog.topic("roll").partition(0);
            List<Long> seen = new ArrayList<>();
            try (PartitionTailer t = r.newTailer()) {
                t.poll(rec -> seen.add(rec.offset()), 10);
                for (int segment = 1; segment <= 3; segment++) {
                    clock.advance(6 * 60_000); // the writer starts a new segment file
                    w.append(new byte[] {(byte) segment});
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (seen.size() <= segment && System.nanoTime() < deadline) {
                        if (t.poll(rec -> seen.add(rec.offset()), 10) == 0) {
                            Thread.sleep(5);
                        }
                    }
                }
            }
            assertEquals(List.of(0L, 1L, 2L, 3L), seen, "the reader followed into every new segment");
        }
    }
}
