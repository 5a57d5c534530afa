package io.kappa.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the TCP ingest harness end to end on tiny sizes (real {@code kappa serve} child JVMs, every scenario) so it
 * cannot rot unnoticed: the results file is written, every event is acknowledged and counted, and the latency
 * percentiles are ordered. Measures nothing; the offered rate is low enough for a loaded 2-core machine.
 */
class TcpIngestBenchSmokeTest {
    @TempDir
    Path tmp;

    @Test
    @Timeout(120)
    void runsEveryScenarioOnTinySizes() throws Exception {
        System.setProperty("kappa.bench.dir", tmp.resolve("data").toString());
        Path out = tmp.resolve("out");
        TcpIngestBench.Settings s = TcpIngestBench.parse(new String[] {
            "--events", "3000", "--line-events", "2000", "--batch", "100", "--in-flight", "8",
            "--rate", "2000", "--duration", "1.5", "--warmup", "0.5", "--latency-in-flight", "64",
            "--baseline-events", "3000", "--baseline-reps", "1", "--out", out.toString(), "--quiet"});
        TcpIngestBench.run(s);

        Path json = out.resolve("results.json");
        assertTrue(Files.isRegularFile(json), "results.json written");
        JsonNode r = TcpIngestBench.JSON.readTree(json.toFile());

        JsonNode baseline = r.get("baseline");
        assertEquals(3000, baseline.get("events").asLong());
        for (String name : List.of("rawChronicle", "kappaAppendBatch", "kappaAppendBatchProducer")) {
            assertTrue(baseline.get(name).get("eventsPerSec").asDouble() > 0, name);
        }

        JsonNode binary = r.get("binary");
        assertEquals(3000, binary.get("events").asLong());
        assertEquals(3000, binary.get("acked").asLong());
        assertEquals(0, binary.get("errors").asLong(), binary.path("firstError").asText());
        assertEquals(0, binary.get("badAcks").asLong(), binary.path("firstError").asText());
        assertTrue(binary.get("eventsPerSec").asDouble() > 0);
        assertTrue(binary.get("ratioToRawChronicle").asDouble() > 0);
        assertOrdered(binary.get("batchAckLatencyUs"));
        assertEquals(3000 / 100, binary.get("batchAckLatencyUs").get("count").asLong());

        JsonNode line = r.get("line");
        assertEquals(2000, line.get("events").asLong());
        assertEquals(2000, line.get("ok").asLong(), line.path("firstError").asText());
        assertEquals(0, line.get("errors").asLong());
        assertEquals(line.get("lastOffsetExpected").asLong(), line.get("lastOffset").asLong());
        assertTrue(line.get("eventsPerSec").asDouble() > 0);

        JsonNode latency = r.get("latency");
        assertEquals(1, latency.size());
        JsonNode l = latency.get(0);
        assertEquals(2000, l.get("offeredEventsPerSec").asLong());
        assertEquals(2, l.get("batch").asInt());
        assertEquals(3000, l.get("scheduledEvents").asLong());
        assertEquals(0, l.get("errors").asLong(), l.path("firstError").asText());
        assertFalse(l.get("senderGaveUp").asBoolean());
        assertEquals(l.get("scheduledEvents").asLong(), l.get("sentEvents").asLong());
        assertEquals(l.get("sentEvents").asLong(), l.get("ackedEvents").asLong());
        assertEquals(l.get("ackedEvents").asLong(), l.get("recordedEvents").asLong());
        assertEquals(l.get("ackedEvents").asLong(), l.get("latencyUs").get("count").asLong());
        assertOrdered(l.get("latencyUs"));

        for (String file : List.of("binary-batch-latency.hgrm", "latency-2000.hlog", "latency-2000.hgrm", "server-binary.log")) {
            assertTrue(Files.size(out.resolve(file)) > 0, file);
        }
        assertTrue(Files.readString(out.resolve("latency-2000.hgrm")).contains("#[Max     ="), "percentile distribution written");

        assertEquals(Set.of("binary", "line"), targetsOf(r)); // the latency target is checked at 100,000 events/s only
        String table = TcpIngestBench.table(r);
        assertTrue(table.contains("binary TCP") && table.contains("line TCP") && table.contains("raw Chronicle"), table);
        try (var dirs = Files.list(tmp.resolve("data"))) {
            assertEquals(0, dirs.count(), "scratch data deleted");
        }
    }

    @Test
    void parsesCounts() {
        assertEquals(5_000_000, TcpIngestBench.count("5M"));
        assertEquals(100_000, TcpIngestBench.count("100k"));
        assertEquals(1_000_000, TcpIngestBench.count("1_000_000"));
        assertEquals(2_500, TcpIngestBench.count("2.5k"));
        TcpIngestBench.Settings d = TcpIngestBench.parse(new String[0]);
        assertEquals(TcpIngestBench.Settings.defaults().events(), d.events());
        assertEquals(List.of(10_000L, 100_000L, 500_000L), d.rates());
        assertEquals(d.events(), d.baselineEvents());
    }

    private static void assertOrdered(JsonNode p) {
        double p50 = p.get("p50").asDouble();
        double p99 = p.get("p99").asDouble();
        double p999 = p.get("p99.9").asDouble();
        double p9999 = p.get("p99.99").asDouble();
        double max = p.get("max").asDouble();
        assertTrue(p50 > 0 && p50 <= p99 && p99 <= p999 && p999 <= p9999 && p9999 <= max, p.toString());
    }

    private static Set<String> targetsOf(JsonNode r) {
        Set<String> kinds = new HashSet<>();
        for (JsonNode t : r.get("targets")) {
            String name = t.get("target").asText();
            kinds.add(name.startsWith("binary") ? "binary" : name.startsWith("line") ? "line" : "latency");
            assertTrue(t.has("met") && t.has("value"), t.toString());
        }
        return kinds;
    }
}
