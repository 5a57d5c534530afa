package io.kappa.log;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.agrona.concurrent.CachedEpochClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

class PartitionTest {
    @TempDir
    Path dir;
    CachedEpochClock clock = new CachedEpochClock();
    EventLog log;

    @BeforeEach
    void open() {
        clock.update(1_763_719_200_000L); // 2025-11-21T10:00:00Z
        log = EventLog.open(new LogContext().dataDir(dir).clock(clock));
    }

    @AfterEach
    void close() {
        log.close();
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static List<Record> readAll(Partition p, long from) {
        List<Record> out = new ArrayList<>();
        try (PartitionTailer t = p.newTailer()) {
            t.moveToOffset(from);
            while (t.poll(r -> out.add(r.toRecord()), 1000) > 0) {
                // keep reading
            }
        }
        return out;
    }

    @Test
    void anEmptyPartitionCanContinueFromAGivenOffsetAsAfterRetention() throws Exception {
        Partition p = log.createTopic("t", TopicConfig.partitions(1)).partition(0);
        p.continueFrom(1_000);
        clock.update(1_763_719_200_500L);
        assertEquals(1_000, p.append(b("k"), b("v0"), 42, b("id-0")));
        assertEquals(1_001, p.appendBatch(List.of(Event.of("k", "v1"), Event.of(null, "v2")))[0]);
        assertEquals(1_000, p.startOffset());
        assertEquals(1_003, p.endOffset());
        List<Record> all = readAll(p, 1_001);
        assertEquals(List.of(1_001L, 1_002L), all.stream().map(Record::offset).toList());
        assertEquals(1_763_719_200_500L, all.get(0).appendTime());
        assertThrows(LogException.OffsetOutOfRange.class, () -> readAll(p, 999));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.continueFrom(5));
        assertTrue(e.getMessage().contains("not empty"), e.getMessage());
        log.close();
        log = EventLog.open(new LogContext().dataDir(dir).clock(clock));
        Partition again = log.topic("t").partition(0);
        assertEquals(1_003, again.append(b("v3")), "offsets go on from the stored records after a reopen");
        assertEquals(1_000, again.startOffset());
    }

    @Test
    void offsetsAreDenseFromZeroAndRecordsRoundTrip() {
        Partition p = log.createTopic("t", TopicConfig.partitions(1)).partition(0);
        assertEquals(0, p.startOffset());
        assertEquals(0, p.endOffset());
        assertEquals(0, p.append(b("k"), b("v0"), 42, b("id-0")));
        assertEquals(1, p.append(b("v1")));
        assertEquals(2, p.append(null, new byte[0], Event.NO_TIME, null));
        assertEquals(3, p.endOffset());
        List<Record> all = readAll(p, 0);
        assertEquals(3, all.size());
        Record r0 = all.get(0);
        assertEquals(0, r0.offset());
        assertEquals("k", r0.keyString());
        assertEquals("v0", r0.valueString());
        assertEquals("id-0", r0.idString());
        assertEquals(42, r0.eventTime());
        assertEquals(clock.time(), r0.appendTime());
        Record r1 = all.get(1);
        assertNull(r1.key());
        assertNull(r1.id());
        assertEquals(r1.appendTime(), r1.eventTime(), "event time defaults to the append time");
        assertEquals(0, all.get(2).value().length);
    }

    @Test
    void offsetsStayDenseAcrossSegmentRollsAndRestarts() {
        log.createTopic("roll", TopicConfig.partitions(1).withSegment("5m"));
        long expected = 0;
        for (int round = 0; round < 4; round++) {
            Partition p = log.topic("roll").partition(0);
            for (int i = 0; i < 50; i++) {
                assertEquals(expected++, p.append(b("r" + round + "-" + i)));
                if (i % 20 == 19) {
                    clock.advance(6 * 60_000); // next 5-minute segment
                }
            }
            clock.advance(3 * 3_600_000); // leave empty cycles in between
            log.close();
            log = EventLog.open(new LogContext().dataDir(dir).clock(clock));
        }
        Partition p = log.topic("roll").partition(0);
        assertTrue(p.segments().cycles().length >= 12, "several segments were written");
        assertEquals(200, p.endOffset());
        List<Record> all = readAll(p, 0);
        assertEquals(200, all.size());
        for (int i = 0; i < all.size(); i++) {
            assertEquals(i, all.get(i).offset());
        }
        // seek into every segment
        for (long o = 0; o < 200; o += 7) {
            List<Record> tail = readAll(p, o);
            assertEquals(200 - o, tail.size());
            assertEquals(o, tail.get(0).offset());
        }
    }

