package io.kappa.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.log.Event;
import io.kappa.log.EventLog;
import io.kappa.log.Topic;
import io.kappa.log.TopicConfig;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;

/**
 * The in-process baselines of the same run, one thread, each on a fresh directory:
 * <ul>
 * <li>raw Chronicle Queue: {@code writingDocument()} + a raw write of the bytes kappa stores for such an event
 * ({@link BenchSupport#RECORD_LENGTH}, as the JMH append baseline; {@link BenchSupport#fill(SingleChronicleQueue, long)});
 * <li>the kappa log API: {@code Topic.appendBatch(batch)} with the same batches the TCP client sends;
 * <li>the same with an idempotent producer's id and sequences, {@code appendBatch(batch, producerId, firstSequence)},
 * which is what the server does for {@code KappaClient} (always an idempotent producer).
 * </ul>
 * Each is run {@code reps} times, interleaved, after an untimed warm-up; the median is the figure.
 */
final class AppendBaseline {
    private AppendBaseline() {
    }

    static ObjectNode run(TcpIngestBench.Settings s) {
        long n = s.baselineEvents();
        List<Event> batch = TcpIngestBench.batch(s.batch());
        long warmup = Math.min(n, 2_000_000);
        raw(warmup);
        kappa(warmup, batch, false);
        kappa(warmup, batch, true);
        List<Double> raw = new ArrayList<>();
        List<Double> kappa = new ArrayList<>();
        List<Double> kappaProducer = new ArrayList<>();
        for (int rep = 0; rep < s.baselineReps(); rep++) {
            raw.add(n / raw(n));
            kappa.add(n / kappa(n, batch, false));
            kappaProducer.add(n / kappa(n, batch, true));
            if (s.progress()) {
                System.err.printf("[baseline] run %d/%d: raw Chronicle %s ev/s, Topic.appendBatch %s ev/s, with producer %s ev/s%n",
                    rep + 1, s.baselineReps(), TcpIngestBench.si(raw.get(rep)), TcpIngestBench.si(kappa.get(rep)),
                    TcpIngestBench.si(kappaProducer.get(rep)));
            }
        }
        ObjectNode r = TcpIngestBench.JSON.createObjectNode();
        r.put("events", n).put("batch", s.batch()).put("reps", s.baselineReps()).put("recordBytes", BenchSupport.RECORD_LENGTH);
        r.set("rawChronicle", figure(raw, "writingDocument() + write(" + BenchSupport.RECORD_LENGTH + " bytes), one thread"));
        r.set("kappaAppendBatch", figure(kappa, "Topic.appendBatch(List<Event>) in batches of " + s.batch()));
        r.set("kappaAppendBatchProducer",
            figure(kappaProducer, "Topic.appendBatch(List<Event>, producerId, firstSequence) in batches of " + s.batch()));
        return r;
    }

    private static ObjectNode figure(List<Double> rates, String what) {
        ObjectNode f = TcpIngestBench.JSON.createObjectNode();
        f.put("what", what).put("eventsPerSec", median(rates));
        ArrayNode runs = f.putArray("runs");
        rates.forEach(runs::add);
        return f;
    }

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int m = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(m) : (sorted.get(m - 1) + sorted.get(m)) / 2;
    }

    /** Seconds to append {@code n} raw records to a fresh raw queue. */
    private static double raw(long n) {
        Path dir = BenchSupport.newDirectory("tcp-baseline-raw");
        try (SingleChronicleQueue queue = BenchSupport.rawQueue(dir)) {
            long t0 = System.nanoTime();
            BenchSupport.fill(queue, n);
            return (System.nanoTime() - t0) / 1e9;
        } finally {
            BenchSupport.delete(dir);
        }
    }

    /** Seconds to append {@code n} events in batches to a fresh one-partition topic. */
    private static double kappa(long n, List<Event> batch, boolean producer) {
        Path dir = BenchSupport.newDirectory("tcp-baseline-kappa");
        try (EventLog log = EventLog.open(dir)) {
            Topic topic = log.createTopic(BenchSupport.TOPIC, TopicConfig.partitions(1));
            long producerId = 42;
            long t0 = System.nanoTime();
            long done = 0;
            while (done < n) {
                int k = (int) Math.min(batch.size(), n - done);
                List<Event> events = k == batch.size() ? batch : batch.subList(0, k);
                if (producer) {
                    topic.appendBatch(events, producerId, done);
                } else {
                    topic.appendBatch(events);
                }
                done += k;
            }
            return (System.nanoTime() - t0) / 1e9;
        } finally {
            BenchSupport.delete(dir);
        }
    }
}
