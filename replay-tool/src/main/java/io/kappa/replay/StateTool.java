package io.kappa.replay;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.log.EventLog;
import io.kappa.log.Partition;
import io.kappa.processor.Groups;
import io.kappa.processor.Serdes;
import io.kappa.processor.Stage;
import io.kappa.processor.StoreContents;
import io.kappa.processor.TaskCheckpoint;
import io.kappa.processor.Topology;

/**
 * The state of a group's stores ({@code kappa state}): as of its last checkpoints, read without its lock (a
 * checkpoint is replaced by an atomic rename, so reading one while the group runs is safe), or as of any input
 * position, rebuilt by the rewind's rebuild ({@link RewindTool#rebuildState}) under a scratch group of its own. Each
 * entry is decoded by the serdes the stage's processor opens the store with ({@link StoreContents}) and shown as
 * JSON: {@code {"key":K,"value":V}}, with {@code windowStart}/{@code windowEnd} for an entry of a window store.
 */
public final class StateTool {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** One entry of one task's store. */
    public record Row(String stage, int task, String store, ObjectNode entry) {
    }

    /** Receives the stores and their entries, in stage order, task order, then store order; false stops. */
    public interface Sink {
        void store(String stage, int task, String store, long entries);

        boolean row(Row row);
    }

    private StateTool() {
    }

    /** The group's checkpoints as they are now; read only. */
    public static List<TaskCheckpoint> checkpoints(EventLog log, String group) {
        List<TaskCheckpoint> checkpoints = Groups.checkpoints(log.dataDir(), group);
        if (checkpoints.isEmpty()) {
            throw new IllegalArgumentException("group '" + group + "' has no checkpoint: it has never run");
        }
        return checkpoints;
    }

    /** Where {@link #rebuild} would rebuild the state, with what it costs and the clamp warnings: a rewind's plan. */
    public static RewindTool.Plan plan(EventLog log, String group, ToLongFunction<Partition> target) {
        return RewindTool.planAt(log, group, target);
    }

    /** The scratch group of a rebuild in process {@code pid}: {@code G.state-PID-N}, N counting this process's rebuilds. */
    public static String scratchName(String group, long pid, int n) {
        return group + SCRATCH + pid + "-" + n;
    }

    private static final String SCRATCH = ".state-";

    /**
     * Removes what rebuilds of {@code group} left behind when their process was killed (SIGKILL, a power cut): scratch
     * groups whose process is gone, and their topics. A live process's scratch group is never touched. Returns their
     * names.
     */
    public static List<String> removeAbandoned(EventLog log, String group) {
        List<String> removed = new ArrayList<>();
        for (String g : Groups.list(log.dataDir())) {
            if (!g.startsWith(group + SCRATCH)) {
                continue;
            }
            String[] parts = g.substring(group.length() + SCRATCH.length()).split("-");
            long pid;
            try {
                pid = Long.parseLong(parts[0]);
            } catch (NumberFormatException e) {
                continue; // not a name this tool makes
            }
            if (parts.length != 2 || ProcessHandle.of(pid).isPresent()) {
                continue;
            }
            for (String t : log.topicNames()) {
                if (t.startsWith(g + ".")) {
                    log.deleteTopic(t, true);
                }
            }
            try {
                io.kappa.log.Dirs.deleteRecursively(Groups.dir(log.dataDir(), g));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot delete " + Groups.dir(log.dataDir(), g) + ": " + e.getMessage(), e);
            }
            removed.add(g);
        }
        return removed;
    }

    /**
     * The state at {@code plan}'s offsets, for every task: the checkpoints a run stopped there would have written (no
     * store, at the start of every input). {@code scratch} names the scratch group, unique to this call.
     */
    public static List<TaskCheckpoint> rebuild(EventLog log, String group, RewindTool.Plan plan, String scratch,
                                               Consumer<String> progress) {
        Map<String, TaskCheckpoint> rebuilt = RewindTool.rebuildState(log, group, plan, scratch, progress);
        List<TaskCheckpoint> out = new ArrayList<>(rebuilt.values());
        out.sort(Comparator.comparing(TaskCheckpoint::stage).thenComparingInt(TaskCheckpoint::task));
        return out;
    }

