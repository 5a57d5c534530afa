package io.kappa.log;

import java.nio.file.Path;

import org.agrona.concurrent.CachedEpochClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

class RetentionTest {
    @TempDir
    Path dir;
    final CachedEpochClock clock = new CachedEpochClock();

    private EventLog open() {
        return EventLog.open(new LogContext().dataDir(dir).clock(clock));
    }

    /** Appends {@code perSegment} records in each of {@code segments} consecutive 5-minute segments. */
    private static void fill(Partition p, CachedEpochClock clock, int segments, int perSegment) {
        for (int s = 0; s < segments; s++) {
            for (int i = 0; i < perSegment; i++) {
                p.append(new byte[100]);
            }
            clock.advance(5 * 60_000);
        }
    }

    @Test
    void byDefaultEverythingIsKept() {
        clock.update(1_763_719_200_000L);
        try (EventLog log = open()) {
            Topic t = log.createTopic("keep", TopicConfig.partitions(1).withSegment("5m"));
            fill(t.partition(0), clock, 5, 10);
            clock.advance(365L * 86_400_000);
            assertEquals(0, t.enforceRetention());
            assertEquals(0, t.partition(0).startOffset());
            assertEquals(50, t.partition(0).endOffset());
        }
    }

    @Test
    void timeRetentionRemovesWholeOldSegmentsAndNeverTheNewest() {
        clock.update(1_763_719_200_000L);
        try (EventLog log = open()) {
            Topic t = log.createTopic("timed", TopicConfig.partitions(1).withSegment("5m").withRetentionMs(12 * 60_000));
            Partition p = t.partition(0);
            fill(p, clock, 5, 10); // segments at minutes 0, 5, 10, 15, 20; now = minute 25
            // Records older than minute 13 may go: segments 0 and 5 end before it (next segment starts at 5, 10).
            // (Appends already removed segment 0 when they started segment 20; the call removes segment 5.)
            assertEquals(1, t.enforceRetention());
            assertEquals(20, p.startOffset());
            assertEquals(50, p.endOffset());
            try (PartitionTailer tailer = p.newTailer()) {
                LogException.OffsetOutOfRange e = assertThrows(LogException.OffsetOutOfRange.class, () -> tailer.moveToOffset(5));
                assertTrue(e.getMessage().contains("20..49"), e.getMessage());
                tailer.moveToOffset(20);
                long[] first = {-1};
                tailer.poll(r -> first[0] = r.offset(), 1);
                assertEquals(20, first[0]);
            }
            assertEquals(20, p.offsetForTime(0), "a time before the start resolves to the start offset");
            clock.advance(10L * 86_400_000);
            t.enforceRetention();
            assertEquals(40, p.startOffset(), "the newest segment stays, so the end offset is kept");
            assertEquals(50, p.endOffset());
            assertEquals(50, p.append(new byte[1]), "offsets continue after retention");
        }
        try (EventLog log = open()) {
            Partition p = log.topic("timed").partition(0);
            assertEquals(40, p.startOffset());
            assertEquals(51, p.endOffset());
        }
    }

    @Test
    void sizeRetentionRemovesOldestSegmentsUntilUnderTheLimit() {
        clock.update(1_763_719_200_000L);
        try (EventLog log = open()) {
            Topic t = log.createTopic("sized", TopicConfig.partitions(1).withSegment("5m").withRetentionBytes(3 * 100_000L));
            Partition p = t.partition(0);
            for (int s = 0; s < 6; s++) {
                for (int i = 0; i < 500; i++) {
                    p.append(new byte[100]); // ~ 75 KB of records per segment, plus Chronicle's index
                }
                clock.advance(5 * 60_000);
            }
            t.enforceRetention(); // appends applied it at each new segment too
            long start = p.startOffset();
            assertTrue(start >= 1000 && start <= 2000 && start % 500 == 0, "whole segments went, about 3 kept: start " + start);
            assertEquals(3000, p.endOffset());
            assertEquals(0, t.enforceRetention(), "idempotent");
        }
    }

    @Test
    void appendsApplyRetentionWhenTheyStartANewSegment() {
        clock.update(1_763_719_200_000L);
        try (EventLog log = open()) {
            Topic t = log.createTopic("auto", TopicConfig.partitions(1).withSegment("5m").withRetentionMs(12 * 60_000));
            Partition p = t.partition(0);
            fill(p, clock, 5, 10); // minutes 0..20, now minute 25; no explicit enforceRetention()
            assertEquals(10, p.startOffset(), "the segment of minute 0 went when the segment of minute 20 started");
            p.append(new byte[1]); // starts the segment of minute 25
            assertEquals(20, p.startOffset());
            assertEquals(51, p.endOffset());
        }
    }
}
