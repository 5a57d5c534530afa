package io.kappa.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;
import io.kappa.log.EventLog;
import io.kappa.log.Position;
import io.kappa.log.TopicNames;
import io.kappa.log.Durations;
import io.kappa.processor.Groups;
import io.kappa.processor.OnError;
import io.kappa.processor.ProcessorRunner;
import io.kappa.processor.RunnerContext;
import io.kappa.processor.TaskCheckpoint;
import io.kappa.processor.Topology;
import io.kappa.processor.UserClasses;
import io.kappa.processor.builtin.BuiltinSpec;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code kappa run}: a processor as a foreground daemon, from its group's checkpoint, until SIGTERM or caught up. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Run a processor for a group: read the inputs from the group's checkpointed offsets, keep state,",
        "write the output. Stops with a last checkpoint and exit status 0 on SIGTERM or SIGINT; --until-caught-up stops",
        "once the inputs are consumed up to where they ended at start."})
class RunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    DataDirOptions data;
    @Mixin
    WriteOptions write;
    @Parameters(index = "0", arity = "0..1", paramLabel = "PROCESSOR",
        description = "filter, map, count, sum, dedup, window-count, window-agg, top or join.")
    String processor;
    @Option(names = "--group", paramLabel = "G", description = "The group: names this processor's checkpoints (required for run).")
    String group;
    @Option(names = "--input", split = ",", paramLabel = "TOPIC", description = "Input topics (comma-separated).")
    List<String> inputs;
    @Option(names = "--output", paramLabel = "TOPIC", description = "Output topic (created with the input's partition count if missing).")
    String output;
    @Option(names = "--where", paramLabel = "EXPR", description = "filter (and window-count, window-agg: count only these): "
        + "field comparisons (=, !=, <, >, <=, >=, exists) joined by and.")
    String where;
    @Option(names = "--select", paramLabel = "F1,F2", description = "map: the fields to keep.")
    String select;
    @Option(names = "--by", paramLabel = "key|FIELD", description = "count, sum, dedup: what to group by (dedup also: id, its default).")
    String by;
    @Option(names = "--field", paramLabel = "F", description = "sum: the numeric field to add up; window-agg: the field to aggregate.")
    String field;
    @Option(names = "--window", paramLabel = "DURATION", description = "dedup: drop an id seen within this much event time (e.g. 10m).")
    String window;
    @Option(names = "--agg", paramLabel = "AGG", description = {"window-agg: count, sum, min, max, avg, a percentile p50, p90, p95,",
        "p99 or p999 (HdrHistogram, within 1%), or distinct (exact up to 1024 values, then a HyperLogLog sketch, 1.6% error)",
        "of --field."})
    String agg;
    @Option(names = "--size", paramLabel = "DURATION", description = "window-count, window-agg, top: window size (e.g. 1m, 1d).")
    String size;
    @Option(names = "--advance", paramLabel = "DURATION", description = "Hopping windows: a new window every DURATION (default: --size, tumbling).")
    String advance;
    @Option(names = "--session-gap", paramLabel = "DURATION", description = "Session windows: a key's session ends after this much inactivity.")
    String sessionGap;
    @Option(names = "--lateness", paramLabel = "DURATION",
        description = "Windows stay open this long after their end for late records (default 0); later ones go to GROUP.late.")
    String lateness;
    @Option(names = "--out-of-order", paramLabel = "DURATION",
        description = "Allowed disorder: the watermark is the highest time seen minus this (default 0).")
    String outOfOrder;
    @Option(names = "--idle-timeout", paramLabel = "DURATION",
        description = "An input partition silent for this much append time no longer holds the watermark back (default 30s).")
    String idleTimeout;
    @Option(names = "--time", paramLabel = "event|append|processing",
        description = "Which clock windows use: the event's time (default), the log's append time, or the wall clock.")
    String time;
    @Option(names = "--mode", paramLabel = "append|update|complete",
        description = "Window output: each window once when it closes (default), on every change, or the whole table at each close.")
    String mode;
    @Option(names = "--zone", paramLabel = "ZONE", description = {"window-count, window-agg, top: align windows to a time zone (IANA",
        "name such as Asia/Seoul, or an offset): whole-hour sizes follow its local clock (1d is its calendar day, 23 or 25 h",
        "across daylight-saving changes), shorter ones its standard offset (default: UTC)."})
    String zone;
    @Option(names = "--n", paramLabel = "N", description = "top: how many keys per window.")
    String n;
    @Option(names = "--left", paramLabel = "TOPIC", description = "join: the stream.")
    String left;
    @Option(names = "--right", paramLabel = "TOPIC", description = "join: the other stream (with --within) or the table (with --table).")
    String right;
    @Option(names = "--within", paramLabel = "DURATION", description = "join: pair records whose event times are at most this far apart.")
    String within;
    @Option(names = "--table", description = "join: --right is a table (latest value per key); enrich each --left record with it.")
    boolean table;
    @Option(names = "--join", paramLabel = "inner|left", description = "join: inner (default) or left (unmatched left records too).")
    String joinKind;
    @Option(names = "--class", paramLabel = "CLASS", description = "A user Processor (bytes in, bytes out) or TopologyFactory.")
    String className;
    @Option(names = "--jar", paramLabel = "JAR", description = "Where --class is.")
    Path jar;
    @Option(names = {"-o", "--option"}, paramLabel = "KEY=VALUE", description = "Options passed to a TopologyFactory.")
    Map<String, String> options = new LinkedHashMap<>();
    @Option(names = "--threads", defaultValue = "1", paramLabel = "N", description = "Processing threads (default: ${DEFAULT-VALUE}).")
    int threads;
    @Option(names = "--on-error", defaultValue = "dlq", paramLabel = "dlq|fail",
        description = "A record that cannot be read or makes the processor throw: to GROUP.dlq and go on, or stop (default: ${DEFAULT-VALUE}).")
    String onError;
    @Option(names = "--from", defaultValue = "earliest", paramLabel = "POSITION",
        description = "Where a group with no checkpoint starts: earliest, latest, an offset, -N (N before the end), or an append "
            + "time: ISO-8601, @epochMillis, now, now-5m (default: ${DEFAULT-VALUE}).")
    String from;
    @Option(names = "--checkpoint-interval", defaultValue = "2s", paramLabel = "DURATION",
        description = "Checkpoint each task this often while it processes (default: ${DEFAULT-VALUE}).")
    String checkpointInterval;
    @Option(names = "--checkpoint-records", defaultValue = "1000000", paramLabel = "N",
        description = "... or after this many records (default: ${DEFAULT-VALUE}).")
    long checkpointRecords;
    @Option(names = "--emit", defaultValue = "changes", paramLabel = "changes|latest-per-commit",
        description = {"changes: write every record the processor forwards (default). latest-per-commit: hold the keyed",
            "records for --output and write the latest per key at each checkpoint (as Kafka Streams' record cache), so an",
            "aggregation writes each key once per --checkpoint-interval instead of every change."})
    String emit;
    @Option(names = "--emit-cache-bytes", defaultValue = "16777216", paramLabel = "BYTES",
        description = "--emit latest-per-commit: write the cache out early when its keys and values exceed this (default: ${DEFAULT-VALUE}).")
    long emitCacheBytes;
    @Option(names = "--snapshot-every-records", defaultValue = "1000000", paramLabel = "N",
        description = {"Retain a snapshot of the group's checkpoints (groups/G/snapshots/) after this many records since the last",
            "one, so a rewind rebuilds its state from the nearest snapshot instead of the start (default: ${DEFAULT-VALUE})."})
    long snapshotRecords;
    @Option(names = "--snapshot-every", defaultValue = "10m", paramLabel = "DURATION",
        description = "... or this long after the last one, with records processed since (default: ${DEFAULT-VALUE}).")
    String snapshotInterval;
    @Option(names = "--snapshots-keep", defaultValue = "5", paramLabel = "K",
        description = "Snapshots kept, newest first; 0 takes none (default: ${DEFAULT-VALUE}). Groups with a later stage take none.")
    int snapshotsKept;
    @Option(names = "--until-caught-up", description = "Stop once every input partition is consumed up to its end at start.")
    boolean untilCaughtUp;
    @Option(names = "--drain", description = {"With --until-caught-up (replay: or --to): at the end, move the watermark to the end of",
        "time, so that every window closes and every timer fires, write the results, and mark the group drained (a",
        "later run is refused until the group is rewound)."})
    boolean drain;
    @Option(names = "--progress", description = "Show progress on stderr even when it is not a terminal.")
    boolean progress;
    @Option(names = "--force", description = "Run a group that was last run with another processor or options (they are recorded in "
        + "groups/G/group.json) from its checkpoints all the same.")
    boolean force;
    @Option(names = "--kafka", arity = "0..1", fallbackValue = "", paramLabel = "BOOTSTRAP", description = {"Run on Apache Kafka (Kafka Streams, exactly_once_v2): inputs and",
        "output are Kafka topics, the group is the application id, and every process running the same group shares",
        "its partitions. The local data directory only keeps Kafka Streams' state cache."})
    String kafka;
    @Option(names = "--kafka-timeout", defaultValue = "30s", paramLabel = "DURATION",
        description = "--kafka: how long to wait for the cluster before giving up (default: ${DEFAULT-VALUE}).")
    String kafkaTimeout;
    @Option(names = "--kafka-config", paramLabel = "KEY=VALUE",
        description = "--kafka: a Kafka Streams or client setting (repeatable), e.g. consumer.session.timeout.ms=10000.")
    Map<String, String> kafkaConfig = new LinkedHashMap<>();

    /** SIGTERM and SIGINT stop the runner (last checkpoint) and let {@code run} return, so the process exits 0. */
    static Signals.Stop stopOnSignals(AutoCloseable runner) {
        return Signals.onStop(() -> {
            try {
                runner.close();
            } catch (Exception e) {
                // the run command reports the runner's failure
            }
        });
    }

    /** Per input partition: done / total of what this run has to read (at most 8 shown). */
    private static String partitions(ProcessorRunner runner) {
        StringBuilder b = new StringBuilder();
        List<ProcessorRunner.InputProgress> all = runner.progress();
        int shown = 0;
        for (ProcessorRunner.InputProgress p : all) {
            if (shown++ == 8) {
                b.append(" ...");
                break;
            }
            b.append(String.format(" %s/%d %,d/%,d", p.topic(), p.partition(), p.next(), p.target()));
        }
        return all.isEmpty() ? "" : " |" + b;
    }

    /** The output cache's size in bytes for {@code --emit latest-per-commit}, or 0 for {@code --emit changes}. */
    private long emitCache() {
        return switch (emit) {
            case "changes" -> 0;
            case "latest-per-commit" -> emitCacheBytes;
            default -> throw new CommandLine.ParameterException(spec.commandLine(), "--emit takes changes or latest-per-commit, not '"
                + emit + "'");
        };
    }

    /** The built-in's options, by name without dashes. */
    Map<String, String> builtinOptions() {
        Map<String, String> m = new LinkedHashMap<>();
        put(m, "where", where);
        put(m, "select", select);
        put(m, "by", by);
        put(m, "field", field);
        put(m, "agg", agg);
        put(m, "window", window);
        put(m, "size", size);
        put(m, "advance", advance);
        put(m, "session-gap", sessionGap);
        put(m, "n", n);
        put(m, "left", left);
        put(m, "right", right);
        put(m, "within", within);
        put(m, "table", table ? "true" : null);
        put(m, "join", joinKind);
        put(m, "lateness", lateness);
        put(m, "out-of-order", outOfOrder);
        put(m, "idle-timeout", idleTimeout);
        put(m, "time", time);
        put(m, "mode", mode);
        put(m, "zone", zone);
        return m;
    }

    /** The options that choose the processor, for group.json. */
    private Map<String, String> spec() {
        Map<String, String> m = new LinkedHashMap<>();
        put(m, "processor", processor);
        m.putAll(builtinOptions());
        put(m, "class", className);
        put(m, "jar", jar == null ? null : jar.toAbsolutePath().toString());
        options.forEach((k, v) -> m.put("option." + k, v));
        m.put("inputs", String.join(",", inputs));
        put(m, "from", from);
        put(m, "output", output);
        return m;
    }

    private static void put(Map<String, String> m, String key, String value) {
        if (value != null) {
            m.put(key, value);
        }
    }

    /** The group when --group is not given; {@code run} requires it. */
    String defaultGroup() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing required option: '--group=G'");
    }

    /**
     * The physical topics of this run's names: a promoted name means its current version for a group that has not
     * started yet. A group with checkpoints keeps the topics it has been using (its offsets belong to its inputs, its
     * outputs hold what it wrote); to switch, use a new group.
     */
    private void resolveTopics(EventLog log, PrintWriter err) {
        List<TaskCheckpoint> checkpoints = Groups.checkpoints(log.dataDir(), group);
        Set<String> readBefore = new HashSet<>();
        checkpoints.forEach(c -> c.inputs().forEach(in -> readBefore.add(in.topic())));
        Set<String> wroteBefore = new HashSet<>();
        JsonNode info = Groups.info(log.dataDir(), group);
        if (info != null) {
            info.path("outputs").forEach(o -> wroteBefore.add(o.asText()));
        }
        boolean started = !checkpoints.isEmpty();
        List<String> resolved = new ArrayList<>();
        for (String in : inputs) {
            resolved.add(physical(log, in, "input", "reads", started, readBefore, err));
        }
        inputs = resolved;
        if (output != null) {
            output = physical(log, output, "output", "writes", started, wroteBefore, err);
            if (inputs.contains(output)) {
                throw new IllegalArgumentException("--output " + output + " is also an input: a processor must not read its own output");
            }
        }
    }

    private String physical(EventLog log, String name, String role, String verb, boolean started, Set<String> before, PrintWriter err) {
        String physical = log.resolve(name);
        if (physical.equals(name) || started && before.contains(physical)) {
            return physical;
        }
        if (started) {
            err.printf("kappa: %s now %s as %s, but group %s keeps its %s %s (its checkpoint); use a new group to switch%n", name, verb,
                physical, group, role, name);
            return name;
        }
        err.printf("kappa: %s %s %s as %s (promoted)%n", role, name, verb, physical);
        return physical;
    }

    /** Whether the run stops by itself (replay: also with --to), as --drain needs. */
    boolean bounded() {
        return untilCaughtUp;
    }

    /** Options that do not apply on Kafka (replay refuses its own here). */
    void checkKafka() {
    }

    /** {@code run --kafka}: the same topology on Kafka Streams. */
    private int runOnKafka(PrintWriter out, PrintWriter err, BuiltinSpec builtin, String description) throws Exception {
        checkKafka();
        long timeoutMs = Durations.parse(kafkaTimeout, "--kafka-timeout");
        io.kappa.kafka.KafkaTopologies.Start start = switch (from) {
            case "earliest" -> io.kappa.kafka.KafkaTopologies.Start.EARLIEST;
            case "latest" -> io.kappa.kafka.KafkaTopologies.Start.LATEST;
            default -> throw new CommandLine.ParameterException(spec.commandLine(), "with --kafka, --from is earliest or latest (where a"
                + " new group starts); move a group to an offset or a time with `kappa rewind --kafka`");
        };
        Topology topology;
        try (io.kappa.kafka.KafkaGroups groups = new io.kappa.kafka.KafkaGroups(kafka, timeoutMs)) {
            io.kappa.kafka.KafkaTopicCatalog catalog = groups.catalog();
            for (String in : inputs) {
                catalog.partitionCount(in); // a clear error for an unknown topic
            }
            List<String> ins = new ArrayList<>(inputs);
            topology = builtin != null ? builtin.topology(catalog, group, ins, output)
                : UserClasses.topology(className, jar, group, ins, output, options);
            // on the cluster, as group.json locally: `kappa rewind --kafka` rebuilds the group's state with it
            com.fasterxml.jackson.databind.node.ObjectNode recorded = io.kappa.processor.Serdes.MAPPER.createObjectNode();
            recorded.put("description", description);
            com.fasterxml.jackson.databind.node.ObjectNode s = recorded.putObject("spec");
            spec().forEach(s::put);
            groups.recordSpec(group, recorded);
        }
        java.nio.file.Path stateDir = data.resolve().resolve("kafka-streams");
        java.nio.file.Files.createDirectories(stateDir);
        // a replay is replaying throughout, as on the local log (ReplayCommand.configure)
        io.kappa.kafka.KafkaRunner runner = new io.kappa.kafka.KafkaRunner(topology, new io.kappa.kafka.KafkaRunner.Options(kafka, group,
            threads, OnError.parse(onError), start, stateDir, timeoutMs, kafkaConfig, this instanceof ReplayCommand));
        Thread hook = new Thread(runner::close, "kappa-run-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        stopOnSignals(runner);
        runner.start();
        long lagAtStart = runner.lagAtStart();
        err.printf("kappa: running group %s (%s) on Kafka %s: %s -> %s, %,d records to catch up%n", group, description, kafka,
            String.join(",", inputs), output == null ? "-" : output, lagAtStart);
        err.flush();
        Progress line = new Progress(err, progress || Progress.stderrIsTerminal(), "processed");
        int code = 0;
        try {
            if (untilCaughtUp) {
                while (!runner.awaitCaughtUp(1000)) {
                    line.update(runner.recordsProcessed(), -1);
                }
            } else {
                while (!runner.awaitStopped(1000)) {
                    line.update(runner.recordsProcessed(), -1);
                }
            }
        } catch (IllegalStateException e) {
            if (runner.failure() == null && !runner.stopRequested()) {
                err.println("kappa: " + e.getMessage());
                code = 1;
            }
        }
        line.finish(runner.recordsProcessed());
        long lag = -1;
        try {
            lag = runner.lag();
        } catch (RuntimeException e) {
            // the cluster went away: reported as unknown
        }
        runner.close();
        Throwable failure = runner.failure();
        if (failure != null) {
            err.println("kappa: group " + group + " stopped: " + Kappa.oneLine(failure));
            code = 1;
        }
        out.printf("group %s on Kafka: %,d records processed by this process, lag %s%n", group, runner.recordsProcessed(),
            lag < 0 ? "unknown" : String.format("%,d", lag));
        out.flush();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // shutting down
        }
        return code;
    }

    /**
     * A group's checkpoints, state and output belong to the processor it ran: running it with another (other options,
     * inputs or output) is refused unless --force, which warns. Where it starts ({@code --from}) is not compared: it
     * only applies to a group without checkpoints.
     */
    private void checkRecordedSpec(PrintWriter err) {
        JsonNode info = Groups.info(data.resolve(), group);
        if (info == null || !info.path("spec").isObject()) {
            return;
        }
        Map<String, String> recorded = new java.util.TreeMap<>();
        info.path("spec").fields().forEachRemaining(e -> recorded.put(e.getKey(), e.getValue().asText()));
        Map<String, String> now = new java.util.TreeMap<>(spec());
        recorded.remove("from");
        now.remove("from");
        if (recorded.equals(now)) {
            return;
        }
        List<String> changes = new ArrayList<>();
        Set<String> keys = new java.util.TreeSet<>(recorded.keySet());
        keys.addAll(now.keySet());
        for (String k : keys) {
            String was = recorded.get(k);
            String is = now.get(k);
            if (!java.util.Objects.equals(was, is)) {
                changes.add(k + " " + (was == null ? "(none)" : was) + " -> " + (is == null ? "(none)" : is));
            }
        }
        String message = "group " + group + " was run as `" + info.path("description").asText() + "`; this run changes "
            + String.join(", ", changes);
        if (!force) {
            throw new CommandFailure(message + ": its checkpoints, state and output belong to the recorded processor. Use a new --group"
                + " (or `kappa replay`), or add --force to go on from its checkpoints with the new one");
        }
        err.println("kappa: warning: " + message + " (--force: going on from its checkpoints)");
    }

    /** More settings for the runner (replay adds its own). */
    void configure(RunnerContext context, EventLog log) {
    }

    /** A position resolved in every partition of every input. */
    Map<String, long[]> offsets(EventLog log, Position position) {
        Map<String, long[]> m = new LinkedHashMap<>();
        for (String in : inputs) {
            io.kappa.log.Topic t = log.topic(in);
            long[] a = new long[t.partitionCount()];
            for (int p = 0; p < a.length; p++) {
                a[p] = position.resolve(t.partition(p));
            }
            m.put(in, a);
        }
        return m;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (group == null) {
            group = defaultGroup();
        }
        Groups.validateName(group);
        if ("join".equals(processor)) {
            if (left == null || right == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "join needs --left and --right");
            }
            if (inputs != null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "join takes --left and --right, not --input");
            }
            inputs = List.of(left, right);
        } else if (left != null || right != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--left and --right are for join only");
        }
        if (inputs == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Missing required option: '--input=TOPIC'");
        }
        for (String in : inputs) {
            TopicNames.validate(in);
        }
        if (processor == null && className == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give a PROCESSOR (" + String.join(", ", BuiltinSpec.NAMES)
                + ") or --class");
        }
        if (processor != null && className != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give either a PROCESSOR or --class, not both");
        }
        if (output == null && className == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "missing --output");
        }
        if (jar != null && className == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--jar needs --class");
        }
        if (output != null) {
            TopicNames.validate(output);
            if (inputs.contains(output)) {
                throw new IllegalArgumentException("--output " + output + " is also an input: a processor must not read its own output");
            }
        }
        Position start = Position.parse(from);
        if (drain && kafka != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--drain is for the local log; it does not run on --kafka");
        }
        if (drain && !bounded()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--drain ends a bounded run: add --until-caught-up"
                + (this instanceof ReplayCommand ? " or --to POSITION" : ""));
        }
        BuiltinSpec builtin = processor == null ? null : new BuiltinSpec(processor, builtinOptions());
        String description = builtin != null ? builtin.describe() : "--class " + className;
        long cacheBytes = emitCache();
        if (kafka != null) {
            if (cacheBytes > 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--emit latest-per-commit is for the local log; it does not "
                    + "run on --kafka");
            }
            return runOnKafka(out, err, builtin, description);
        }
        checkRecordedSpec(err);
        RunnerContext context = new RunnerContext().group(group).threads(threads).onError(OnError.parse(onError))
            .checkpointIntervalMs(Durations.parse(checkpointInterval, "--checkpoint-interval")).checkpointRecords(checkpointRecords)
            .snapshotRecords(snapshotRecords).snapshotIntervalMs(Durations.parse(snapshotInterval, "--snapshot-every"))
            .snapshotsKept(snapshotsKept).description(description).spec(spec()).drain(drain).emitCacheBytes(cacheBytes);
        EventLog log = data.openExisting();
        ProcessorRunner runner;
        try {
            resolveTopics(log, err);
            for (String in : inputs) {
                log.topic(in);
            }
            context.startAt(offsets(log, start));
            configure(context, log);
            List<String> ins = new ArrayList<>(inputs);
            Topology topology = builtin != null ? builtin.topology(log, group, ins, output)
                : UserClasses.topology(className, jar, group, ins, output, options);
            runner = new ProcessorRunner(log, topology, context);
        } catch (RuntimeException e) {
            log.close();
            throw e;
        }
        // before start: group.json names this process as soon as start writes it, and a SIGTERM from then on (kappa ui's
        // stop, a supervisor) must stop the run cleanly (exit 0), not end the JVM with 143
        Signals.Stop stop = stopOnSignals(runner);
        try {
            runner.start();
        } catch (RuntimeException e) {
            log.close();
            if (stop.requested()) {
                err.println("kappa: stopped by SIG" + stop.signal() + " before group " + group + " started; nothing was processed");
                return 0;
            }
            throw e;
        }
        Thread hook = new Thread(() -> {
            runner.close();
            log.close();
        }, "kappa-run-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        long lagAtStart = runner.lag();
        err.printf("kappa: running group %s (%s) on %s -> %s, %,d records to catch up%n", group, description, String.join(",", inputs),
            output == null ? "-" : output, lagAtStart);
        err.flush();
        Progress line = new Progress(err, progress || Progress.stderrIsTerminal(), "processed").detail(() -> partitions(runner));
        long base = runner.recordsProcessed();
        int code = 0;
        boolean drained = false;
        if (untilCaughtUp) {
            Thread watcher = line.follow(runner, base, lagAtStart);
            try {
                while (!(drain ? runner.awaitDrained(60_000) : runner.awaitCaughtUp(60_000))) {
                    // keep waiting: a big history takes a while
                }
                drained = drain;
            } catch (ProcessorRunner.RunnerFailedException | IllegalStateException e) {
                // reported below from runner.failure()
            }
            runner.close();
            watcher.interrupt();
            line.finish(runner.recordsProcessed() - base);
        } else {
            while (!runner.awaitStopped(1000)) {
                line.update(runner.recordsProcessed() - base, -1);
            }
        }
        runner.close();
        Throwable failure = runner.failure();
        if (failure != null) {
            err.println("kappa: group " + group + " stopped: " + Kappa.oneLine(failure));
            code = 1;
        }
        out.printf("group %s: %,d records processed, %,d in %s.dlq and %,d in %s.late in total, lag %,d%s%n", group,
            runner.recordsProcessed() - base, runner.deadLettered(), group, runner.late(), group, runner.lag(),
            drained ? ", drained (every window written)" : "");
        out.flush();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
            log.close();
        } catch (IllegalStateException e) {
            // shutting down: the hook closes the log
        }
        return code;
    }
}
