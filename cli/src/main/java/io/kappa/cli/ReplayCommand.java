package io.kappa.cli;

import java.util.Map;

import io.kappa.log.EventLog;
import io.kappa.log.Position;
import io.kappa.processor.RunnerContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kappa replay}: a processor over a range of history into a new output, under its own group, with exactly
 * the runner {@code kappa run} uses; then it follows live events unless told to stop.
 */
@Command(name = "replay", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Run a processor (built-in or --class) over history into a new output topic (e.g. counts.v2) under its own",
        "group (default: the output's name), with the same runner as `kappa run`, while the live group keeps running.",
        "--from/--to bound the range (--to stops there), --max-rate throttles; once caught up it follows live events",
        "unless --until-caught-up or --to. Processors see isReplaying() = true."})
final class ReplayCommand extends RunCommand {
    @Option(names = "--to", paramLabel = "POSITION", description = "Stop before this position in each input partition.")
    String to;
    @Option(names = "--max-rate", defaultValue = "0", paramLabel = "EVENTS_PER_S",
        description = "At most this many events per second (default: no limit).")
    long maxRate;
    @Option(names = "--verify", description = {"Replay --group G's processor (or the PROCESSOR given) over what G has processed, "
        + "beside it, and compare",
        "with G's recorded output record by record and with its checkpointed state; report per input partition the first",
        "offset where they diverge. Exit 0 when equal, 1 when not."})
    boolean verify;
    @Option(names = "--block", defaultValue = "10000", paramLabel = "N",
        description = "--verify: offsets per block in the report (default: ${DEFAULT-VALUE}).")
    long block;

    @Override
    public Integer call() throws Exception {
        if (!verify || kafka != null) {
            return super.call();
        }
        java.io.PrintWriter out = spec.commandLine().getOut();
        java.io.PrintWriter err = spec.commandLine().getErr();
        if (group == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--verify needs --group (the group to verify)");
        }
        if (to != null || maxRate > 0 || !"earliest".equals(from) || drain) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--verify replays the group's whole history: it takes no "
                + "--from, --to, --max-rate or --drain");
        }
        if (!io.kappa.processor.Groups.exists(data.resolve(), group)) {
            throw Names.unknownGroup(group, data.resolve());
        }
        try (EventLog log = data.open()) {
            Map<String, String> groupSpec = io.kappa.replay.GroupSpecs.spec(log.dataDir(), group);
            io.kappa.processor.Topology topology;
            String what;
            if (processor == null && className == null) {
                topology = io.kappa.replay.GroupSpecs.topology(log, group, groupSpec);
                what = "its own processor";
            } else {
                java.util.List<String> ins = inputs != null ? inputs
                    : java.util.Arrays.asList(groupSpec.getOrDefault("inputs", "").split(","));
                String out0 = output != null ? output : groupSpec.get("output");
                topology = processor != null ? new io.kappa.processor.builtin.BuiltinSpec(processor, builtinOptions())
                    .topology(log, group, ins, out0)
                    : io.kappa.processor.UserClasses.topology(className, jar, group, ins, out0, options);
                what = processor != null ? processor : className;
            }
            long total = 0;
            for (io.kappa.processor.TaskCheckpoint c : io.kappa.processor.Groups.checkpoints(log.dataDir(), group)) {
                for (io.kappa.processor.TaskCheckpoint.Input in : c.inputs()) {
                    total += in.nextOffset();
                }
            }
            err.printf("kappa: verifying group %s with %s: replaying %,d records beside it%n", group, what, total);
            err.flush();
            long all = total;
            Progress line = new Progress(err, progress || Progress.stderrIsTerminal(), "replayed");
            io.kappa.replay.VerifyTool.Result r = io.kappa.replay.VerifyTool.verify(log, group, groupSpec, topology, block,
                runner -> line.follow(runner, 0, all));
            line.finish(r.records());
            for (io.kappa.replay.VerifyTool.PartitionReport p : r.partitions()) {
                io.kappa.replay.VerifyTool.Divergence d = null;
                for (io.kappa.replay.VerifyTool.Divergence x : r.divergences()) {
                    if (x.stage().equals(p.stage()) && x.task() == p.task() && x.inputTopic().equals(p.inputTopic())) {
                        d = x;
                    }
                }
                if (d == null) {
                    out.printf("%s/%d (stage %s): equal through offset %,d: %,d outputs in %,d blocks of %,d offsets, hash %016x%n",
                        p.inputTopic(), p.task(), p.stage(), p.endOffset() - 1, p.outputs(), p.blocks(), r.blockSize(), p.hash());
                } else {
                    out.printf("%s/%d (stage %s): DIVERGES at offset %,d (block %,d; outputs equal through offset %,d), output %s/%d:%n"
                        + "  recorded: %s%n  replayed: %s%n", p.inputTopic(), p.task(), p.stage(), d.inputOffset(),
                        d.inputOffset() / r.blockSize(), d.lastEqualOffset(), d.outputTopic(), d.outputPartition(), d.recorded(),
                        d.replayed());
                }
            }
            for (String s : r.stateDifferences()) {
                out.println("state differs: " + s);
            }
            out.println(r.equal() ? "equal: the replay reproduces the recorded output and state"
                : "different: " + r.divergences().size() + " partition(s) diverge, " + r.stateDifferences().size()
                    + " task state(s) differ");
            out.flush();
            return r.equal() ? 0 : 1;
        }
    }

    @Override
    void checkKafka() {
        if (verify || to != null || maxRate > 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "with --kafka, replay runs the processor from --from under a"
                + " fresh application id (the group, default: the output's name); --verify, --to and --max-rate are for the local log");
        }
    }

    @Override
    boolean bounded() {
        return to != null || super.bounded();
    }

    @Override
    String defaultGroup() {
        if (output == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give --output (or --group)");
        }
        return output;
    }

    @Override
    void configure(RunnerContext context, EventLog log) {
        context.replay(true).maxRatePerSecond(maxRate);
        if (maxRate > 0) {
            // batches of at most ~20 ms at that rate, so the limit holds from the first batch on
            context.batch((int) Math.max(1, Math.min(RunnerContext.DEFAULT_BATCH, maxRate / 50)));
        }
        if (to != null) {
            Map<String, long[]> from = offsets(log, Position.parse(this.from));
            Map<String, long[]> stop = offsets(log, Position.parse(to));
            for (Map.Entry<String, long[]> e : stop.entrySet()) {
                long[] f = from.get(e.getKey());
                for (int p = 0; p < f.length; p++) {
                    if (f[p] > e.getValue()[p]) {
                        throw new IllegalArgumentException("--from " + this.from + " is after --to " + to + " in " + e.getKey() + "/" + p
                            + " (offsets " + f[p] + " > " + e.getValue()[p] + ")");
                    }
                }
            }
            context.stopAt(stop);
            untilCaughtUp = true;
        }
    }
}
