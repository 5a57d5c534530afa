package io.kappa.replay;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import io.kappa.log.EventLog;
import io.kappa.log.PartitionTailer;
import io.kappa.log.Topic;

/**
 * Compares two outputs as tables: the latest value per key of each topic (records without a key are counted, not
 * compared). Used to check a replayed version against the live one before promoting it.
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
        Map<String, byte[]> l = latest(log.topic(left));
        Map<String, byte[]> r = latest(log.topic(right));
        long[] keyless = {keyless(log.topic(left)), keyless(log.topic(right))};
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

    private static Map<String, byte[]> latest(Topic t) {
        Map<String, byte[]> m = new HashMap<>();
        for (int p = 0; p < t.partitionCount(); p++) {
            try (PartitionTailer tailer = t.partition(p).newTailer()) {
                while (tailer.poll(v -> {
                    if (v.hasKey()) {
                        m.put(v.keyString(), v.valueBytes());
                    }
                }, 4096) > 0) {
                    // to the end
                }
            }
        }
        return m;
    }

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
