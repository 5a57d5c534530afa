package io.kappa.cli;

import java.util.Map;

import io.kappa.log.TopicConfig;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The valid range of each numeric option, checked after parsing and before any command runs: a value out of
 * range is a usage error (exit 2) naming the option and its range ({@code --batch must be in 1..1000000, was
 * -1}), never whatever the code that uses it would throw ({@code Illegal Capacity: -1}). An option means the
 * same thing in every command that has it, so one table serves them all.
 */
public final class OptionRanges {
    /** An inclusive range of an integral option. */
    public record Range(long min, long max) {
    }

    /** The ranges of kappa's numeric options, by long name. */
    public static final Map<String, Range> KAPPA = Map.ofEntries(
        Map.entry("--batch", new Range(1, 1_000_000)),
        Map.entry("--threads", new Range(1, 1024)),
        Map.entry("--checkpoint-records", new Range(1, Long.MAX_VALUE)),
        Map.entry("--emit-cache-bytes", new Range(1, Long.MAX_VALUE)),
        Map.entry("--snapshot-every-records", new Range(1, Long.MAX_VALUE)),
        Map.entry("--snapshots-keep", new Range(0, 1000)),
        Map.entry("--block", new Range(1, Long.MAX_VALUE)),
        Map.entry("--max-rate", new Range(0, Long.MAX_VALUE)),
        Map.entry("--events", new Range(1, Integer.MAX_VALUE)),
        Map.entry("--partitions", new Range(1, TopicConfig.MAX_PARTITIONS)),
        Map.entry("--partition", new Range(0, Long.MAX_VALUE)), // a Kafka topic may have more than a local one
        Map.entry("--limit", new Range(0, Long.MAX_VALUE)),
        Map.entry("--port", new Range(0, 65_535)),
        Map.entry("--max-connections", new Range(1, Long.MAX_VALUE)),
        Map.entry("--max-frame-bytes", new Range(64, Integer.MAX_VALUE)),
        Map.entry("--stall-timeout-ms", new Range(1, Long.MAX_VALUE)),
        Map.entry("--idle-timeout-ms", new Range(1, Long.MAX_VALUE)),
        Map.entry("--fsync-interval-ms", new Range(1, Long.MAX_VALUE)),
        Map.entry("--max-record-bytes", new Range(1, io.kappa.log.LogContext.MAX_RECORD_BYTES_LIMIT)));

    private OptionRanges() {
    }

    /** Runs {@code next} once every numeric option given on the command line is within {@code ranges}. */
    public static CommandLine.IExecutionStrategy checking(Map<String, Range> ranges, CommandLine.IExecutionStrategy next) {
        return parseResult -> {
            for (ParseResult pr = parseResult; pr != null; pr = pr.subcommand()) {
                for (OptionSpec option : pr.matchedOptions()) {
                    Range range = ranges.get(option.longestName());
                    if (range != null && option.getValue() instanceof Number n) {
                        long v = n.longValue();
                        if (v < range.min() || v > range.max()) {
                            throw new CommandLine.ParameterException(pr.commandSpec().commandLine(),
                                option.longestName() + (range.max() == Long.MAX_VALUE ? " must be at least " + range.min()
                                    : " must be in " + range.min() + ".." + range.max()) + ", was " + v);
                        }
                    }
                }
            }
            return next.execute(parseResult);
        };
    }
}
