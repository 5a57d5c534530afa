package io.kappa.processor.builtin;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.kappa.log.EventLog;
import io.kappa.processor.TopicCatalog;
import io.kappa.log.Durations;
import io.kappa.processor.TimePolicy;
import io.kappa.processor.Topology;
import io.kappa.processor.window.WindowSpec;

/**
 * A built-in processor chosen by name with its options, as {@code kappa run} and {@code kappa replay} take them
 * (option names without the leading dashes, e.g. {@code by}, {@code session-gap}); {@link #topology} checks
 * that exactly the options the processor needs are given.
 */
public record BuiltinSpec(String name, Map<String, String> options) {
    public static final List<String> NAMES = List.of("filter", "map", "count", "sum", "dedup", "window-count", "window-agg", "top",
        "join");

    /** Every option a built-in may take, in the order {@link #describe} prints them. */
    public static final List<String> OPTIONS = List.of("where", "select", "by", "field", "agg", "window", "size", "advance",
        "session-gap", "n", "left", "right", "within", "table", "join", "lateness", "out-of-order", "idle-timeout", "time", "mode", "zone");

    public BuiltinSpec {
        Map<String, String> copy = new LinkedHashMap<>();
        for (String o : OPTIONS) {
            String v = options.get(o);
            if (v != null) {
                copy.put(o, v);
            }
        }
        for (String o : options.keySet()) {
            if (!OPTIONS.contains(o)) {
                throw new IllegalArgumentException("unknown option --" + o);
            }
        }
        options = Collections.unmodifiableMap(copy);
    }

    /** The options of the first built-ins, by position. */
    public BuiltinSpec(String name, String where, String select, String by, String field, String window) {
        this(name, map("where", where, "select", select, "by", by, "field", field, "window", window));
    }

