package io.kappa.bench;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.client.KappaClient;
import io.kappa.log.Event;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;
import org.HdrHistogram.Recorder;

/**
 * Acknowledgement latency at a fixed offered rate, corrected for coordinated omission. Batches of
 * {@code rate x tick} events are due every tick (100 events every 1 ms for 100,000 events/s); batch i is due at
 * {@code start + i x period}, whether or not the client or the server kept up. Each event's latency is the time
 * from its batch's <em>due</em> time to the batch's acknowledgement, so when the client is held back (a stall
 * in the server, the client, the machine, or the pipeline being full) the wait counts against the events that
 * should have been sent meanwhile, instead of being hidden. Latencies go to an HdrHistogram (one
 * {@code recordValueWithCount} per batch: the events of a batch share their due and ack times).
 *
 * <p>A warm-up of {@code warmupS} seconds on the same schedule comes first and is recorded apart (not in the
 * figures); the measured schedule starts once every warm-up batch is answered, so a backlog that the cold server
 * built up during the warm-up is not charged to the measured events. The client's own lateness (actual send
 * minus due time) is recorded too: when it is a large part of the latency, the load generator, not the server,
 * is the limit. If the sender falls more than
 * {@link #MAX_LAG_NANOS} behind the schedule it stops; the run is then marked saturated and the events it
 * never sent are counted, not measured (their latency would be at least that lag).
 */
final class AckLatency {
    static final long MAX_LAG_NANOS = TimeUnit.SECONDS.toNanos(5);

    private AckLatency() {
    }

