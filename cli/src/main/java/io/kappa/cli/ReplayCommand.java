package io.kappa.cli;

import java.util.Map;

import io.kappa.log.EventLog;
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
