package io.kappa.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.ToDoubleFunction;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.log.EventLog;
import io.kappa.log.LogContext;
import io.kappa.log.Partition;
import io.kappa.log.TopicConfig;
import io.kappa.processor.RunnerContext;

/**
 * The processor load harness (not JMH): how fast {@code ProcessorRunner} gets through a pre-filled one-partition topic,
 * against the bare reader of the same partition in the same run. Each run ("rep") opens a log on a fresh directory
 * (default {@link LogContext}: CRC check and pretoucher on), fills topic {@code in} with {@code --events} keyed events
 * (8-byte ASCII key {@code i mod --keys}, 100-byte value; not timed), then times, one after the other on that data:
 * <ul>
 * <li>{@code read}: the bare reader, {@code PartitionTailer.poll(handler, 1000)} with a handler that touches the offset
 * and the value: the baseline every ratio is taken to. It reads the whole partition three times in a run, first, after
 * {@code pass} and after {@code count}, and the median pass is the run's figure, so that one disturbed pass does not
 * skew every ratio of the run;
 * <li>{@code raw}: raw Chronicle Queue {@code readingDocument()} over a raw queue of as many 156-byte documents;
 * <li>{@code copy}: a hand-written copy to another topic (poll, copy to a buffer, {@code Partition.appendBatch} with a
 * producer id): the least work a pass-through must do;
 * <li>{@code pass}: a pass-through {@code Processor} with {@code Serdes.view()} for keys and values under
 * {@code ProcessorRunner}, timed from {@code start()} until {@code awaitCaughtUp} returns;
 * <li>{@code sink}: a processor that touches the value and forwards nothing (the runner's read side alone);
 * <li>{@code count}: {@code Builtins.count} by key over the {@code --keys} distinct keys;
 * <li>{@code window}: the built-in tumbling-window count as {@code kappa run window-count --by key --size 1m
 * --out-of-order 2s} builds it (append mode), over a second topic of {@code --events} events with
 * {@code --window-keys} keys chosen at random and event time advancing so that each 1-minute window holds
 * {@code --window-per-key} events per key, set back by up to 1 s ({@link ProcessorWorkloads.WindowInput}); with the
 * store's entries and bytes at the end, and the heap it takes;
 * <li>{@code checkpoint}: a count over {@code --checkpoint-keys} distinct keys with checkpoints only at
 * {@code close()}: the time of that close and the checkpoint file's size, then the restore ({@code start()} of a
 * second runner) and a plain write + fsync of as many bytes.
 * </ul>
 * Each output topic is deleted once its scenario is measured, so that the kernel never holds more than about 2 GB of
 * dirty pages to write back while a later scenario runs. An untimed warm-up run on {@code --warmup-events} comes
 * first; then {@code --reps} runs, each deleting its directory at the end. Then, once, {@code window-state}: the window
 * count over {@code --window-state-events} and ten times as many events of one stream, with the state at both
 * points and sampled from every checkpoint in between ({@link ProcessorWorkloads#windowState}). Last, once,
 * {@code latency}: the pass-through's end-to-end latency at fixed offered rates ({@link ProcessorLatency}). Figures
 * are medians over the runs; ratios are taken within each run, then their median reported. Writes
 * {@code results.json} to the output directory and prints a table. Run with {@code bench/run-processor.sh}.
 */
public final class ProcessorBench {
    static final List<String> SCENARIOS = List.of("read", "raw", "copy", "pass", "sink", "count", "window", "checkpoint",
        "window-state", "latency");
    static final String DEFAULT_OUT = "bench/target/processor";

    /** The targets of the issue. */
    static final double TARGET_PASS = 2_000_000;
    static final double TARGET_PASS_RATIO = 0.5;
    static final double TARGET_COUNT = 1_000_000;
    static final long TARGET_COUNT_KEYS = 100_000;
    static final double TARGET_WINDOW = 1_000_000;
    static final long TARGET_WINDOW_KEYS = 10_000;
    /** State is flat when the store at 10N holds at most this much more than at N (entries and bytes). */
    static final double FLAT_TOLERANCE = 1.10;

    private static final String USAGE = String.join("\n",
        "usage: ProcessorBench [options]       (bench/run-processor.sh [options] builds first)",
        "  --events N            input events per run, one partition (default 5M)",
        "  --keys N              distinct keys of the input: the count's groups (default 100k)",
        "  --checkpoint-keys N   distinct keys of the checkpoint scenario, one event each (default 1M)",
        "  --window-keys N       keys of the window count, chosen at random per event (default 10k)",
        "  --window-per-key N    events per key per 1-minute window: event time advances 60 s per N x keys events (default 50)",
        "  --window-state-events N  the window-state scenario runs over N, then 10 x N events (default 2M)",
        "  --reps N              timed runs, each on a fresh directory; medians reported (default 3)",
        "  --warmup-events N     events of the untimed warm-up run (default 1M; 0: none)",
        "  --latency-rate R[,R]  offered rates of the latency scenario, events/s (default 10k,100k)",
        "  --latency-seconds S   measured seconds per rate (default 10), after --latency-warmup S (default 5)",
        "  --only LIST           scenarios, of " + String.join(",", SCENARIOS) + " (default all; ratios need read)",
        "  --out DIR             output directory (default " + DEFAULT_OUT + ")",
        "  --quiet               no progress lines on stderr",
        "Counts take k and M suffixes (5M, 100k). Data goes to java.io.tmpdir or -Dkappa.bench.dir and is deleted after",
        "each run (the default run needs about 2 GB at a time).");