    static ObjectNode run(ServerProcess server, TcpIngestBench.Settings s, long rate, Path outDir) throws Exception {
        long tickNanos = TimeUnit.MICROSECONDS.toNanos(s.tickMicros());
        int batchSize = (int) Math.max(1, Math.round(rate * (tickNanos / 1e9)));
        double period = batchSize * 1e9 / rate; // nanoseconds between batches
        long warmBatches = (long) Math.ceil(s.warmupS() * 1e9 / period);
        long measuredBatches = Math.max(1, (long) Math.ceil(s.durationS() * 1e9 / period));
        List<Event> events = TcpIngestBench.batch(batchSize);

        Recorder measured = new Recorder(3);
        Recorder warm = new Recorder(3);
        Recorder lag = new Recorder(3);
        AtomicLong ackedAll = new AtomicLong();
        String name = "latency-" + rate;
        Path hlog = outDir.resolve(name + ".hlog");
        Path hgrm = outDir.resolve(name + ".hgrm");
        Histogram total = new Histogram(3);
        Histogram sendLag;
        Phase warmPhase;
        Phase phase;
        long serverCpu;
        long clientCpu;
        KappaClient.Options options = KappaClient.Options.defaults().withMaxInFlight(s.latencyInFlight());
        try (KappaClient client = KappaClient.connect(server.host, server.port, options);
             PrintStream logOut = new PrintStream(Files.newOutputStream(hlog), false, "UTF-8")) {
            HistogramLogWriter log = new HistogramLogWriter(logOut);
            long startMs = System.currentTimeMillis();
            log.outputComment("kappa TCP ack latency, offered " + rate + " events/s (" + batchSize + " every "
                + String.format(Locale.ROOT, "%.1f", period / 1e3) + " us), values in ns, measured phase only");
            log.outputLogFormatVersion();
            log.outputStartTime(startMs);
            log.setBaseTime(startMs);
            log.outputLegend();

            IntervalLogger logger = new IntervalLogger(name, rate, measured, total, log, ackedAll, s.progress());
            try {
                // The warm-up's backlog (a cold server may fall behind) is drained before the measured schedule starts.
                warmPhase = new Phase(events, period, warm, null, ackedAll);
                warmPhase.run(client, warmBatches, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20));
                warmPhase.awaitAcks();
                long measureStart = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1);
                logger.measuring(measureStart, measureStart + Math.round(measuredBatches * period));
                serverCpu = server.cpuNanos();
                clientCpu = TcpIngestBench.clientCpuNanos();
                phase = new Phase(events, period, measured, lag, ackedAll);
                phase.run(client, measuredBatches, measureStart);
                phase.awaitAcks();
                serverCpu = server.cpuNanos() - serverCpu;
                clientCpu = TcpIngestBench.clientCpuNanos() - clientCpu;
            } finally {
                logger.close(); // logs the last interval
            }
            sendLag = lag.getIntervalHistogram();
        }
        try (PrintStream out = new PrintStream(Files.newOutputStream(hgrm), false, "UTF-8")) {
            total.outputPercentileDistribution(out, 5, 1000.0);
        }

        long scheduled = measuredBatches * batchSize;
        long sent = phase.sentBatches * batchSize;
        long acked = phase.acked.get();
        long end = Math.max(phase.start + Math.round(measuredBatches * period), phase.lastAck.get());
        double seconds = (end - phase.start) / 1e9;
        double achieved = acked / seconds;
        boolean saturated = phase.gaveUp || achieved < 0.97 * rate;
        ObjectNode r = TcpIngestBench.JSON.createObjectNode();
        r.put("offeredEventsPerSec", rate)
            .put("batch", batchSize)
            .put("periodUs", period / 1e3)
            .put("maxInFlight", s.latencyInFlight())
            .put("warmupSeconds", s.warmupS())
            .put("seconds", s.durationS())
            .put("scheduledEvents", scheduled)
            .put("sentEvents", sent)
            .put("ackedEvents", acked)
            .put("unsentEvents", scheduled - sent)
            .put("errors", phase.errors.get() + warmPhase.errors.get())
            .put("recordedEvents", total.getTotalCount())
            .put("achievedEventsPerSec", achieved)
            .put("saturated", saturated)
            .put("senderGaveUp", phase.gaveUp)
            .put("warmupSenderGaveUp", warmPhase.gaveUp);
        String firstError = phase.firstError.get() != null ? phase.firstError.get() : warmPhase.firstError.get();
        if (firstError != null) {
            r.put("firstError", firstError);
        }
        r.set("latencyUs", TcpIngestBench.percentiles(total, 1e3));
        r.set("sendLagUs", TcpIngestBench.percentiles(sendLag, 1e3));
        r.set("warmupLatencyUs", TcpIngestBench.percentiles(warm.getIntervalHistogram(), 1e3));
        TcpIngestBench.putCpu(r, serverCpu, clientCpu, end - phase.start, acked);
        r.put("histogramLog", hlog.getFileName().toString());
        r.put("percentileFile", hgrm.getFileName().toString());
        return r;
    }

    /** One schedule: {@code batches} batches, batch i due at {@code start + i x period}. */
    private static final class Phase {
        final List<Event> events;
        final double period;
        final Recorder latency;
        final Recorder lag;
        final AtomicLong ackedAll;
        final AtomicLong acked = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final AtomicLong lastAck = new AtomicLong();
        final AtomicReference<String> firstError = new AtomicReference<>();
        long start;
        long sentBatches;
        boolean gaveUp;
        CompletableFuture<?> last;

        Phase(List<Event> events, double period, Recorder latency, Recorder lag, AtomicLong ackedAll) {
            this.events = events;
            this.period = period;
            this.latency = latency;
            this.lag = lag;
            this.ackedAll = ackedAll;
        }

        void run(KappaClient client, long batches, long start) throws InterruptedException {
            this.start = start;
            int n = events.size();
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
                if (lag != null) {
                    lag.recordValue(now - due);
                }
                last = client.send(BenchSupport.TOPIC, events).whenComplete((acks, e) -> {
                    long t = System.nanoTime();
                    if (e != null) {
                        errors.addAndGet(n);
                        firstError.compareAndSet(null, e.toString());
                        return;
                    }
                    latency.recordValueWithCount(t - due, n);
                    acked.addAndGet(n);
                    ackedAll.addAndGet(n);
                    lastAck.set(t);
                });
                sentBatches++;
            }
        }

        /** Waits until the last batch sent is answered (answers come in order). */
        void awaitAcks() throws Exception {
            if (last != null) {
                last.handle((v, e) -> null).get(5, TimeUnit.MINUTES);
            }
        }
    }

    /**
     * Every second: takes the measured recorder's interval histogram, writes it to the HdrHistogram log, adds it
     * to the total and prints the second's figures.
     */
    private static final class IntervalLogger implements AutoCloseable {
        private final String label;
        private final long rate;
        private final Recorder recorder;
        private final Histogram total;
        private final HistogramLogWriter log;
        private volatile long measureStart = Long.MAX_VALUE;
        private volatile long measureEnd = Long.MAX_VALUE;
        private final AtomicLong acked;
        private final boolean print;
        private final Thread thread;
        private volatile boolean stopped;
        private Histogram recycle;

        IntervalLogger(String label, long rate, Recorder recorder, Histogram total, HistogramLogWriter log, AtomicLong acked,
                       boolean print) {
            this.label = label;
            this.rate = rate;
            this.recorder = recorder;
            this.total = total;
            this.log = log;
            this.acked = acked;
            this.print = print;
            this.thread = new Thread(this::run, "kappa-bench-latency-log");
            thread.setDaemon(true);
            thread.start();
        }

        void measuring(long start, long end) {
            measureEnd = end;
            measureStart = start;
        }

        private void run() {
            long next = System.nanoTime() + 1_000_000_000L;
            long lastAcked = 0;
            while (!stopped) {
                long now = System.nanoTime();
                if (now < next) {
                    LockSupport.parkNanos(next - now);
                    continue;
                }
                next += 1_000_000_000L;
                long a = acked.get();
                takeInterval(now, a - lastAcked);
                lastAcked = a;
            }
        }

        private synchronized void takeInterval(long now, long ackedInInterval) {
            Histogram h = recorder.getIntervalHistogram(recycle);
            if (h.getTotalCount() > 0) {
                log.outputIntervalHistogram(h);
                total.add(h);
            }
            if (print) {
                String phase = now < measureStart ? "warm-up or drain" : String.format(Locale.ROOT, "%.0f/%.0f s",
                    Math.min(now, measureEnd) / 1e9 - measureStart / 1e9, (measureEnd - measureStart) / 1e9);
                String figures = h.getTotalCount() == 0 ? "" : String.format(Locale.ROOT, "  last 1 s: p50 %s  p99 %s  max %s",
                    TcpIngestBench.millis(h.getValueAtPercentile(50)), TcpIngestBench.millis(h.getValueAtPercentile(99)),
                    TcpIngestBench.millis(h.getMaxValue()));
                System.err.printf(Locale.ROOT, "[%s] offered %s ev/s, acked %s ev/s%s  %s%n", label, TcpIngestBench.si(rate),
                    TcpIngestBench.si(ackedInInterval), figures, phase);
            }
            recycle = h;
        }

        @Override
        public void close() {
            stopped = true;
            LockSupport.unpark(thread);
            try {
                thread.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (this) {
                Histogram h = recorder.getIntervalHistogram(recycle);
                if (h.getTotalCount() > 0) {
                    log.outputIntervalHistogram(h);
                    total.add(h);
                }
            }
        }
    }
}
