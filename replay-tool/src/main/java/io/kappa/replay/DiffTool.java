package io.kappa.replay;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import io.kappa.log.EventLog;
import io.kappa.log.PartitionTailer;
import io.kappa.log.Topic;
import io.kappa.processor.Serdes;
import io.kappa.processor.builtin.JsonPath;

/**
 * Compares two outputs as tables: the latest value per row of each topic, a row being the record key, or the key
 * and fields of the JSON value (e.g. {@code key,windowStart} for windowed results, where one key has a row per
 * window). Records without a key are counted, not compared. Used to check a replayed version against the live
 * one before promoting it.
 */
public final class DiffTool {
    /** A key whose latest values differ; a null value means the key is missing on that side. */
    public record Difference(String key, String left, String right) {
    }

    public record Result(String left, String right, long leftKeys, long rightKeys, long equalKeys, List<Difference> differences,
                         long onlyLeft, long onlyRight, long changed, long leftKeyless, long rightKeyless) {
        public boolean equal() {
            return differences.isEmpty();
        }
    }

    private DiffTool() {
    }

    public static Result diff(EventLog log, String left, String right) {
        return diff(log, left, right, List.of());
    }

    /**
     * Parses {@code --by}: {@code key}, optionally followed by fields of the JSON value ({@code key,windowStart}).
     */
    public static List<JsonPath> rowFields(String by) {
        String[] parts = by.split(",");
        if (!parts[0].trim().equals("key")) {
            throw new IllegalArgumentException("--by must start with key (e.g. key, or key,windowStart), not '" + by + "'");
        }
        List<JsonPath> fields = new ArrayList<>();
        for (int i = 1; i < parts.length; i++) {
            fields.add(JsonPath.parse(parts[i].trim()));
        }
        return fields;
    }

    /** Rows are the record key plus {@code fields} of the JSON value (a record missing one is an error). */
    public static Result diff(EventLog log, String left, String right, List<JsonPath> fields) {
        Map<String, byte[]> l = latest(log.resolveTopic(left), fields);
        Map<String, byte[]> r = latest(log.resolveTopic(right), fields);
        long[] keyless = {keyless(log.resolveTopic(left)), keyless(log.resolveTopic(right))};
        List<Difference> diffs = new ArrayList<>();
        long equal = 0;
        long onlyLeft = 0;
        long onlyRight = 0;
        long changed = 0;
        TreeSet<String> keys = new TreeSet<>(l.keySet());
        keys.addAll(r.keySet());
        for (String k : keys) {
            byte[] a = l.get(k);
            byte[] b = r.get(k);
            if (a != null && b != null && Arrays.equals(a, b)) {
                equal++;
                continue;
            }
            if (b == null) {
                onlyLeft++;
            } else if (a == null) {
                onlyRight++;
            } else {
                changed++;
            }
            diffs.add(new Difference(k, text(a), text(b)));
        }
        return new Result(left, right, l.size(), r.size(), equal, diffs, onlyLeft, onlyRight, changed, keyless[0], keyless[1]);
    }

    private static String text(byte[] b) {
        return b == null ? null : new String(b, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static Map<String, byte[]> latest(Topic t, List<JsonPath> fields) {
        Map<String, byte[]> m = new HashMap<>();
        for (int p = 0; p < t.partitionCount(); p++) {
            try (PartitionTailer tailer = t.partition(p).newTailer()) {
                while (tailer.poll(v -> {
                    if (v.hasKey()) {
                        byte[] value = v.valueBytes();
                        m.put(fields.isEmpty() ? v.keyString() : row(v.keyString(), value, fields),
                            value);
                    }
                }, 4096) > 0) {
                    // to the end
                }
            }
        }
        return m;
    }

    /**
     * The row of a record: its key and the {@code --by} fields of its JSON value. A value that is not JSON, or lacks a
     * field, is a row of its own with the field shown as {@link #MISSING}: outputs can hold records of another shape
     * (a marker, an error record), and those are compared as rows too instead of stopping the diff.
     */
    private static String row(String key, byte[] value, List<JsonPath> fields) {
        JsonNode root;
        try {
            root = Serdes.MAPPER.readTree(value);
        } catch (java.io.IOException e) {
            root = null;
        }
        StringBuilder b = new StringBuilder(key);
        for (JsonPath f : fields) {
            JsonNode n = root == null ? null : f.find(root);
            b.append(' ').append(n == null ? MISSING : n.isTextual() ? n.asText() : n.toString());
        }
        return b.toString();
    }

    /** How a {@code --by} field a value does not have shows in its row. */
    static final String MISSING = "(missing)";

    private static long keyless(Topic t) {
        long[] n = {0};
        for (int p = 0; p < t.partitionCount(); p++) {
            try (PartitionTailer tailer = t.partition(p).newTailer()) {
                while (tailer.poll(v -> {
                    if (!v.hasKey()) {
                        n[0]++;
                    }
                }, 4096) > 0) {
                    // to the end
                }
            }
        }
        return n[0];
    }
}