    private ProcessorBench() {
    }

    /** What to run; {@link #defaults()} has the defaults of the command line. */
    record Settings(long events, long keys, long checkpointKeys, int reps, long warmupEvents, List<Long> latencyRates,
                    double latencySeconds, double latencyWarmupSeconds, Set<String> scenarios, Path out, boolean progress,
                    long windowKeys, long windowPerKey, long windowStateEvents) {
        static Settings defaults() {
            return new Settings(5_000_000, 100_000, 1_000_000, 3, 1_000_000, List.of(10_000L, 100_000L), 10, 5,
                new LinkedHashSet<>(SCENARIOS), Path.of(DEFAULT_OUT), true, 10_000, 50, 2_000_000);
        }

        ProcessorWorkloads.WindowInput windowInput() {
            return new ProcessorWorkloads.WindowInput(windowKeys, windowPerKey, 42);
        }

        boolean runs(String scenario) {
            return scenarios.contains(scenario);
        }

        /** The same scenarios on warm-up sizes. */
        Settings warmup() {
            return new Settings(warmupEvents, Math.min(keys, warmupEvents), Math.min(checkpointKeys, warmupEvents), 1, 0, latencyRates,
                latencySeconds, latencyWarmupSeconds, scenarios, out, progress, windowKeys, windowPerKey, windowStateEvents);
        }
    }

