package io.kappa.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * How kappa's help is laid out: text wraps between words only (picocli's own layout breaks after any dot, "e.\ng."),
 * a description given as several strings is one paragraph (an empty string starts a new one), the command list shows
 * each command's whole first sentence, and a command's examples (its footer) are printed as written.
 */
final class HelpLayout {
    static final int WIDTH = 100;
    private static final int LEFT = 30;

    private HelpLayout() {
    }

    /** Lays out the help of {@code cl} and of all its subcommands this way. */
    static void install(CommandLine cl) {
        cl.setUsageHelpWidth(WIDTH);
        CommandLine.Model.UsageMessageSpec usage = cl.getCommandSpec().usageMessage();
        if (usage.optionListHeading().isEmpty()) {
            usage.optionListHeading("%nOptions:%n");
        }
        if (usage.commandListHeading().equals("Commands:%n")) {
            usage.commandListHeading("%nCommands:%n");
        }
        String name = cl.getCommandSpec().qualifiedName().replaceFirst("^kappa ?", "");
        java.util.List<String> examples = Examples.BY_COMMAND.get(name);
        if (examples != null && usage.footer().length == 0) {
            usage.footerHeading("%nExamples:%n");
            usage.footer(examples.stream().map(e -> "  " + e).toArray(String[]::new));
        }
        if (usage.description().length > 0 && usage.descriptionHeading().isEmpty()) {
            usage.descriptionHeading("%n");
        }
        Map<String, CommandLine.IHelpSectionRenderer> m = cl.getHelpSectionMap();
        m.put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_DESCRIPTION, help -> paragraphs(help.commandSpec().usageMessage().description(), ""));
        m.put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_PARAMETER_LIST, HelpLayout::parameters);
        m.put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST, HelpLayout::options);
        m.put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST, HelpLayout::commands);
        m.put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_SYNOPSIS, help -> {
            String[] custom = help.commandSpec().usageMessage().customSynopsis();
            return custom.length == 0 ? help.synopsis(help.synopsisHeadingLength()) : String.join("\n", custom) + "\n";
        });
        m.put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_FOOTER, help -> {
            StringBuilder out = new StringBuilder();
            for (String line : help.commandSpec().usageMessage().footer()) {
                out.append(String.format(line)).append('\n'); // examples as written: never wrapped
            }
            return out.toString();
        });
        cl.setHelpSectionMap(m);
        for (CommandLine sub : cl.getSubcommands().values()) {
            install(sub);
        }
    }

    /** Strings joined into paragraphs (an empty one separates them), each wrapped at {@link #WIDTH} after {@code indent}. */
    static String paragraphs(String[] lines, String indent) {
        StringBuilder out = new StringBuilder();
        StringBuilder paragraph = new StringBuilder();
        for (String line : lines) {
            if (line.isEmpty()) {
                wrap(out, paragraph.toString(), indent, indent, WIDTH);
                out.append('\n');
                paragraph.setLength(0);
            } else {
                paragraph.append(paragraph.length() == 0 ? "" : " ").append(line.strip());
            }
        }
        wrap(out, paragraph.toString(), indent, indent, WIDTH);
        return out.toString();
    }

    /** Appends {@code text} wrapped between words: the first line after {@code first}, the others after {@code rest}. */
    static void wrap(StringBuilder out, String text, String first, String rest, int width) {
        String prefix = first;
        StringBuilder line = new StringBuilder(prefix);
        boolean empty = true;
        for (String word : text.split(" +")) {
            if (word.isEmpty()) {
                continue;
            }
            if (!empty && line.length() + 1 + word.length() > width) {
                out.append(line).append('\n');
                line.setLength(0);
                line.append(rest);
                empty = true;
            }
            line.append(empty ? "" : " ").append(word);
            empty = false;
        }
        if (!empty) {
            out.append(line).append('\n');
        }
    }

    private static String row(String left, String description) {
        StringBuilder out = new StringBuilder();
        String pad = " ".repeat(LEFT);
        if (left.length() > LEFT - 2) {
            out.append(left).append('\n');
            wrap(out, description, pad, pad, WIDTH);
        } else {
            wrap(out, description, left + " ".repeat(LEFT - left.length()), pad, WIDTH);
        }
        return out.toString();
    }

    private static String description(ArgSpec arg) {
        String d = String.join(" ", arg.description());
        String dv = arg.defaultValueString();
        return d.replace("${DEFAULT-VALUE}", dv == null ? "" : dv).replace("${COMPLETION-CANDIDATES}", "");
    }

    private static String options(Help help) {
        List<OptionSpec> options = new ArrayList<>();
        for (OptionSpec o : help.commandSpec().options()) {
            if (!o.hidden()) {
                options.add(o);
            }
        }
        if (help.commandSpec().usageMessage().sortOptions()) {
            options.sort(Comparator.comparing(o -> o.longestName().replaceFirst("^-+", "").toLowerCase(java.util.Locale.ROOT)));
        }
        StringBuilder out = new StringBuilder();
        for (OptionSpec o : options) {
            out.append(row(optionLabel(o), description(o)));
        }
        return out.toString();
    }

    static String optionLabel(OptionSpec o) {
        String shortName = null;
        String longName = o.longestName();
        for (String n : o.names()) {
            if (!n.startsWith("--")) {
                shortName = n;
            }
        }
        String label = (shortName != null ? "  " + shortName + ", " : "      ") + longName;
        if (o.arity().max() > 0 && !o.typeInfo().isBoolean()) {
            label += o.arity().min() == 0 ? "[=" + o.paramLabel() + "]" : "=" + o.paramLabel();
        }
        return label;
    }

    private static String parameters(Help help) {
        StringBuilder out = new StringBuilder();
        for (PositionalParamSpec p : help.commandSpec().positionalParameters()) {
            if (p.hidden()) {
                continue;
            }
            String label = p.arity().min() == 0 ? "[" + p.paramLabel() + "]" : p.paramLabel();
            String d = description(p);
            out.append(row("      " + label, d.isEmpty() ? "" : d));
        }
        return out.toString();
    }

    private static String commands(Help help) {
        Map<String, Help> subs = help.subcommands();
        if (subs.isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, Help> e : subs.entrySet()) {
            CommandSpec c = e.getValue().commandSpec();
            if (c.usageMessage().hidden()) {
                continue;
            }
            String summary = SUMMARIES.get(c.qualifiedName().replaceFirst("^kappa ", ""));
            String[] header = c.usageMessage().header();
            out.append(row("  " + e.getKey(), summary != null ? summary
                : firstSentence(header.length > 0 ? header : c.usageMessage().description())));
        }
        for (String[] extra : EXTRA_COMMANDS) {
            if (help.commandSpec().parent() == null && extra[2] != null && available(extra[2])) {
                out.append(row("  " + extra[0], extra[1]));
            }
        }
        return out.toString();
    }

    /** What each command is for, in the list of commands (else the first sentence of its description). */
    static final Map<String, String> SUMMARIES = Map.ofEntries(
        Map.entry("topic", "Create, list, describe and delete topics"),
        Map.entry("append", "Append an event, or JSON Lines (or raw lines, or plain JSON values) from stdin"),
        Map.entry("read", "Print events as JSON Lines from a position, or follow new ones"),
        Map.entry("serve", "Accept events over TCP (JSON lines or the binary batch protocol)"),
        Map.entry("run", "Run a processor for a group, from its checkpoint (kappa run PROCESSOR --help)"),
        Map.entry("mirror", "Ship a local topic to Kafka, or a Kafka topic to the local log"),
        Map.entry("status", "Show processor groups: offsets, lag, state, rates, checkpoints"),
        Map.entry("state", "Show a group's stores as of its checkpoint or of any input position (--at)"),
        Map.entry("rewind", "Move a stopped group's offsets back or forward; its state follows"),
        Map.entry("replay", "Run a processor over history into a new version of its output, or verify a group"),
        Map.entry("diff", "Compare two outputs as tables (the latest value per key)"),
        Map.entry("promote", "Make TOPIC mean a new version (TOPIC.v2) for readers and writers"),
        Map.entry("golden", "Record a group's input slice and expected output, and check code against it in CI"),
        Map.entry("golden record", "Freeze a slice of a group's input, its spec and the output it gives into DIR"),
        Map.entry("golden check", "Replay a golden run through the current code; exit 1 at the first divergent output"),
        Map.entry("demo", "Run the demo on a fresh temporary data directory"),
        Map.entry("completion", "Print a shell completion script (bash, zsh or fish)"),
        Map.entry("help", "Show the help of a command"));

    /** Commands that live outside this module, listed when their class is there: name, summary, class. */
    static final String[][] EXTRA_COMMANDS = {
        {"bench", "Measure kappa's append, read, seek, TCP, processing and replay throughput and latency against raw Chronicle "
            + "Queue and bare readers (kappa bench --help).", "io.kappa.bench.BenchCommand"}};

    static boolean available(String className) {
        try {
            Class.forName(className, false, HelpLayout.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    static String firstSentence(String[] description) {
        String text = String.join(" ", description).strip();
        int end = text.indexOf(". ");
        while (end > 0 && (text.startsWith("e.g", end - 3) || text.startsWith("i.e", end - 3))) {
            end = text.indexOf(". ", end + 2);
        }
        int colon = text.indexOf(": ");
        if (colon > 0 && (end < 0 || colon < end)) {
            end = colon;
        }
        return end < 0 ? (text.endsWith(".") ? text.substring(0, text.length() - 1) : text) : text.substring(0, end);
    }
}
