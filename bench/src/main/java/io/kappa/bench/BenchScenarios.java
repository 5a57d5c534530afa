package io.kappa.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.log.Event;
import io.kappa.log.EventLog;
import io.kappa.log.LogContext;
import io.kappa.log.Partition;
import io.kappa.log.Topic;
import io.kappa.log.TopicConfig;
import io.kappa.processor.RunnerContext;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The scenarios of {@code kappa bench}, each built from the existing harness pieces ({@link BenchSupport},
 * {@link ProcessorWorkloads}, {@link AppendBaseline}, {@link BinaryThroughput}, {@link LineThroughput},
 * {@link AckLatency}, {@link ProcessorLatency}, {@link ReplayBench}, {@link SeekBench}). Every scenario returns one
 * section of the same shape:
 * <pre>
 * { "scenario": "append",
 *   "comparisons": [ { "name", "subject": FIGURE, "baseline": FIGURE, "ratio": subject/baseline events/s } ],
 *   "latency":     [ { "name", "offeredEventsPerSec", "saturated", "latencyUs": {count,p50,..,max}, "hgrm" } ],
 *   "targets":     [ { "name", "value", "target", "unit", "met", "note" } ]   (replay only: the issues' targets)
 *   "details":     { what the harness piece returned },
 *   "memory":      { "rssBytes", "hwmBytes", "heapUsedBytes", "heapCommittedBytes" }   (added by {@link BenchCommand}) }
 * FIGURE = { "what", "events", "seconds", "eventsPerSec", "cpuNsPerEvent"?, "diskBytesPerEvent"?, "unit"? }
 * ("unit": "operations" in seek, whose figures count operations, not events; its latencies are "closedLoop")
 * </pre>
 */
final class BenchScenarios {
    /** Every scenario, in the order {@code all} runs them. */
    static final List<String> ALL = List.of("append", "read", "seek", "tcp", "process", "replay");
    /** Events per {@code Topic.appendBatch} and per raw chunk in the append scenario. */
    static final int APPEND_BATCH = 1000;

    /** What to run, from the command line. */
    record Settings(long events, int valueBytes, List<Integer> partitions, List<Long> rates, double durationS, Path out,
                    boolean progress, long replayEvents, int passes, long seekOps) {
        double latencyWarmupS() {
            return Math.max(0.5, Math.min(5, durationS / 2));
        }
    }

    private BenchScenarios() {
    }

    static ObjectNode run(String scenario, Settings s) throws Exception {
        return switch (scenario) {
            case "append" -> append(s);
            case "read" -> read(s);
            case "seek" -> SeekBench.run(s);
            case "tcp" -> tcp(s);
            case "process" -> process(s);
            case "replay" -> ReplayBench.run(s);
            default -> throw new IllegalArgumentException("unknown scenario " + scenario);
        };
    }

    // ---- append

    /** {@code Topic.appendBatch} against raw Chronicle appends of the same bytes, for each partition count. */
    static ObjectNode append(Settings s) {
        ObjectNode section = section("append");
        ArrayNode comparisons = section.putArray("comparisons");
        long warmup = Math.min(s.events(), 500_000);
        status(s, "append: warm-up, " + warmup + " events each (not reported)");
        rawAppend(warmup, 1, s.valueBytes(), false);
        kappaAppend(warmup, 1, s.valueBytes(), false);
        for (int p : s.partitions()) {
            status(s, "append: " + s.events() + " events of " + s.valueBytes() + "-byte values, " + p + " partition(s)");
            ObjectNode raw = rawAppend(s.events(), p, s.valueBytes(), s.progress());
            ObjectNode kappa = kappaAppend(s.events(), p, s.valueBytes(), s.progress());
            comparisons.add(compare("append, " + p + " partition" + (p == 1 ? "" : "s"), kappa, raw));
        }
        return section;
    }

    /** Appends {@code n} events in batches of {@link #APPEND_BATCH} to a fresh topic of {@code partitions} partitions. */
    static ObjectNode kappaAppend(long n, int partitions, int valueBytes, boolean progress) {
        Path dir = BenchSupport.newDirectory("append-kappa");
        try {
            List<Event> batch = batch(APPEND_BATCH, valueBytes);
            AtomicLong done = new AtomicLong();
            long cpu0;
            long t0;
            long t1;
            long cpu1;
            try (EventLog log = EventLog.open(dir)) {
                ProgressMeter meter = new ProgressMeter("append kappa, " + partitions + "p", n, done::get, progress);
                Topic topic = log.createTopic(BenchSupport.TOPIC, TopicConfig.partitions(partitions));
                cpu0 = TcpIngestBench.clientCpuNanos();
                t0 = System.nanoTime();
                long sent = 0;
                while (sent < n) {
                    int k = (int) Math.min(batch.size(), n - sent);
                    topic.appendBatch(k == batch.size() ? batch : batch.subList(0, k));
                    sent += k;
                    done.lazySet(sent);
                }
                t1 = System.nanoTime();
                cpu1 = TcpIngestBench.clientCpuNanos();
                meter.close();
                long stored = 0;
                for (int p = 0; p < partitions; p++) {
                    stored += topic.partition(p).endOffset();
                }
                ProcessorWorkloads.check("append: events stored", n, stored);
            }
            return figure("Topic.appendBatch, batches of " + APPEND_BATCH + ", partition by key", n, t1 - t0, cpu1 - cpu0)
                .put("diskBytesPerEvent", (double) diskBytes(dir) / n);
        } finally {
            BenchSupport.delete(dir);
        }
    }

    /**
     * Raw Chronicle: {@code writingDocument()} + a raw write of the bytes kappa stores per event (header + key + value),
     * in chunks of {@link #APPEND_BATCH} going round the {@code queues} queues, as kappa's batches spread over partitions.
     */
    static ObjectNode rawAppend(long n, int queues, int valueBytes, boolean progress) {
        Path dir = BenchSupport.newDirectory("append-raw");
        try {
            SingleChronicleQueue[] q = new SingleChronicleQueue[queues];
            ExcerptAppender[] a = new ExcerptAppender[queues];
            UnsafeBuffer payload = BenchSupport.rawPayload(valueBytes);
            byte[] bytes = payload.byteArray();
            AtomicLong done = new AtomicLong();
            long cpu0;
            long t0;
            long t1;
            long cpu1;
            ProgressMeter meter = new ProgressMeter("append raw, " + queues + "q", n, done::get, progress);
            try {
                for (int i = 0; i < queues; i++) {
                    q[i] = BenchSupport.rawQueue(dir.resolve("q" + i));
                    a[i] = q[i].createAppender();
                }
                cpu0 = TcpIngestBench.clientCpuNanos();
                t0 = System.nanoTime();
                for (long i = 0; i < n; i++) {
                    payload.putLong(io.kappa.log.RecordDescriptor.OFFSET_OFFSET, i);
                    try (DocumentContext dc = a[(int) ((i / APPEND_BATCH) % queues)].writingDocument()) {
                        dc.wire().bytes().write(bytes);
                    }
                    if (i % APPEND_BATCH == 0) {
                        done.lazySet(i);
                    }
                }
                t1 = System.nanoTime();
                cpu1 = TcpIngestBench.clientCpuNanos();
            } finally {
                meter.close();
                for (int i = 0; i < queues; i++) {
                    if (a[i] != null) {
                        a[i].close();
                    }
                    if (q[i] != null) {
                        q[i].close();
                    }
                }
            }
            return figure("raw Chronicle writingDocument() + " + bytes.length + " bytes", n, t1 - t0, cpu1 - cpu0)
                .put("diskBytesPerEvent", (double) diskBytes(dir) / n);
        } finally {
            BenchSupport.delete(dir);
        }
    }

    static List<Event> batch(int n, int valueBytes) {
        byte[] value = BenchSupport.value(valueBytes).byteArray();
        Event[] events = new Event[n];
        for (int i = 0; i < n; i++) {
            UnsafeBuffer key = new UnsafeBuffer(new byte[BenchSupport.KEY_LENGTH]);
            key.putLong(0, i);
            events[i] = new Event(key.byteArray(), value, Event.NO_TIME, null, Event.ANY_PARTITION);
        }
        return Arrays.asList(events);
    }

    // ---- read

    /**
     * {@code PartitionTailer.poll} over one partition of {@code events} records against raw Chronicle
     * {@code readingDocument()} over as many documents of the same bytes; three passes each, alternating, median reported.
     */
    static ObjectNode read(Settings s) {
        ObjectNode section = section("read");
        ArrayNode comparisons = section.putArray("comparisons");
        long n = s.events();
        Path dir = BenchSupport.newDirectory("read");
        try (EventLog log = EventLog.open(dir.resolve("log"));
             SingleChronicleQueue raw = BenchSupport.rawQueue(dir.resolve("raw"))) {
            Partition partition = log.createTopic(BenchSupport.TOPIC, TopicConfig.partitions(1)).partition(0);
            status(s, "read: filling a partition and a raw queue with " + n + " records (not timed)");
            BenchSupport.fill(partition, n, s.valueBytes());
            BenchSupport.fill(raw, n, BenchSupport.rawPayload(s.valueBytes()));
            List<ObjectNode> kappa = new ArrayList<>();
            List<ObjectNode> rawPasses = new ArrayList<>();
            for (int pass = 1; pass <= 3; pass++) {
                kappa.add(ProcessorWorkloads.bareRead(partition, n));
                rawPasses.add(ProcessorWorkloads.rawRead(raw, n));
                if (s.progress()) {
                    System.err.printf("[read] pass %d/3: kappa %s ev/s, raw %s ev/s%n", pass,
                        TcpIngestBench.si(kappa.get(pass - 1).path("eventsPerSec").asDouble()),
                        TcpIngestBench.si(rawPasses.get(pass - 1).path("eventsPerSec").asDouble()));
                }
            }
            ObjectNode k = fromTimer("PartitionTailer.poll(handler, 1000), CRC check on (median of 3 passes)", median(kappa))
                .put("diskBytesPerEvent", (double) diskBytes(dir.resolve("log")) / n);
            ObjectNode r = fromTimer("raw Chronicle readingDocument() (median of 3 passes)", median(rawPasses))
                .put("diskBytesPerEvent", (double) diskBytes(dir.resolve("raw")) / n);
            comparisons.add(compare("sequential read, 1 partition", k, r));
        } finally {
            BenchSupport.delete(dir);
        }
        return section;
    }

    // ---- tcp

    /**
     * Binary and line protocol throughput against kappa serve (a child JVM per scenario), beside the in-process
     * raw Chronicle append of the same run; ack latency at the offered rates.
     */
    static ObjectNode tcp(Settings s) throws Exception {
        ObjectNode section = section("tcp");
        Path out = s.out().resolve("tcp");
        Files.createDirectories(out);
        long lineEvents = Math.max(1, s.events() / 4);
        TcpIngestBench.Settings t = new TcpIngestBench.Settings(s.events(), lineEvents, 0.5, 1000, 64, s.rates(), s.durationS(),
            s.latencyWarmupS(), 1000, 1024, s.events(), 1, new LinkedHashSet<>(TcpIngestBench.SCENARIOS), List.of(), out,
            s.progress());
        section.put("lineEvents", lineEvents).put("valueBytes", BenchSupport.VALUE_LENGTH);
        ObjectNode details = section.putObject("details");
        ArrayNode comparisons = section.putArray("comparisons");
        Duration startTimeout = Duration.ofSeconds(60);

        status(s, "tcp: in-process baselines, " + t.baselineEvents() + " events");
        ObjectNode baseline = AppendBaseline.run(t);
        details.set("baseline", baseline);
        long be = baseline.path("events").asLong();
        ObjectNode raw = figure(baseline.path("rawChronicle").path("what").asText() + ", in-process", be,
            Math.round(be * 1e9 / baseline.path("rawChronicle").path("eventsPerSec").asDouble()), -1);
        ObjectNode appendBatch = figure(baseline.path("kappaAppendBatch").path("what").asText() + ", in-process", be,
            Math.round(be * 1e9 / baseline.path("kappaAppendBatch").path("eventsPerSec").asDouble()), -1);
        comparisons.add(compare("Topic.appendBatch (in-process)", appendBatch, raw));

        try (ServerProcess server = ServerProcess.start("binary", out, List.of(), startTimeout)) {
            status(s, "tcp: binary protocol, kappa serve pid " + server.pid() + ", " + s.events() + " events");
            ObjectNode b = BinaryThroughput.run(server, t, out);
            details.set("binary", b);
            checkOk("binary", b.path("errors").asLong() + b.path("badAcks").asLong(), b);
            comparisons.add(compare("binary TCP (KappaClient, batch 1000)", tcpFigure("KappaClient to kappa serve", b), raw));
        }
        try (ServerProcess server = ServerProcess.start("line", out, List.of(), startTimeout)) {
            status(s, "tcp: line protocol, kappa serve pid " + server.pid() + ", " + lineEvents + " events");
            ObjectNode l = LineThroughput.run(server, t);
            details.set("line", l);
            checkOk("line", l.path("errors").asLong(), l);
            comparisons.add(compare("line TCP (JSON lines)", tcpFigure("JSON lines over a socket to kappa serve", l), raw));
        }
        ArrayNode latency = section.putArray("latency");
        ArrayNode latencyDetails = details.putArray("latency");
        for (long rate : s.rates()) {
            try (ServerProcess server = ServerProcess.start("latency-" + rate, out, List.of(), startTimeout)) {
                status(s, "tcp: ack latency at " + rate + " events/s offered, kappa serve pid " + server.pid());
                ObjectNode l = AckLatency.run(server, t, rate, out);
                latencyDetails.add(l);
                latency.add(latencyEntry("ack latency, binary TCP", rate, l.path("saturated").asBoolean(), l.get("latencyUs"),
                    "tcp/" + l.path("percentileFile").asText()));
            }
        }
        return section;
    }

    private static ObjectNode tcpFigure(String what, ObjectNode r) {
        long events = r.path("events").asLong();
        double cpu = r.path("serverCpuNsPerEvent").asDouble(Double.NaN) + r.path("clientCpuNsPerEvent").asDouble(Double.NaN);
        ObjectNode f = figure(what, events, Math.round(r.path("seconds").asDouble() * 1e9), -1);
        if (!Double.isNaN(cpu)) {
            f.put("cpuNsPerEvent", cpu).put("cpuWhat", "server + client JVMs");
        }
        return f;
    }

    private static void checkOk(String what, long errors, JsonNode r) {
        if (errors != 0) {
            throw new IllegalStateException(what + ": " + errors + " errors, first: " + r.path("firstError").asText());
        }
    }

    // ---- process

    /**
     * Pass-through and count by key under {@code ProcessorRunner} against the bare reader and a hand-written copy of
     * the same partition, and the tumbling-window count (10,000 keys, 1-minute windows, on a partition of as many
     * events with event times) against the bare reader (the {@link ProcessorBench} workloads), after an untimed
     * warm-up on a smaller topic; then
     * pass-through end-to-end latency at the offered rates.
     */
    static ObjectNode process(Settings s) throws Exception {
        ObjectNode section = section("process");
        Path out = s.out().resolve("process");
        Files.createDirectories(out);
        section.put("valueBytes", BenchSupport.VALUE_LENGTH);
        long keys = Math.min(100_000, s.events());
        section.put("keys", keys).put("windowKeys", WINDOW_KEYS).put("windowEventsPerKey", WINDOW_PER_KEY)
            .put("windowMs", ProcessorWorkloads.WINDOW_MS);
        long warmup = Math.min(s.events(), 300_000);
        status(s, "process: warm-up on " + warmup + " events (not reported)");
        processRun(warmup, Math.min(keys, warmup), false);
        status(s, "process: " + s.events() + " events, " + keys + " keys");
        ObjectNode r = processRun(s.events(), keys, s.progress());
        section.set("details", r);
        ArrayNode comparisons = section.putArray("comparisons");
        ObjectNode read = fromTimer("bare reader: PartitionTailer.poll(handler, 1000) (median of 3 passes)", (ObjectNode) r.get("read"));
        ObjectNode copy = fromTimer("hand-written copy: poll, copy, Partition.appendBatch", (ObjectNode) r.get("copy"));
        ObjectNode pass = fromTimer("pass-through Processor under ProcessorRunner", (ObjectNode) r.get("pass"));
        ObjectNode count = fromTimer("Builtins.count by key over " + keys + " keys", (ObjectNode) r.get("count"));
        ObjectNode window = fromTimer("window-count by key, 1-minute tumbling windows over " + WINDOW_KEYS + " keys",
            (ObjectNode) r.get("window"));
        comparisons.add(compare("pass-through vs bare reader", pass, read));
        comparisons.add(compare("pass-through vs copy", pass, copy));
        comparisons.add(compare("count by key vs bare reader", count, read));
        comparisons.add(compare("count by key vs copy", count, copy));
        comparisons.add(compare("window count vs bare reader", window, read));
        ArrayNode latency = section.putArray("latency");
        for (long rate : s.rates()) {
            status(s, "process: pass-through latency at " + rate + " events/s offered");
            ObjectNode l = ProcessorLatency.run(rate, s.latencyWarmupS(), s.durationS(), out, s.progress());
            latency.add(latencyEntry("append to pass-through output", rate, l.path("saturated").asBoolean(), l.get("latencyUs"),
                "process/" + l.path("hgrm").asText()));
        }
        return section;
    }

    /** Keys of the process scenario's window count, as {@link ProcessorBench}'s window workload uses by default. */
    static final long WINDOW_KEYS = 10_000;
    /** Events per key per 1-minute window (event time advances 60 s per {@code 50 x 10,000} events). */
    static final long WINDOW_PER_KEY = 50;
    private static final ProcessorWorkloads.WindowInput WINDOW_INPUT = new ProcessorWorkloads.WindowInput(WINDOW_KEYS, WINDOW_PER_KEY, 42);

    /** One run of the processor workloads on a fresh directory, as a {@link ProcessorBench} run does. */
    private static ObjectNode processRun(long n, long keys, boolean progress) throws Exception {
        ObjectNode r = TcpIngestBench.JSON.createObjectNode();
        Path dir = BenchSupport.newDirectory("process");
        try (EventLog log = EventLog.open(new LogContext().dataDir(dir.resolve("log")))) {
            Partition in = log.createTopic("in", TopicConfig.partitions(1)).partition(0);
            ProcessorWorkloads.fill(in, n, keys, progress, "fill");
            List<ObjectNode> reads = new ArrayList<>();
            reads.add(ProcessorWorkloads.bareRead(in, n));
            r.set("copy", ProcessorWorkloads.copy(log, in, "copy", n));
            log.deleteTopic("copy");
            r.set("pass", ProcessorWorkloads.runTopology(log, ProcessorWorkloads.passThrough("in", "pass-out"),
                new RunnerContext().group("pass"), n, "pass-out", n, progress, "pass-through"));
            log.deleteTopic("pass-out");
            reads.add(ProcessorWorkloads.bareRead(in, n));
            r.set("count", ProcessorWorkloads.runTopology(log, ProcessorWorkloads.count("count", "in", "count-out"),
                new RunnerContext().group("count"), n, "count-out", n, progress, "count"));
            log.deleteTopic("count-out");
            Partition win = log.createTopic("win", TopicConfig.partitions(1)).partition(0);
            ProcessorWorkloads.fillWindowed(win, WINDOW_INPUT, n, progress, "fill win");
            r.set("window", ProcessorWorkloads.window(log, "win", WINDOW_INPUT, n, progress));
            log.deleteTopic("win");
            reads.add(ProcessorWorkloads.bareRead(in, n));
            r.set("read", median(reads));
        } finally {
            BenchSupport.delete(dir);
        }
        return r;
    }

    // ---- shared

    private static ObjectNode section(String name) {
        return TcpIngestBench.JSON.createObjectNode().put("scenario", name);
    }

    static ObjectNode figure(String what, long events, long nanos, long cpuNanos) {
        ObjectNode f = TcpIngestBench.JSON.createObjectNode();
        f.put("what", what).put("events", events).put("seconds", nanos / 1e9).put("eventsPerSec", events * 1e9 / nanos);
        if (cpuNanos >= 0) {
            f.put("cpuNsPerEvent", (double) cpuNanos / events).put("cpuWhat", "this JVM");
        }
        return f;
    }

    /** A figure from a {@link ProcessorWorkloads.Timer} result (CPU from its cores busy over the wall time). */
    static ObjectNode fromTimer(String what, ObjectNode t) {
        long events = t.path("events").asLong();
        long nanos = Math.round(t.path("seconds").asDouble() * 1e9);
        double cores = t.path("cpuCores").asDouble(Double.NaN);
        return figure(what, events, nanos, Double.isNaN(cores) ? -1 : Math.round(cores * nanos));
    }

    static ObjectNode compare(String name, ObjectNode subject, ObjectNode baseline) {
        ObjectNode c = TcpIngestBench.JSON.createObjectNode();
        c.put("name", name);
        c.set("subject", subject);
        c.set("baseline", baseline);
        c.put("ratio", subject.path("eventsPerSec").asDouble() / baseline.path("eventsPerSec").asDouble());
        return c;
    }

    private static ObjectNode latencyEntry(String name, long rate, boolean saturated, JsonNode percentiles, String hgrm) {
        ObjectNode l = TcpIngestBench.JSON.createObjectNode();
        l.put("name", name).put("offeredEventsPerSec", rate).put("saturated", saturated).put("hgrm", hgrm);
        l.set("latencyUs", percentiles);
        return l;
    }

    /** The pass with the median rate. */
    private static ObjectNode median(List<ObjectNode> passes) {
        List<ObjectNode> sorted = new ArrayList<>(passes);
        sorted.sort(Comparator.comparingDouble(p -> p.path("eventsPerSec").asDouble()));
        return sorted.get(sorted.size() / 2);
    }

    /** Bytes the files under {@code dir} take on disk (allocated blocks, as {@code du}); the sum of file sizes if du fails. */
    static long diskBytes(Path dir) {
        try {
            Process p = new ProcessBuilder("du", "-s", "-B1", dir.toString()).redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor() == 0 && !text.isEmpty()) {
                return Long.parseLong(text.split("\\s+")[0]);
            }
        } catch (IOException | RuntimeException e) {
            // no du: fall through
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        } catch (IOException e) {
            return -1;
        }
    }

    private static void status(Settings s, String message) {
        if (s.progress()) {
            System.err.println("== " + message);
        }
    }
}
