package io.kappa.cli;

import java.nio.file.Files;
import java.nio.file.Path;

import io.kappa.log.EventLog;
import io.kappa.log.LogContext;
import io.kappa.log.ReadOnlyProcess;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Where a command's data is. The first of: this command's {@code --data-dir}, the global one ({@code kappa --data-dir
 * X topic list}), the data directory of the profile named by {@code --profile}, {@code $KAPPA_DATA_DIR}, the data
 * directory of the config file's default profile ({@link Settings}), {@code ./kappa-data}.
 */
final class DataDirOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--data-dir", paramLabel = "DIR",
        description = "Data directory (default: kappa --data-dir, the --profile's, $KAPPA_DATA_DIR, the config file's default profile's, "
            + "else ./kappa-data).")
    Path dataDir;

    /** The data options of the command {@code commandLine} runs, or null if it has none. */
    static DataDirOptions of(CommandLine commandLine) {
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
        Kappa.Root root = root();
        if (root != null && root.dataDir != null) {
            return root.dataDir;
        }
        String profile = root == null ? null : root.profile;
        if (profile != null) {
            Settings settings = Settings.load();
            return settings.profile(profile).dataDir().orElseThrow(() -> new IllegalArgumentException("profile '" + profile + "' in "
                + settings.file() + " names no dataDir"));
        }
        String env = System.getenv("KAPPA_DATA_DIR");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Settings.load().defaultProfile().flatMap(Settings.Profile::dataDir).orElse(Path.of("kappa-data"));
    }

    private Kappa.Root root() {
        if (command == null) {
            return null;
        }
        CommandSpec c = command;
        while (c.parent() != null) {
            c = c.parent();
        }
        return c.userObject() instanceof Kappa.Root k ? k : null;
    }

    private WriteOptions write() {
        if (command != null) {
            for (CommandSpec mixin : command.mixins().values()) {
                if (mixin.userObject() instanceof WriteOptions w) {
                    return w;
                }
            }
        }
        return null;
    }

    LogContext context() {
        LogContext context = new LogContext().dataDir(resolve()).holder(holder());
        WriteOptions write = write();
        return write == null ? context : write.applyTo(context);
    }

    /** This process as a refused {@code topic delete} names it: "kappa serve", "kappa run --group g". */
    private String holder() {
        if (command == null) {
            return "kappa";
        }
        OptionSpec group = command.findOption("--group");
        return command.qualifiedName() + (group != null && group.getValue() != null ? " --group " + group.getValue() : "");
    }

    /** Opens the data directory, creating it if needed: for commands that write. */
    EventLog open() {
        return EventLog.open(context());
    }

    /** Whether the data directory holds kappa data (a read-only command then creates nothing where it does not). */
    boolean exists() {
        return Files.isDirectory(resolve().resolve("topics"));
    }

    /** Opens an existing data directory; where there is none, fails saying so rather than creating one. */
    EventLog openExisting() {
        if (!exists()) {
            throw new CommandFailure(noData());
        }
        return open();
    }

    /**
     * {@link #openExisting()} for a command that only reads: no pretouch thread, and where the command is the whole
     * process ({@code kappa} run from the shell) the process is declared read-only, which spares Chronicle's native
     * binding at start-up ({@link ReadOnlyProcess}).
     */
    EventLog openForReading() {
        if (!exists()) {
            throw new CommandFailure(noData());
        }
        if (Kappa.ownsProcess()) {
            ReadOnlyProcess.declare();
        }
        return EventLog.open(context().pretouch(false));
    }

    String noData() {
        return "no kappa data in " + resolve() + " (nothing has been written there; `kappa topic create NAME` starts a data directory;"
            + " --data-dir, $KAPPA_DATA_DIR or a --profile choose another)";
    }
}