    private static Map<String, String> map(String... pairs) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i + 1] != null) {
                m.put(pairs[i], pairs[i + 1]);
            }
        }
        return m;
    }

    private String get(String option) {
        return options.get(option);
    }

    /** The topology over {@code inputs} (which must exist in {@code log}) writing {@code output}. */
    public Topology topology(EventLog log, String group, List<String> inputs, String output) {
        return topology(TopicCatalog.of(log), group, inputs, output);
    }

    /** The topology over {@code inputs} (which must exist in {@code log}, a local log or a Kafka cluster) writing {@code output}. */
    public Topology topology(TopicCatalog log, String group, List<String> inputs, String output) {
        boolean multiPartition = false;
        for (String in : inputs) {
            multiPartition |= log.partitionCount(in) > 1;
        }
        switch (name) {
            case "filter" -> {
                only("where");
                return Builtins.filter(inputs, output, Where.parse(get("where")));
            }
            case "map" -> {
                only("select");
                List<JsonPath> paths = new ArrayList<>();
                for (String f : get("select").split(",")) {
                    if (!f.isBlank()) {
                        paths.add(JsonPath.parse(f.trim()));
                    }
                }
                return Builtins.map(inputs, output, paths);
            }
            case "count" -> {
                only("by");
                GroupKey key = GroupKey.parse(get("by"), false);
                return Builtins.count(group, inputs, output, key, multiPartition && key.needsRepartition());
            }
            case "sum" -> {
                only("by", "field");
                GroupKey key = GroupKey.parse(get("by"), false);
                return Builtins.sum(group, inputs, output, key, JsonPath.parse(get("field")), multiPartition && key.needsRepartition());
            }
            case "dedup" -> {
                only("window", "?by", "?out-of-order", "?idle-timeout");
                String by = get("by") == null ? "id" : get("by");
                GroupKey key = GroupKey.parse(by, true);
                return Builtins.dedup(group, inputs, output, key, Durations.parse(get("window"), "--window"), time(),
                    multiPartition && key.needsRepartition());
            }
            case "window-count", "window-agg" -> {
                boolean count = name.equals("window-count");
                if (count) {
                    only("by", "?where", "?size", "?advance", "?session-gap", "?lateness", "?out-of-order", "?idle-timeout", "?time",
                        "?mode", "?zone");
                } else {
                    only("by", "agg", "?field", "?where", "?size", "?advance", "?session-gap", "?lateness", "?out-of-order",
                        "?idle-timeout", "?time", "?mode", "?zone");
                }
                GroupKey key = GroupKey.parse(get("by"), false);
                WindowAgg.Kind kind = count ? WindowAgg.Kind.COUNT : WindowAgg.Kind.parse(get("agg"));
                if (!count && kind == WindowAgg.Kind.COUNT && get("field") != null) {
                    throw new IllegalArgumentException("window-agg --agg count does not take --field");
                }
                if (!count && kind != WindowAgg.Kind.COUNT && get("field") == null) {
                    throw new IllegalArgumentException("window-agg --agg " + kind.field() + " needs --field");
                }
                JsonPath field = count || kind == WindowAgg.Kind.COUNT ? null : JsonPath.parse(get("field"));
                Where where = get("where") == null ? null : Where.parse(get("where"));
                return WindowBuiltins.windowAggregate(group, inputs, output, key, kind, field, where, windows(), mode(), time(),
                    multiPartition && key.needsRepartition());
            }
            case "top" -> {
                only("by", "n", "size", "?advance", "?lateness", "?out-of-order", "?idle-timeout", "?time", "?mode", "?zone");
                int n = positiveInt("n");
                return WindowBuiltins.top(log, group, inputs, output, JsonPath.parse(get("by")), n, windows(), mode(), time(),
                    multiPartition);
            }
            case "join" -> {
                only("left", "right", "?within", "?table", "?join", "?out-of-order", "?idle-timeout", "?time");
                if ((get("within") == null) == (get("table") == null)) {
                    throw new IllegalArgumentException("join needs either --within DURATION (stream-stream) or --table (stream-table)");
                }
                if (inputs.size() != 2) {
                    throw new IllegalArgumentException("join reads two topics (--left and --right), got " + inputs.size());
                }
                boolean leftJoin = parseJoinKind();
                if (get("table") != null) {
                    if (!get("table").equals("true")) {
                        throw new IllegalArgumentException("--table takes no value");
                    }
                    return JoinBuiltins.streamTable(log, inputs.get(0), inputs.get(1), output, leftJoin, time());
                }
                long within = Durations.parse(get("within"), "--within");
                return JoinBuiltins.streamStream(log, inputs.get(0), inputs.get(1), output, within, leftJoin, time());
            }
            default -> throw new IllegalArgumentException("unknown processor '" + name + "' (built-ins: " + String.join(", ", NAMES)
                + "; or use --class)");
        }
    }

    private boolean parseJoinKind() {
        String j = get("join");
        if (j == null || j.equals("inner")) {
            return false;
        }
        if (j.equals("left")) {
            return true;
        }
        throw new IllegalArgumentException("--join must be inner or left, not '" + j + "'");
    }

    private int positiveInt(String option) {
        try {
            int n = Integer.parseInt(get(option).trim());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--" + option + " must be a positive whole number, not '" + get(option) + "'");
    }

    /** The window options: --size [--advance] or --session-gap, with --lateness. */
    private WindowSpec windows() {
        String size = get("size");
        String gap = get("session-gap");
        long lateness = get("lateness") == null ? 0 : Durations.parse(get("lateness"), "--lateness");
        if (gap != null) {
            if (size != null || get("advance") != null) {
                throw new IllegalArgumentException("--session-gap does not go with --size or --advance");
            }
            if (get("zone") != null) {
                throw new IllegalArgumentException("--zone aligns --size windows; session windows (--session-gap) are not aligned");
            }
            return WindowSpec.session(Durations.parse(gap, "--session-gap"), lateness);
        }
        if (size == null) {
            throw new IllegalArgumentException(name + " needs --size (or --session-gap)");
        }
        long sizeMs = Durations.parse(size, "--size");
        long advance = get("advance") == null ? sizeMs : Durations.parse(get("advance"), "--advance");
        WindowSpec spec = WindowSpec.hopping(sizeMs, advance, lateness);
        return get("zone") == null ? spec : spec.withZone(WindowSpec.parseZone(get("zone")));
    }

    private WindowSpec.Mode mode() {
        return get("mode") == null ? WindowSpec.Mode.APPEND : WindowSpec.Mode.parse(get("mode"));
    }

    private TimePolicy time() {
        TimePolicy t = TimePolicy.DEFAULT;
        if (get("time") != null) {
            t = t.withClock(TimePolicy.Clock.parse(get("time")));
        }
        if (get("out-of-order") != null) {
            t = t.withOutOfOrder(Durations.parse(get("out-of-order"), "--out-of-order"));
        }
        if (get("idle-timeout") != null) {
            long idle = Durations.parse(get("idle-timeout"), "--idle-timeout");
            if (idle <= 0) {
                throw new IllegalArgumentException("--idle-timeout must be positive");
            }
            t = t.withIdle(idle);
        }
        return t;
    }

    /** {@code count --by key} and so on, for status and logs. */
    public String describe() {
        StringBuilder b = new StringBuilder(name);
        options.forEach((option, value) -> b.append(" --").append(option).append(' ')
            .append(value.contains(" ") ? "'" + value + "'" : value));
        return b.toString();
    }

    /** Requires the named options ({@code ?name}: allowed but optional) and refuses every other one. */
    private void only(String... names) {
        List<String> allowed = new ArrayList<>();
        for (String n : names) {
            boolean optional = n.startsWith("?");
            String o = optional ? n.substring(1) : n;
            if (!optional && get(o) == null) {
                throw new IllegalArgumentException(name + " needs --" + o);
            }
            allowed.add(o);
        }
        for (String o : options.keySet()) {
            if (!allowed.contains(o)) {
                throw new IllegalArgumentException(name + " does not take --" + o);
            }
        }
    }
}
