package io.kappa.cli;

import java.io.PrintWriter;

import io.kappa.log.LogException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code kappa} command: picocli wiring only; the work lives in the library modules. */
@Command(name = "kappa", mixinStandardHelpOptions = true, version = "kappa 0.1.0",
    description = "An append-only, partitioned event log and stream processor.",
    subcommands = {TopicCommand.class, AppendCommand.class, ReadCommand.class, ServeCommand.class, RunCommand.class, MirrorCommand.class, StatusCommand.class, RewindCommand.class, ReplayCommand.class, DiffCommand.class, PromoteCommand.class, UiCommand.class, DemoCommand.class, CommandLine.HelpCommand.class})
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
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("kappa: " + oneLine(e));
            return 1;
        });
        return cl.execute(args);
    }

    static String oneLine(Throwable e) {
        if (e instanceof LogException || e instanceof IllegalArgumentException
            || (e.getClass().getName().startsWith("io.kappa.") && e.getMessage() != null)) {
            return e.getMessage();
        }
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