    @Test
    void appendTimeNeverDecreasesAndTimeLookupFindsFirstAtOrAfter() {
        Partition p = log.createTopic("time", TopicConfig.partitions(1).withSegment("5m")).partition(0);
        long t0 = clock.time();
        List<Long> times = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            if (i % 10 == 0) {
                clock.advance(i % 30 == 0 ? 7 * 60_000 : 1_000);
            }
            if (i == 150) {
                clock.update(clock.time() - 10_000); // the wall clock steps back
            }
            p.append(b("x" + i));
        }
        List<Record> all = readAll(p, 0);
        for (Record r : all) {
            times.add(r.appendTime());
        }
        for (int i = 1; i < times.size(); i++) {
            assertTrue(times.get(i) >= times.get(i - 1), "append time is monotonic at " + i);
        }
        // brute force reference
        for (long q = t0 - 1000; q <= times.get(times.size() - 1) + 1000; q += 997) {
            long expected = times.size();
            for (int i = 0; i < times.size(); i++) {
                if (times.get(i) >= q) {
                    expected = i;
                    break;
                }
            }
            assertEquals(expected, p.offsetForTime(q), "time " + q);
        }
    }

    @Test
    void readingOutsideTheRangeNamesTheValidRange() {
        Partition p = log.createTopic("range", TopicConfig.partitions(1)).partition(0);
        for (int i = 0; i < 5; i++) {
            p.append(b("v" + i));
        }
        try (PartitionTailer t = p.newTailer()) {
            LogException.OffsetOutOfRange e = assertThrows(LogException.OffsetOutOfRange.class, () -> t.moveToOffset(6));
            assertTrue(e.getMessage().contains("0..4"), e.getMessage());
            assertThrows(LogException.OffsetOutOfRange.class, () -> t.moveToOffset(-1));
            t.moveToOffset(5);
            assertEquals(0, t.poll(r -> fail("nothing yet"), 10));
            p.append(b("v5"));
            List<Long> seen = new ArrayList<>();
            assertEquals(1, t.poll(r -> seen.add(r.offset()), 10));
            assertEquals(List.of(5L), seen);
        }
    }

    @Test
    void toEndDoesNotSkipARecordAppendedAfterPositioning() {
        Partition p = log.createTopic("end", TopicConfig.partitions(1)).partition(0);
        p.append(b("a"));
        p.append(b("b"));
        try (PartitionTailer t = p.newTailer().toEnd()) {
            assertEquals(2, t.offset());
            p.append(b("c"));
            List<String> seen = new ArrayList<>();
            t.poll(r -> seen.add(r.valueString()), 10);
            assertEquals(List.of("c"), seen);
        }
    }

    @Test
    void oversizedRecordsAreRefusedAndNothingIsWritten() {
        log.close();
        log = EventLog.open(new LogContext().dataDir(dir).clock(clock).maxRecordBytes(1000));
        Partition p = log.createTopic("big", TopicConfig.partitions(1)).partition(0);
        p.append(new byte[1000]);
        LogException.RecordTooLarge e = assertThrows(LogException.RecordTooLarge.class, () -> p.append(new byte[1001]));
        assertTrue(e.getMessage().contains("1001"), e.getMessage());
        assertThrows(LogException.RecordTooLarge.class,
            () -> p.appendBatch(List.of(Event.of(new byte[1]), Event.of(new byte[2000]))));
        assertEquals(1, p.endOffset());
        assertEquals(1, p.append(new byte[3]));
    }

    @Test
    void batchAppendReturnsConsecutiveOffsets() {
        Partition p = log.createTopic("batch", TopicConfig.partitions(1)).partition(0);
        p.append(b("first"));
        long[] offsets = p.appendBatch(List.of(Event.of(b("a")), Event.of("k", "b"), Event.of(b("c")).withEventTime(7)));
        assertArrayEquals(new long[] {1, 2, 3}, offsets);
        List<Record> all = readAll(p, 1);
        assertEquals("k", all.get(1).keyString());
        assertEquals(7, all.get(2).eventTime());
    }

    @Test
    void largeRecordsAcrossMappingChunksReadBackIntact() {
        Partition p = log.createTopic("large", TopicConfig.partitions(1)).partition(0);
        java.util.Random random = new java.util.Random(7);
        List<byte[]> values = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            byte[] v = new byte[random.nextInt(LogContext.DEFAULT_MAX_RECORD_BYTES - 100)];
            random.nextBytes(v);
            values.add(v);
            assertEquals(i, p.append(v));
        }
        List<Record> all = readAll(p, 0);
        assertEquals(values.size(), all.size());
        for (int i = 0; i < values.size(); i++) {
            assertArrayEquals(values.get(i), all.get(i).value(), "record " + i);
        }
    }

    @Test
    void producerIdAndSequenceAreStoredAndShiftNothingElse() {
        Topic t = log.createTopic("prod", TopicConfig.partitions(2));
        List<Appended> appended = t.appendBatch(List.of(Event.of("a", "v0"), Event.of("b", "v1").withId("e1"), Event.of(b("v2")).withPartition(1)), 77, 1000);
        assertEquals(1, appended.get(2).partition());
        List<RecordFields> seen = new ArrayList<>();
        for (int p = 0; p < 2; p++) {
            try (PartitionTailer tailer = t.partition(p).newTailer()) {
                tailer.poll(r -> seen.add(new RecordFields(r.producerId(), r.producerSequence(), r.keyString(), r.idBytes() == null ? null : new String(r.idBytes()), r.valueString())), 10);
            }
        }
        seen.sort(java.util.Comparator.comparing(RecordFields::sequence));
        assertEquals(List.of(new RecordFields(77, 1000, "a", null, "v0"), new RecordFields(77, 1001, "b", "e1", "v1"), new RecordFields(77, 1002, null, null, "v2")), seen);
        Partition p0 = t.partition(0);
        p0.append(b("plain"));
        try (PartitionTailer tailer = p0.newTailer().moveToOffset(p0.endOffset() - 1)) {
            tailer.poll(r -> {
                assertFalse(r.hasProducer());
                assertEquals(RecordDescriptor.NO_PRODUCER, r.producerId());
                assertEquals("plain", r.valueString());
            }, 1);
        }
        assertThrows(LogException.UnknownPartition.class, () -> t.appendBatch(List.of(Event.of(b("x")).withPartition(5))));
    }

    @Test
    void timeLookupMatchesABruteForceReferenceOnLargeIrregularSegments() {
        long seed = System.nanoTime();
        java.util.Random random = new java.util.Random(seed);
        Partition p = log.createTopic("bigtime", TopicConfig.partitions(1).withSegment("1h")).partition(0);
        long[] times = new long[30_000];
        for (int i = 0; i < times.length; i++) {
            // bursts and pauses: many records per millisecond, then gaps of up to 20 s
            if (random.nextInt(100) == 0) {
                clock.advance(random.nextInt(20_000));
            } else if (random.nextInt(3) == 0) {
                clock.advance(1);
            }
            p.append(new byte[8]);
            times[i] = clock.time();
        }
        for (int q = 0; q < 400; q++) {
            long t = times[0] - 5 + (long) (random.nextDouble() * (times[times.length - 1] - times[0] + 10));
            long expected = times.length;
            for (int i = 0; i < times.length; i++) {
                if (times[i] >= t) {
                    expected = i;
                    break;
                }
            }
            assertEquals(expected, p.offsetForTime(t), "time " + t + " (seed " + seed + ")");
        }
        assertEquals(0, p.offsetForTime(Long.MIN_VALUE));
        assertEquals(times.length, p.offsetForTime(Long.MAX_VALUE));
    }

    record RecordFields(long producer, long sequence, String key, String id, String value) {
    }
}
