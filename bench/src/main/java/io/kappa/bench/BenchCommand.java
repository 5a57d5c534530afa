package io.kappa.bench;

import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kappa bench}: runs the benchmark scenarios ({@link BenchScenarios}), each figure beside its baseline of the
 * same run, prints progress on stderr and a compact table on stdout, and writes {@code results.json}, the HdrHistogram
 * percentile files and {@code report.html} to {@code --out}. The {@code kappa} launcher routes {@code kappa bench} here
 * (the bench module depends on cli, so cli cannot hold this command).
 */
@Command(name = "kappa bench", mixinStandardHelpOptions = true, version = "kappa 0.1.0", sortOptions = false,
    description = {"Measures kappa against raw Chronicle Queue and bare readers in the same run; prints a table and writes "
        + "results.json, .hgrm latency files and report.html to --out.",
        "Scenarios: append (Topic.appendBatch vs raw Chronicle append), read (PartitionTailer vs raw tailer, after a warm-up), seek (random "
            + "moveToOffset + read one and offsetForTime vs raw Chronicle moveToIndex + read one, operations/s and latency "
            + "percentiles), tcp (binary and line protocol vs in-process raw append; ack latency at --rate, max: the binary throughput), process "
            + "(pass-through and count by key vs bare reader and copy, window count vs bare reader; end-to-end latency at "
            + "--rate, max: the pass-through's throughput), replay (a pass-through and a count by key replayed over history vs the bare reader and vs the same "
            + "processor run live), all; and, left out of all, rewind (a count by key over N events rewound to N - N/100, its "
            + "state rebuilt from the nearest retained snapshot vs from offset 0). Each scenario also records this JVM's resident memory at its end (VmRSS, and the "
            + "peak so far, VmHWM)."})
public final class BenchCommand implements Callable<Integer> {
    static final String DEFAULT_OUT = "bench/target/report";

    static final long DEFAULT_EVENTS = 2_000_000;

    @Parameters(index = "0", paramLabel = "SCENARIO", description = "append, read, seek, tcp, process, replay, several joined by commas (append,read), or all; or startup (the start-up of the short kappa commands as processes) or rewind (a rewind near the end from a snapshot vs from offset 0), left out of all")
    String scenario;

    @Option(names = "--events", paramLabel = "N", converter = CountConverter.class,
        description = "events per throughput figure (k and M suffixes; default 2M, replay 8M, rewind 10M). The line protocol uses N/4; "
            + "replay builds topics of N events (10M and more work: about 0.4 GB of disk per million at a time).")
    Long events;

    @Option(names = "--passes", paramLabel = "P",
        description = "passes of append, read, seek, process and replay; each figure is then the pass of median rate, with the "
            + "lowest and highest pass beside it (default: read 3, the others 1)")
    Integer passes;

    @Option(names = "--seek-ops", paramLabel = "N", converter = CountConverter.class,
        description = "random seeks and time lookups per seek figure, at most --events (default 50k)")
    long seekOps = SeekBench.DEFAULT_OPS;

    @Option(names = "--size", paramLabel = "BYTES", description = "value bytes of append, read and seek (default 100; tcp, process and replay use 100)")
    int size = BenchSupport.VALUE_LENGTH;

    @Option(names = "--partitions", paramLabel = "P", description = "partitions of the append and read scenarios (default: 1, 2 and 4)")
    Integer partitions;

    @Option(names = "--rate", paramLabel = "R", split = ",", converter = RateConverter.class,
        description = "offered rates of the latency runs, events/s (default 10k,100k,max); max: the throughput the same scenario "
            + "measured in this run (tcp: binary TCP, process: the pass-through)")
    List<Long> rates = new ArrayList<>(List.of(10_000L, 100_000L, BenchScenarios.MAX_RATE));

    @Option(names = "--duration", paramLabel = "SECONDS", description = "measured seconds per latency rate (default 10), after a warm-up of half that, at most 5 s")
    double duration = 10;

    @Option(names = "--out", paramLabel = "DIR",
        description = "output directory (default " + DEFAULT_OUT + " in a kappa checkout, else ./kappa-bench-report)")
    Path out;

