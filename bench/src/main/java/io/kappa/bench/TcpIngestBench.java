package io.kappa.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.log.Event;
import io.kappa.log.JvmFlags;
import org.HdrHistogram.Histogram;

/**
 * The TCP ingest load harness (not JMH): starts {@code kappa serve} as a child JVM ({@link ServerProcess}), a
 * fresh one with a fresh data directory for each scenario, and measures from this JVM
 * <ul>
 * <li>{@code baseline}: in-process appends of the same events, raw Chronicle Queue and the kappa log API
 * ({@link AppendBaseline}); the TCP throughputs are given as ratios to the raw Chronicle figure of the same run;
 * <li>{@code binary}: binary protocol throughput with {@code KappaClient} ({@link BinaryThroughput});
 * <li>{@code line}: JSON line protocol throughput ({@link LineThroughput});
 * <li>{@code latency}: acknowledgement latency at fixed offered rates, corrected for coordinated omission
 * ({@link AckLatency}).
 * </ul>
 * Writes {@code results.json}, HdrHistogram logs ({@code .hlog}) and percentile distributions ({@code .hgrm}, in
 * microseconds) and the servers' output to the output directory, and prints a table. Run with
 * {@code bench/run-tcp.sh} (it builds and passes the JVM flags Chronicle needs); {@code --help} lists the options.
 */
public final class TcpIngestBench {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    static final List<String> SCENARIOS = List.of("baseline", "binary", "line", "latency");
    static final String DEFAULT_OUT = "bench/target/tcp";

    /** The targets of the issue, checked in the results. */
    static final double TARGET_BINARY = 1_000_000;
    static final double TARGET_LINE = 200_000;
    static final long TARGET_LATENCY_RATE = 100_000;
    static final double TARGET_LATENCY_P99_MS = 5;

    private static final String USAGE = String.join("\n",
        "usage: TcpIngestBench [options]        (bench/run-tcp.sh [options] builds first)",
        "  --events N            binary throughput: events timed (default 5M), after a warm-up of --warmup-fraction more",
        "  --line-events N       line protocol throughput: events timed (default 1M), after the same warm-up fraction",
        "  --warmup-fraction F   untimed warm-up of the throughput scenarios, as a share of their events (default 1: the",
        "                        server JVM needs a few million events to compile its hot path)",
        "  --batch N             events per binary batch (default 1000)",
        "  --in-flight N         unanswered batches of the binary throughput client (default 64)",
        "  --rate R[,R...]       offered rates of the latency scenario, events/s (default 10k,100k,500k)",
        "  --duration S          measured seconds per rate (default 20)",
        "  --warmup S            warm-up seconds per rate, same schedule, not counted (default 10)",
        "  --tick-us N           schedule period of the latency scenario: rate x tick events every tick (default 1000)",
        "  --latency-in-flight N unanswered batches of the latency client before it blocks (default 1024)",
        "  --baseline-events N   events per in-process baseline run (default: --events)",
        "  --baseline-reps N     runs of each baseline, median reported (default 3)",
        "  --only LIST           scenarios to run, of baseline,binary,line,latency (default all)",
        "  --server-opt OPT      extra JVM option of the server JVM, may repeat (e.g. -XX:StartFlightRecording=filename=/tmp/s.jfr)",
        "  --out DIR             output directory (default " + DEFAULT_OUT + ")",
        "  --quiet               no progress lines on stderr",
        "Counts take k and M suffixes (5M, 100k). Data goes to java.io.tmpdir or -Dkappa.bench.dir, deleted after each scenario.");

    private TcpIngestBench() {
    }

    /** What to run; {@link #defaults()} has the defaults of the command line. */
    record Settings(long events, long lineEvents, double warmupFraction, int batch, int inFlight, List<Long> rates, double durationS,
                    double warmupS, long tickMicros, int latencyInFlight, long baselineEvents, int baselineReps, Set<String> scenarios,
                    List<String> serverOptions, Path out, boolean progress) {
        static Settings defaults() {
            return new Settings(5_000_000, 1_000_000, 1.0, 1000, 64, List.of(10_000L, 100_000L, 500_000L), 20, 10, 1000, 1024,
                -1, 3, new LinkedHashSet<>(SCENARIOS), List.of(), Path.of(DEFAULT_OUT), true);
        }

        long warmupEvents(long events) {
            return Math.round(events * warmupFraction);
        }

        @Override
        public long baselineEvents() {
            return baselineEvents > 0 ? baselineEvents : events;
        }

        boolean runs(String scenario) {
            return scenarios.contains(scenario);
        }
    }

