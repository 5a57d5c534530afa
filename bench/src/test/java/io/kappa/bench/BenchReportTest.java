package io.kappa.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The report flags ratios below the target, warns when the machine was busy, and its text tables fit 100 columns. */
class BenchReportTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode results(String loadAtStart, String loadAtEnd) {
        ObjectNode r = JSON.createObjectNode();
        r.put("loadAverageAtStart", loadAtStart).put("loadAverageAtEnd", loadAtEnd).put("started", "s").put("finished", "f");
        r.putObject("machine").put("availableProcessors", 2).put("cpuModel", "cpu").put("javaVersion", "17");
        ObjectNode append = r.putArray("scenarios").addObject().put("scenario", "append");
        comparison(append, "Topic.appendBatch vs raw Chronicle append", 0.37);
        comparison(append, "PartitionTailer vs raw tailer", 0.91);
        return r;
    }

    private static void comparison(ObjectNode section, String name, double ratio) {
        ObjectNode c = section.withArray("comparisons").addObject().put("name", name).put("ratio", ratio);
        c.putObject("subject").put("events", 1_000_000).put("eventsPerSec", ratio * 4e6).put("what", "kappa").put("cpuNsPerEvent", 800)
            .put("diskBytesPerEvent", 160);
        c.putObject("baseline").put("events", 1_000_000).put("eventsPerSec", 4e6).put("what", "raw").put("cpuNsPerEvent", 300)
            .put("diskBytesPerEvent", 130);
    }

    @Test
    void lowRatiosAreFlaggedAndTablesFit() {
        String table = BenchReport.table(results("0.50 0.40 0.30 1/100 1", "1.20 0.9 0.5 1/100 2"));
        assertTrue(table.contains("0.37 LOW") && table.contains("0.91") && !table.contains("0.91 LOW"), table);
        assertTrue(table.contains("LOW: below the target of 0.80"), table);
        assertFalse(table.contains("WARNING"), "a quiet machine: " + table);
        for (String line : table.split("\n")) {
            assertTrue(line.length() <= 100, "fits 100 columns: " + line);
        }
        String html = BenchReport.html(results("0.5", "0.5"), table);
        assertTrue(html.contains("<td class=\"n low\" title=\"below the target of 0.8\">0.37 LOW</td>"), html);
    }

    @Test
    void aBusyMachineIsWarnedAbout() {
        String table = BenchReport.table(results("6.31 5.2 4.0 9/300 1", "3.40 4.1 4.0 9/300 2"));
        assertTrue(table.startsWith("WARNING: the load average was 6.31 at start and 3.40 at end, above the 2 cores"), table);
        String html = BenchReport.html(results("6.31", "3.40"), table);
        assertTrue(html.contains("<p class=\"warning\">WARNING: the load average was 6.31"), html);
    }
}
