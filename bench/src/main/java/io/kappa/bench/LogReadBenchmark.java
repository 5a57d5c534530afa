package io.kappa.bench;

import java.nio.file.Path;
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
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Sequential read of a pre-filled partition through {@link PartitionTailer#poll(RecordHandler, int)}, against
 * the baseline {@link #rawChronicleRead}: a raw Chronicle tailer's {@code readingDocument()} over a raw queue
 * holding the same number of records of the same size. Both consume each record's offset and value length
 * into a Blackhole, and go back to the start when they reach the end. Scores are records per second
 * ({@link #BATCH} records per invocation).
 *
 * <p>{@code verifyChecksums} is kappa's {@link LogContext#verifyChecksums(boolean)}: true (the default) checks
 * every record's CRC-32C, false shows what that costs.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(2)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class LogReadBenchmark {
    /** Records read per benchmark invocation. */
    public static final int BATCH = 1_000;

    @State(Scope.Thread)
    public static class KappaPartition {
        @Param("3000000")
        long records;
        @Param({"true", "false"})
        boolean verifyChecksums;

        Path dir;
        EventLog log;
        PartitionTailer tailer;
        final ConsumingHandler handler = new ConsumingHandler();

        @Setup(Level.Trial)
        public void open() {
            dir = BenchSupport.newDirectory("read");
            log = EventLog.open(new LogContext().dataDir(dir).verifyChecksums(verifyChecksums));
            Partition partition = log.createTopic(BenchSupport.TOPIC, TopicConfig.partitions(1)).partition(0);
            BenchSupport.fill(partition, records);
            tailer = partition.newTailer();
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

    /** Consumes what a reader would look at first: the offset and the value length. */
    static final class ConsumingHandler implements RecordHandler {
        Blackhole bh;

        @Override
        public void onRecord(RecordView record) {
            bh.consume(record.offset());
            bh.consume(record.valueLength());
        }
    }

    @State(Scope.Thread)
    public static class RawQueue {
        @Param("3000000")
        long records;

        Path dir;
        SingleChronicleQueue queue;
        ExcerptTailer tailer;

        @Setup(Level.Trial)
        public void open() {
            dir = BenchSupport.newDirectory("raw-read");
            queue = BenchSupport.rawQueue(dir);
            BenchSupport.fill(queue, records);
            tailer = queue.createTailer();
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

    /** {@link #BATCH} records through kappa's tailer. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void read(KappaPartition s, Blackhole bh) {
        ConsumingHandler handler = s.handler;
        handler.bh = bh;
        PartitionTailer tailer = s.tailer;
        int left = BATCH;
        while (left > 0) {
            int n = tailer.poll(handler, left);
            if (n == 0) {
                tailer.toStart();
            }
            left -= n;
        }
    }

    /** Baseline: {@link #BATCH} raw Chronicle documents, reading the same two fields. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void rawChronicleRead(RawQueue s, Blackhole bh) {
        ExcerptTailer tailer = s.tailer;
        int left = BATCH;
        while (left > 0) {
            boolean present;
            try (DocumentContext dc = tailer.readingDocument()) {
                present = dc.isPresent();
                if (present) {
                    Bytes<?> bytes = dc.wire().bytes();
                    long at = bytes.readPosition();
                    bh.consume(bytes.readLong(at + RecordDescriptor.OFFSET_OFFSET));
                    bh.consume(bytes.readInt(at + RecordDescriptor.VALUE_LENGTH_OFFSET));
                }
            }
            if (present) {
                left--;
            } else {
                tailer.toStart();
            }
        }
    }
}
