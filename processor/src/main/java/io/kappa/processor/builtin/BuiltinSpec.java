package io.kappa.processor.builtin;

import java.util.ArrayList;
import java.util.List;

import io.kappa.log.EventLog;
import io.kappa.processor.Durations;
import io.kappa.processor.Topology;

/**
 * A built-in processor chosen by name with its options, as {@code kappa run} and {@code kappa replay} take them;
 * {@link #topology} checks that exactly the options the processor needs are given.
 */
public record BuiltinSpec(String name, String where, String select, String by, String field, String window) {
    public static final List<String> NAMES = List.of("filter", "map", "count", "sum", "dedup");

    /** The topology over {@code inputs} (which must exist in {@code log}) writing {@code output}. */
    public Topology topology(EventLog log, String group, List<String> inputs, String output) {
        boolean multiPartition = false;
        for (String in : inputs) {
            multiPartition |= log.topic(in).partitionCount() > 1;
        }
        switch (name) {
            case "filter" -> {
                only("--where", where);
                return Builtins.filter(inputs, output, Where.parse(where));
            }
            case "map" -> {
                only("--select", select);
                List<JsonPath> paths = new ArrayList<>();
                for (String f : select.split(",")) {
                    if (!f.isBlank()) {
                        paths.add(JsonPath.parse(f.trim()));
                    }
                }
                return Builtins.map(inputs, output, paths);
            }
            case "count" -> {
                only("--by", by);
                GroupKey key = GroupKey.parse(by, false);
                return Builtins.count(group, inputs, output, key, multiPartition && key.needsRepartition());
            }
            case "sum" -> {
                only("--by", by, "--field", field);
                GroupKey key = GroupKey.parse(by, false);
                return Builtins.sum(group, inputs, output, key, JsonPath.parse(field), multiPartition && key.needsRepartition());
            }
            case "dedup" -> {
                only("--window", window, "--by", by == null ? "id" : by);
                GroupKey key = GroupKey.parse(by == null ? "id" : by, true);
                return Builtins.dedup(group, inputs, output, key, Durations.parse(window, "--window"),
                    multiPartition && key.needsRepartition());
            }
            default -> throw new IllegalArgumentException("unknown processor '" + name + "' (built-ins: " + String.join(", ", NAMES)
                + "; or use --class)");
        }
    }

    /** {@code count --by key} and so on, for status and logs. */
    public String describe() {
        StringBuilder b = new StringBuilder(name);
        append(b, "--where", where);
        append(b, "--select", select);
        append(b, "--by", by);
        append(b, "--field", field);
        append(b, "--window", window);
        return b.toString();
    }

    private static void append(StringBuilder b, String option, String value) {
        if (value != null) {
            b.append(' ').append(option).append(' ').append(value.contains(" ") ? "'" + value + "'" : value);
        }
    }

    /** Requires the named options (pairs of name, value) and refuses every other one. */
    private void only(String... required) {
        List<String> needed = new ArrayList<>();
        for (int i = 0; i < required.length; i += 2) {
            if (required[i + 1] == null) {
                throw new IllegalArgumentException(name + " needs " + required[i]);
            }
            needed.add(required[i]);
        }
        String[][] given = {{"--where", where}, {"--select", select}, {"--by", by}, {"--field", field}, {"--window", window}};
        for (String[] g : given) {
            if (g[1] != null && !needed.contains(g[0])) {
                throw new IllegalArgumentException(name + " does not take " + g[0]);
            }
        }
    }
}
