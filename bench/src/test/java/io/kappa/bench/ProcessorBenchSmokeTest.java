package io.kappa.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the processor load harness end to end on tiny sizes (every scenario, a real {@code ProcessorRunner}) so it
 * cannot rot unnoticed: every scenario processes every event (the harness checks counts and fails otherwise), the
 * results file and the table are written, the checkpoint holds one entry per key, and the scratch data is deleted.
 * Measures nothing.
 */
class ProcessorBenchSmokeTest {
    @TempDir
    Path tmp;

    @Test
    @Timeout(120)
    void runsEveryScenarioOnTinySizes() throws Exception {
        System.setProperty("kappa.bench.dir", tmp.resolve("data").toString());
        Path out = tmp.resolve("out");
        ProcessorBench.Settings s = ProcessorBench.parse(new String[] {
            "--events", "20k", "--keys", "1k", "--checkpoint-keys", "5k", "--reps", "1", "--warmup-events", "0",
            "--latency-rate", "2000", "--latency-seconds", "1", "--latency-warmup", "0.3", "--out", out.toString(), "--quiet"});
        ProcessorBench.run(s);

        Path json = out.resolve("results.json");
        assertTrue(Files.isRegularFile(json), "results.json written");
        JsonNode r = TcpIngestBench.JSON.readTree(json.toFile());
        assertEquals(1, r.get("runs").size());
        JsonNode run = r.get("runs").get(0);
        for (String name : List.of("read", "raw", "copy", "pass", "sink", "count")) {
            assertEquals(20_000, run.get(name).get("events").asLong(), name);
            assertTrue(run.get(name).get("eventsPerSec").asDouble() > 0, name);
        }
        assertTrue(run.get("pass").get("closeMs").asDouble() >= 0);
        assertEquals(3, run.get("readPasses").size(), "the bare reader runs three times, interleaved");

        JsonNode summary = r.get("summary");
        assertEquals(1.0, summary.get("read").get("ratioToBareReader").asDouble(), 1e-9);
        assertEquals(1.0, summary.get("copy").get("ratioToCopy").asDouble(), 1e-9);
        assertTrue(summary.get("pass").get("ratioToBareReader").asDouble() > 0);

        JsonNode cp = summary.get("checkpoint");
        assertEquals(5_000, cp.get("keys").asLong());
        // a 9-byte number and an 8-digit key with two length ints per entry: 25 bytes a key, plus the header
        assertTrue(cp.get("fileBytesPerKey").asDouble() >= 25, cp.toString());
        assertTrue(cp.get("closeMs").asDouble() > 0 && cp.get("restoreStartMs").asDouble() > 0, cp.toString());

        JsonNode latency = r.get("latency");
        assertEquals(1, latency.size());
        JsonNode l = latency.get(0);
        assertEquals(2000, l.get("offeredEventsPerSec").asLong());
        assertEquals(2, l.get("batch").asInt());
        assertEquals(2000, l.get("appendedEvents").asLong());
        assertEquals(2000, l.get("latencyUs").get("count").asLong());
        double p50 = l.get("latencyUs").get("p50").asDouble();
        assertTrue(p50 > 0 && p50 <= l.get("latencyUs").get("p99").asDouble()
            && l.get("latencyUs").get("p99").asDouble() <= l.get("latencyUs").get("max").asDouble(), l.toString());
        assertTrue(Files.size(out.resolve("latency-2000.hgrm")) > 0);

        assertEquals(3, r.get("targets").size());
        String table = ProcessorBench.table(r);
        assertTrue(table.contains("bare reader") && table.contains("pass-through") && table.contains("Builtins.count")
            && table.contains("checkpoint of a count over 5,000 keys") && table.contains("append -> output"), table);
        try (var dirs = Files.list(tmp.resolve("data"))) {
            assertEquals(0, dirs.count(), "scratch data deleted");
        }
    }

    @Test
    void parsesOptions() {
        ProcessorBench.Settings d = ProcessorBench.parse(new String[0]);
        assertEquals(5_000_000, d.events());
        assertEquals(100_000, d.keys());
        assertEquals(1_000_000, d.checkpointKeys());
        assertEquals(3, d.reps());
        assertEquals(List.of(10_000L, 100_000L), d.latencyRates());
        assertEquals(ProcessorBench.SCENARIOS, List.copyOf(d.scenarios()));
        ProcessorBench.Settings only = ProcessorBench.parse(new String[] {"--only=read,pass", "--events", "1M"});
        assertEquals(List.of("read", "pass"), List.copyOf(only.scenarios()));
        assertEquals(1_000_000, only.events());
        assertNull(ProcessorBench.parse(new String[] {"--help"}));
        assertThrows(IllegalArgumentException.class, () -> ProcessorBench.parse(new String[] {"--only", "nope"}));
        assertThrows(IllegalArgumentException.class, () -> ProcessorBench.parse(new String[] {"--keys", "200M"}));
    }
}