    public static void main(String[] args) throws Exception {
        Settings s;
        try {
            s = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("TcpIngestBench: " + e.getMessage());
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
        long lineEvents = d.lineEvents();
        double warmupFraction = d.warmupFraction();
        int batch = d.batch();
        int inFlight = d.inFlight();
        List<Long> rates = d.rates();
        double duration = d.durationS();
        double warmup = d.warmupS();
        long tick = d.tickMicros();
        int latencyInFlight = d.latencyInFlight();
        long baselineEvents = d.baselineEvents;
        int reps = d.baselineReps();
        Set<String> scenarios = d.scenarios();
        List<String> serverOptions = new ArrayList<>();
        Path out = d.out();
        boolean progress = true;
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
                        case "--events" -> events = positive(a, count(v));
                        case "--line-events" -> lineEvents = positive(a, count(v));
                        case "--warmup-fraction" -> warmupFraction = Double.parseDouble(v);
                        case "--batch" -> batch = (int) positive(a, count(v));
                        case "--in-flight" -> inFlight = (int) positive(a, count(v));
                        case "--rate", "--rates" -> {
                            List<Long> r = new ArrayList<>();
                            for (String part : v.split(",")) {
                                r.add(positive(a, count(part.trim())));
                            }
                            rates = r;
                        }
                        case "--duration" -> duration = Double.parseDouble(v);
                        case "--warmup" -> warmup = Double.parseDouble(v);
                        case "--tick-us" -> tick = positive(a, count(v));
                        case "--latency-in-flight" -> latencyInFlight = (int) positive(a, count(v));
                        case "--baseline-events" -> baselineEvents = positive(a, count(v));
                        case "--baseline-reps" -> reps = (int) positive(a, count(v));
                        case "--only" -> {
                            scenarios = new LinkedHashSet<>();
                            for (String part : v.split(",")) {
                                if (!SCENARIOS.contains(part.trim())) {
                                    throw new IllegalArgumentException("unknown scenario '" + part + "' (of " + SCENARIOS + ")");
                                }
                                scenarios.add(part.trim());
                            }
                        }
                        case "--server-opt" -> serverOptions.add(v);
                        case "--out" -> out = Path.of(v);
                        default -> throw new IllegalArgumentException("unknown option " + a);
                    }
                }
            }
        }
        if (duration <= 0 || warmup < 0 || warmupFraction < 0) {
            throw new IllegalArgumentException("--duration must be > 0, --warmup and --warmup-fraction >= 0");
        }
        return new Settings(events, lineEvents, warmupFraction, batch, inFlight, rates, duration, warmup, tick, latencyInFlight,
            baselineEvents, reps, scenarios, List.copyOf(serverOptions), out, progress);
    }

    /** A count with an optional k or M suffix and underscores or commas: 5M, 100k, 1_000_000. */
    static long count(String s) {
        String t = s.replace("_", "").replace(",", "").trim();
        long unit = 1;
        if (t.endsWith("k") || t.endsWith("K")) {
            unit = 1_000;
        } else if (t.endsWith("m") || t.endsWith("M")) {
            unit = 1_000_000;
        }
        if (unit > 1) {
            t = t.substring(0, t.length() - 1);
        }
        try {
            return Math.round(Double.parseDouble(t) * unit);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a count: '" + s + "'");
        }
    }

    private static long positive(String option, long v) {
        if (v <= 0) {
            throw new IllegalArgumentException(option + " must be > 0, was " + v);
        }
        return v;
    }

    /** Runs the scenarios, writes results.json (and the histogram files) and returns the results. */
    static ObjectNode run(Settings s) throws Exception {
        Path out = s.out().toAbsolutePath();
        Files.createDirectories(out);
        ObjectNode results = JSON.createObjectNode();
        results.put("harness", "io.kappa.bench.TcpIngestBench");
        results.put("started", Instant.now().toString());
        results.set("machine", machine());
        results.set("settings", settings(s));
        results.put("loadAverageAtStart", loadAverage());
        Duration startTimeout = Duration.ofSeconds(60);

        if (s.runs("baseline")) {
            status(s, "baseline: in-process appends, " + s.baselineEvents() + " events x " + s.baselineReps());
            results.set("baseline", AppendBaseline.run(s));
        }
        if (s.runs("binary")) {
            try (ServerProcess server = ServerProcess.start("binary", out, s.serverOptions(), startTimeout)) {
                status(s, "binary: kappa serve pid " + server.pid() + " on port " + server.port);
                results.set("binary", BinaryThroughput.run(server, s, out));
                checkAlive(server);
            }
        }
        if (s.runs("line")) {
            try (ServerProcess server = ServerProcess.start("line", out, s.serverOptions(), startTimeout)) {
                status(s, "line: kappa serve pid " + server.pid() + " on port " + server.port);
                results.set("line", LineThroughput.run(server, s));
                checkAlive(server);
            }
        }
        if (s.runs("latency")) {
            ArrayNode latency = results.putArray("latency");
            for (long rate : s.rates()) {
                try (ServerProcess server = ServerProcess.start("latency-" + rate, out, s.serverOptions(), startTimeout)) {
                    status(s, "latency at " + rate + " events/s: kappa serve pid " + server.pid() + " on port " + server.port);
                    latency.add(AckLatency.run(server, s, rate, out));
                    checkAlive(server);
                }
            }
        }
        ratios(results);
        results.set("targets", targets(results));
        results.put("loadAverageAtEnd", loadAverage());
        results.put("finished", Instant.now().toString());
        JSON.writeValue(out.resolve("results.json").toFile(), results);
        return results;
    }

    private static void checkAlive(ServerProcess server) {
        if (!server.isAlive()) {
            throw new IllegalStateException("kappa serve died during the scenario; its output:\n" + server.output());
        }
    }

    private static void status(Settings s, String message) {
        if (s.progress()) {
            System.err.println("== " + message);
        }
    }

    private static ObjectNode machine() {
        ObjectNode m = JSON.createObjectNode();
        m.put("availableProcessors", Runtime.getRuntime().availableProcessors());
        m.put("javaVersion", System.getProperty("java.version"));
        m.put("javaVm", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        m.put("cpuModel", cpuModel());
        m.put("harnessJvmArguments", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
        m.put("serverJvmFlags", String.join(" ", JvmFlags.forCurrentJvm()));
        m.put("tmpDir", System.getProperty("kappa.bench.dir", System.getProperty("java.io.tmpdir")));
        return m;
    }

    private static ObjectNode settings(Settings s) {
        ObjectNode n = JSON.createObjectNode();
        n.put("events", s.events()).put("lineEvents", s.lineEvents()).put("warmupFraction", s.warmupFraction())
            .put("batch", s.batch()).put("inFlight", s.inFlight()).put("durationSeconds", s.durationS())
            .put("warmupSeconds", s.warmupS()).put("tickMicros", s.tickMicros()).put("latencyInFlight", s.latencyInFlight())
            .put("baselineEvents", s.baselineEvents()).put("baselineReps", s.baselineReps())
            .put("keyBytes", BenchSupport.KEY_LENGTH).put("valueBytes", BenchSupport.VALUE_LENGTH);
        ArrayNode rates = n.putArray("rates");
        s.rates().forEach(rates::add);
        ArrayNode scenarios = n.putArray("scenarios");
        s.scenarios().forEach(scenarios::add);
        ArrayNode opts = n.putArray("serverOptions");
        s.serverOptions().forEach(opts::add);
        return n;
    }

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux
        }
        return "unknown";
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException | RuntimeException e) {
            return String.format(Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }

    /** Adds each throughput's ratio to the raw Chronicle append rate of the same run. */
    private static void ratios(ObjectNode results) {
        JsonNode baseline = results.get("baseline");
        if (baseline == null) {
            return;
        }
        double raw = baseline.path("rawChronicle").path("eventsPerSec").asDouble();
        for (String name : List.of("kappaAppendBatch", "kappaAppendBatchProducer")) {
            ((ObjectNode) baseline.get(name)).put("ratioToRawChronicle", baseline.path(name).path("eventsPerSec").asDouble() / raw);
        }
        for (String name : List.of("binary", "line")) {
            if (results.get(name) instanceof ObjectNode n) {
                n.put("ratioToRawChronicle", n.path("eventsPerSec").asDouble() / raw);
            }
        }
    }

    private static ArrayNode targets(ObjectNode results) {
        ArrayNode t = JSON.createArrayNode();
        if (results.has("binary")) {
            double v = results.get("binary").path("eventsPerSec").asDouble();
            t.addObject().put("target", "binary protocol >= 1,000,000 events/s sustained, acknowledged")
                .put("value", v).put("unit", "events/s").put("met", v >= TARGET_BINARY && results.get("binary").path("errors").asLong() == 0);
        }
        if (results.has("line")) {
            double v = results.get("line").path("eventsPerSec").asDouble();
            t.addObject().put("target", "line protocol >= 200,000 events/s").put("value", v).put("unit", "events/s")
                .put("met", v >= TARGET_LINE && results.get("line").path("errors").asLong() == 0);
        }
        if (results.has("latency")) {
            for (JsonNode l : results.get("latency")) {
                if (l.path("offeredEventsPerSec").asLong() == TARGET_LATENCY_RATE) {
                    double p99 = l.path("latencyUs").path("p99").asDouble() / 1e3;
                    t.addObject().put("target", "ack p99 < 5 ms at 100,000 events/s offered").put("value", p99).put("unit", "ms")
                        .put("met", p99 < TARGET_LATENCY_P99_MS && !l.path("saturated").asBoolean());
                }
            }
        }
        return t;
    }

    /** The compact table printed at the end. */
    static String table(JsonNode r) {
        StringBuilder sb = new StringBuilder();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"throughput", "events", "seconds", "events/s", "vs raw", "MB/s", "server CPU", "client CPU",
            "warm-up events/s"});
        JsonNode b = r.path("baseline");
        if (!b.isMissingNode()) {
            rows.add(baselineRow("raw Chronicle append (in-process)", b, "rawChronicle"));
            rows.add(baselineRow("Topic.appendBatch (in-process)", b, "kappaAppendBatch"));
            rows.add(baselineRow("  + producer id/sequences", b, "kappaAppendBatchProducer"));
        }
        for (String name : List.of("binary", "line")) {
            JsonNode n = r.path(name);
            if (n.isMissingNode()) {
                continue;
            }
            String label = name.equals("binary") ? "binary TCP (KappaClient, batch " + n.path("batch").asInt() + ")" : "line TCP (JSON lines)";
            rows.add(row(label, n.path("events").asLong(), n.path("seconds").asDouble(), n.path("eventsPerSec").asDouble(),
                n.path("ratioToRawChronicle").asDouble(Double.NaN), n.path("megabytesPerSec").asDouble(), n));
        }
        if (rows.size() > 1) {
            format(sb, rows);
        }
        JsonNode lat = r.path("latency");
        if (lat.isArray() && lat.size() > 0) {
            sb.append('\n');
            List<String[]> lr = new ArrayList<>();
            lr.add(new String[] {"ack latency (ms)", "offered/s", "acked/s", "p50", "p99", "p99.9", "p99.99", "max", "send lag p99", "server CPU"});
            for (JsonNode l : lat) {
                JsonNode p = l.path("latencyUs");
                String label = "batch " + l.path("batch").asInt() + " every " + trim(l.path("periodUs").asDouble() / 1e3) + " ms";
                lr.add(new String[] {
                    l.path("saturated").asBoolean() ? label + " SATURATED" : label,
                    si(l.path("offeredEventsPerSec").asDouble()), si(l.path("achievedEventsPerSec").asDouble()),
                    ms(p.path("p50")), ms(p.path("p99")), ms(p.path("p99.9")), ms(p.path("p99.99")), ms(p.path("max")),
                    ms(l.path("sendLagUs").path("p99")), cores(l.path("serverCpuCores").asDouble(Double.NaN))});
            }
            format(sb, lr);
        }
        JsonNode targets = r.path("targets");
        if (targets.isArray() && targets.size() > 0) {
            sb.append('\n');
            for (JsonNode t : targets) {
                double v = t.path("value").asDouble();
                sb.append(t.path("met").asBoolean() ? "MET     " : "NOT MET ").append(t.path("target").asText()).append(": ")
                    .append(t.path("unit").asText().equals("ms") ? trim(v) + " ms" : si(v) + " events/s").append('\n');
            }
        }
        sb.append("load average at start / end: ").append(r.path("loadAverageAtStart").asText()).append(" / ")
            .append(r.path("loadAverageAtEnd").asText()).append('\n');
        return sb.toString();
    }

    private static String[] baselineRow(String label, JsonNode baseline, String name) {
        long events = baseline.path("events").asLong();
        double rate = baseline.path(name).path("eventsPerSec").asDouble();
        return row(label, events, events / rate, rate, baseline.path(name).path("ratioToRawChronicle").asDouble(1.0), Double.NaN, null);
    }

    private static String[] row(String label, long events, double seconds, double rate, double ratio, double mbs, JsonNode cpu) {
        return new String[] {label, String.format(Locale.ROOT, "%,d", events), String.format(Locale.ROOT, "%.2f", seconds), si(rate),
            Double.isNaN(ratio) ? "-" : String.format(Locale.ROOT, "%.2f", ratio), Double.isNaN(mbs) ? "-" : String.format(Locale.ROOT, "%.0f", mbs),
            cpu == null ? "-" : cores(cpu.path("serverCpuCores").asDouble(Double.NaN)),
            cpu == null ? "-" : cores(cpu.path("clientCpuCores").asDouble(Double.NaN)),
            cpu == null || !cpu.has("warmupEventsPerSec") ? "-" : si(cpu.path("warmupEventsPerSec").asDouble())};
    }

    private static String cores(double c) {
        return Double.isNaN(c) ? "-" : String.format(Locale.ROOT, "%.2f cores", c);
    }

    private static String ms(JsonNode micros) {
        return micros.isMissingNode() ? "-" : trim(micros.asDouble() / 1e3);
    }

    private static String trim(double v) {
        if (v >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (v >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.3f", v);
    }

    static void format(StringBuilder sb, List<String[]> rows) {
        format(sb, rows, 1);
    }

    /** As {@link #format(StringBuilder, List)}, with the first {@code left} columns (names) aligned left. */
    static void format(StringBuilder sb, List<String[]> rows, int left) {
        int[] width = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                String pad = " ".repeat(width[i] - row[i].length());
                String cell = i < left ? row[i] + (i + 1 < row.length ? pad : "") : pad + row[i];
                sb.append(cell).append(i + 1 < row.length ? "  " : "\n");
            }
        }
    }

    // ---- shared by the scenarios ----

    /**
     * One batch of {@code n} events as every scenario sends them: an 8-byte key (the event's number in the batch,
     * big-endian), the 100-byte value of the JMH benchmarks, partition chosen by key, append time as event time.
     * The same list is sent again and again: the client encodes it anew for every frame.
     */
    static List<Event> batch(int n) {
        byte[] value = BenchSupport.value().byteArray();
        Event[] events = new Event[n];
        for (int i = 0; i < n; i++) {
            byte[] key = ByteBuffer.allocate(BenchSupport.KEY_LENGTH).putLong(i).array();
            events[i] = new Event(key, value, Event.NO_TIME, null, Event.ANY_PARTITION);
        }
        return Arrays.asList(events);
    }

    /** CPU time of this JVM (the load generator), in nanoseconds. */
    static long clientCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    /** Adds CPU use of the server and the harness over a timed phase: cores busy, and nanoseconds per event. */
    static void putCpu(ObjectNode r, long serverCpu, long clientCpu, long wallNanos, long events) {
        if (serverCpu >= 0 && wallNanos > 0) {
            r.put("serverCpuCores", (double) serverCpu / wallNanos);
            r.put("serverCpuNsPerEvent", events > 0 ? (double) serverCpu / events : Double.NaN);
        }
        if (clientCpu >= 0 && wallNanos > 0) {
            r.put("clientCpuCores", (double) clientCpu / wallNanos);
            r.put("clientCpuNsPerEvent", events > 0 ? (double) clientCpu / events : Double.NaN);
        }
    }

    /** Percentiles of a histogram of nanoseconds, divided by {@code scale} (1e3: microseconds). */
    static ObjectNode percentiles(Histogram h, double scale) {
        ObjectNode p = JSON.createObjectNode();
        p.put("count", h.getTotalCount());
        if (h.getTotalCount() == 0) {
            return p;
        }
        p.put("min", h.getMinValue() / scale)
            .put("mean", h.getMean() / scale)
            .put("p50", h.getValueAtPercentile(50) / scale)
            .put("p90", h.getValueAtPercentile(90) / scale)
            .put("p99", h.getValueAtPercentile(99) / scale)
            .put("p99.9", h.getValueAtPercentile(99.9) / scale)
            .put("p99.99", h.getValueAtPercentile(99.99) / scale)
            .put("max", h.getMaxValue() / scale);
        return p;
    }

    /** 1234567 as "1.23M", 12345 as "12.3k", 1234 as "1.23k". */
    static String si(double v) {
        double a = Math.abs(v);
        if (a >= 1e6) {
            return String.format(Locale.ROOT, "%.2fM", v / 1e6);
        }
        if (a >= 1e4) {
            return String.format(Locale.ROOT, "%.1fk", v / 1e3);
        }
        if (a >= 1e3) {
            return String.format(Locale.ROOT, "%.2fk", v / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f", v);
    }

    /** Nanoseconds as milliseconds with 3 decimals. */
    static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.3f ms", nanos / 1e6);
    }
}
