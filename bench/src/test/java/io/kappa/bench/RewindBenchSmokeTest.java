package io.kappa.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code kappa bench rewind} on a tiny size through the command's entry point: the rewind from a snapshot replays
 * fewer events than the one from offset 0 (all of them up to the target), both states were found equal (the scenario
 * fails otherwise), and the target is judged from the figures. Measures nothing.
 */
class RewindBenchSmokeTest {
    @TempDir
    Path tmp;

    @Test
    @Timeout(120)
    void rewindScenarioOnATinySize() throws Exception {
        System.setProperty("kappa.bench.dir", tmp.resolve("data").toString());
        Path out = tmp.resolve("report");
        StringWriter stderr = new StringWriter();
        int code = BenchCommand.run(new String[] {"rewind", "--events", "50k", "--out", out.toString(), "--quiet"},
            new PrintWriter(new StringWriter(), true), new PrintWriter(stderr, true));
        assertEquals(0, code, stderr.toString());
        JsonNode section = TcpIngestBench.JSON.readTree(out.resolve("results.json").toFile()).at("/scenarios/0");
        assertEquals("rewind", section.get("scenario").asText());
        assertEquals(50_000, section.get("events").asLong());
        assertTrue(section.get("snapshotsTaken").asInt() >= 2, section.toString());
        JsonNode c = section.at("/comparisons/0");
        long fromSnapshot = c.at("/subject/events").asLong();
        assertEquals(50_000 - 500, c.at("/baseline/events").asLong(), "from offset 0: every event up to the target");
        assertTrue(fromSnapshot < 2 * 50_000 / 10 + 500, "from the nearest snapshot: about a snapshot interval, " + fromSnapshot);
        assertEquals(c.at("/subject/eventsPerSec").asDouble() / c.at("/baseline/eventsPerSec").asDouble(), c.get("ratio").asDouble(), 1e-9);
        JsonNode target = section.at("/targets/0");
        assertEquals(target.get("value").asDouble() >= target.get("target").asDouble(), target.get("met").asBoolean());
    }
}
