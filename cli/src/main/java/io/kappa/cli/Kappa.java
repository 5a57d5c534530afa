package io.kappa.cli;

import java.io.PrintWriter;

import io.kappa.log.LogException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code kappa} command: picocli wiring only; the work lives in the library modules. */
public final class Kappa {
    /**
     * The commands, in the order help lists them. They are added to the command line by {@link #commandLine(String[])}:
     * all of them, or only the one a command line names (picocli reads a command's options from its annotations when it
     * is added: the model of all of them took about 1.5 times as long as that of one; docs/benchmarks.md, start-up).
     */
    static final java.util.List<Class<?>> COMMANDS = java.util.List.of(TopicCommand.class, AppendCommand.class, ReadCommand.class,
        ServeCommand.class, RunCommand.class, MirrorCommand.class, StatusCommand.class, StateCommand.class, RewindCommand.class,
        ReplayCommand.class, DiffCommand.class, PromoteCommand.class, GoldenCommand.class, UiCommand.class, DemoCommand.class, CompletionCommand.class, CommandLine.HelpCommand.class);
    /** Commands that need the others in the model: help lists or describes them, completion covers them all. */
    private static final java.util.Set<Class<?>> NEED_ALL = java.util.Set.of(CompletionCommand.class, CommandLine.HelpCommand.class);

    private Kappa() {
    }

    /**
     * The root command: kappa's own options. A class of its own, apart from {@link Kappa}'s methods, since picocli
     * reflects over every method of a command's class (looking for subcommand methods) when it builds the model, at
     * every start.
     */
    @Command(name = "kappa", mixinStandardHelpOptions = true, version = "kappa 0.1.0",
        description = "An append-only, partitioned event log and stream processor.")
    static final class Root implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Option(names = "--data-dir", paramLabel = "DIR",
            description = "Data directory for the command (a command's own --data-dir wins; default: $KAPPA_DATA_DIR, else ./kappa-data).")
        java.nio.file.Path dataDir;

        @CommandLine.Option(names = "--profile", paramLabel = "NAME",
            description = "A profile of the config file ($XDG_CONFIG_HOME/kappa/config.json): its data directory and Kafka cluster.")
        String profile;

