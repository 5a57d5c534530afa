package io.kappa.cli;

import java.nio.file.Path;

import io.kappa.log.EventLog;
import io.kappa.log.FsyncPolicy;
import io.kappa.log.LogContext;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The options every command that touches data shares: where the data is, and how appends are synced. */
final class DataDirOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--data-dir", paramLabel = "DIR",
        description = "Data directory (default: $KAPPA_DATA_DIR, else ./kappa-data).")
    Path dataDir;

    @Option(names = "--fsync", paramLabel = "POLICY", defaultValue = "none",
        description = "When appends are forced to disk: none, interval or always (default: ${DEFAULT-VALUE}); see docs/durability.md.")
    String fsync;

    @Option(names = "--fsync-interval-ms", paramLabel = "MS", defaultValue = "1000",
        description = "Sync interval for --fsync interval (default: ${DEFAULT-VALUE}).")
    long fsyncIntervalMs;

    @Option(names = "--max-record-bytes", paramLabel = "BYTES", defaultValue = "1048576",
        description = "Largest key + id + value accepted (default: ${DEFAULT-VALUE}).")
    int maxRecordBytes;

    /** The data options of the command {@code commandLine} runs, or null if it has none. */
    static DataDirOptions of(picocli.CommandLine commandLine) {
        for (CommandSpec mixin : commandLine.getCommandSpec().mixins().values()) {
            if (mixin.userObject() instanceof DataDirOptions d) {
                return d;
            }
        }
        return null;
    }

    Path resolve() {
        if (dataDir != null) {
            return dataDir;
        }
        String env = System.getenv("KAPPA_DATA_DIR");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of("kappa-data");
    }

    LogContext context() {
        return new LogContext().dataDir(resolve()).fsyncPolicy(FsyncPolicy.parse(fsync)).fsyncIntervalMs(fsyncIntervalMs)
            .maxRecordBytes(maxRecordBytes).holder(holder());
    }

    /** This process as a refused {@code topic delete} names it: "kappa serve", "kappa run --group g". */
    private String holder() {
        if (command == null) {
            return "kappa";
        }
        OptionSpec group = command.findOption("--group");
        return command.qualifiedName() + (group != null && group.getValue() != null ? " --group " + group.getValue() : "");
    }

    EventLog open() {
        return EventLog.open(context());
    }
}