    public static void main(String[] args) throws Exception {
        Settings s;
        try {
            s = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("ProcessorBench: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        if (s == null) {
            System.out.println(USAGE);
            return;
        }
        ObjectNode results = run(s);
        System.out.println();
        System.out.print(table(results));
        System.out.println("results: " + s.out().resolve("results.json").toAbsolutePath());
        System.exit(0); // no lingering non-daemon threads of the libraries
    }

    /** Parses the command line; null for --help. */
    static Settings parse(String[] args) {
        Settings d = Settings.defaults();
        long events = d.events();
        long keys = d.keys();
        long checkpointKeys = d.checkpointKeys();
        int reps = d.reps();
        long warmup = d.warmupEvents();
        List<Long> rates = d.latencyRates();
        double latencySeconds = d.latencySeconds();
        double latencyWarmup = d.latencyWarmupSeconds();
        Set<String> scenarios = d.scenarios();
        Path out = d.out();
        boolean progress = true;
        long windowKeys = d.windowKeys();
        long windowPerKey = d.windowPerKey();
        long windowStateEvents = d.windowStateEvents();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                v = a.substring(eq + 1);
                a = a.substring(0, eq);
            }
            switch (a) {
                case "--help", "-h" -> {
                    return null;
                }
                case "--quiet", "-q" -> progress = false;
                default -> {
                    if (v == null) {
                        if (i + 1 >= args.length) {
                            throw new IllegalArgumentException(a + " needs a value");
                        }
                        v = args[++i];
                    }
                    switch (a) {
                        case "--events" -> events = positive(a, TcpIngestBench.count(v));
                        case "--keys" -> keys = positive(a, TcpIngestBench.count(v));
                        case "--checkpoint-keys" -> checkpointKeys = positive(a, TcpIngestBench.count(v));
                        case "--window-keys" -> windowKeys = positive(a, TcpIngestBench.count(v));
                        case "--window-per-key" -> windowPerKey = positive(a, TcpIngestBench.count(v));
                        case "--window-state-events" -> windowStateEvents = positive(a, TcpIngestBench.count(v));
                        case "--reps" -> reps = (int) positive(a, TcpIngestBench.count(v));
                        case "--warmup-events" -> warmup = TcpIngestBench.count(v);
                        case "--latency-rate", "--latency-rates" -> {
                            List<Long> r = new ArrayList<>();
                            for (String part : v.split(",")) {
                                r.add(positive(a, TcpIngestBench.count(part.trim())));
                            }
                            rates = List.copyOf(r);
                        }
                        case "--latency-seconds" -> latencySeconds = Double.parseDouble(v);
                        case "--latency-warmup" -> latencyWarmup = Double.parseDouble(v);
                        case "--only" -> {
                            scenarios = new LinkedHashSet<>();
                            for (String part : v.split(",")) {
                                if (!SCENARIOS.contains(part.trim())) {
                                    throw new IllegalArgumentException("unknown scenario '" + part + "' (of " + SCENARIOS + ")");
                                }
                                scenarios.add(part.trim());
                            }
                        }
                        case "--out" -> out = Path.of(v);
                        default -> throw new IllegalArgumentException("unknown option " + a);
                    }
                }
            }
        }
        if (warmup < 0 || latencyWarmup < 0 || latencySeconds <= 0) {
            throw new IllegalArgumentException("--warmup-events and --latency-warmup must be >= 0, --latency-seconds > 0");
        }
        if (keys > 100_000_000L || checkpointKeys > 100_000_000L || windowKeys > 100_000_000L) {
            throw new IllegalArgumentException("at most 100M keys (keys are 8 decimal digits)");
        }
        return new Settings(events, keys, checkpointKeys, reps, warmup, rates, latencySeconds, latencyWarmup, scenarios, out,
            progress, windowKeys, windowPerKey, windowStateEvents);
    }

    private static long positive(String option, long v) {
        if (v <= 0) {
            throw new IllegalArgumentException(option + " must be > 0, was " + v);
        }
        return v;
    }

    /** Runs the warm-up and the timed runs, writes results.json and returns the results. */
    static ObjectNode run(Settings s) throws Exception {
        Path out = s.out().toAbsolutePath();
        Files.createDirectories(out);
        ObjectNode results = TcpIngestBench.JSON.createObjectNode();
        results.put("harness", "io.kappa.bench.ProcessorBench");
        results.put("started", Instant.now().toString());
        results.set("machine", machine());
        results.set("settings", settings(s));
        results.put("loadAverageAtStart", TcpIngestBench.loadAverage());
        if (s.warmupEvents() > 0) {
            status(s, "warm-up run: " + s.warmupEvents() + " events (not reported)");
            results.set("warmup", rep(s.warmup(), 0));
        }
        ArrayNode runs = results.putArray("runs");
        for (int rep = 1; rep <= s.reps(); rep++) {
            status(s, "run " + rep + "/" + s.reps() + ": " + s.events() + " events, " + s.keys() + " keys");
            ObjectNode r = rep(s, rep);
            runs.add(r);
            if (s.progress()) {
                System.err.print(table(summaryOf(runs, s), null, null, null, s));
            }
        }
        if (s.runs("window-state")) {
            status(s, "window state: the window count over " + s.windowStateEvents() + " and " + 10 * s.windowStateEvents()
                + " events");
            results.set("windowState", windowState(s));
        }
        if (s.runs("latency")) {
            ArrayNode latency = results.putArray("latency");
            for (long rate : s.latencyRates()) {
                status(s, "latency: pass-through at " + rate + " events/s offered");
                latency.add(ProcessorLatency.run(rate, s.latencyWarmupSeconds(), s.latencySeconds(), out, s.progress()));
            }
        }
        results.set("summary", summaryOf(runs, s));
        results.set("targets", targets(results.get("summary"), results.get("windowState"), s));
        results.put("loadAverageAtEnd", TcpIngestBench.loadAverage());
        results.put("finished", Instant.now().toString());
        TcpIngestBench.JSON.writeValue(out.resolve("results.json").toFile(), results);
        return results;
    }

    /** One run on a fresh directory: fill, then every scenario in turn; deletes the directory. */
    private static ObjectNode rep(Settings s, int rep) throws Exception {
        ObjectNode r = TcpIngestBench.JSON.createObjectNode();
        r.put("rep", rep).put("loadAverageAtStart", TcpIngestBench.loadAverage());
        Path dir = BenchSupport.newDirectory("processor");
        try {
            try (EventLog log = EventLog.open(new LogContext().dataDir(dir.resolve("log")))) {
                Partition in = log.createTopic("in", TopicConfig.partitions(1)).partition(0);
                long f0 = System.nanoTime();
                ProcessorWorkloads.fill(in, s.events(), s.keys(), s.progress(), "fill");
                r.put("fillEventsPerSec", s.events() * 1e9 / (System.nanoTime() - f0));
                if (s.runs("window")) {
                    Partition win = log.createTopic("win", TopicConfig.partitions(1)).partition(0);
                    ProcessorWorkloads.fillWindowed(win, s.windowInput(), s.events(), s.progress(), "fill win");
                }
                List<ObjectNode> reads = new ArrayList<>();
                if (s.runs("read")) {
                    reads.add(ProcessorWorkloads.bareRead(in, s.events()));
                }
                if (s.runs("raw")) {
                    r.set("raw", ProcessorWorkloads.rawRead(dir.resolve("raw"), s.events()));
                    BenchSupport.delete(dir.resolve("raw"));
                }
                if (s.runs("copy")) {
                    r.set("copy", ProcessorWorkloads.copy(log, in, "copy", s.events()));
                    log.deleteTopic("copy");
                }
                if (s.runs("pass")) {
                    r.set("pass", ProcessorWorkloads.runTopology(log, ProcessorWorkloads.passThrough("in", "pass-out"),
                        new RunnerContext().group("pass"), s.events(), "pass-out", s.events(), s.progress(), "pass-through"));
                    log.deleteTopic("pass-out");
                }
                if (s.runs("read")) {
                    reads.add(ProcessorWorkloads.bareRead(in, s.events()));
                }
                if (s.runs("sink")) {
                    r.set("sink", ProcessorWorkloads.runTopology(log, ProcessorWorkloads.sink("in"), new RunnerContext().group("sink"),
                        s.events(), null, 0, s.progress(), "sink"));
                }
                if (s.runs("count")) {
                    r.set("count", ProcessorWorkloads.runTopology(log, ProcessorWorkloads.count("count", "in", "count-out"),
                        new RunnerContext().group("count"), s.events(), "count-out", s.events(), s.progress(), "count"));
                    log.deleteTopic("count-out");
                }
                if (s.runs("window")) {
                    r.set("window", ProcessorWorkloads.window(log, "win", s.windowInput(), s.events(), s.progress()));
                    log.deleteTopic("win");
                }
                if (s.runs("read")) {
                    reads.add(ProcessorWorkloads.bareRead(in, s.events()));
                    reads.sort((a, b) -> Double.compare(a.path("eventsPerSec").asDouble(), b.path("eventsPerSec").asDouble()));
                    r.set("read", reads.get(reads.size() / 2));
                    ArrayNode passes = r.putArray("readPasses");
                    reads.forEach(passes::add);
                }
                if (s.runs("checkpoint")) {
                    Partition keys = log.createTopic("keys", TopicConfig.partitions(1)).partition(0);
                    ProcessorWorkloads.fill(keys, s.checkpointKeys(), s.checkpointKeys(), s.progress(), "fill keys");
                    r.set("checkpoint", ProcessorWorkloads.checkpoint(log, "keys", s.checkpointKeys(), s.progress()));
                }
            }
        } finally {
            BenchSupport.delete(dir);
        }
        r.put("loadAverageAtEnd", TcpIngestBench.loadAverage());
        return r;
    }

    /** The window-state scenario on a fresh directory: fills 10 x --window-state-events events, then runs. */
    private static ObjectNode windowState(Settings s) throws Exception {
        Path dir = BenchSupport.newDirectory("window-state");
        try (EventLog log = EventLog.open(new LogContext().dataDir(dir.resolve("log")))) {
            Partition in = log.createTopic("win", TopicConfig.partitions(1)).partition(0);
            long f0 = System.nanoTime();
            ProcessorWorkloads.fillWindowed(in, s.windowInput(), 10 * s.windowStateEvents(), s.progress(), "fill win");
            double fill = 10 * s.windowStateEvents() * 1e9 / (System.nanoTime() - f0);
            return ProcessorWorkloads.windowState(log, "win", s.windowInput(), s.windowStateEvents(), s.progress())
                .put("fillEventsPerSec", fill);
        } finally {
            BenchSupport.delete(dir);
        }
    }

    private static void status(Settings s, String message) {
        if (s.progress()) {
            System.err.println("== " + message);
        }
    }

    private static ObjectNode machine() {
        ObjectNode m = TcpIngestBench.JSON.createObjectNode();
        m.put("availableProcessors", Runtime.getRuntime().availableProcessors());
        m.put("javaVersion", System.getProperty("java.version"));
        m.put("javaVm", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        m.put("cpuModel", TcpIngestBench.cpuModel());
        m.put("maxHeapBytes", Runtime.getRuntime().maxMemory());
        m.put("jvmArguments", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
        m.put("tmpDir", System.getProperty("kappa.bench.dir", System.getProperty("java.io.tmpdir")));
        return m;
    }

    private static ObjectNode settings(Settings s) {
        ObjectNode n = TcpIngestBench.JSON.createObjectNode();
        n.put("events", s.events()).put("keys", s.keys()).put("checkpointKeys", s.checkpointKeys()).put("reps", s.reps())
            .put("warmupEvents", s.warmupEvents()).put("latencySeconds", s.latencySeconds())
            .put("latencyWarmupSeconds", s.latencyWarmupSeconds()).put("keyBytes", ProcessorWorkloads.KEY_LENGTH)
            .put("valueBytes", ProcessorWorkloads.VALUE_LENGTH).put("batch", ProcessorWorkloads.BATCH)
            .put("windowKeys", s.windowKeys()).put("windowPerKey", s.windowPerKey()).put("windowStateEvents", s.windowStateEvents())
            .put("windowBuiltin", new io.kappa.processor.builtin.BuiltinSpec("window-count", ProcessorWorkloads.WINDOW_OPTIONS).describe())
            .put("windowDisorderMs", ProcessorWorkloads.WINDOW_DISORDER_MS);
        ArrayNode rates = n.putArray("latencyRates");
        s.latencyRates().forEach(rates::add);
        ArrayNode scenarios = n.putArray("scenarios");
        s.scenarios().forEach(scenarios::add);
        return n;
    }

    // ---- summary

    /** The throughput scenarios, in table order: name in the JSON, label. */
    static final List<String[]> ROWS = List.of(
        new String[] {"read", "bare reader: PartitionTailer.poll, handler touches the value"},
        new String[] {"raw", "raw Chronicle readingDocument(), same record size"},
        new String[] {"copy", "hand-written copy: poll + Partition.appendBatch (producer stamps)"},
        new String[] {"pass", "pass-through processor, Serdes.view(), ProcessorRunner"},
        new String[] {"sink", "processor that forwards nothing (runner read side)"},
        new String[] {"count", "Builtins.count by key"},
        new String[] {"window", "window-count --by key --size 1m (tumbling)"});

    /** Medians over the runs; ratios to the bare reader and to the copy taken within each run, then their median. */
    static ObjectNode summaryOf(JsonNode runs, Settings s) {
        ObjectNode sum = TcpIngestBench.JSON.createObjectNode();
        for (String[] row : ROWS) {
            String name = row[0];
            List<Double> rates = new ArrayList<>();
            List<Double> vsRead = new ArrayList<>();
            List<Double> vsCopy = new ArrayList<>();
            List<Double> cpu = new ArrayList<>();
            List<Double> allocated = new ArrayList<>();
            List<Double> others = new ArrayList<>();
            List<Double> steal = new ArrayList<>();
            long gcCount = 0;
            long gcMs = 0;
            for (JsonNode r : runs) {
                JsonNode n = r.path(name);
                if (n.isMissingNode()) {
                    continue;
                }
                double rate = n.path("eventsPerSec").asDouble();
                rates.add(rate);
                cpu.add(n.path("cpuCores").asDouble());
                if (n.has("otherCores")) {
                    others.add(n.path("otherCores").asDouble());
                }
                if (n.has("machineStealCores")) {
                    steal.add(n.path("machineStealCores").asDouble());
                }
                if (n.has("allocatedBytesPerEvent")) {
                    allocated.add(n.path("allocatedBytesPerEvent").asDouble());
                }
                gcCount += n.path("gcCount").asLong();
                gcMs += n.path("gcMs").asLong();
                if (r.has("read")) {
                    vsRead.add(rate / r.path("read").path("eventsPerSec").asDouble());
                }
                if (r.has("copy")) {
                    vsCopy.add(rate / r.path("copy").path("eventsPerSec").asDouble());
                }
            }
            if (rates.isEmpty()) {
                continue;
            }
            ObjectNode f = sum.putObject(name);
            f.put("what", row[1]).put("eventsPerSec", AppendBaseline.median(rates)).put("nsPerEvent", 1e9 / AppendBaseline.median(rates));
            if (!vsRead.isEmpty()) {
                f.put("ratioToBareReader", AppendBaseline.median(vsRead));
            }
            if (!vsCopy.isEmpty()) {
                f.put("ratioToCopy", AppendBaseline.median(vsCopy));
            }
            f.put("cpuCores", AppendBaseline.median(cpu)).put("gcCount", gcCount).put("gcMs", gcMs);
            if (!allocated.isEmpty()) {
                f.put("allocatedBytesPerEvent", AppendBaseline.median(allocated));
            }
            if (!others.isEmpty()) {
                f.put("otherCores", AppendBaseline.median(others));
                f.put("maxOtherCores", others.stream().mapToDouble(Double::doubleValue).max().orElse(0));
            }
            if (!steal.isEmpty()) {
                f.put("maxStealCores", steal.stream().mapToDouble(Double::doubleValue).max().orElse(0));
            }
            ArrayNode a = f.putArray("runs");
            rates.forEach(a::add);
            ArrayNode b = f.putArray("ratiosToBareReader");
            vsRead.forEach(b::add);
            if (name.equals("window")) {
                List<JsonNode> ws = new ArrayList<>();
                runs.forEach(r -> {
                    if (r.has("window")) {
                        ws.add(r.get("window"));
                    }
                });
                f.put("stateEntries", median(ws, n -> n.path("stateEntries").asDouble()))
                    .put("stateBytes", median(ws, n -> n.path("stateBytes").asDouble()))
                    .put("heapStateBytes", median(ws, n -> n.path("heapStateBytes").asDouble()))
                    .put("heapRunnerBytes", median(ws, n -> n.path("heapRunnerBytes").asDouble()))
                    .put("heapAfterGcBytes", median(ws, n -> n.path("heapAfterGcBytes").asDouble()))
                    .put("windows", ws.get(0).path("windows").asLong())
                    .put("outputs", ws.get(0).path("outputs").asLong());
            }
        }
        ArrayNode perRun = sum.putArray("perRun");
        for (JsonNode r : runs) {
            ObjectNode pr = perRun.addObject().put("rep", r.path("rep").asInt());
            double maxOthers = 0;
            double maxSteal = 0;
            for (String[] row : ROWS) {
                JsonNode n = r.path(row[0]);
                if (!n.isMissingNode()) {
                    pr.put(row[0], n.path("eventsPerSec").asDouble());
                    maxOthers = Math.max(maxOthers, n.path("otherCores").asDouble());
                    maxSteal = Math.max(maxSteal, n.path("machineStealCores").asDouble());
                }
            }
            for (JsonNode n : r.path("readPasses")) {
                maxOthers = Math.max(maxOthers, n.path("otherCores").asDouble());
                maxSteal = Math.max(maxSteal, n.path("machineStealCores").asDouble());
            }
            pr.put("maxOtherCores", maxOthers).put("maxStealCores", maxSteal);
        }
        List<JsonNode> cps = new ArrayList<>();
        runs.forEach(r -> {
            if (r.has("checkpoint")) {
                cps.add(r.get("checkpoint"));
            }
        });
        if (!cps.isEmpty()) {
            ObjectNode c = sum.putObject("checkpoint");
            c.put("keys", cps.get(0).path("keys").asLong());
            c.put("closeMs", median(cps, n -> n.path("closeMs").asDouble()));
            c.put("fileBytes", median(cps, n -> n.path("fileBytes").asDouble()));
            c.put("stateBytes", median(cps, n -> n.path("stateBytes").asDouble()));
            c.put("fileBytesPerKey", median(cps, n -> n.path("fileBytesPerKey").asDouble()));
            c.put("closeGcMs", median(cps, n -> n.path("close").path("gcMs").asDouble()));
            c.put("secondCloseMs", median(cps, n -> n.path("secondCloseMs").asDouble()));
            c.put("secondCloseGcMs", median(cps, n -> n.path("secondClose").path("gcMs").asDouble()));
            c.put("restoreAllocatedBytesPerKey", median(cps, n -> n.path("restore").path("allocatedBytesPerEvent").asDouble()));
            c.put("restoreGcMs", median(cps, n -> n.path("restore").path("gcMs").asDouble()));
            c.put("restoreStartMs", median(cps, n -> n.path("restoreStartMs").asDouble()));
            c.put("writeFsyncSameBytesMs", median(cps, n -> n.path("writeFsyncSameBytesMs").asDouble()));
            c.put("countEventsPerSec", median(cps, n -> n.path("count").path("eventsPerSec").asDouble()));
            c.put("stateHeapBytesPerKey", median(cps, n -> n.path("stateHeapBytesPerKey").asDouble()));
            ArrayNode a = c.putArray("closeMsRuns");
            cps.forEach(n -> a.add(n.path("closeMs").asDouble()));
        }
        return sum;
    }

    private static double median(List<JsonNode> nodes, ToDoubleFunction<JsonNode> f) {
        List<Double> v = new ArrayList<>();
        nodes.forEach(n -> v.add(f.applyAsDouble(n)));
        return AppendBaseline.median(v);
    }

    private static ArrayNode targets(JsonNode sum, JsonNode windowState, Settings s) {
        ArrayNode t = TcpIngestBench.JSON.createArrayNode();
        JsonNode pass = sum.path("pass");
        if (!pass.isMissingNode()) {
            double v = pass.path("eventsPerSec").asDouble();
            t.addObject().put("target", "pass-through >= 2,000,000 events/s on one partition").put("value", v).put("unit", "events/s")
                .put("met", v >= TARGET_PASS);
            if (pass.has("ratioToBareReader")) {
                double ratio = pass.path("ratioToBareReader").asDouble();
                t.addObject().put("target", "pass-through >= 50% of the bare reader of the same run").put("value", ratio)
                    .put("unit", "ratio").put("met", ratio >= TARGET_PASS_RATIO);
            }
        }
        JsonNode count = sum.path("count");
        if (!count.isMissingNode()) {
            double v = count.path("eventsPerSec").asDouble();
            t.addObject().put("target", String.format(Locale.ROOT, "count by key over %,d keys >= 1,000,000 events/s on one partition%s",
                    s.keys(), s.keys() == TARGET_COUNT_KEYS ? "" : " (the target is for 100,000 keys)"))
                .put("value", v).put("unit", "events/s").put("met", v >= TARGET_COUNT && s.keys() >= TARGET_COUNT_KEYS);
        }
        JsonNode window = sum.path("window");
        if (!window.isMissingNode()) {
            double v = window.path("eventsPerSec").asDouble();
            t.addObject().put("target", String.format(Locale.ROOT, "tumbling-window count, %,d keys, 1-minute windows >= 1,000,000"
                    + " events/s on one partition%s", s.windowKeys(), s.windowKeys() == TARGET_WINDOW_KEYS ? ""
                    : " (the target is for 10,000 keys)"))
                .put("value", v).put("unit", "events/s").put("met", v >= TARGET_WINDOW && s.windowKeys() == TARGET_WINDOW_KEYS);
        }
        if (windowState != null && !windowState.isMissingNode()) {
            JsonNode a = windowState.path("atN");
            JsonNode b = windowState.path("at10N");
            double entries = b.path("stateEntries").asDouble() / Math.max(1, a.path("stateEntries").asDouble());
            double bytes = b.path("stateBytes").asDouble() / Math.max(1, a.path("stateBytes").asDouble());
            double sampled = windowState.path("maxSampledEntries").asDouble() / Math.max(1, a.path("stateEntries").asDouble());
            t.addObject().put("target", String.format(Locale.ROOT, "window state flat over a 10x longer stream: store entries and"
                    + " bytes at %,d events <= %.2f x those at %,d (bytes %.2f x; max of the checkpoints in between %.2f x)",
                    windowState.path("longEvents").asLong(), FLAT_TOLERANCE, windowState.path("events").asLong(), bytes, sampled))
                .put("value", entries).put("unit", "times")
                .put("met", entries <= FLAT_TOLERANCE && bytes <= FLAT_TOLERANCE);
        }
        return t;
    }

    /** The table printed at the end. */
    static String table(JsonNode r) {
        JsonNode st = r.path("settings");
        Settings s = new Settings(st.path("events").asLong(), st.path("keys").asLong(), st.path("checkpointKeys").asLong(), 0, 0,
            List.of(), 0, 0, Set.of(), Path.of("."), false, st.path("windowKeys").asLong(), st.path("windowPerKey").asLong(),
            st.path("windowStateEvents").asLong());
        return table(r.path("summary"), r.path("targets"), r.path("latency"), r.path("windowState"), s) + "load average at start / end: " + r.path("loadAverageAtStart").asText()
            + " / " + r.path("loadAverageAtEnd").asText() + "\n";
    }

    private static String table(JsonNode sum, JsonNode targets, JsonNode latency, JsonNode windowState, Settings s) {
        StringBuilder sb = new StringBuilder();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {String.format(Locale.ROOT, "%,d events, one partition", s.events()), "events/s", "ns/event", "runs",
            "vs bare reader", "vs copy", "CPU", "others' CPU, steal (max)", "alloc B/event", "GC (all runs)"});
        for (String[] row : ROWS) {
            JsonNode n = sum.path(row[0]);
            if (n.isMissingNode()) {
                continue;
            }
            List<String> runs = new ArrayList<>();
            n.path("runs").forEach(x -> runs.add(TcpIngestBench.si(x.asDouble())));
            String label = row[0].equals("count") ? String.format(Locale.ROOT, "%s, %,d keys", row[1], s.keys())
                : row[0].equals("window") ? String.format(Locale.ROOT, "%s, %,d keys", row[1], s.windowKeys()) : row[1];
            rows.add(new String[] {label, TcpIngestBench.si(n.path("eventsPerSec").asDouble()),
                String.format(Locale.ROOT, "%.0f", n.path("nsPerEvent").asDouble()), String.join(" ", runs),
                ratio(n.path("ratioToBareReader")), ratio(n.path("ratioToCopy")),
                String.format(Locale.ROOT, "%.2f", n.path("cpuCores").asDouble()),
                n.has("otherCores") ? String.format(Locale.ROOT, "%.2f, %.2f", n.path("maxOtherCores").asDouble(),
                    n.path("maxStealCores").asDouble()) : "-",
                n.has("allocatedBytesPerEvent") ? String.format(Locale.ROOT, "%.1f", n.path("allocatedBytesPerEvent").asDouble()) : "-",
                n.path("gcCount").asLong() + " / " + n.path("gcMs").asLong() + " ms"});
        }
        if (rows.size() > 1) {
            TcpIngestBench.format(sb, rows);
        }
        JsonNode perRun = sum.path("perRun");
        if (perRun.size() > 1) {
            sb.append('\n');
            List<String[]> pr = new ArrayList<>();
            List<String> head = new ArrayList<>(List.of("run"));
            for (String[] row : ROWS) {
                if (sum.has(row[0])) {
                    head.add(row[0]);
                }
            }
            head.addAll(List.of("pass / read", "pass / copy", "others' CPU (max)", "steal (max)"));
            pr.add(head.toArray(new String[0]));
            for (JsonNode r : perRun) {
                List<String> cells = new ArrayList<>(List.of(String.valueOf(r.path("rep").asInt())));
                for (String[] row : ROWS) {
                    if (sum.has(row[0])) {
                        cells.add(TcpIngestBench.si(r.path(row[0]).asDouble()));
                    }
                }
                cells.add(r.has("pass") && r.has("read") ? String.format(Locale.ROOT, "%.2f", r.path("pass").asDouble() / r.path("read").asDouble()) : "-");
                cells.add(r.has("pass") && r.has("copy") ? String.format(Locale.ROOT, "%.2f", r.path("pass").asDouble() / r.path("copy").asDouble()) : "-");
                cells.add(String.format(Locale.ROOT, "%.2f", r.path("maxOtherCores").asDouble()));
                cells.add(String.format(Locale.ROOT, "%.2f", r.path("maxStealCores").asDouble()));
                pr.add(cells.toArray(new String[0]));
            }
            TcpIngestBench.format(sb, pr);
        }
        JsonNode c = sum.path("checkpoint");
        if (!c.isMissingNode()) {
            List<String> closes = new ArrayList<>();
            c.path("closeMsRuns").forEach(x -> closes.add(String.format(Locale.ROOT, "%.0f", x.asDouble())));
            sb.append(String.format(Locale.ROOT, "%ncheckpoint of a count over %,d keys: close() %.0f ms (runs %s; GC %.0f ms), file"
                    + " %,.0f bytes (%.1f bytes/key, state %,.0f bytes); second close %.0f ms (GC %.0f ms); restore (start()) %.0f ms"
                    + " (GC %.0f ms, %.0f bytes allocated/key); write + fsync of as many bytes %.0f ms;%n  the count itself %s events/s,"
                    + " state on the heap ~%.0f bytes/key%n",
                c.path("keys").asLong(), c.path("closeMs").asDouble(), String.join(" ", closes), c.path("closeGcMs").asDouble(),
                c.path("fileBytes").asDouble(), c.path("fileBytesPerKey").asDouble(), c.path("stateBytes").asDouble(),
                c.path("secondCloseMs").asDouble(), c.path("secondCloseGcMs").asDouble(), c.path("restoreStartMs").asDouble(),
                c.path("restoreGcMs").asDouble(), c.path("restoreAllocatedBytesPerKey").asDouble(), c.path("writeFsyncSameBytesMs").asDouble(),
                TcpIngestBench.si(c.path("countEventsPerSec").asDouble()), c.path("stateHeapBytesPerKey").asDouble()));
        }
        JsonNode w = sum.path("window");
        if (!w.isMissingNode()) {
            sb.append(String.format(Locale.ROOT, "%nwindow count: %,d windows, %,d results; at the end the store holds %,.0f entries"
                    + " (%,.0f bytes in the checkpoint); used heap after GC %s, of which the runner's (freed by close) %s (medians)%n",
                w.path("windows").asLong(), w.path("outputs").asLong(), w.path("stateEntries").asDouble(),
                w.path("stateBytes").asDouble(), mib(w.path("heapAfterGcBytes").asDouble()), mib(w.path("heapRunnerBytes").asDouble())));
        }
        if (windowState != null && !windowState.isMissingNode()) {
            sb.append('\n');
            List<String[]> wr = new ArrayList<>();
            wr.add(new String[] {String.format(Locale.ROOT, "window count, %,d keys, one stream", windowState.path("keys").asLong()),
                "events/s of the leg", "store entries", "state bytes", "checkpoint bytes", "heap after GC", "of it the runner's",
                "more than before the run"});
            for (String leg : List.of("atN", "at10N")) {
                JsonNode n = windowState.path(leg);
                wr.add(new String[] {String.format(Locale.ROOT, "after %,d events", n.path("until").asLong()),
                    TcpIngestBench.si(n.path("eventsPerSec").asDouble()), String.format(Locale.ROOT, "%,d", n.path("stateEntries").asLong()),
                    String.format(Locale.ROOT, "%,d", n.path("stateBytes").asLong()),
                    String.format(Locale.ROOT, "%,d", n.path("checkpointFileBytes").asLong()), mib(n.path("heapAfterGcBytes").asDouble()),
                    mib(n.path("heapRunnerBytes").asDouble()), mib(n.path("heapStateBytes").asDouble())});
            }
            wr.add(new String[] {String.format(Locale.ROOT, "max of %d checkpoints in between", windowState.path("samples").size()), "",
                String.format(Locale.ROOT, "%,d", windowState.path("maxSampledEntries").asLong()),
                String.format(Locale.ROOT, "%,d", windowState.path("maxSampledStateBytes").asLong()), "", "", "", ""});
            TcpIngestBench.format(sb, wr);
        }
        if (latency != null && latency.isArray() && latency.size() > 0) {
            sb.append('\n');
            List<String[]> lr = new ArrayList<>();
            lr.add(new String[] {"pass-through append -> output (ms)", "offered/s", "p50", "p90", "p99", "p99.9", "max", "append lag p99"});
            for (JsonNode l : latency) {
                JsonNode p = l.path("latencyUs");
                String label = "batch " + l.path("batch").asInt() + " every 1 ms" + (l.path("saturated").asBoolean() ? " SATURATED" : "");
                lr.add(new String[] {label, TcpIngestBench.si(l.path("offeredEventsPerSec").asDouble()), ms(p.path("p50")), ms(p.path("p90")),
                    ms(p.path("p99")), ms(p.path("p99.9")), ms(p.path("max")), ms(l.path("appendLagUs").path("p99"))});
            }
            TcpIngestBench.format(sb, lr);
        }
        if (targets != null && targets.isArray() && targets.size() > 0) {
            sb.append('\n');
            for (JsonNode t : targets) {
                double v = t.path("value").asDouble();
                sb.append(t.path("met").asBoolean() ? "MET     " : "NOT MET ").append(t.path("target").asText()).append(": ")
                    .append(t.path("unit").asText().equals("ratio") ? String.format(Locale.ROOT, "%.0f%%", 100 * v)
                        : t.path("unit").asText().equals("times") ? String.format(Locale.ROOT, "%.2f x", v)
                        : TcpIngestBench.si(v) + " events/s").append('\n');
            }
        }
        return sb.toString();
    }

    private static String mib(double bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1 << 20));
    }

    private static String ms(JsonNode micros) {
        return micros.isMissingNode() ? "-" : String.format(Locale.ROOT, "%.3f", micros.asDouble() / 1e3);
    }

    private static String ratio(JsonNode n) {
        return n.isMissingNode() ? "-" : String.format(Locale.ROOT, "%.2f", n.asDouble());
    }
}
