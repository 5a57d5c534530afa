package io.kappa.bench;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.log.Event;
import io.kappa.log.EventLog;
import io.kappa.log.LogContext;
import io.kappa.log.Partition;
import io.kappa.log.PartitionTailer;
import io.kappa.log.RecordHandler;
import io.kappa.log.RecordView;
import io.kappa.log.TopicConfig;
import io.kappa.processor.ProcessorRunner;
import io.kappa.processor.RunnerContext;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * End-to-end latency of the pass-through processor at a fixed offered rate: from an event's append to the input topic
 * to its copy being readable in the output topic. A producer (this thread) appends a batch of {@code rate x 1 ms}
 * events every 1 ms to a one-partition topic, each value carrying the {@code System.nanoTime()} at which its batch was
 * <em>due</em>; the pass-through runs under {@code ProcessorRunner} (default {@link RunnerContext}); a reader thread tails
 * the output and records now minus that stamp in an HdrHistogram. Stamping the due time, not the send time, corrects
 * for coordinated omission: a producer held up by a stall charges the wait to the events it should have appended. The
 * producer's own lateness (append time minus due time) is recorded apart. A warm-up on the same schedule comes first;
 * the measured schedule starts once the reader has seen every warm-up event. The reader spins for {@link #SPINS} empty
 * polls, then parks 10 µs at a time (about 60 µs on Linux), so it adds at most that much; a reader that only spins
 * took a whole core of the two and made the tail worse (p99 17 ms against 3 ms at 10,000 events/s, one run each).
 */
final class ProcessorLatency {
    static final long MAX_LAG_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** The reader's idle loop: this many empty polls spinning, then parks of this long (about 60 µs on Linux). */
    static final int SPINS = Integer.getInteger("kappa.bench.latency.spins", 1_000);
    static final long PARK_NANOS = 10_000;
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private ProcessorLatency() {
    }

    static ObjectNode run(long rate, double warmupS, double durationS, Path outDir, boolean progress) throws Exception {
        int batch = (int) Math.max(1, Math.round(rate * (TICK_NANOS / 1e9)));
        double period = batch * 1e9 / rate;
        long warmBatches = (long) Math.ceil(warmupS * 1e9 / period);
        long measuredBatches = Math.max(1, (long) Math.ceil(durationS * 1e9 / period));
        Path dir = BenchSupport.newDirectory("processor-latency");
        ObjectNode r = TcpIngestBench.JSON.createObjectNode();
        try (EventLog log = EventLog.open(new LogContext().dataDir(dir))) {
            Partition in = log.createTopic("lat-in", TopicConfig.partitions(1)).partition(0);
            ProcessorRunner runner = new ProcessorRunner(log, ProcessorWorkloads.passThrough("lat-in", "lat-out"),
                new RunnerContext().group("lat"));
            Reader reader;
            Producer warm;
            Producer measured;
            long start;
            try {
                runner.start();
                reader = new Reader(log.topic("lat-out").partition(0));
                reader.start();
                warm = new Producer(in, batch, period);
                warm.run(warmBatches, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20));
                reader.awaitSeen(warm.appended, runner);
                start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1);
                reader.measureFrom = start;
                measured = new Producer(in, batch, period);
                if (progress) {
                    System.err.printf("[latency %s/s] measuring %.0f s%n", TcpIngestBench.si(rate), durationS);
                }
                measured.run(measuredBatches, start);
                reader.awaitSeen(warm.appended + measured.appended, runner);
                reader.stop();
            } finally {
                runner.close();
            }
            if (runner.failure() != null) {
                throw new IllegalStateException("latency: the runner failed", runner.failure());
            }
            if (reader.error.get() != null) {
                throw new IllegalStateException("latency: the reader failed", reader.error.get());
            }
            ProcessorWorkloads.check("latency: events measured", measured.appended, reader.measured.getTotalCount());
            Path hgrm = outDir.resolve("latency-" + rate + ".hgrm");
            try (PrintStream out = new PrintStream(Files.newOutputStream(hgrm), false, "UTF-8")) {
                reader.measured.outputPercentileDistribution(out, 5, 1000.0);
            }
            // the producer's own rate: appended over the scheduled time, or longer when it fell behind the schedule
            double achieved = measured.appended / Math.max(durationS, (measured.lastAppend - start) / 1e9);
            // the pipeline's rate: outputs of measured events seen by the reader, over the scheduled time or until the last one
            double delivered = reader.measured.getTotalCount() / Math.max(durationS, (reader.lastMeasuredSeen - start) / 1e9);
            r.put("offeredEventsPerSec", rate)
                .put("achievedEventsPerSec", achieved)
                .put("deliveredEventsPerSec", delivered)
                .put("batch", batch)
                .put("periodUs", period / 1e3)
                .put("warmupSeconds", warmupS)
                .put("seconds", durationS)
                .put("scheduledEvents", measuredBatches * batch)
                .put("appendedEvents", measured.appended)
                .put("saturated", measured.gaveUp || achieved < 0.97 * rate || delivered < 0.97 * rate)
                .put("producerGaveUp", measured.gaveUp)
                .put("hgrm", hgrm.getFileName().toString());
            r.set("latencyUs", TcpIngestBench.percentiles(reader.measured, 1e3));
            r.set("appendLagUs", TcpIngestBench.percentiles(measured.lag, 1e3));
        } finally {
            BenchSupport.delete(dir);
        }
        return r;
    }

    /** Appends {@code batch} events every {@code period} ns, each stamped with its batch's due time. */
    static final class Producer {
        private final Partition partition;
        private final int batch;
        private final double period;
        private final UnsafeBuffer key = new UnsafeBuffer(new byte[ProcessorWorkloads.KEY_LENGTH]);
        private final UnsafeBuffer value = BenchSupport.value();
        final Histogram lag = new Histogram(3);
        long appended;
        long lastAppend;
        boolean gaveUp;

        Producer(Partition partition, int batch, double period) {
            this.partition = partition;
            this.batch = batch;
            this.period = period;
            key.putLong(0, 0x3030303030303030L); // "00000000"
        }

        void run(long batches, long start) {
            for (long i = 0; i < batches; i++) {
                long due = start + Math.round(i * period);
                long now;
                while ((now = System.nanoTime()) < due) {
                    LockSupport.parkNanos(due - now);
                }
                if (now - due > MAX_LAG_NANOS) {
                    gaveUp = true;
                    return;
                }
                value.putLong(0, due);
                for (int j = 0; j < batch; j++) {
                    partition.append(key, 0, ProcessorWorkloads.KEY_LENGTH, value, 0, ProcessorWorkloads.VALUE_LENGTH, Event.NO_TIME);
                }
                appended += batch;
                lastAppend = System.nanoTime();
                lag.recordValue(Math.max(0, lastAppend - due));
            }
        }
    }

    /** Tails the output and records now minus the due stamp of each event due at or after {@link #measureFrom}. */
    static final class Reader implements RecordHandler {
        private final Partition partition;
        private final Thread thread;
        final Histogram measured = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        final AtomicReference<Throwable> error = new AtomicReference<>();
        volatile long measureFrom = Long.MAX_VALUE;
        volatile long seen;
        /** When the reader saw the output of the last measured event so far (its thread only writes it). */
        volatile long lastMeasuredSeen;
        private volatile boolean running = true;

        Reader(Partition partition) {
            this.partition = partition;
            this.thread = new Thread(this::loop, "kappa-bench-latency-reader");
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        private void loop() {
            try (PartitionTailer tailer = partition.newTailer()) {
                int idle = 0;
                while (running) {
                    if (tailer.poll(this, 1000) > 0) {
                        idle = 0;
                    } else if (++idle < SPINS) {
                        Thread.onSpinWait();
                    } else {
                        LockSupport.parkNanos(PARK_NANOS);
                    }
                }
            } catch (Throwable e) {
                error.set(e);
            }
        }

        @Override
        public void onRecord(RecordView v) {
            long now = System.nanoTime();
            long due = v.buffer().getLong(v.valueOffset());
            if (due >= measureFrom) {
                measured.recordValue(Math.min(measured.getHighestTrackableValue(), Math.max(0, now - due)));
                lastMeasuredSeen = now;
            }
            seen++;
        }

        void awaitSeen(long events, ProcessorRunner runner) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (seen < events) {
                if (System.nanoTime() > deadline || error.get() != null || runner.failure() != null) {
                    throw new IllegalStateException("latency: the reader saw " + seen + " of " + events + " events",
                        error.get() != null ? error.get() : runner.failure());
                }
                Thread.sleep(1);
            }
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join(5_000);
        }
    }
}