    @Option(names = {"-q", "--quiet"}, description = "no progress on stderr")
    boolean quiet;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Parses {@code 5M}, {@code 100k}, {@code 1_000_000}. */
    static final class CountConverter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return TcpIngestBench.count(value);
        }
    }

    /** As {@link CountConverter}, and {@code max} for {@link BenchScenarios#MAX_RATE}. */
    static final class RateConverter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return value.trim().equalsIgnoreCase("max") ? BenchScenarios.MAX_RATE : TcpIngestBench.count(value);
        }
    }

    /** The ranges of the integral options (--duration and --rate are checked in {@link #call}). */
    static final java.util.Map<String, io.kappa.cli.OptionRanges.Range> RANGES = java.util.Map.of(
        "--events", new io.kappa.cli.OptionRanges.Range(1, Long.MAX_VALUE),
        "--passes", new io.kappa.cli.OptionRanges.Range(1, 99),
        "--seek-ops", new io.kappa.cli.OptionRanges.Range(1, Integer.MAX_VALUE),
        "--size", new io.kappa.cli.OptionRanges.Range(8, 1 << 20),
        "--partitions", new io.kappa.cli.OptionRanges.Range(1, io.kappa.log.TopicConfig.MAX_PARTITIONS));

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line and returns the exit code: 0 on success, 1 on a failure, 2 on a usage error. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new BenchCommand());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionStrategy(io.kappa.cli.OptionRanges.checking(RANGES, new CommandLine.RunLast()));
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("kappa bench: " + e);
            e.printStackTrace(commandLine.getErr());
            return 1;
        });
        return cl.execute(args);
    }

    @Override
    public Integer call() throws Exception {
        List<String> scenarios = scenario.equals("all") ? BenchScenarios.ALL : List.of(scenario.split(","));
        for (String name : scenarios) {
            if (!BenchScenarios.ALL.contains(name) && !BenchScenarios.EXTRA.contains(name)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "unknown scenario '" + name
                    + "' (" + String.join(", ", BenchScenarios.ALL) + ", several of them joined by commas, or all; or "
                    + String.join(", ", BenchScenarios.EXTRA) + ")");
            }
        }
        if (!(duration > 0)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--duration must be > 0, was " + duration);
        }
        if (rates.stream().anyMatch(r -> r <= 0 && r != BenchScenarios.MAX_RATE)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--rate must be > 0 or max, was " + rates);
        }
        long events = this.events != null ? this.events : DEFAULT_EVENTS;
        long replayEvents = this.events != null ? this.events : ReplayBench.DEFAULT_EVENTS;
        Path dir = (out != null ? out : Files.isDirectory(Path.of("bench")) ? Path.of(DEFAULT_OUT) : Path.of("kappa-bench-report"))
            .toAbsolutePath();
        Files.createDirectories(dir);
        List<Integer> partitionCounts = partitions != null ? List.of(partitions) : List.of(1, 2, 4);
        BenchScenarios.Settings s = new BenchScenarios.Settings(events, size, partitionCounts, List.copyOf(rates), duration, dir, !quiet,
            replayEvents, passes, seekOps, this.events != null ? this.events : RewindBench.DEFAULT_EVENTS);
        if (size != BenchSupport.VALUE_LENGTH && (scenarios.contains("tcp") || scenarios.contains("process") || scenarios.contains("replay"))
            && !quiet) {
            System.err.println("kappa bench: --size applies to append, read and seek; tcp, process and replay use " + BenchSupport.VALUE_LENGTH
                + "-byte values");
        }

        ObjectNode results = TcpIngestBench.JSON.createObjectNode();
        results.put("command", "kappa bench " + String.join(" ", spec.commandLine().getParseResult().originalArgs()));
        results.put("started", Instant.now().toString());
        results.set("machine", machine());
        ObjectNode settings = results.putObject("settings");
        settings.put("events", events).put("valueBytes", size).put("keyBytes", BenchSupport.KEY_LENGTH).put("durationSeconds", duration)
            .put("latencyWarmupSeconds", s.latencyWarmupS());
        if (scenarios.contains("replay")) {
            settings.put("replayEvents", replayEvents).put("replayPasses", s.passesOr(1));
        }
        if (scenarios.contains("seek")) {
            settings.put("seekOperations", Math.min(events, seekOps));
        }
        ArrayNode p = settings.putArray("partitions");
        partitionCounts.forEach(p::add);
        ArrayNode r = settings.putArray("rates");
        rates.forEach(rate -> {
            if (rate == BenchScenarios.MAX_RATE) {
                r.add("max");
            } else {
                r.add(rate);
            }
        });
        if (passes != null) {
            settings.put("passes", passes);
        }
        results.put("loadAverageAtStart", TcpIngestBench.loadAverage());
        ArrayNode sections = results.putArray("scenarios");
        long t0 = System.nanoTime();
        for (String name : scenarios) {
            long s0 = System.nanoTime();
            ObjectNode section = BenchScenarios.run(name, s);
            section.put("seconds", (System.nanoTime() - s0) / 1e9);
            section.set("memory", memory());
            sections.add(section);
        }
        results.put("seconds", (System.nanoTime() - t0) / 1e9);
        results.put("loadAverageAtEnd", TcpIngestBench.loadAverage());
        results.put("finished", Instant.now().toString());
        TcpIngestBench.JSON.writeValue(dir.resolve("results.json").toFile(), results);
        String table = BenchReport.table(results);
        Files.writeString(dir.resolve("report.html"), BenchReport.html(results, table), StandardCharsets.UTF_8);
        PrintWriter o = spec.commandLine().getOut();
        o.println();
        o.print(table);
        o.println("report: " + dir.resolve("report.html") + "  (results.json and the .hgrm files beside it)");
        o.flush();
        return 0;
    }

    /**
     * This JVM's resident memory now, from /proc/self/status: {@code VmRSS} (resident now, including the mapped queue
     * files' pages in memory) and {@code VmHWM} (the peak resident so far in the process, so it never goes down from one
     * scenario to the next); empty where there is no /proc. Child JVMs (tcp's kappa serve) are not counted.
     */
    static ObjectNode memory() {
        ObjectNode m = TcpIngestBench.JSON.createObjectNode();
        Path status = Path.of("/proc/self/status");
        try {
            for (String line : Files.readAllLines(status, StandardCharsets.UTF_8)) {
                String[] f = line.split("\\s+");
                if (f.length >= 3 && f[2].equalsIgnoreCase("kB") && (f[0].equals("VmRSS:") || f[0].equals("VmHWM:"))) {
                    m.put(f[0].equals("VmRSS:") ? "rssBytes" : "hwmBytes", Long.parseLong(f[1]) * 1024);
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // no /proc (not Linux): nothing recorded
        }
        Runtime rt = Runtime.getRuntime();
        m.put("heapUsedBytes", rt.totalMemory() - rt.freeMemory()).put("heapCommittedBytes", rt.totalMemory());
        return m;
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
}
