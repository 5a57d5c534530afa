package io.kappa.log;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.agrona.concurrent.CachedEpochClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Records stored several to a document (format 2): every read, seek and time lookup is checked against a plain list
 * of what was appended, across batch boundaries, polls that stop inside a batch, records larger than a batch, and a
 * reopen.
 */
class RecordBatchTest {
    @TempDir
    Path dir;
    CachedEpochClock clock = new CachedEpochClock();
    EventLog log;
    final List<Record> expected = new ArrayList<>();
    final List<Long> producers = new ArrayList<>();
    final List<Long> sequences = new ArrayList<>();

    @BeforeEach
    void open() {
        clock.update(1_763_719_200_000L);
        log = EventLog.open(new LogContext().dataDir(dir).clock(clock));
    }

    @AfterEach
    void close() {
        log.close();
    }

    /** Appends `count` random events in batches of random size, remembering what each record should read back as. */
    void appendRandom(Partition p, Random random, int count, int maxValue) {
        int done = 0;
        while (done < count) {
            int n = Math.min(count - done, 1 + random.nextInt(random.nextBoolean() ? 5 : 3000));
            clock.advance(random.nextInt(3));
            List<Event> batch = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                byte[] key = random.nextInt(4) == 0 ? null : ("k" + random.nextInt(50)).getBytes(StandardCharsets.UTF_8);
                byte[] id = random.nextInt(3) == 0 ? ("id" + random.nextInt()).getBytes(StandardCharsets.UTF_8) : null;
                byte[] value = new byte[random.nextInt(maxValue + 1)];
                random.nextBytes(value);
                long eventTime = random.nextInt(5) == 0 ? Event.NO_TIME : clock.time() - random.nextInt(10_000);
                batch.add(new Event(key, value, eventTime, id));
            }
            long producer = random.nextBoolean() ? RecordDescriptor.NO_PRODUCER : 7 + random.nextInt(3);
            long[] seqs = new long[n];
            for (int i = 0; i < n; i++) {
                seqs[i] = producer == RecordDescriptor.NO_PRODUCER ? -1 : 1000L * done + i;
            }
            long[] offsets = n == 1 && random.nextBoolean() && producer == RecordDescriptor.NO_PRODUCER
                ? new long[] {p.append(batch.get(0))}
                : p.appendBatch(batch, producer, producer == RecordDescriptor.NO_PRODUCER ? null : seqs);
            for (int i = 0; i < n; i++) {
                Event e = batch.get(i);
                assertEquals(expected.size(), offsets[i], "offsets are dense");
                long time = clock.time();
                expected.add(new Record(p.id(), offsets[i], e.eventTime() == Event.NO_TIME ? time : e.eventTime(), time,
                    e.key(), e.id(), e.value()));
                producers.add(producer);
                sequences.add(seqs[i]);
            }
            done += n;
        }
    }

    List<Record> read(Partition p, long from, int maxPerPoll) {
        List<Record> out = new ArrayList<>();
        try (PartitionTailer t = p.newTailer()) {
            t.moveToOffset(from);
            while (t.poll(r -> {
                out.add(r.toRecord());
                assertEquals(producers.get((int) r.offset()), r.producerId(), "producer of " + r.offset());
                assertEquals(r.hasProducer() ? sequences.get((int) r.offset()) : -1L, r.producerSequence());
            }, maxPerPoll) > 0) {
                assertEquals(from + out.size(), t.offset());
            }
        }
        return out;
    }

    static void assertSame(Record want, Record got) {
        assertEquals(want.offset(), got.offset());
        assertEquals(want.eventTime(), got.eventTime(), "event time of " + want.offset());
        assertEquals(want.appendTime(), got.appendTime(), "append time of " + want.offset());
        assertArrayEquals(want.key(), got.key(), "key of " + want.offset());
        assertArrayEquals(want.id(), got.id(), "id of " + want.offset());
        assertArrayEquals(want.value(), got.value(), "value of " + want.offset());
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void everyReadSeekAndTimeLookupMatchesWhatWasAppended(long seed) {
        Random random = new Random(seed);
        Partition p = log.createTopic("t", TopicConfig.partitions(1)).partition(0);
        appendRandom(p, random, 20_000, 300);
        assertEquals(expected.size(), p.endOffset());
        for (int maxPerPoll : new int[] {1, 7, 1000, Integer.MAX_VALUE}) {
            List<Record> all = read(p, 0, maxPerPoll);
            assertEquals(expected.size(), all.size());
            for (int i = 0; i < all.size(); i++) {
                assertSame(expected.get(i), all.get(i));
            }
        }
        try (PartitionTailer t = p.newTailer()) {
            for (int i = 0; i < 2000; i++) {
                long offset = random.nextInt(expected.size() + 1);
                t.moveToOffset(offset);
                List<Record> got = new ArrayList<>();
                t.poll(r -> got.add(r.toRecord()), 2);
                if (offset == expected.size()) {
                    assertTrue(got.isEmpty());
                } else {
                    assertSame(expected.get((int) offset), got.get(0));
                }
            }
        }
        assertTimeLookups(p, expected, 1);
    }

    /**
     * {@code offsetForTime} against a scan of what was appended, for every time from before the first append to after
     * the last: each millisecond near the ends, and every {@code stride} ms between them.
     */
    static void assertTimeLookups(Partition p, List<Record> expected, long stride) {
        long first = expected.get(0).appendTime();
        long last = expected.get(expected.size() - 1).appendTime();
        for (long time = first - 1; time <= last + 1; time += (time < first + 300 || time > last - 300) ? 1 : stride) {
            long want = expected.size();
            for (Record r : expected) {
                if (r.appendTime() >= time) {
                    want = r.offset();
                    break;
                }
            }
            assertEquals(want, p.offsetForTime(time), "offset for time " + time);
        }
    }

    @Test
    void aRecordLargerThanABatchIsStoredAloneAmongOthers() {
        log.close();
        log = EventLog.open(new LogContext().dataDir(dir).clock(clock).maxRecordBytes(4 * RecordDescriptor.BATCH_TARGET_BYTES));
        Partition p = log.createTopic("t", TopicConfig.partitions(1)).partition(0);
        Random random = new Random(9);
        appendRandom(p, random, 100, 100);
        List<Event> batch = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            byte[] value = new byte[i % 3 == 1 ? 3 * RecordDescriptor.BATCH_TARGET_BYTES : 50];
            Arrays.fill(value, (byte) i);
            batch.add(new Event(null, value, Event.NO_TIME, null));
        }
        long[] offsets = p.appendBatch(batch);
        for (int i = 0; i < 10; i++) {
            assertEquals(100 + i, offsets[i]);
            expected.add(new Record(0, offsets[i], clock.time(), clock.time(), null, null, batch.get(i).value()));
            producers.add(RecordDescriptor.NO_PRODUCER);
            sequences.add(-1L);
        }
        List<Record> all = read(p, 95, 3);
        assertEquals(15, all.size());
        for (int i = 0; i < 15; i++) {
            assertSame(expected.get(95 + i), all.get(i));
        }
    }

    @Test
    void aHandlerThatFailsInsideABatchGetsTheSameRecordAgain() {
        Partition p = log.createTopic("t", TopicConfig.partitions(1)).partition(0);
        appendRandom(p, new Random(4), 500, 20);
        try (PartitionTailer t = p.newTailer()) {
            List<Long> seen = new ArrayList<>();
            int[] calls = {0};
            RuntimeException failure = assertThrows(RuntimeException.class, () -> t.poll(r -> {
                if (++calls[0] == 37) {
                    throw new IllegalStateException("boom");
                }
                seen.add(r.offset());
            }, 1000));
            assertEquals("boom", failure.getMessage());
            assertEquals(36, seen.size());
            assertEquals(36, t.offset(), "the failed record is not consumed");
            t.poll(r -> seen.add(r.offset()), 1000);
            for (int i = 0; i < seen.size(); i++) {
                assertEquals(i, seen.get(i));
            }
            assertEquals(500, seen.size());
        }
    }

    @Test
    void aReopenedPartitionContinuesOffsetsAfterTheLastBatch() {
        Partition p = log.createTopic("t", TopicConfig.partitions(1)).partition(0);
        Random random = new Random(5);
        appendRandom(p, random, 3000, 200);
        log.close();
        log = EventLog.open(new LogContext().dataDir(dir).clock(clock));
        p = log.topic("t").partition(0);
        assertEquals(3000, p.endOffset());
        appendRandom(p, random, 3000, 200);
        List<Record> all = read(p, 0, 1000);
        assertEquals(6000, all.size());
        for (int i = 0; i < all.size(); i++) {
            assertSame(expected.get(i), all.get(i));
        }
    }

    @Test
    void twoLogsAppendingToOnePartitionInterleaveWholeBatchesWithDenseOffsets() {
        Partition p = log.createTopic("t", TopicConfig.partitions(1)).partition(0);
        try (EventLog other = EventLog.open(new LogContext().dataDir(dir).clock(clock))) {
            Partition q = other.topic("t").partition(0);
            Random random = new Random(6);
            for (int round = 0; round < 50; round++) {
                Partition target = random.nextBoolean() ? p : q;
                int n = 1 + random.nextInt(700);
                List<Event> batch = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    batch.add(new Event(null, ("r" + round + "-" + i).getBytes(StandardCharsets.UTF_8), Event.NO_TIME, null));
                }
                long[] offsets = target.appendBatch(batch);
                for (int i = 0; i < n; i++) {
                    assertEquals(expected.size(), offsets[i]);
                    expected.add(new Record(0, offsets[i], clock.time(), clock.time(), null, null, batch.get(i).value()));
                    producers.add(RecordDescriptor.NO_PRODUCER);
                    sequences.add(-1L);
                }
            }
            List<Record> all = read(q, 0, 333);
            assertEquals(expected.size(), all.size());
            for (int i = 0; i < all.size(); i++) {
                assertSame(expected.get(i), all.get(i));
            }
        }
    }
}
