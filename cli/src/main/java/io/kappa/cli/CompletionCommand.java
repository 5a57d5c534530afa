package io.kappa.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kappa completion bash|zsh|fish}: a completion script for kappa's commands and options. Bash and zsh get
 * picocli's script (zsh runs it through bashcompinit); fish gets {@code complete} lines made from the same commands.
 */
@Command(name = "completion", mixinStandardHelpOptions = true,
    description = {"Print a shell completion script for kappa's commands and options: bash and zsh (picocli's script;",
        "zsh loads it through bashcompinit), or fish."})
final class CompletionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Parameters(paramLabel = "SHELL", description = "bash, zsh or fish.")
    String shell;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        CommandLine root = spec.root().commandLine();
        switch (shell) {
            case "bash", "zsh" -> out.print(AutoComplete.bash("kappa", root));
            case "fish" -> out.print(fish(root));
            default -> throw new IllegalArgumentException("unknown shell '" + shell + "' (bash, zsh or fish)");
        }
        out.flush();
        return 0;
    }

    /** {@code complete} commands for fish: subcommands where they may come, each command's options after it. */
    static String fish(CommandLine root) {
        StringBuilder b = new StringBuilder("# kappa completion for fish: kappa completion fish > ~/.config/fish/completions/kappa.fish\n");
        b.append("complete -c kappa -f\n");
        fishCommand(b, root, new ArrayList<>());
        return b.toString();
    }

    private static void fishCommand(StringBuilder b, CommandLine cl, List<String> path) {
        String here = path.isEmpty() ? "__fish_use_subcommand" : "__fish_seen_subcommand_from " + path.get(path.size() - 1);
        List<String> subs = new ArrayList<>(cl.getSubcommands().keySet());
        String notYet = subs.isEmpty() ? "" : "; and not __fish_seen_subcommand_from " + String.join(" ", subs);
        for (var e : cl.getSubcommands().entrySet()) {
            String summary = HelpLayout.SUMMARIES.getOrDefault(e.getValue().getCommandSpec().qualifiedName().replaceFirst("^kappa ", ""),
                HelpLayout.firstSentence(e.getValue().getCommandSpec().usageMessage().description()));
            b.append("complete -c kappa -n '").append(here).append(path.isEmpty() ? "" : notYet).append("' -a ").append(e.getKey())
                .append(" -d ").append(quote(summary)).append('\n');
        }
        if (!path.isEmpty()) {
            for (OptionSpec o : cl.getCommandSpec().options()) {
                if (o.hidden()) {
                    continue;
                }
                b.append("complete -c kappa -n '").append(here).append("'");
                for (String n : o.names()) {
                    b.append(n.startsWith("--") ? " -l " + n.substring(2) : " -s " + n.substring(1));
                }
                if (o.arity().max() > 0 && !o.typeInfo().isBoolean()) {
                    b.append(" -r");
                    if (o.typeInfo().getType() == java.nio.file.Path.class) {
                        b.append(" -F");
                    }
                }
                String d = String.join(" ", o.description());
                b.append(" -d ").append(quote(d.length() > 80 ? d.substring(0, d.lastIndexOf(' ', 77)) + "..." : d)).append('\n');
            }
        }
        for (var e : cl.getSubcommands().entrySet()) {
            if (!e.getKey().equals("help")) {
                List<String> next = new ArrayList<>(path);
                next.add(e.getKey());
                fishCommand(b, e.getValue(), next);
            }
        }
    }

    private static String quote(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