        @Override
        public void run() {
            throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
        }
    }

    /** Whether this JVM runs one command and ends ({@link #main}), rather than hosting commands among other work. */
    private static volatile boolean ownsProcess;

    public static void main(String[] args) {
        ownsProcess = true;
        Preload.start(args);
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Whether this JVM was started to run one command ({@code kappa ...} from the shell): a reading command may then declare the process read-only. */
    static boolean ownsProcess() {
        return ownsProcess;
    }

    /** Runs the command line and returns the exit code: 0 on success, 1 on a failure, 2 on a usage error. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = commandLine(args);
        cl.setOut(out);
        cl.setErr(err);
        if (args.length > 0 && args[0].equals("bench") || args.length == 2 && args[0].equals("help") && args[1].equals("bench")) {
            return bench(args[0].equals("help") ? new String[] {"--help"} : java.util.Arrays.copyOfRange(args, 1, args.length), out, err);
        }
        HelpLayout.install(cl);
        CommandLine.RunLast runLast = new CommandLine.RunLast();
        cl.setExecutionStrategy(OptionRanges.checking(OptionRanges.KAPPA, parseResult -> {
            CommandLine.ParseResult last = parseResult;
            while (last.hasSubcommand()) {
                last = last.subcommand();
            }
            if (last.isUsageHelpRequested() && last.commandSpec().userObject() instanceof RunCommand) {
                RunHelp.usage(last.commandSpec(), last.hasMatchedPositional(0) ? last.matchedPositionalValue(0, null) : null, out);
                return 0;
            }
            if (last.commandSpec().userObject() instanceof CommandLine.HelpCommand && last.hasMatchedPositional(0)) {
                // picocli's help command takes one name and leaves the rest unmatched: `help topic list`, `help run count`
                java.util.List<String> about = new java.util.ArrayList<>(last.matchedPositional(0).stringValues());
                about.addAll(last.unmatched());
                CommandLine sub = about.isEmpty() ? null : cl.getSubcommands().get(about.get(0));
                if (sub != null && sub.getCommandSpec().userObject() instanceof RunCommand) {
                    RunHelp.usage(sub.getCommandSpec(), about.size() > 1 ? about.get(1) : null, out);
                    return 0;
                }
                if (sub != null && about.size() > 1) {
                    for (String name : about.subList(1, about.size())) {
                        CommandLine next = sub.getSubcommands().get(name);
                        if (next == null) {
                            throw new CommandLine.ParameterException(sub, "unknown command '"
                                + String.join(" ", about) + "'" + (sub.getSubcommands().isEmpty() ? "" : " ('"
                                + sub.getCommandSpec().qualifiedName() + "' has " + String.join(", ", sub.getSubcommands().keySet()) + ")"));
                        }
                        sub = next;
                    }
                    sub.usage(out);
                    return 0;
                }
            }
            resolveKafka(parseResult);
            return runLast.execute(parseResult);
        }));
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

    /**
     * kappa's command line for {@code args}: with only the command they name when they name one (its usage, errors and
     * behaviour are the same either way), else with all (help, completion, no command, an unknown one, which gets
     * suggestions from all names).
     */
    static CommandLine commandLine(String[] args) {
        CommandLine cl = new CommandLine(new Root());
        Class<?> named = namedCommand(args);
        for (Class<?> command : COMMANDS) {
            if (named == null || command == named) {
                cl.addSubcommand(command);
            }
        }
        return cl;
    }

    /**
     * The command {@code args} name after kappa's own {@code --data-dir} and {@code --profile}; null where there is none,
     * it is not one of {@link #COMMANDS}, it needs all of them, or another option of kappa's comes first (help, version).
     */
    private static Class<?> namedCommand(String[] args) {
        int i = commandIndex(args);
        if (i == args.length || args[i].startsWith("-")) {
            return null;
        }
        for (Class<?> command : COMMANDS) {
            Command c = command.getAnnotation(Command.class);
            if (c.name().equals(args[i]) || java.util.Arrays.asList(c.aliases()).contains(args[i])) {
                return NEED_ALL.contains(command) ? null : command;
            }
        }
        return null;
    }

    /** The index of the first argument after kappa's own {@code --data-dir} and {@code --profile}; {@code args.length} if none. */
    static int commandIndex(String[] args) {
        int i = 0;
        while (i < args.length) {
            String a = args[i];
            if (a.equals("--data-dir") || a.equals("--profile")) {
                i += 2;
            } else if (a.startsWith("--data-dir=") || a.startsWith("--profile=")) {
                i++;
            } else {
                return i;
            }
        }
        return args.length;
    }

    /**
     * {@code kappa bench}: the benchmark harness lives in the bench module (it depends on this one); the launcher puts it
     * on the class path for {@code bench} and help, and it is run through its own entry point.
     */
    private static int bench(String[] args, PrintWriter out, PrintWriter err) {
        try {
            Class<?> bench = Class.forName("io.kappa.bench.BenchCommand");
            return (Integer) bench.getMethod("run", String[].class, PrintWriter.class, PrintWriter.class).invoke(null, args, out, err);
        } catch (ClassNotFoundException e) {
            err.println("kappa: bench is not on the class path (./kappa builds it with the rest; from Maven: mvn -pl bench -am package)");
            return 1;
        } catch (ReflectiveOperationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            err.println("kappa: bench: " + oneLine(cause));
            return 1;
        }
    }

    /**
     * {@code --kafka NAME} for a cluster named in the config file becomes its bootstrap servers (its settings go under
     * {@code --kafka-config}, where the command line wins); a bare {@code --kafka} means the profile's cluster.
     */
    private static void resolveKafka(CommandLine.ParseResult parseResult) {
        Root root = (Root) parseResult.commandSpec().userObject();
        for (CommandLine.ParseResult pr = parseResult; pr != null; pr = pr.subcommand()) {
            CommandLine.Model.OptionSpec kafka = pr.matchedOption("--kafka");
            CommandLine command = pr.commandSpec().commandLine();
            if (kafka == null) {
                continue;
            }
            String value = kafka.getValue();
            Settings settings = Settings.load();
            if (value == null || value.isEmpty()) {
                java.util.Optional<Settings.Profile> profile = root.profile != null ? java.util.Optional.of(settings.profile(root.profile))
                    : settings.defaultProfile();
                value = profile.flatMap(Settings.Profile::kafka).orElseThrow(() -> new CommandLine.ParameterException(command,
                    "--kafka needs BOOTSTRAP (host:port,...) or the name of a cluster in " + settings.file()
                    + ", or a --profile that names one"));
            }
            java.util.Optional<Settings.Cluster> cluster = settings.cluster(value);
            if (cluster.isPresent()) {
                value = cluster.get().bootstrap();
                CommandLine.Model.OptionSpec config = pr.commandSpec().findOption("--kafka-config");
                if (config != null) {
                    java.util.Map<String, String> merged = new java.util.LinkedHashMap<>(cluster.get().config());
                    java.util.Map<String, String> given = config.getValue();
                    if (given != null) {
                        merged.putAll(given);
                    }
                    config.setValue(merged);
                }
            }
            kafka.setValue(value);
        }
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
