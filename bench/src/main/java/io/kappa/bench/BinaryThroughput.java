package io.kappa.bench;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.client.KappaClient;
import io.kappa.log.Appended;
import io.kappa.log.Event;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Binary protocol throughput: one {@link KappaClient} sends batches of {@code batch} events (8-byte key, 100-byte
 * value) as fast as the server acknowledges them, up to {@code inFlight} batches unanswered. A warm-up of
 * {@code warmupEvents} on the same connection and topic comes first and is not timed; then {@code events} are
 * timed from the first send to the last acknowledgement. Every acknowledgement is checked: as many offsets as
 * events, partition 0, the offsets the batch must have got (one connection, one partition, answers in order).
 * Also records, per batch, the time from {@code send} to its acknowledgement (a saturated pipeline, so this is
 * mostly queueing: about {@code inFlight} batches' worth of server time).
 */
final class BinaryThroughput {
    private BinaryThroughput() {
    }

    static ObjectNode run(ServerProcess server, TcpIngestBench.Settings s, Path outDir) throws Exception {
        List<Event> batch = TcpIngestBench.batch(s.batch());
        KappaClient.Options options = KappaClient.Options.defaults().withMaxInFlight(s.inFlight());
        long warmup = s.warmupEvents(s.events());
        Counters warm = new Counters();
        Counters timed = new Counters();
        Recorder batchLatency = new Recorder(3);
        long t0;
        long t1;
        long serverCpu;
        long clientCpu;
        List<Long> perSecond;
        double warmupSeconds;
        try (KappaClient client = KappaClient.connect(server.host, server.port, options)) {
            long w0 = System.nanoTime();
            try (ProgressMeter ignored = new ProgressMeter("binary warm-up", warmup, warm.acked::get, s.progress())) {
                sendAll(client, batch, warmup, 0, warm, null);
            }
            warmupSeconds = (System.nanoTime() - w0) / 1e9;
            serverCpu = server.cpuNanos();
            clientCpu = TcpIngestBench.clientCpuNanos();
            t0 = System.nanoTime();
            try (ProgressMeter meter = new ProgressMeter("binary", s.events(), timed.acked::get, s.progress())) {
                sendAll(client, batch, s.events(), warmup, timed, batchLatency);
                t1 = System.nanoTime();
                perSecond = meter.perSecond();
            }
            serverCpu = server.cpuNanos() - serverCpu;
            clientCpu = TcpIngestBench.clientCpuNanos() - clientCpu;
        }
        double seconds = (t1 - t0) / 1e9;
        Histogram latency = batchLatency.getIntervalHistogram();
        Path hgrm = outDir.resolve("binary-batch-latency.hgrm");
        try (PrintStream out = new PrintStream(Files.newOutputStream(hgrm), false, "UTF-8")) {
            latency.outputPercentileDistribution(out, 5, 1000.0);
        }
        ObjectNode r = TcpIngestBench.JSON.createObjectNode();
        r.put("events", s.events())
            .put("warmupEvents", warmup)
            .put("warmupEventsPerSec", warmup / warmupSeconds)
            .put("batch", s.batch())
            .put("maxInFlight", s.inFlight())
            .put("acked", timed.acked.get())
            .put("errors", timed.errors.get() + warm.errors.get())
            .put("badAcks", timed.badAcks.get() + warm.badAcks.get())
            .put("seconds", seconds)
            .put("eventsPerSec", timed.acked.get() / seconds)
            .put("megabytesPerSec", timed.acked.get() * (8 + 100) / seconds / 1e6);
        if (timed.firstError.get() != null || warm.firstError.get() != null) {
            r.put("firstError", timed.firstError.get() != null ? timed.firstError.get() : warm.firstError.get());
        }
        r.putPOJO("perSecondEventsPerSec", perSecond);
        TcpIngestBench.putCpu(r, serverCpu, clientCpu, t1 - t0, timed.acked.get());
        r.set("batchAckLatencyUs", TcpIngestBench.percentiles(latency, 1e3));
        r.put("batchAckLatencyFile", hgrm.getFileName().toString());
        return r;
    }

    static final class Counters {
        final AtomicLong acked = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final AtomicLong badAcks = new AtomicLong();
        final AtomicReference<String> firstError = new AtomicReference<>();
    }

    /**
     * Sends {@code count} events in batches and waits for every answer. The first event is expected at
     * {@code firstOffset}. Records each batch's send-to-ack time when {@code latency} is not null.
     */
    static void sendAll(KappaClient client, List<Event> batch, long count, long firstOffset, Counters c, Recorder latency)
        throws Exception {
        CompletableFuture<?> last = null;
        long sent = 0;
        while (sent < count) {
            int n = (int) Math.min(batch.size(), count - sent);
            List<Event> events = n == batch.size() ? batch : batch.subList(0, n);
            long expectedFirst = firstOffset + sent;
            long sentAt = System.nanoTime();
            last = client.send(BenchSupport.TOPIC, events).whenComplete((acks, e) -> {
                if (e != null) {
                    c.errors.addAndGet(n);
                    c.firstError.compareAndSet(null, e.toString());
                    return;
                }
                if (latency != null) {
                    latency.recordValue(System.nanoTime() - sentAt);
                }
                if (!acksMatch(acks, n, expectedFirst)) {
                    c.badAcks.incrementAndGet();
                    c.firstError.compareAndSet(null, "unexpected acknowledgement for the batch at offset " + expectedFirst
                        + ": " + (acks.isEmpty() ? "none" : acks.size() + " offsets from " + acks.get(0)));
                }
                c.acked.addAndGet(n);
            });
            sent += n;
        }
        if (last != null) {
            // Answers come in order, so when the last batch's callback has run, every earlier one has.
            last.handle((v, e) -> null).get(10, TimeUnit.MINUTES);
        }
    }

    private static boolean acksMatch(List<Appended> acks, int n, long expectedFirst) {
        return acks.size() == n && acks.get(0).partition() == 0 && acks.get(0).offset() == expectedFirst
            && acks.get(n - 1).offset() == expectedFirst + n - 1;
    }
}
