package io.kappa.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import io.kappa.log.EventLog;
import io.kappa.log.Position;
import io.kappa.processor.Groups;
import io.kappa.processor.UserClasses;
import io.kappa.replay.GoldenRun;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code kappa golden record | check}: a group's processor checked against a frozen slice of input and its expected output. */
@Command(name = "golden", mixinStandardHelpOptions = true,
    description = {"Golden runs: freeze a slice of a group's input, its processor spec and the output that processor gives over",
        "it in a directory of text files for a repository (record), and check the current code against it without a running",
        "system (check)."},
    subcommands = {GoldenCommand.RecordRun.class, GoldenCommand.CheckRun.class})
final class GoldenCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: record or check");
    }

    /** The version kappa prints, for the manifest. */
    static String version() {
        return Kappa.Root.class.getAnnotation(Command.class).version()[0];
    }

    @Command(name = "record", mixinStandardHelpOptions = true,
        description = {"Record a golden run of --group G into --out DIR: every partition of its inputs from --from to --to",
            "(input/TOPIC-P.jsonl), the processor spec from its group.json and the partition counts (manifest.json), and the",
            "output that processor gives when the slice is replayed from empty state in a scratch log (expected/TOPIC-P.jsonl,",
            "with G.late and G.dlq). The group's own output topics are not copied."})
    static final class RecordRun implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        DataDirOptions data;
        @Option(names = "--group", required = true, paramLabel = "G", description = "The group whose processor and inputs to record.")
        String group;
        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where to write the golden run: a new or empty directory.")
        Path out;
        @Option(names = "--from", defaultValue = "earliest", paramLabel = "POSITION",
            description = "Start of the slice in each input partition: earliest, an offset, -N, or an append time (default: ${DEFAULT-VALUE}).")
        String from;
        @Option(names = "--to", defaultValue = "latest", paramLabel = "POSITION",
            description = "End of the slice (excluded), as --from (default: ${DEFAULT-VALUE}).")
        String to;
        @Option(names = "--drain", description = {"At the end of the slice, close every window and fire every timer (as run --drain), so",
            "the expected output holds the last windows too."})
        boolean drain;
        @Option(names = "--force", description = "Replace the golden run in a DIR that is not empty.")
        boolean force;
        @Option(names = "--progress", description = "Show progress on stderr even when it is not a terminal.")
        boolean progress;

        @Override
        public Integer call() throws Exception {
            PrintWriter err = spec.commandLine().getErr();
            Groups.validateName(group);
            Position start = Position.parse(from);
            Position end = Position.parse(to);
            if (!Groups.exists(data.resolve(), group)) {
                throw Names.unknownGroup(group, data.resolve());
            }
            try (EventLog log = data.openExisting()) {
                GoldenRun.Result r = GoldenRun.record(log, group, start, end, drain, out, force, version(),
                    new Watch(err, progress || Progress.stderrIsTerminal()));
                spec.commandLine().getOut().printf("recorded golden run of group %s in %s: %,d input records, %,d expected output records%n",
                    group, out, r.inputRecords(), r.expectedRecords());
                return 0;
            }
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Replay a golden run's input through the current code (its recorded processor, or --class from --jar) in a",
            "scratch log and compare every output partition record by record (key, value, event time) with the expected output.",
            "Exit 0 when equal; 1 with the first divergent output of each partition and a count when not (or when a file of",
            "DIR is missing, changed or malformed); 2 for a usage error. --update rewrites the expected output instead."})
    static final class CheckRun implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "DIR", description = "The golden run (made by `kappa golden record`).")
        Path dir;
        @Option(names = "--class", paramLabel = "CLASS", description = "Check this user Processor or TopologyFactory instead of the recorded one.")
        String className;
        @Option(names = "--jar", paramLabel = "JAR", description = "Where --class is (the recorded jar when --class is not given).")
        Path jar;
        @Option(names = {"-o", "--option"}, paramLabel = "KEY=VALUE", description = "Options passed to a TopologyFactory (replace the recorded ones).")
        Map<String, String> options = new LinkedHashMap<>();
        @Option(names = "--update", description = "Rewrite the expected output with what the processor gives now (review the diff).")
        boolean update;
        @Option(names = "--progress", description = "Show progress on stderr even when it is not a terminal.")
        boolean progress;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            GoldenRun.Processors processors = processors();
            GoldenRun.Result r = GoldenRun.check(dir, processors, update, new Watch(err, progress || Progress.stderrIsTerminal()));
            if (r.updated()) {
                out.printf("updated the expected output of %s: %,d records over %,d input records%n", dir, r.expectedRecords(),
                    r.inputRecords());
                return 0;
            }
            if (r.equal()) {
                out.printf("equal: %,d input records of group %s give the %,d expected output records%n", r.inputRecords(), r.group(),
                    r.expectedRecords());
                return 0;
            }
            for (GoldenRun.Divergence d : r.divergences()) {
                GoldenRun.Output made = d.actual() != null ? d.actual() : d.expected();
                out.printf("%s/%d: DIVERGES at output %,d (%s line %,d), from %s/%d offset %,d (stage %s):%n  expected: %s%n  actual:   %s%n",
                    d.topic(), d.partition(), d.index(), d.file(), d.index() + 1, made.input(), made.task(), made.inputOffset(),
                    made.stage(), show(d.expected()), show(d.actual()));
            }
            out.printf("different: %,d of %,d expected output records differ or are missing or extra, in %,d partition(s); the "
                + "processor gave %,d%n", r.differing(), r.expectedRecords(), r.divergences().size(), r.actualRecords());
            out.flush();
            return 1;
        }

        /** The recorded processor, or a user class (the recorded one, from another jar, or another) with its options. */
        private GoldenRun.Processors processors() {
            if (className == null && jar == null && options.isEmpty()) {
                return io.kappa.replay.GroupSpecs::topology;
            }
            Map<String, String> recorded = GoldenRun.spec(dir);
            if (className == null && !recorded.containsKey("class")) {
                throw new CommandLine.ParameterException(spec.commandLine(), "the golden run's processor is the built-in "
                    + recorded.get("processor") + ": --jar and --option go with --class");
            }
            return (log, group, s) -> {
                String cls = className != null ? className : s.get("class");
                Map<String, String> opts = options.isEmpty() ? io.kappa.replay.GroupSpecs.userOptions(s) : options;
                Path from = jar != null ? jar : className == null && s.get("jar") != null ? Path.of(s.get("jar")) : null;
                return UserClasses.topology(cls, from, group, io.kappa.replay.GroupSpecs.inputs(s), s.get("output"), opts);
            };
        }

        private static String show(GoldenRun.Output o) {
            return o == null ? "(nothing)" : o.describe();
        }
    }

    /** Notes as lines on stderr; loading and processing as a progress line when stderr is a terminal or with --progress. */
    private static final class Watch implements GoldenRun.Watcher {
        private final PrintWriter err;
        private final boolean enabled;
        private Progress line;
        private Thread follower;
        private io.kappa.processor.ProcessorRunner runner;
        private long loaded;

        Watch(PrintWriter err, boolean enabled) {
            this.err = err;
            this.enabled = enabled;
        }

        @Override
        public void note(String text) {
            end();
            err.println("kappa: " + text);
            err.flush();
        }

        @Override
        public void loaded(long records, long total) {
            if (line == null) {
                line = new Progress(err, enabled, "loaded");
            }
            loaded = records;
            line.update(records, total == 0 ? -1 : records / (double) total);
        }

        @Override
        public void running(io.kappa.processor.ProcessorRunner runner, long total) {
            end();
            this.runner = runner;
            line = new Progress(err, enabled, "processed");
            follower = line.follow(runner, 0, total);
        }

        /** Ends the progress line shown, if any, with its last count, before a note. */
        private void end() {
            if (follower != null) {
                follower.interrupt();
                follower = null;
            }
            if (line != null) {
                line.finish(runner != null ? runner.recordsProcessed() : loaded);
            }
            line = null;
            runner = null;
        }
    }
}
