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
import io.kappa.log.PartitionTailer;
import io.kappa.log.Topic;
import io.kappa.log.TopicConfig;
import io.kappa.processor.RunnerContext;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
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
    /** Scenarios run only when named ({@code all} leaves them out): startup starts about 50 JVMs. */
    static final List<String> EXTRA = List.of("startup", "rewind");
    /** Events per {@code Topic.appendBatch} and per raw chunk in the append scenario. */
    static final int APPEND_BATCH = 1000;

    /** What to run, from the command line. */
    record Settings(long events, int valueBytes, List<Integer> partitions, List<Long> rates, double durationS, Path out,
                    boolean progress, long replayEvents, Integer passes, long seekOps, long rewindEvents) {
        double latencyWarmupS() {
            return Math.max(0.5, Math.min(5, durationS / 2));
        }

        /** {@code --passes}, or the scenario's default when it was not given. */
        int passesOr(int scenarioDefault) {
            return passes != null ? passes : scenarioDefault;
        }
    }

    /** {@code --rate max}: offer the throughput the scenario measured in this run (tcp: binary TCP, process: the pass-through). */
    static final long MAX_RATE = -1;
    /**
     * Untimed warm-up of the read scenario, seconds of alternating full reads (kappa, raw) per partition count before the
     * timed passes: without it the first passes run in the interpreter and C1 code (see docs/benchmarks.md, "read warm-up").
     */
    static double readWarmupS() {
        return Double.parseDouble(System.getProperty("kappa.bench.read.warmup", "3"));
    }
    /**
     * Least seconds of one timed read pass: a pass is as many rounds of (kappa read, raw read) of the whole topic as fill
     * this (from the last warm-up rates), so a burst of other work on the machine is spread over both instead of landing
     * on one 0.2 s read.
     */
    static double readPassS() {
        return Double.parseDouble(System.getProperty("kappa.bench.read.pass", "1"));
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
            case "startup" -> StartupBench.run(s);
            case "rewind" -> RewindBench.run(s);
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
        int passes = s.passesOr(1);
        section.put("passes", passes);
        List<List<ObjectNode>> kappa = new ArrayList<>();
        List<List<ObjectNode>> raw = new ArrayList<>();
        for (int i = 0; i < s.partitions().size(); i++) {
            kappa.add(new ArrayList<>());
            raw.add(new ArrayList<>());
        }
        for (int pass = 1; pass <= passes; pass++) {
            for (int i = 0; i < s.partitions().size(); i++) {
                int p = s.partitions().get(i);
                status(s, "append: " + passLabel(pass, passes) + s.events() + " events of " + s.valueBytes() + "-byte values, " + p
                    + " partition(s)");
                // odd passes raw first, even passes kappa first: neither always runs on the warmer machine
                if (pass % 2 == 1) {
                    raw.get(i).add(rawAppend(s.events(), p, s.valueBytes(), s.progress()));
                    kappa.get(i).add(kappaAppend(s.events(), p, s.valueBytes(), s.progress()));
                } else {
                    kappa.get(i).add(kappaAppend(s.events(), p, s.valueBytes(), s.progress()));
                    raw.get(i).add(rawAppend(s.events(), p, s.valueBytes(), s.progress()));
                }
            }
        }
        for (int i = 0; i < s.partitions().size(); i++) {
            int p = s.partitions().get(i);
            comparisons.add(compareMedian("append, " + partitionsLabel(p), kappa.get(i), raw.get(i)));
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
     * For each partition count P: {@code PartitionTailer.poll(handler, 1000)} over a topic of P partitions holding
     * {@code events} records in all (events / P each), one thread going round the partitions' tailers 1000 records at a
     * time, against raw Chronicle {@code readingDocument()} over P raw queues of as many documents of the same bytes, read
     * the same way. Before the timed passes an untimed warm-up of {@link #readWarmupS()} seconds (default 3,
     * {@code -Dkappa.bench.read.warmup}) alternates whole reads of both (in a cold JVM the first reads run at half speed,
     * kappa's longer path more so); then {@code --passes} (default 3) passes, each of as many rounds of (kappa read, raw
     * read) as fill {@link #readPassS()} seconds (default 1, {@code -Dkappa.bench.read.pass}), alternating which goes
     * first, so a burst of other work lands on both; the median pass is reported with the lowest and highest.
     */
    static ObjectNode read(Settings s) {
        ObjectNode section = section("read");
        ArrayNode comparisons = section.putArray("comparisons");
        ArrayNode warmups = section.putArray("warmup");
        long n = s.events();
        int passes = s.passesOr(3);
        section.put("passes", passes).put("warmupSeconds", readWarmupS());
        for (int p : s.partitions()) {
            Path dir = BenchSupport.newDirectory("read");
            List<SingleChronicleQueue> raws = new ArrayList<>();
            try (EventLog log = EventLog.open(dir.resolve("log"))) {
                Topic topic = log.createTopic(BenchSupport.TOPIC, TopicConfig.partitions(p));
                List<Partition> partitions = new ArrayList<>();
                status(s, "read: filling " + partitionsLabel(p) + " and " + p + " raw queue(s) with " + n + " records in all (not timed)");
                for (int i = 0; i < p; i++) {
                    long records = n / p + (i < n % p ? 1 : 0);
                    Partition partition = topic.partition(i);
                    BenchSupport.fill(partition, records, s.valueBytes());
                    partitions.add(partition);
                    SingleChronicleQueue raw = BenchSupport.rawQueue(dir.resolve("raw" + i));
                    raws.add(raw);
                    BenchSupport.fill(raw, records, BenchSupport.rawPayload(s.valueBytes()));
                }
                // warm-up: whole reads of both, alternating, until readWarmupS() have passed (at least one of each)
                ObjectNode warm = warmups.addObject().put("partitions", p);
                ArrayNode wk = warm.putArray("kappaEventsPerSec");
                ArrayNode wr = warm.putArray("rawEventsPerSec");
                long warmEnd = System.nanoTime() + Math.round(readWarmupS() * 1e9);
                do {
                    wk.add(readKappa(partitions, n).path("eventsPerSec").asDouble());
                    wr.add(readRaw(raws, n).path("eventsPerSec").asDouble());
                } while (System.nanoTime() < warmEnd);
                if (s.progress()) {
                    System.err.printf("[read] %s: warm-up, %d reads of each (not reported), last: kappa %s ev/s, raw %s ev/s%n",
                        partitionsLabel(p), wk.size(), TcpIngestBench.si(wk.get(wk.size() - 1).asDouble()),
                        TcpIngestBench.si(wr.get(wr.size() - 1).asDouble()));
                }
                double roundS = n / wk.get(wk.size() - 1).asDouble() + n / wr.get(wr.size() - 1).asDouble();
                int rounds = (int) Math.max(1, Math.min(1000, Math.ceil(readPassS() / roundS)));
                warm.put("roundsPerPass", rounds);
                List<ObjectNode> kappa = new ArrayList<>();
                List<ObjectNode> rawPasses = new ArrayList<>();
                for (int pass = 1; pass <= passes; pass++) {
                    List<ObjectNode> k = new ArrayList<>();
                    List<ObjectNode> r = new ArrayList<>();
                    for (int round = 0; round < rounds; round++) {
                        // alternate which goes first, round by round and pass by pass
                        if ((pass + round) % 2 == 1) {
                            k.add(readKappa(partitions, n));
                            r.add(readRaw(raws, n));
                        } else {
                            r.add(readRaw(raws, n));
                            k.add(readKappa(partitions, n));
                        }
                    }
                    kappa.add(reads(k));
                    rawPasses.add(reads(r));
                    if (s.progress()) {
                        System.err.printf("[read] %s, pass %d/%d (%d reads of each): kappa %s ev/s, raw %s ev/s%n", partitionsLabel(p),
                            pass, passes, rounds,
                            TcpIngestBench.si(kappa.get(pass - 1).path("eventsPerSec").asDouble()),
                            TcpIngestBench.si(rawPasses.get(pass - 1).path("eventsPerSec").asDouble()));
                    }
                }
                List<ObjectNode> k = new ArrayList<>();
                List<ObjectNode> r = new ArrayList<>();
                double kDisk = (double) diskBytes(dir.resolve("log")) / n;
                long rawBytes = 0;
                for (int i = 0; i < p; i++) {
                    rawBytes += diskBytes(dir.resolve("raw" + i));
                }
                double rDisk = (double) rawBytes / n;
                for (int i = 0; i < passes; i++) {
                    k.add(fromTimer("PartitionTailer.poll(handler, 1000), CRC check on, round the " + p + " partition(s)", kappa.get(i))
                        .put("diskBytesPerEvent", kDisk).put("readsPerPass", rounds));
                    r.add(fromTimer("raw Chronicle readingDocument(), 1000 at a time round " + p + " queue(s)", rawPasses.get(i))
                        .put("diskBytesPerEvent", rDisk).put("readsPerPass", rounds));
                }
                comparisons.add(compareMedian("sequential read, " + partitionsLabel(p), k, r));
            } finally {
                raws.forEach(SingleChronicleQueue::close);
                BenchSupport.delete(dir);
            }
        }
        return section;
    }

    /** One thread reads every partition to its end, {@code poll(handler, 1000)} on each tailer in turn; a Timer result. */
    static ObjectNode readKappa(List<Partition> partitions, long events) {
        ProcessorWorkloads.TouchingHandler h = new ProcessorWorkloads.TouchingHandler();
        List<PartitionTailer> tailers = new ArrayList<>();
        ProcessorWorkloads.Timer t;
        try {
            for (Partition p : partitions) {
                tailers.add(p.newTailer());
            }
            t = new ProcessorWorkloads.Timer();
            int got;
            do {
                got = 0;
                for (PartitionTailer tailer : tailers) {
                    got += tailer.poll(h, ProcessorWorkloads.BATCH);
                }
            } while (got > 0);
            t.stop();
        } finally {
            tailers.forEach(PartitionTailer::close);
        }
        ProcessorWorkloads.check("read: kappa records", events, h.records);
        return t.put(TcpIngestBench.JSON.createObjectNode(), events).put("checksum", h.sum);
    }

    /** One thread reads every raw queue to its end, up to 1000 {@code readingDocument()}s on each in turn; a Timer result. */
    static ObjectNode readRaw(List<SingleChronicleQueue> queues, long events) {
        List<ExcerptTailer> tailers = new ArrayList<>();
        long n = 0;
        long sum = 0;
        ProcessorWorkloads.Timer t;
        try {
            for (SingleChronicleQueue q : queues) {
                tailers.add(q.createTailer());
            }
            t = new ProcessorWorkloads.Timer();
            boolean any;
            do {
                any = false;
                for (ExcerptTailer tailer : tailers) {
                    for (int i = 0; i < ProcessorWorkloads.BATCH; i++) {
                        try (DocumentContext dc = tailer.readingDocument()) {
                            if (!dc.isPresent()) {
                                break;
                            }
                            Bytes<?> bytes = dc.wire().bytes();
                            long at = bytes.readPosition();
                            sum += bytes.readLong(at + io.kappa.log.RecordDescriptor.OFFSET_OFFSET)
                                ^ bytes.readLong(at + io.kappa.log.RecordDescriptor.HEADER_LENGTH + BenchSupport.KEY_LENGTH);
                            n++;
                            any = true;
                        }
                    }
                }
            } while (any);
            t.stop();
        } finally {
            tailers.forEach(ExcerptTailer::close);
        }
        ProcessorWorkloads.check("read: raw records", events, n);
        return t.put(TcpIngestBench.JSON.createObjectNode(), events).put("checksum", sum);
    }

    /** Several whole reads of the same records as one figure: events per read, the mean seconds of a read, CPU over all. */
    static ObjectNode reads(List<ObjectNode> reads) {
        long events = reads.get(0).path("events").asLong();
        double seconds = 0;
        double cpuSeconds = 0;
        for (ObjectNode r : reads) {
            seconds += r.path("seconds").asDouble();
            cpuSeconds += r.path("cpuCores").asDouble(Double.NaN) * r.path("seconds").asDouble();
        }
        ObjectNode f = TcpIngestBench.JSON.createObjectNode();
        f.put("events", events).put("reads", reads.size()).put("seconds", seconds / reads.size())
            .put("eventsPerSec", events * reads.size() / seconds).put("cpuCores", cpuSeconds / seconds);
        return f;
    }

    static String partitionsLabel(int p) {
        return p + " partition" + (p == 1 ? "" : "s");
    }

    private static String passLabel(int pass, int passes) {
        return passes == 1 ? "" : "pass " + pass + "/" + passes + ", ";
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
        double binaryRate = comparisons.get(1).path("subject").path("eventsPerSec").asDouble();
        for (long asked : s.rates()) {
            boolean max = asked == MAX_RATE;
            long rate = max ? Math.max(1, Math.round(binaryRate)) : asked;
            try (ServerProcess server = ServerProcess.start("latency-" + rate, out, List.of(), startTimeout)) {
                status(s, "tcp: ack latency at " + rate + " events/s offered" + (max ? " (max: the binary TCP throughput of this run)" : "")
                    + ", kappa serve pid " + server.pid());
                ObjectNode l = AckLatency.run(server, t, rate, out);
                latencyDetails.add(l);
                ObjectNode e = latencyEntry("ack latency, binary TCP", rate, l.path("saturated").asBoolean(), l.get("latencyUs"),
                    "tcp/" + l.path("percentileFile").asText());
                e.put("achievedEventsPerSec", l.path("achievedEventsPerSec").asDouble());
                if (max) {
                    e.put("maxRate", true).put("offeredWhat", "max: the binary TCP throughput measured in this run");
                }
                latency.add(e);
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
        int passes = s.passesOr(1);
        section.put("passes", passes);
        List<ObjectNode> read = new ArrayList<>();
        List<ObjectNode> copy = new ArrayList<>();
        List<ObjectNode> pass = new ArrayList<>();
        List<ObjectNode> count = new ArrayList<>();
        List<ObjectNode> window = new ArrayList<>();
        ArrayNode passDetails = TcpIngestBench.JSON.createArrayNode();
        for (int i = 1; i <= passes; i++) {
            status(s, "process: " + passLabel(i, passes) + s.events() + " events, " + keys + " keys");
            ObjectNode r = processRun(s.events(), keys, s.progress());
            passDetails.add(r);
            read.add(fromTimer("bare reader: PartitionTailer.poll(handler, 1000) (median of 3 reads)", (ObjectNode) r.get("read")));
            copy.add(fromTimer("hand-written copy: poll, copy, Partition.appendBatch", (ObjectNode) r.get("copy")));
            pass.add(fromTimer("pass-through Processor under ProcessorRunner", (ObjectNode) r.get("pass")));
            count.add(fromTimer("Builtins.count by key over " + keys + " keys", (ObjectNode) r.get("count")));
            window.add(fromTimer("window-count by key, 1-minute tumbling windows over " + WINDOW_KEYS + " keys", (ObjectNode) r.get("window")));
        }
        // details: the single run as before; with several passes, every pass's
        if (passes == 1) {
            section.set("details", passDetails.get(0));
        } else {
            section.putObject("details").set("passes", passDetails);
        }
        ArrayNode comparisons = section.putArray("comparisons");
        comparisons.add(compareMedian("pass-through vs bare reader", pass, read));
        comparisons.add(compareMedian("pass-through vs copy", pass, copy));
        comparisons.add(compareMedian("count by key vs bare reader", count, read));
        comparisons.add(compareMedian("count by key vs copy", count, copy));
        comparisons.add(compareMedian("window count vs bare reader", window, read));
        ArrayNode latency = section.putArray("latency");
        double passRate = comparisons.get(0).path("subject").path("eventsPerSec").asDouble();
        for (long asked : s.rates()) {
            boolean max = asked == MAX_RATE;
            long rate = max ? Math.max(1, Math.round(passRate)) : asked;
            status(s, "process: pass-through latency at " + rate + " events/s offered"
                + (max ? " (max: the pass-through throughput of this run)" : ""));
            ObjectNode l = ProcessorLatency.run(rate, s.latencyWarmupS(), s.durationS(), out, s.progress());
            ObjectNode e = latencyEntry("append to pass-through output", rate, l.path("saturated").asBoolean(), l.get("latencyUs"),
                "process/" + l.path("hgrm").asText());
            e.put("achievedEventsPerSec", l.path("achievedEventsPerSec").asDouble())
                .put("deliveredEventsPerSec", l.path("deliveredEventsPerSec").asDouble());
            if (max) {
                e.put("maxRate", true).put("offeredWhat", "max: the pass-through throughput measured in this run");
            }
            latency.add(e);
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

    /**
     * A comparison over passes: the subject and the baseline of median rate (the upper median for an even count), each
     * with its lowest and highest pass ({@code eventsPerSecMin}, {@code eventsPerSecMax}) and every pass's rate
     * ({@code passEventsPerSec}); the ratio is of those medians, and each pass's own ratio (subject / baseline of the same
     * pass) is in {@code passRatios}, with {@code ratioMin} and {@code ratioMax}. One pass: as {@link #compare}.
     */
    static ObjectNode compareMedian(String name, List<ObjectNode> subjects, List<ObjectNode> baselines) {
        ObjectNode c = compare(name, medianFigure(subjects), medianFigure(baselines));
        int n = subjects.size();
        c.put("passes", n);
        if (n > 1) {
            ArrayNode ratios = c.putArray("passRatios");
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                double r = subjects.get(i).path("eventsPerSec").asDouble()
                    / baselines.get(Math.min(i, baselines.size() - 1)).path("eventsPerSec").asDouble();
                ratios.add(r);
                min = Math.min(min, r);
                max = Math.max(max, r);
            }
            c.put("ratioMin", min).put("ratioMax", max);
        }
        return c;
    }

    /** The figure of median rate among passes, with the min, max and every pass's rate; the figure itself for one pass. */
    static ObjectNode medianFigure(List<ObjectNode> passes) {
        if (passes.size() == 1) {
            return passes.get(0);
        }
        ObjectNode m = median(passes).deepCopy();
        ArrayNode all = TcpIngestBench.JSON.createArrayNode();
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (ObjectNode p : passes) {
            double r = p.path("eventsPerSec").asDouble();
            all.add(r);
            min = Math.min(min, r);
            max = Math.max(max, r);
        }
        m.put("what", m.path("what").asText() + " (median of " + passes.size() + " passes)");
        m.put("passes", passes.size()).put("eventsPerSecMin", min).put("eventsPerSecMax", max);
        m.set("passEventsPerSec", all);
        return m;
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

    static void status(Settings s, String message) {
        if (s.progress()) {
            System.err.println("== " + message);
        }
    }
}
