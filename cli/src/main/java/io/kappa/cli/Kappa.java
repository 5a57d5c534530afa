package io.kappa.cli;

import java.io.PrintWriter;

import io.kappa.log.LogException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code kappa} command: picocli wiring only; the work lives in the library modules. */
@Command(name = "kappa", mixinStandardHelpOptions = true, version = "kappa 0.1.0",
    description = "An append-only, partitioned event log and stream processor.",
    subcommands = {TopicCommand.class, AppendCommand.class, ReadCommand.class, ServeCommand.class, RunCommand.class, MirrorCommand.class, StatusCommand.class, RewindCommand.class, ReplayCommand.class, DiffCommand.class, PromoteCommand.class, DemoCommand.class, CommandLine.HelpCommand.class})
public final class Kappa implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line and returns the exit code: 0 on success, 1 on a failure, 2 on a usage error. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Kappa());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionStrategy(OptionRanges.checking(OptionRanges.KAPPA, new CommandLine.RunLast()));
        cl.setParameterExceptionHandler(Kappa::usageError);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof IllegalArgumentException || e instanceof LogException.InvalidTopicName) {
                commandLine.getErr().println("kappa: " + e.getMessage() + seeHelp(commandLine));
                return 2;
            }
            commandLine.getErr().println("kappa: " + oneLine(e) + suggestion(e, commandLine));
            return 1;
        });
        return cl.execute(args);
    }

    /** A usage error in one line (no usage dump): the reason, picocli's suggestions if any, and where help is. */
    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        String hint = "";
        if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            hint = "; did you mean '" + String.join("' or '", u.getSuggestions()) + "'?";
        }
        String message = e.getMessage();
        if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()
            && !u.getUnmatched().get(0).startsWith("-") && !cl.getSubcommands().isEmpty()) {
            message = "unknown command '" + u.getUnmatched().get(0) + "'";
        }
        if (message != null && message.endsWith(".")) {
            message = message.substring(0, message.length() - 1);
        }
        cl.getErr().println("kappa: " + message + hint + seeHelp(cl));
        cl.getErr().flush();
        return 2;
    }

    /** "; see `kappa read --help`" for the command that was given. */
    static String seeHelp(CommandLine commandLine) {
        return "; see `" + commandLine.getCommandSpec().qualifiedName() + " --help`";
    }

    /** The nearest existing topic to an unknown one, from the command's data directory, if one is near. */
    private static String suggestion(Throwable e, CommandLine commandLine) {
        if (e instanceof LogException.UnknownTopic unknown) {
            DataDirOptions data = DataDirOptions.of(commandLine);
            return data == null ? "" : Names.didYouMean(unknown.topic(), Names.topics(data.resolve()));
        }
        return "";
    }

    static String oneLine(Throwable e) {
        if (e instanceof LogException || e instanceof IllegalArgumentException || e instanceof CommandFailure
            || (e.getClass().getName().startsWith("io.kappa.") && e.getMessage() != null)) {
            return e.getMessage();
        }
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
