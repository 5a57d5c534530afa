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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
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

    /** Short read warm-up and passes: the smoke test checks the outputs, not the figures. */
    @BeforeAll
    static void shortReads() {
        System.setProperty("kappa.bench.read.warmup", "0.3");
        System.setProperty("kappa.bench.read.pass", "0.1");
    }

    @AfterAll
    static void defaultReads() {
        System.clearProperty("kappa.bench.read.warmup");
        System.clearProperty("kappa.bench.read.pass");
    }

    @Test
    @Timeout(180)
    void runsEveryScenarioOnTinySizes() throws Exception {
        System.setProperty("kappa.bench.dir", tmp.resolve("data").toString());
        Path out = tmp.resolve("report");
        StringWriter stdout = new StringWriter();
        StringWriter stderr = new StringWriter();
        int code = BenchCommand.run(new String[] {"all", "--events", "20k", "--duration", "0.5", "--rate", "2000,max", "--seek-ops", "500", "--out",
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
        JsonNode read = r.at("/scenarios/1/comparisons");
        assertEquals(3, read.size(), "read with 1, 2 and 4 partitions");
        for (int i = 0; i < 3; i++) {
            int p = new int[] {1, 2, 4}[i];
            JsonNode c = read.get(i);
            assertEquals("sequential read, " + BenchScenarios.partitionsLabel(p), c.get("name").asText());
            assertTrue(c.at("/subject/what").asText().contains("round the " + p + " partition"), c.toString());
            assertTrue(c.at("/baseline/what").asText().contains("round " + p + " queue"), c.toString());
            assertMedianOfPasses(c, 3, "read, " + p + " partitions (3 passes by default)");
        }
        assertEquals(3, r.at("/scenarios/1/warmup").size(), "a read warm-up per partition count");
        assertTrue(r.at("/scenarios/1/warmup/0/kappaEventsPerSec").size() >= 1, "at least one warm-up read");
        assertEquals(0.3, r.at("/scenarios/1/warmupSeconds").asDouble(), 1e-9);
        assertTrue(read.get(0).at("/subject/readsPerPass").asInt() >= 1, "reads per pass recorded");
        // ack latency at 2000/s and at max = the binary TCP throughput of the run; pass-through likewise
        assertMaxRate(r.at("/scenarios/3"), 1);
        assertMaxRate(r.at("/scenarios/4"), 0);
        for (JsonNode l : r.at("/scenarios/4/latency")) {
            assertTrue(l.get("deliveredEventsPerSec").asDouble() > 0, "process: the pipeline's delivered rate: " + l);
        }
        assertTrue(stdout.toString().contains("max="), "the max rate is marked in the table: " + stdout);
        JsonNode process = r.at("/scenarios/4/comparisons");
        assertEquals(5, process.size(), "process: pass-through and count vs bare reader and copy, window count vs bare reader");
        assertEquals("window count vs bare reader", process.get(4).get("name").asText());
        assertEquals(process.get(0).get("baseline"), process.get(4).get("baseline"), "the window count's baseline is the bare reader");
        assertEquals(BenchScenarios.WINDOW_KEYS, r.at("/scenarios/4/windowKeys").asLong());
        assertEquals(EVENTS, r.at("/scenarios/4/details/window/events").asLong(), "the window count ran over every event");
        assertTrue(stdout.toString().contains("closed loop"), "seek latencies in the table: " + stdout);
        assertTrue(stdout.toString().contains("peak RSS"), "resident memory in the table: " + stdout);
        // records are stored in batches (docs/format.md): at least each record's own header, key and value
        assertTrue(r.at("/scenarios/0/comparisons/0/subject/diskBytesPerEvent").asDouble() >= io.kappa.log.RecordDescriptor.batchedRecordLength(
                BenchSupport.KEY_LENGTH, io.kappa.log.RecordDescriptor.NO_BYTES, BenchSupport.VALUE_LENGTH, false),
            "an appended event takes at least its record on disk");

        String html = Files.readString(out.resolve("report.html"), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("<svg class=\"throughput\" data-scenario=\"([a-z]+)\"").matcher(html);
        List<String> charts = new ArrayList<>();
        while (m.find()) {
            charts.add(m.group(1));
        }
        assertEquals(scenarios, charts, "one throughput chart per scenario");
        assertEquals(3, count(html, "<svg class=\"latency\""), "latency curves of seek, tcp and process");
        assertTrue(html.contains("max="), "the max rate is marked in the report");
        assertTrue(html.contains("passes: ratio min-max"), "the pass range column is in the report");
        assertEquals(scenarios.size(), count(html, "<p class=\"memory\">"), "resident memory of each scenario");
        assertFalse(html.toLowerCase().contains("http"), "nothing fetched from the network");
        assertFalse(html.toLowerCase().contains("<script"), "no scripts");
    }

    /** {@code --passes 2} on append, seek and process (read is covered above, 3 passes by default): medians with min and max. */
    @Test
    @Timeout(120)
    void passesGiveMediansWithMinAndMax() throws Exception {
        System.setProperty("kappa.bench.dir", tmp.resolve("data").toString());
        for (String scenario : List.of("append", "seek", "process")) {
            Path out = tmp.resolve("passes-" + scenario);
            StringWriter stderr = new StringWriter();
            int code = BenchCommand.run(new String[] {scenario, "--events", "20k", "--passes", "2", "--partitions", "2", "--duration",
                "0.3", "--rate", "2000", "--seek-ops", "300", "--out", out.toString(), "--quiet"}, new PrintWriter(new StringWriter()),
                new PrintWriter(stderr, true));
            assertEquals(0, code, scenario + ": " + stderr);
            JsonNode r = TcpIngestBench.JSON.readTree(out.resolve("results.json").toFile());
            JsonNode section = r.at("/scenarios/0");
            assertEquals(2, section.get("passes").asInt(), scenario);
            assertEquals(2, r.at("/settings/passes").asInt(), scenario);
            for (JsonNode c : section.get("comparisons")) {
                assertMedianOfPasses(c, 2, scenario + ": " + c.get("name").asText());
            }
            if (scenario.equals("append")) {
                assertEquals(1, section.get("comparisons").size());
                assertEquals("append, 2 partitions", section.at("/comparisons/0/name").asText());
            }
            if (scenario.equals("seek")) {
                for (JsonNode l : section.get("latency")) {
                    assertEquals(2 * 300, l.at("/latencyUs/count").asLong(), "seek percentiles over both passes: " + l);
                }
            }
            if (scenario.equals("process")) {
                assertEquals(2, section.at("/details/passes").size(), "process: every pass's details");
            }
            String html = Files.readString(out.resolve("report.html"), StandardCharsets.UTF_8);
            assertTrue(html.contains("<td class=\"n\">2: "), scenario + ": the pass range in the report");
        }
    }

    /** A comparison over {@code passes} passes: consistent medians, ranges and per-pass ratios. */
    private static void assertMedianOfPasses(JsonNode c, int passes, String what) {
        assertEquals(passes, c.get("passes").asInt(), what);
        JsonNode ratios = c.get("passRatios");
        assertEquals(passes, ratios.size(), what + " ratio per pass");
        double min = Double.POSITIVE_INFINITY;
        double max = 0;
        for (int i = 0; i < passes; i++) {
            double expected = c.at("/subject/passEventsPerSec/" + i).asDouble() / c.at("/baseline/passEventsPerSec/" + i).asDouble();
            assertEquals(expected, ratios.get(i).asDouble(), 1e-9, what + " pass " + i + " ratio");
            min = Math.min(min, expected);
            max = Math.max(max, expected);
        }
        assertEquals(min, c.get("ratioMin").asDouble(), 1e-9, what);
        assertEquals(max, c.get("ratioMax").asDouble(), 1e-9, what);
        for (String f : List.of("subject", "baseline")) {
            JsonNode fig = c.get(f);
            assertEquals(passes, fig.get("passEventsPerSec").size(), what + " " + f);
            double rate = fig.get("eventsPerSec").asDouble();
            assertTrue(fig.get("eventsPerSecMin").asDouble() <= rate && rate <= fig.get("eventsPerSecMax").asDouble(),
                what + " " + f + ": min <= median <= max: " + fig);
            boolean isPass = false;
            for (JsonNode v : fig.get("passEventsPerSec")) {
                isPass |= v.asDouble() == rate;
            }
            assertTrue(isPass, what + " " + f + ": the median is one of the passes");
        }
    }

    /** The scenario's latency: the asked rate, then max = the throughput of its comparison {@code comparison} of the same run. */
    private static void assertMaxRate(JsonNode section, int comparison) {
        JsonNode latency = section.get("latency");
        assertEquals(2, latency.size(), section.get("scenario").asText() + ": 2000/s and max");
        assertEquals(2000, latency.get(0).get("offeredEventsPerSec").asLong());
        assertFalse(latency.get(0).path("maxRate").asBoolean());
        JsonNode max = latency.get(1);
        assertTrue(max.get("maxRate").asBoolean(), max.toString());
        assertEquals(Math.round(section.at("/comparisons/" + comparison + "/subject/eventsPerSec").asDouble()),
            max.get("offeredEventsPerSec").asLong(), "max offers the measured throughput: " + max);
        assertTrue(max.get("achievedEventsPerSec").asDouble() > 0, max.toString());
        assertTrue(max.at("/latencyUs/count").asLong() > 0, max.toString());
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

    @Test
    void namesTheOptionOutOfRangeAndItsRange() {
        String[][] cases = {
            {"--events must be at least 1, was 0", "append", "--events", "0"},
            {"--passes must be in 1..99, was 100", "append", "--passes", "100"},
            {"--size must be in 8..1048576, was 4", "append", "--size", "4"},
            {"--partitions must be in 1..1024, was 0", "append", "--partitions", "0"},
            {"--seek-ops must be in 1..2147483647, was 0", "seek", "--seek-ops", "0"},
            {"--duration must be > 0, was -1.0", "append", "--duration", "-1"},
        };
        for (String[] c : cases) {
            StringWriter err = new StringWriter();
            String[] args = java.util.Arrays.copyOfRange(c, 1, c.length);
            assertEquals(2, BenchCommand.run(args, new PrintWriter(new StringWriter()), new PrintWriter(err, true)), err.toString());
            assertTrue(err.toString().startsWith(c[0]), err.toString());
        }
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
