package io.kappa.cli;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Late records and dead letters of a built-in that repartitions name the input record (topic, partition, offset)
 * and carry its value as written; {@code run} and {@code status} count them.
 */
@Timeout(120)
class RepartitionOriginCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long T0 = Instant.parse("2026-11-21T10:00:00Z").toEpochMilli();

    @TempDir
    Path dir;

    private Cli.Result kappa(String... args) {
        List<String> full = new ArrayList<>(List.of(args));
        full.add(args[0].equals("topic") ? 2 : 1, "--data-dir=" + dir);
        return Cli.run(full.toArray(new String[0]));
    }

    private void append(String topic, String lines) {
        Cli.Result r = Cli.runWithStdin(lines, "append", "--data-dir=" + dir, topic);
        assertEquals(0, r.code(), r.err());
    }

    private List<JsonNode> read(String topic) throws Exception {
        Cli.Result r = kappa("read", topic);
        assertEquals(0, r.code(), r.err());
        List<JsonNode> out = new ArrayList<>();
        for (String line : r.lines()) {
            out.add(JSON.readTree(line));
        }
        return out;
    }

    private static String click(int partition, String user, long ms) {
        return "{\"partition\":" + partition + ",\"key\":\"" + user + "\",\"time\":" + (T0 + ms) + ",\"value\":{\"user\":\"" + user
            + "\",\"page\":\"a\"}}\n";
    }

    private static final String[] WINDOW_COUNT = {"run", "window-count", "--by", "page", "--size", "1m", "--out-of-order", "5s",
        "--group", "wl", "--input", "clicks", "--output", "per-minute", "--until-caught-up"};

    @Test
    void lateRecordsAfterARepartitionNameTheirInputRecordAndAreCounted() throws Exception {
        assertEquals(0, kappa("topic", "create", "clicks", "--partitions", "2").code());
        append("clicks", click(0, "u1", 10_000) + click(0, "u1", 200_000) + click(1, "u2", 20_000) + click(1, "u2", 210_000));
        Cli.Result first = kappa(WINDOW_COUNT);
        assertEquals(0, first.code(), first.err());
        assertTrue(first.out().contains("0 in wl.dlq and 0 in wl.late in total"), first.out());

        // the watermark stands at 10:03:15 (kept in the checkpoint): minute 0 closed long ago
        append("clicks", click(1, "u9", 1_000) + click(0, "u8", 2_000) + click(1, "u7", 220_000));
        Cli.Result second = kappa(WINDOW_COUNT);
        assertEquals(0, second.code(), second.err());
        assertTrue(second.out().contains("0 in wl.dlq and 2 in wl.late in total"), second.out());

        List<JsonNode> late = read("wl.late");
        assertEquals(2, late.size(), late.toString());
        for (JsonNode r : late) {
            JsonNode v = r.get("value");
            String user = r.get("key").asText();
            assertEquals("clicks", v.get("topic").asText(), "the input topic, not wl.repartition: " + v);
            assertEquals(user.equals("u9") ? 1 : 0, v.get("partition").asInt(), v.toString());
            assertEquals(2, v.get("offset").asLong(), "the offset in the input partition: " + v);
            assertEquals(JSON.readTree("{\"user\":\"" + user + "\",\"page\":\"a\"}"), v.get("value"),
                "the value as written, without the repartition's framing: " + v);
        }

        JsonNode status = JSON.readTree(kappa("status", "wl", "--json").out());
        assertEquals(2, status.get("late").asLong(), status.toString());
        assertEquals(0, status.get("deadLettered").asLong(), status.toString());
        long perTask = 0;
        for (JsonNode t : status.get("tasks")) {
            perTask += t.get("late").asLong();
            if (t.get("stage").asText().equals("repartition")) {
                assertEquals(0, t.get("late").asLong(), "only the window stage sends records aside: " + t);
            }
        }
        assertEquals(2, perTask, status.toString());
        String text = kappa("status", "wl").out();
        assertTrue(text.contains("0 dead-lettered, 2 late"), text);
        assertTrue(text.contains("LATE"), text);
    }

    @Test
    void aDeadLetterAfterARepartitionNamesItsInputRecord() throws Exception {
        assertEquals(0, kappa("topic", "create", "orders", "--partitions", "2").code());
        String bad = "{\"page\":\"a\",\"n\":\"many\"}";
        append("orders", "{\"partition\":1,\"key\":\"o1\",\"value\":{\"page\":\"a\",\"n\":2}}\n"
            + "{\"partition\":1,\"key\":\"o2\",\"value\":" + bad + "}\n"
            + "{\"partition\":0,\"key\":\"o3\",\"value\":{\"page\":\"a\",\"n\":3}}\n");
        Cli.Result run = kappa("run", "sum", "--by", "page", "--field", "n", "--group", "s", "--input", "orders", "--output", "sums",
            "--until-caught-up");
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("1 in s.dlq and 0 in s.late in total"), run.out());

        List<JsonNode> dead = read("s.dlq");
        assertEquals(1, dead.size(), dead.toString());
        assertEquals("o2", dead.get(0).get("key").asText(), "the original key");
        JsonNode v = dead.get(0).get("value");
        assertTrue(v.get("error").asText().contains("not a number"), v.toString());
        assertEquals("orders", v.get("topic").asText(), "the input topic, not s.repartition: " + v);
        assertEquals(1, v.get("partition").asInt(), v.toString());
        assertEquals(1, v.get("offset").asLong(), v.toString());
        assertEquals(bad, v.get("value").asText(), "the value as written, without the repartition's framing");

        JsonNode status = JSON.readTree(kappa("status", "s", "--json").out());
        assertEquals(1, status.get("deadLettered").asLong(), status.toString());
        assertEquals(0, status.get("late").asLong(), status.toString());
    }
}
