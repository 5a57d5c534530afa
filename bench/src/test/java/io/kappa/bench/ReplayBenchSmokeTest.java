package io.kappa.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code kappa bench replay} on tiny sizes, two passes, through the command's entry point: the replay section is
 * written in the shape of the other scenarios and agrees with itself (every figure over the events asked for, ratios
 * positive and equal to subject / baseline, the targets judged from the figures). Measures nothing.
 */
class ReplayBenchSmokeTest {
    private static final long EVENTS = 30_000;

    @TempDir
    Path tmp;

    @Test
    @Timeout(60)
    void replayScenarioOnTinySizes() throws Exception {
        System.setProperty("kappa.bench.dir", tmp.resolve("data").toString());
        Path out = tmp.resolve("report");
        StringWriter stdout = new StringWriter();
        StringWriter stderr = new StringWriter();
        int code = BenchCommand.run(new String[] {"replay", "--events", "30k", "--passes", "2", "--out", out.toString(), "--quiet"},
            new PrintWriter(stdout, true), new PrintWriter(stderr, true));
        assertEquals(0, code, stderr.toString());

        JsonNode r = TcpIngestBench.JSON.readTree(out.resolve("results.json").toFile());
        assertEquals(EVENTS, r.at("/settings/replayEvents").asLong());
        assertEquals(2, r.at("/settings/replayPasses").asInt());
        assertEquals(1, r.get("scenarios").size());
        JsonNode section = r.at("/scenarios/0");
        assertEquals("replay", section.get("scenario").asText());
        assertEquals(EVENTS, section.get("events").asLong());
        assertEquals(ReplayBench.KEYS, section.get("keys").asLong());
        assertTrue(section.get("liveDefinition").asText().contains("first append"));
        assertTrue(section.get("seconds").asDouble() > 0, "the time the scenario took");

        List<String> names = List.of("pass-through replay vs bare reader", "pass-through: replay vs live", "count by key: replay vs live",
            "count by key replay vs bare reader");
        JsonNode comparisons = section.get("comparisons");
        assertEquals(names.size(), comparisons.size());
        for (int i = 0; i < names.size(); i++) {
            JsonNode c = comparisons.get(i);
            assertEquals(names.get(i), c.get("name").asText());
            JsonNode subject = c.get("subject");
            JsonNode baseline = c.get("baseline");
            assertEquals(EVENTS, subject.get("events").asLong(), names.get(i));
            assertEquals(EVENTS, baseline.get("events").asLong(), names.get(i));
            assertTrue(subject.get("eventsPerSec").asDouble() > 0 && baseline.get("eventsPerSec").asDouble() > 0, names.get(i));
            assertTrue(c.get("ratio").asDouble() > 0, names.get(i));
            assertEquals(subject.get("eventsPerSec").asDouble() / baseline.get("eventsPerSec").asDouble(), c.get("ratio").asDouble(), 1e-9);
            assertEquals(2, c.get("passes").asInt(), names.get(i));
            assertEquals(2, c.get("passRatios").size(), names.get(i) + ": each pass's own ratio");
            assertTrue(c.get("ratioMin").asDouble() <= c.get("ratioMax").asDouble(), names.get(i));
        }
        assertEquals(section.at("/details/passThroughReplayOverLive"), comparisons.at("/1/passRatios"));
        // the replayed pass-through is the same figure in its two comparisons, as is the bare reader
        assertEquals(comparisons.at("/0/subject"), comparisons.at("/1/subject"));
        assertEquals(comparisons.at("/0/baseline"), comparisons.at("/3/baseline"));

        JsonNode passes = section.at("/details/passes");
        assertEquals(2, passes.size());
        for (JsonNode p : passes) {
            for (String kind : List.of("read", "passLive", "passReplay", "countLive", "countReplay")) {
                assertEquals(EVENTS, p.get(kind).get("events").asLong(), kind);
                assertTrue(p.get(kind).get("eventsPerSec").asDouble() > 0, kind);
            }
            for (String kind : List.of("passLive", "countLive")) {
                JsonNode live = p.get(kind);
                assertTrue(live.get("appendEventsPerSec").asDouble() >= live.get("eventsPerSec").asDouble(),
                    kind + ": appending alone cannot be slower than appending and catching up");
                assertTrue(live.get("lagAtLastAppend").asLong() >= 0 && live.get("lagAtLastAppend").asLong() <= EVENTS, kind);
                assertTrue(live.get("maxLag").asLong() >= live.get("lagAtLastAppend").asLong(), kind);
            }
            assertEquals(3, p.get("readPasses").size());
        }
        for (String perPass : List.of("passThroughReplayOverLive", "countReplayOverLive", "passThroughReplayOverBareReader")) {
            assertEquals(2, section.at("/details/" + perPass).size(), perPass);
            section.at("/details/" + perPass).forEach(v -> assertTrue(v.asDouble() > 0, perPass));
        }

        JsonNode targets = section.get("targets");
        assertEquals(3, targets.size());
        assertEquals(comparisons.at("/0/subject/eventsPerSec").asDouble(), targets.at("/0/value").asDouble(), 1e-9);
        assertEquals(comparisons.at("/1/ratio").asDouble(), targets.at("/1/value").asDouble(), 1e-9);
        assertEquals(comparisons.at("/2/ratio").asDouble(), targets.at("/2/value").asDouble(), 1e-9);
        for (JsonNode t : targets) {
            assertEquals(t.get("value").asDouble() >= t.get("target").asDouble(), t.get("met").asBoolean(), t.toString());
        }

        String table = stdout.toString();
        assertTrue(table.contains("pass-through: replay vs live"), table);
        assertTrue(table.contains("issue 6"), "the targets are printed: " + table);
        String html = Files.readString(out.resolve("report.html"), StandardCharsets.UTF_8);
        assertTrue(html.contains("<svg class=\"throughput\" data-scenario=\"replay\""));
        assertTrue(html.contains("<table class=\"targets\">"));
        assertFalse(html.toLowerCase().contains("<script"));
        assertFalse(Files.list(tmp.resolve("data")).findAny().isPresent(), "scratch directories deleted");
    }

    @Test
    void rejectsZeroPasses() {
        StringWriter err = new StringWriter();
        assertEquals(2, BenchCommand.run(new String[] {"replay", "--passes", "0"}, new PrintWriter(new StringWriter()),
            new PrintWriter(err, true)));
        assertTrue(err.toString().contains("--passes"), err.toString());
    }
}
