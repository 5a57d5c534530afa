package io.kappa.bench;

import java.nio.file.Path;
import java.util.NavigableSet;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import io.kappa.log.EventLog;
import io.kappa.log.LogContext;
import io.kappa.log.Partition;
import io.kappa.log.PartitionTailer;
import io.kappa.log.RecordDescriptor;
import io.kappa.log.RecordHandler;
import io.kappa.log.RecordView;
import io.kappa.log.TopicConfig;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Random access on a partition of {@code records} records (10M reported), built once per fork:
 * <ul>
 *   <li>{@link #seek}: {@link PartitionTailer#moveToOffset(long)} to a random offset, then poll that one record;</li>
 *   <li>{@link #offsetForTime}: {@link Partition#offsetForTime(long)} for a random time between the first and the
 *       last record's append time;</li>
 *   <li>{@link #endOffset}: {@link Partition#endOffset()}, which every {@code moveToOffset} checks against and a
 *       consumer-lag metric would call;</li>
 *   <li>{@link #rawChronicleSeek}, the baseline of {@link #seek}: {@code moveToIndex} to a random index of a raw
 *       queue of as many records of the same size, then {@code readingDocument()};</li>
 *   <li>{@link #rawChronicleEndOffset}, the baseline of {@link #endOffset}: the raw queue's {@code lastIndex()}.</li>
 * </ul>
 * The random targets are drawn in set-up (a fixed seed, {@link #TARGETS} of them, used in turn), so the measured
 * code does nothing but the lookup. Times are averages per operation, in microseconds.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(2)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 2)
public class LogSeekBenchmark {
    /** Random targets drawn per trial (a power of two). */
    public static final int TARGETS = 1 << 16;
    private static final long SEED = 0x6b61707061L;

    @State(Scope.Thread)
    public static class KappaPartition {
        @Param("10000000")
        long records;

        Path dir;
        EventLog log;
        Partition partition;
        PartitionTailer tailer;
        final LastOffset handler = new LastOffset();
        final long[] offsets = new long[TARGETS];
        final long[] times = new long[TARGETS];
        long firstAppendTime;
        long lastAppendTime;
        int next;

        @Setup(Level.Trial)
        public void open() {
            dir = BenchSupport.newDirectory("seek");
            log = EventLog.open(new LogContext().dataDir(dir));
            partition = log.createTopic(BenchSupport.TOPIC, TopicConfig.partitions(1)).partition(0);
            BenchSupport.fill(partition, records);
            tailer = partition.newTailer();
            firstAppendTime = appendTimeAt(0);
            lastAppendTime = appendTimeAt(records - 1);
            SplittableRandom random = new SplittableRandom(SEED);
            for (int i = 0; i < TARGETS; i++) {
                offsets[i] = random.nextLong(records);
                times[i] = firstAppendTime + random.nextLong(lastAppendTime - firstAppendTime + 1);
            }
        }

        private long appendTimeAt(long offset) {
            long[] time = new long[1];
            if (tailer.moveToOffset(offset).poll(r -> time[0] = r.appendTime(), 1) != 1) {
                throw new IllegalStateException("no record at offset " + offset);
            }
            return time[0];
        }

        @TearDown(Level.Trial)
        public void close() {
            if (tailer != null) {
                tailer.close();
            }
            if (log != null) {
                log.close();
            }
            BenchSupport.delete(dir);
        }
    }

    static final class LastOffset implements RecordHandler {
        long offset;

        @Override
        public void onRecord(RecordView record) {
            offset = record.offset();
        }
    }

    @State(Scope.Thread)
    public static class RawQueue {
        @Param("10000000")
        long records;

        Path dir;
        SingleChronicleQueue queue;
        ExcerptTailer tailer;
        final long[] indexes = new long[TARGETS];
        int next;

        @Setup(Level.Trial)
        public void open() {
            dir = BenchSupport.newDirectory("raw-seek");
            queue = BenchSupport.rawQueue(dir);
            BenchSupport.fill(queue, records);
            tailer = queue.createTailer();
            // The fill may have crossed an hour, so turn record numbers into indexes cycle by cycle.
            RollCycle rollCycle = queue.rollCycle();
            NavigableSet<Long> cycles = queue.listCyclesBetween(queue.firstCycle(), queue.lastCycle());
            int[] cycle = new int[cycles.size()];
            long[] first = new long[cycles.size() + 1];
            int c = 0;
            for (long cy : cycles) {
                cycle[c] = (int) cy;
                first[c + 1] = first[c] + Math.max(0, tailer.excerptsInCycle((int) cy));
                c++;
            }
            if (first[c] != records) {
                throw new IllegalStateException("raw queue holds " + first[c] + " records, expected " + records);
            }
            SplittableRandom random = new SplittableRandom(SEED);
            for (int i = 0; i < TARGETS; i++) {
                long n = random.nextLong(records);
                int k = 0;
                while (n >= first[k + 1]) {
                    k++;
                }
                indexes[i] = rollCycle.toIndex(cycle[k], n - first[k]);
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            if (tailer != null) {
                tailer.close();
            }
            if (queue != null) {
                queue.close();
            }
            BenchSupport.delete(dir);
        }
    }

    /** Move to a random offset and read the record there; returns its offset. */
    @Benchmark
    public long seek(KappaPartition s) {
        long offset = s.offsets[s.next++ & (TARGETS - 1)];
        s.tailer.moveToOffset(offset).poll(s.handler, 1);
        return s.handler.offset;
    }

    /** The first offset at or after a random time. */
    @Benchmark
    public long offsetForTime(KappaPartition s) {
        return s.partition.offsetForTime(s.times[s.next++ & (TARGETS - 1)]);
    }

    /** One past the last offset. */
    @Benchmark
    public long endOffset(KappaPartition s) {
        return s.partition.endOffset();
    }

    /** Baseline of {@link #endOffset}: where the raw queue ends. */
    @Benchmark
    public long rawChronicleEndOffset(RawQueue s) {
        return s.queue.lastIndex();
    }

    /** Baseline of {@link #seek}: move a raw tailer to a random index and read the document there. */
    @Benchmark
    public long rawChronicleSeek(RawQueue s) {
        ExcerptTailer tailer = s.tailer;
        if (!tailer.moveToIndex(s.indexes[s.next++ & (TARGETS - 1)])) {
            throw new IllegalStateException("moveToIndex failed");
        }
        try (DocumentContext dc = tailer.readingDocument()) {
            Bytes<?> bytes = dc.wire().bytes();
            return bytes.readLong(bytes.readPosition() + RecordDescriptor.OFFSET_OFFSET);
        }
    }
}
