package io.kappa.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code kappa bench all} on tiny sizes through the command's entry point (real {@code kappa serve} child JVMs
 * for tcp) so the command cannot rot unnoticed: results.json and report.html are written and agree with what was
 * asked. Measures nothing.
 */
class BenchCommandSmokeTest {
    private static final long EVENTS = 20_000;
    /** Few seeks: under surefire (assertions on) Chronicle's resource tracking slows each time lookup as the run goes on. */
    private static final long SEEK_OPS = 500;

    @TempDir
    Path tmp;

    @Test
    @Timeout(120)
    void runsEveryScenarioOnTinySizes() throws Exception {
        System.setProperty("kappa.bench.dir", tmp.resolve("data").toString());
        Path out = tmp.resolve("report");
        StringWriter stdout = new StringWriter();
        StringWriter stderr = new StringWriter();
        int code = BenchCommand.run(new String[] {"all", "--events", "20k", "--duration", "0.5", "--rate", "2000", "--seek-ops", "500", "--out",
            out.toString(), "--quiet"}, new PrintWriter(stdout, true), new PrintWriter(stderr, true));
        assertEquals(0, code, stderr.toString());
        assertTrue(stdout.toString().contains("ratio"), "the table is printed: " + stdout);

        JsonNode r = TcpIngestBench.JSON.readTree(out.resolve("results.json").toFile());
        List<String> scenarios = new ArrayList<>();
        for (JsonNode section : r.get("scenarios")) {
            String scenario = section.get("scenario").asText();
            scenarios.add(scenario);
            assertTrue(section.get("comparisons").size() > 0, scenario + " has comparisons");
            JsonNode memory = section.get("memory");
            assertTrue(memory.get("rssBytes").asLong() > 0, scenario + " records VmRSS: " + memory);
            assertTrue(memory.get("hwmBytes").asLong() >= memory.get("rssBytes").asLong(), scenario + " VmHWM >= VmRSS: " + memory);
            for (JsonNode c : section.get("comparisons")) {
                String what = scenario + ": " + c.get("name").asText();
                JsonNode subject = c.get("subject");
                JsonNode baseline = c.get("baseline");
                assertTrue(subject.get("eventsPerSec").asDouble() > 0, what);
                assertTrue(baseline.get("eventsPerSec").asDouble() > 0, what + " has a baseline");
                assertEquals(subject.get("eventsPerSec").asDouble() / baseline.get("eventsPerSec").asDouble(), c.get("ratio").asDouble(),
                    1e-9, what + " ratio");
                long expected = c.get("name").asText().startsWith("line") ? EVENTS / 4 : scenario.equals("seek") ? SEEK_OPS : EVENTS;
                assertEquals(expected, subject.get("events").asLong(), what + " events");
                if (!scenario.equals("tcp")) {
                    assertEquals(expected, baseline.get("events").asLong(), what + " baseline events");
                }
            }
            for (JsonNode l : section.path("latency")) {
                JsonNode p = l.get("latencyUs");
                assertTrue(p.get("count").asLong() > 0, scenario + " latency recorded");
                double last = 0;
                for (String q : BenchReport.PERCENTILES) {
                    assertTrue(p.get(q).asDouble() >= last, scenario + " percentiles ordered at " + q + ": " + p);
                    last = p.get(q).asDouble();
                }
                assertTrue(Files.size(out.resolve(l.get("hgrm").asText())) > 0, l.get("hgrm").asText());
            }
        }
        assertEquals(BenchScenarios.ALL, scenarios);
        assertEquals(3, r.at("/scenarios/0/comparisons").size(), "append with 1, 2 and 4 partitions");
        assertEquals(2, r.at("/scenarios/2/comparisons").size(), "seek: seek + read one and offsetForTime, each vs raw moveToIndex");
        assertEquals(3, r.at("/scenarios/2/latency").size(), "seek: kappa seek, offsetForTime and raw seek percentiles");
        for (JsonNode l : r.at("/scenarios/2/latency")) {
            assertTrue(l.get("closedLoop").asBoolean(), "seek latencies are closed-loop: " + l);
            assertEquals(SEEK_OPS, l.at("/latencyUs/count").asLong(), "one latency per seek operation: " + l);
        }
        assertEquals("operations", r.at("/scenarios/2/comparisons/0/subject/unit").asText());
        assertEquals(EVENTS, r.at("/scenarios/2/records").asLong(), "seeks over a partition of --events records");
        assertEquals(1, r.at("/scenarios/3/latency").size());
        assertEquals(1, r.at("/scenarios/4/latency").size());
        JsonNode process = r.at("/scenarios/4/comparisons");
        assertEquals(5, process.size(), "process: pass-through and count vs bare reader and copy, window count vs bare reader");
        assertEquals("window count vs bare reader", process.get(4).get("name").asText());
        assertEquals(process.get(0).get("baseline"), process.get(4).get("baseline"), "the window count's baseline is the bare reader");
        assertEquals(BenchScenarios.WINDOW_KEYS, r.at("/scenarios/4/windowKeys").asLong());
        assertEquals(EVENTS, r.at("/scenarios/4/details/window/events").asLong(), "the window count ran over every event");
        assertTrue(stdout.toString().contains("closed loop"), "seek latencies in the table: " + stdout);
        assertTrue(stdout.toString().contains("peak RSS"), "resident memory in the table: " + stdout);
        assertTrue(r.at("/scenarios/0/comparisons/0/subject/diskBytesPerEvent").asDouble() >= BenchSupport.RECORD_LENGTH,
            "an appended event takes at least its record on disk");

        String html = Files.readString(out.resolve("report.html"), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("<svg class=\"throughput\" data-scenario=\"([a-z]+)\"").matcher(html);
        List<String> charts = new ArrayList<>();
        while (m.find()) {
            charts.add(m.group(1));
        }
        assertEquals(scenarios, charts, "one throughput chart per scenario");
        assertEquals(3, count(html, "<svg class=\"latency\""), "latency curves of seek, tcp and process");
        assertEquals(scenarios.size(), count(html, "<p class=\"memory\">"), "resident memory of each scenario");
        assertFalse(html.toLowerCase().contains("http"), "nothing fetched from the network");
        assertFalse(html.toLowerCase().contains("<script"), "no scripts");
    }

    @Test
    void escapesText() {
        assertEquals("&lt;script&gt;&amp;&quot;&#39;", BenchReport.esc("<script>&\"'"));
    }

    @Test
    void rejectsAnUnknownScenario() {
        StringWriter err = new StringWriter();
        assertEquals(2, BenchCommand.run(new String[] {"nonsense"}, new PrintWriter(new StringWriter()), new PrintWriter(err, true)));
        assertTrue(err.toString().contains("unknown scenario"), err.toString());
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
