package io.kappa.bench;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import io.kappa.log.Event;
import io.kappa.log.EventLog;
import io.kappa.log.LogContext;
import io.kappa.log.Partition;
import io.kappa.log.TopicConfig;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import static io.kappa.bench.BenchSupport.KEY_LENGTH;
import static io.kappa.bench.BenchSupport.VALUE_LENGTH;

/**
 * Single-thread append of one record (8-byte key, 100-byte value) to one partition through the allocation-free
 * {@link Partition#append(org.agrona.DirectBuffer, int, int, org.agrona.DirectBuffer, int, int, long)}, against
 * the baseline {@link #rawChronicleAppend}: the same number of bytes per record written straight to a raw
 * Chronicle Queue with {@code writingDocument()}.
 *
 * <p>Each measured iteration starts on a fresh, empty directory (made and deleted outside the measured time),
 * so a run does not pile gigabytes of dirty pages up for the kernel to write back while later iterations run.
 * fsync policy NONE, the default: Chronicle writes to mapped memory and the kernel writes it back.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(2)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class LogAppendBenchmark {

    @State(Scope.Thread)
    public static class KappaPartition {
        final UnsafeBuffer key = BenchSupport.key();
        final UnsafeBuffer value = BenchSupport.value();
        Path dir;
        EventLog log;
        Partition partition;

        @Setup(Level.Iteration)
        public void open() {
            dir = BenchSupport.newDirectory("append");
            log = EventLog.open(new LogContext().dataDir(dir));
            partition = log.createTopic(BenchSupport.TOPIC, TopicConfig.partitions(1)).partition(0);
            // The first append creates the segment file and reads the (empty) tail: not what is measured.
            partition.append(key, 0, KEY_LENGTH, value, 0, VALUE_LENGTH, Event.NO_TIME);
        }

        @TearDown(Level.Iteration)
        public void close() {
            if (log != null) {
                log.close();
            }
            BenchSupport.delete(dir);
        }
    }

    @State(Scope.Thread)
    public static class RawQueue {
        final byte[] payload = BenchSupport.rawPayload().byteArray();
        Path dir;
        SingleChronicleQueue queue;
        ExcerptAppender appender;

        @Setup(Level.Iteration)
        public void open() {
            dir = BenchSupport.newDirectory("raw-append");
            queue = BenchSupport.rawQueue(dir);
            appender = queue.createAppender();
            try (DocumentContext dc = appender.writingDocument()) {
                dc.wire().bytes().write(payload);
            }
        }

        @TearDown(Level.Iteration)
        public void close() {
            if (appender != null) {
                appender.close();
            }
            if (queue != null) {
                queue.close();
            }
            BenchSupport.delete(dir);
        }
    }

    /** One kappa append; returns the offset it got. */
    @Benchmark
    public long append(KappaPartition s) {
        return s.partition.append(s.key, 0, KEY_LENGTH, s.value, 0, VALUE_LENGTH, Event.NO_TIME);
    }

    /** Baseline: one raw Chronicle document of {@link BenchSupport#RECORD_LENGTH} bytes. */
    @Benchmark
    public void rawChronicleAppend(RawQueue s) {
        try (DocumentContext dc = s.appender.writingDocument()) {
            dc.wire().bytes().write(s.payload);
        }
    }
}
