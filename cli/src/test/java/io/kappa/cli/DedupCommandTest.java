package io.kappa.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/** {@code kappa run dedup} gives the same output however its runs split the input. */
@Timeout(120)
class DedupCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long T = 1_700_000_000_000L;

    @TempDir
    Path dir;

    private Cli.Result kappa(String... args) {
        String[] full = new String[args.length + 1];
        int sub = args[0].equals("topic") ? 2 : 1;
        for (int i = 0, j = 0; i < args.length; i++) {
            full[j++] = args[i];
            if (i + 1 == sub) {
                full[j++] = "--data-dir=" + dir;
            }
        }
        return Cli.run(full);
    }

    private void append(String topic, String lines) {
        String[] args = {"append", "--data-dir=" + dir, topic};
        Cli.Result r = Cli.runWithStdin(lines, args);
        assertEquals(0, r.code(), r.err());
    }

    private static String event(int partition, String id, long time, int i) {
        return "{\"partition\":" + partition + ",\"key\":\"k" + i + "\",\"id\":\"" + id + "\",\"time\":" + time + ",\"value\":{\"i\":" + i
            + "}}\n";
    }

    private void dedup(String group, String input) {
        Cli.Result r = kappa("run", "dedup", "--window", "1m", "--group", group, "--input", input, "--output", group + "-out",
            "--until-caught-up");
        assertEquals(0, r.code(), r.err());
    }

    private List<Integer> outputs(String topic) throws Exception {
        Cli.Result r = kappa("read", topic);
        assertEquals(0, r.code(), r.err());
        List<Integer> out = new ArrayList<>();
        for (String line : r.lines()) {
            JsonNode n = JSON.readTree(line);
            out.add(n.get("value").get("i").asInt());
        }
        out.sort(null);
        return out;
    }

    /**
     * Partition 1 holds an order and its retry 5 s later; partition 0 runs ten minutes ahead (with the same id, far
     * enough away to be kept, and others). Run after run, with partition 0 overtaking between the original and the
     * retry, gives what one run over everything gives: the retry dropped.
     */
    @Test
    void aRetryBehindAPartitionThatRunsAheadIsDroppedAsInOneRunOverEverything() throws Exception {
        String original = event(1, "order-7", T, 0);
        String retry = event(1, "order-7", T + 5_000, 1);
        StringBuilder ahead = new StringBuilder();
        for (int n = 0; n < 6; n++) {
            ahead.append(event(0, n == 0 ? "order-7" : "other-" + n, T + 600_000 + n * 1_000, 2 + n));
        }
        List<Integer> expected = List.of(0, 2, 3, 4, 5, 6, 7); // all but the retry

        assertEquals(0, kappa("topic", "create", "all", "--partitions", "2").code());
        append("all", original + retry + ahead);
        dedup("once", "all");
        assertEquals(expected, outputs("once-out"));

        assertEquals(0, kappa("topic", "create", "steps", "--partitions", "2").code());
        append("steps", original);
        dedup("steps", "steps");
        append("steps", ahead.toString());
        dedup("steps", "steps");
        append("steps", retry);
        dedup("steps", "steps");
        assertEquals(expected, outputs("steps-out"), "run by run");
    }
}
