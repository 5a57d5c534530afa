package io.kappa.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.kappa.processor.builtin.BuiltinSpec;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The help of {@code run} and {@code replay}, per processor: {@code kappa run count --help} shows what count takes
 * (its options, then the options every run takes); {@code kappa run --help} the options every run takes and one line
 * per processor. The options each built-in takes are those {@link BuiltinSpec} accepts for it.
 */
final class RunHelp {
    /** Each built-in's options (without dashes), the first ones required, and a one-line summary. */
    record Builtin(String summary, List<String> options, String example) {
    }

    static final Map<String, Builtin> BUILTINS = new LinkedHashMap<>();

    static {
        BUILTINS.put("filter", new Builtin("Keep the records whose JSON value matches --where.", List.of("where"),
            "kappa run filter --where 'price > 10 and country = NO' --group big --input orders --output big-orders"));
        BUILTINS.put("map", new Builtin("Keep only the --select fields of each JSON value.", List.of("select"),
            "kappa run map --select user,page --group slim --input clicks --output slim-clicks"));
        BUILTINS.put("count", new Builtin("Count records per key or per value of a field (--by); writes {\"key\",\"count\"} on each change.",
            List.of("by"), "kappa run count --by page --group pages --input clicks --output page-counts"));
        BUILTINS.put("sum", new Builtin("Sum a numeric --field per key or per value of a field (--by).", List.of("by", "field"),
            "kappa run sum --by user --field amount --group spend --input orders --output spend-per-user"));
        BUILTINS.put("dedup", new Builtin("Drop a record whose id (or --by) was kept at most --window away in event time.",
            List.of("window", "by", "out-of-order", "idle-timeout"),
            "kappa run dedup --window 10m --group once --input payments --output unique-payments"));
        List<String> window = List.of("by", "where", "size", "advance", "session-gap", "lateness", "out-of-order", "idle-timeout", "time",
            "mode", "zone");
        BUILTINS.put("window-count", new Builtin("Count per key and window of event time: tumbling (--size), hopping (--advance) or "
            + "sessions (--session-gap).", window,
            "kappa run window-count --by page --size 1m --out-of-order 5s --group per-minute --input clicks --output clicks-per-minute"));
        List<String> agg = new ArrayList<>(List.of("agg", "field"));
        agg.addAll(window);
        BUILTINS.put("window-agg", new Builtin("As window-count, with --agg sum, min, max, avg, count, a percentile (p50, p90, p95, p99, "
            + "p999) or distinct (count of distinct values) of --field.", agg,
            "kappa run window-agg --agg p99 --field ms --by page --size 1d --zone Asia/Seoul --group latency --input requests --output p99-latency"));
        BUILTINS.put("top", new Builtin("The --n keys with the highest value of the --by field in each window.",
            List.of("by", "n", "size", "advance", "lateness", "out-of-order", "idle-timeout", "time", "mode", "zone"),
            "kappa run top --by score --n 10 --size 1d --group daily-top --input scores --output top-10"));
        BUILTINS.put("join", new Builtin("Pair --left and --right records by key: within --within of event time, or each left record "
            + "with the --right table's latest value (--table).", List.of("left", "right", "within", "table", "join", "out-of-order",
            "idle-timeout", "time"), "kappa run join --left orders --right payments --within 10m --group paid --output paid-orders"));
    }

    private RunHelp() {
    }

    /** Every option some built-in takes (they are left out of the help of a run without a processor). */
    private static Set<String> builtinOptions() {
        Set<String> all = new LinkedHashSet<>();
        BUILTINS.values().forEach(b -> all.addAll(b.options()));
        return all;
    }

    /** Prints the help of {@code kappa run PROCESSOR} (or, with a null processor, of {@code kappa run}). */
    static void usage(CommandSpec run, String processor, PrintWriter out) {
        Builtin builtin = processor == null ? null : BUILTINS.get(processor);
        if (processor != null && builtin == null) {
            throw new CommandLine.ParameterException(run.commandLine(), "unknown processor '" + processor + "' (built-ins: " + String.join(", ", BuiltinSpec.NAMES)
                + "; or use --class)" + Names.didYouMean(processor, BUILTINS.keySet()));
        }
        String name = run.qualifiedName() + (processor == null ? "" : " " + processor);
        CommandSpec copy = CommandSpec.create().name(name);
        copy.usageMessage().sortOptions(false).width(HelpLayout.WIDTH).optionListHeading("%nOptions:%n").descriptionHeading("%n");
        boolean join = "join".equals(processor);
        String topics = join ? "--left TOPIC --right TOPIC" : "--input TOPIC[,TOPIC...]";
        String group = run.name().equals("run") ? "--group G " : "[--group G] ";
        copy.usageMessage().customSynopsis(processor == null
            ? new String[] {"kappa " + run.name() + " PROCESSOR [OPTIONS] " + group + "--input TOPIC[,TOPIC...] --output TOPIC",
                "       kappa " + run.name() + " --class CLASS [--jar JAR] [-o K=V]... [OPTIONS] " + group + "--input TOPIC[,...]"}
            : new String[] {"kappa " + run.name() + " " + processor + " [OPTIONS] " + group + topics + " --output TOPIC"});
        Set<String> specific = builtinOptions();
        List<String> description = new ArrayList<>();
        if (builtin != null) {
            description.add(builtin.summary());
            description.add("");
            description.add("Its options first, then those of every " + run.name() + " (kappa " + run.name() + " --help lists the other"
                + " processors).");
            for (String o : builtin.options()) {
                OptionSpec option = run.findOption("--" + o);
                if (option != null) {
                    copy.addOption(OptionSpec.builder(option).build());
                }
            }
        } else {
            description.addAll(List.of(run.usageMessage().description()));
            description.add("");
            description.add("Processors (their options: kappa " + run.name() + " PROCESSOR --help):");
        }
        for (OptionSpec option : run.options()) {
            if (!specific.contains(option.longestName().substring(2)) && copy.findOption(option.longestName()) == null) {
                copy.addOption(OptionSpec.builder(option).build());
            }
        }
        copy.usageMessage().description(description.toArray(new String[0]));
        copy.usageMessage().footerHeading("%nExamples:%n");
        if (builtin != null) {
            String example = builtin.example();
            if (!run.name().equals("run")) { // replay: into a new version, under the output's name as its group
                example = example.replace("kappa run ", "kappa " + run.name() + " ").replaceFirst("--group \\S+ ", "")
                    .replaceFirst("--output (\\S+)", "--output $1.v2") + " --until-caught-up";
            }
            copy.usageMessage().footer("  " + example);
        } else {
            copy.usageMessage().footer(run.usageMessage().footer());
        }
        CommandLine c = new CommandLine(copy);
        HelpLayout.install(c);
        StringBuilder text = new StringBuilder(c.getUsageMessage());
        if (builtin == null) {
            int at = text.indexOf("\nProcessors (") ;
            int end = text.indexOf("\n", at + 1);
            StringBuilder list = new StringBuilder();
            BUILTINS.forEach((n, b) -> HelpLayout.wrap(list, b.summary(), "  " + n + " ".repeat(Math.max(1, 14 - n.length())),
                " ".repeat(16), HelpLayout.WIDTH));
            HelpLayout.wrap(list, "Or a user Processor or TopologyFactory: --class CLASS --jar JAR (-o KEY=VALUE for its options).", "  ",
                "  ", HelpLayout.WIDTH);
            text.insert(end + 1, list);
        }
        out.print(text);
        out.flush();
    }
}
