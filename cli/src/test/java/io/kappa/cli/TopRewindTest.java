package io.kappa.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code top} over two partitions (through the one-partition {@code G.gather}) rewound to a middle point, run, undone
 * and run again writes every window as one uninterrupted run over the same input does. Found by LoopSequenceTest: the
 * rebuild's scratch copy created its gather topic with the input's partition count, so the rebuilt later stage had
 * heard from only some upstream tasks (its watermark was still waiting) and windows came out without their records.
 */
@Timeout(120)
class TopRewindTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path root;
    private Path dir;

    private Cli.Result ok(String... args) {
        Cli.Result r = Cli.run(Cli.inDir(dir, args));
        assertEquals(0, r.code(), () -> String.join(" ", args) + ": " + r.err());
        return r;
    }

    private Map<String, String> windows(String topic) throws Exception {
        Map<String, String> m = new TreeMap<>();
        for (String line : ok("read", topic).lines()) {
            JsonNode n = JSON.readTree(line);
            m.put(n.path("key").asText(), n.path("value").path("top").toString());
        }
        return m;
    }

    /** {@code n} events; partition 0's clock starts 10 minutes ahead of partition 1's. */
    private void append(long[] clocks, int n, Random rnd) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            String key = "k" + rnd.nextInt(8);
            int p = (io.kappa.log.Partitioner.murmur2(key.getBytes(java.nio.charset.StandardCharsets.UTF_8)) & 0x7fffffff) % 2;
            clocks[p] += 1000;
            b.append("{\"key\":\"").append(key).append("\",\"time\":").append(clocks[p] + rnd.nextInt(3000)).append(",\"value\":{\"n\":")
                .append(rnd.nextInt(10)).append("}}\n");
        }
        assertEquals(0, Cli.runWithStdin(b.toString(), Cli.inDir(dir, "append", "in")).code());
    }

    private String[] top(String group, String out) {
        return new String[] {"run", "top", "--by", "n", "--n", "3", "--size", "10s", "--out-of-order", "5s", "--idle-timeout", "1h", "--group",
            group, "--input", "in", "--output", out, "--until-caught-up"};
    }

    @Test
    void topThroughGatherRewoundToTheMiddleWritesEveryWindowWhole() throws Exception {
        for (int seed : new int[] {4, 7, 11, 12, 15}) { // seeds that showed the defect
            dir = root.resolve("s" + seed);
            Random rnd = new Random(seed);
            ok("topic", "create", "in", "--partitions", "2");
            long[] clocks = {1_800_000_000_000L + 600_000, 1_800_000_000_000L};
            append(clocks, 23, rnd);
            append(clocks, 6, rnd);
            ok(top("g", "out"));
            append(clocks, 9, rnd);
            ok("rewind", "--group", "g", "--shift", "-6");
            ok(top("g", "out"));
            ok("rewind", "--group", "g", "--undo");
            ok(top("g", "out"));
            ok(top("clean", "reference"));
            assertEquals(windows("reference"), windows("out"), "seed " + seed + ": top after rewind, run, undo, run");
        }
    }
}
