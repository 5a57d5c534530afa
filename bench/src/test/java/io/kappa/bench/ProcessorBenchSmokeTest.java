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
            "--latency-rate", "2000", "--latency-seconds", "1", "--latency-warmup", "0.3", "--window-keys", "100",
            "--window-per-key", "20", "--window-state-events", "10k", "--out", out.toString(), "--quiet"});
        ProcessorBench.run(s);

        Path json = out.resolve("results.json");
        assertTrue(Files.isRegularFile(json), "results.json written");
        JsonNode r = TcpIngestBench.JSON.readTree(json.toFile());
        assertEquals(1, r.get("runs").size());
        JsonNode run = r.get("runs").get(0);
        for (String name : List.of("read", "raw", "copy", "pass", "sink", "count", "window")) {
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

        assertWindow(r);

        assertEquals(5, r.get("targets").size());
        String table = ProcessorBench.table(r);
        assertTrue(table.contains("bare reader") && table.contains("pass-through") && table.contains("Builtins.count")
            && table.contains("checkpoint of a count over 5,000 keys") && table.contains("append -> output")
            && table.contains("window-count --by key --size 1m (tumbling), 100 keys") && table.contains("after 100,000 events"), table);
        try (var dirs = Files.list(tmp.resolve("data"))) {
            assertEquals(0, dirs.count(), "scratch data deleted");
        }
    }

    /**
     * The window count and its state: 20 events per key per window over 100 keys, so 2,000 events a window; the
     * harness itself checks one result per key and closed window, no late record, and a store holding exactly the
     * windows still open.
     */
    private static void assertWindow(JsonNode r) {
        JsonNode w = r.get("runs").get(0).get("window");
        assertTrue(w.get("closedWindows").asLong() >= 9 && w.get("outputs").asLong() >= 9 * 100 - 10, w.toString());
        assertTrue(w.get("stateEntries").asLong() > 0 && w.get("stateEntries").asLong() <= 2 * 100, w.toString());
        assertTrue(w.get("stateBytes").asLong() > 0 && w.get("heapAfterGcBytes").asLong() > 0, w.toString());
        assertTrue(r.get("summary").get("window").get("ratioToBareReader").asDouble() > 0);

        JsonNode st = r.get("windowState");
        assertEquals(10_000, st.get("events").asLong());
        assertEquals(100_000, st.get("longEvents").asLong());
        assertEquals(10_000, st.get("atN").get("until").asLong());
        assertEquals(10_000, st.get("at10N").get("from").asLong(), "the second leg resumes from the first leg's checkpoint");
        assertEquals(100_000, st.get("at10N").get("until").asLong());
        assertTrue(st.get("at10N").get("closedWindows").asLong() >= 49, st.toString());
        for (String leg : List.of("atN", "at10N")) {
            long entries = st.get(leg).get("stateEntries").asLong();
            assertTrue(entries > 0 && entries <= 2 * 100, leg + ": " + entries);
        }
        assertTrue(st.get("samples").size() >= 2, st.toString());
        assertTrue(st.get("maxSampledEntries").asLong() <= 2 * 100, st.toString());
    }

    @Test
    void windowInputIsDeterministicAndNeverLate() {
        ProcessorWorkloads.WindowInput in = new ProcessorWorkloads.WindowInput(100, 20, 7);
        ProcessorWorkloads.WindowEvents e = new ProcessorWorkloads.WindowEvents(in);
        long max = Long.MIN_VALUE;
        java.util.Set<Long> keys = new java.util.HashSet<>();
        for (int i = 0; i < 20_000; i++) {
            e.next();
            keys.add(e.key);
            assertTrue(e.key >= 0 && e.key < 100);
            assertTrue(e.time >= ProcessorWorkloads.WINDOW_EPOCH_MS, "no event before the first window");
            // within the allowed out-of-orderness of the highest time so far, so never late
            assertTrue(max == Long.MIN_VALUE || e.time > max - ProcessorWorkloads.WINDOW_OUT_OF_ORDER_MS);
            max = Math.max(max, e.time);
        }
        assertEquals(100, keys.size());
        // 2,000 events a minute: 20,000 events span 10 minutes
        assertEquals(ProcessorWorkloads.WINDOW_EPOCH_MS + 10 * 60_000, max, ProcessorWorkloads.WINDOW_DISORDER_MS + 30);
        ProcessorWorkloads.WindowExpectation a = ProcessorWorkloads.expect(in, 20_000);
        assertEquals(a, ProcessorWorkloads.expect(in, 20_000));
        assertEquals(max, a.maxTime());
        assertEquals(9, a.closedWindows());
        assertEquals(9 * 100, a.outputs(), "every key in every closed window, at 20 events per key");
    }

    @Test
    void parsesOptions() {
        ProcessorBench.Settings d = ProcessorBench.parse(new String[0]);
        assertEquals(5_000_000, d.events());
        assertEquals(100_000, d.keys());
        assertEquals(1_000_000, d.checkpointKeys());
        assertEquals(3, d.reps());
        assertEquals(List.of(10_000L, 100_000L), d.latencyRates());
        assertEquals(10_000, d.windowKeys());
        assertEquals(50, d.windowPerKey());
        assertEquals(2_000_000, d.windowStateEvents());
        assertEquals(ProcessorBench.SCENARIOS, List.copyOf(d.scenarios()));
        ProcessorBench.Settings only = ProcessorBench.parse(new String[] {"--only=read,pass", "--events", "1M"});
        assertEquals(List.of("read", "pass"), List.copyOf(only.scenarios()));
        assertEquals(1_000_000, only.events());
        assertNull(ProcessorBench.parse(new String[] {"--help"}));
        assertThrows(IllegalArgumentException.class, () -> ProcessorBench.parse(new String[] {"--only", "nope"}));
        assertThrows(IllegalArgumentException.class, () -> ProcessorBench.parse(new String[] {"--keys", "200M"}));
    }
}