    /**
     * Gives {@code sink} every store of {@code checkpoints} and its entries ({@code key}: only the entries of that
     * group key, as text), decoded through the group's own processor, stages in topology order.
     */
    public static void read(EventLog log, String group, Collection<TaskCheckpoint> checkpoints, String key, Sink sink) {
        Topology topology = GroupSpecs.topology(log, group, GroupSpecs.spec(log.dataDir(), group));
        List<Stage<?, ?, ?, ?>> stages = topology.stages();
        List<TaskCheckpoint> ordered = new ArrayList<>(checkpoints);
        ordered.sort(Comparator.<TaskCheckpoint>comparingInt(c -> stageIndex(stages, c.stage())).thenComparingInt(TaskCheckpoint::task));
        for (TaskCheckpoint c : ordered) {
            Stage<?, ?, ?, ?> stage = stages.get(stageIndex(stages, c.stage()));
            for (StoreContents.Store s : StoreContents.read(stage, c)) {
                sink.store(c.stage(), c.task(), s.name(), s.entries().size());
                boolean[] go = {true};
                s.entries().forEach((k, v) -> {
                    if (!go[0]) {
                        return;
                    }
                    ObjectNode entry = NODES.objectNode();
                    JsonNode keyNode = json(Serdes.described(s.keySerde(), k));
                    if (keyNode instanceof ObjectNode o && o.size() == 3 && o.has("key") && o.has("windowStart") && o.has("windowEnd")) {
                        entry.setAll(o); // a window store's key: the group key and the window's bounds
                    } else {
                        entry.set("key", keyNode);
                    }
                    if (key != null && !key.equals(text(entry.get("key")))) {
                        return;
                    }
                    entry.set("value", json(Serdes.described(s.valueSerde(), v)));
                    go[0] = sink.row(new Row(c.stage(), c.task(), s.name(), entry));
                });
                if (!go[0]) {
                    return;
                }
            }
        }
    }

    private static int stageIndex(List<Stage<?, ?, ?, ?>> stages, String name) {
        for (int i = 0; i < stages.size(); i++) {
            if (stages.get(i).name().equals(name)) {
                return i;
            }
        }
        throw new IllegalStateException("the group's checkpoints name stage '" + name + "', which its processor does not have");
    }

    /** A key as {@code --key} matches it: a string as itself, anything else as its JSON. */
    public static String text(JsonNode key) {
        return key == null ? "null" : key.isTextual() ? key.asText() : key.toString();
    }

    /** A described value ({@link Serdes#described}) as JSON; bytes as JSON when they are, else as text, else base64. */
    static JsonNode json(Object d) {
        if (d == null) {
            return NODES.nullNode();
        }
        if (d instanceof JsonNode n) {
            return n;
        }
        if (d instanceof Long l) {
            return NODES.numberNode(l);
        }
        if (d instanceof Integer i) {
            return NODES.numberNode(i);
        }
        if (d instanceof Double x) {
            return NODES.numberNode(x);
        }
        if (d instanceof java.math.BigDecimal b) {
            return NODES.numberNode(b);
        }
        if (d instanceof Number n) {
            return NODES.numberNode(new java.math.BigDecimal(n.toString()));
        }
        if (d instanceof Boolean b) {
            return NODES.booleanNode(b);
        }
        if (d instanceof CharSequence s) {
            return NODES.textNode(s.toString());
        }
        if (d instanceof Map<?, ?> m) {
            ObjectNode o = NODES.objectNode();
            m.forEach((k, v) -> o.set(String.valueOf(k), json(v)));
            return o;
        }
        if (d instanceof List<?> l) {
            ArrayNode a = NODES.arrayNode();
            l.forEach(v -> a.add(json(v)));
            return a;
        }
        if (d instanceof byte[] bytes) {
            JsonNode parsed = RecordJson.asJson(bytes);
            if (parsed != null) {
                return parsed;
            }
            String text = printable(bytes);
            return text != null ? NODES.textNode(text) : NODES.objectNode().put("base64", Base64.getEncoder().encodeToString(bytes));
        }
        return NODES.textNode(d.toString());
    }

    /** The bytes as UTF-8 text when they are valid UTF-8 without control characters, else null. */
    private static String printable(byte[] bytes) {
        String s;
        try {
            s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
        for (int i = 0; i < s.length(); i++) {
            if (Character.isISOControl(s.charAt(i))) {
                return null;
            }
        }
        return s;
    }
}
