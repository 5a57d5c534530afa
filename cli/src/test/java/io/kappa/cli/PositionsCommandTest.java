package io.kappa.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/** Relative positions (-N, now-5m), which clock a time position uses, and --from-event-time. */
class PositionsCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Cli.Result kappa(String... args) {
        return Cli.run(Cli.inDir(dir, args));
    }

    private List<Long> offsets(Cli.Result r) throws Exception {
        assertEquals(0, r.code(), r.err());
        List<Long> offsets = new ArrayList<>();
        for (String line : r.lines()) {
            offsets.add(JSON.readTree(line).get("offset").asLong());
        }
        return offsets;
    }

    @Test
    void relativeOffsetsAndTimesAndEventTimes() throws Exception {
        assertEquals(0, kappa("topic", "create", "h").code());
        // imported history: event times in the past, out of order at the end
        String history = String.join("\n", "{\"value\":0,\"time\":\"2026-11-21T10:00:00Z\"}", "{\"value\":1,\"time\":\"2026-11-21T10:03:00Z\"}",
            "{\"value\":2,\"time\":\"2026-11-21T10:05:00Z\"}", "{\"value\":3,\"time\":\"2026-11-21T10:07:00Z\"}",
            "{\"value\":4,\"time\":\"2026-11-21T10:02:00Z\"}") + "\n";
        assertEquals(0, Cli.runWithStdin(history, Cli.inDir(dir, "append", "h")).code());

        assertEquals(List.of(3L, 4L), offsets(kappa("read", "h", "--from", "-2")), "the last two");
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), offsets(kappa("read", "h", "--from", "-100")), "no further back than the start");
        assertEquals(List.of(), offsets(kappa("read", "h", "--from", "now+1h")), "nothing appended after it");
        assertEquals(5, offsets(kappa("read", "h", "--from", "now-1h")).size(), "appended within the hour");

        Cli.Result byAppendTime = kappa("read", "h", "--from", "2026-11-21T10:05:00Z");
        assertEquals(5, offsets(byAppendTime).size(), "a time position is an append time: all of it was appended later");
        assertTrue(byAppendTime.err().contains("before the first append") && byAppendTime.err().contains("--from-event-time"),
            byAppendTime.err());

        Cli.Result byEventTime = kappa("read", "h", "--from-event-time", "2026-11-21T10:05:00Z");
        assertEquals(List.of(2L, 3L, 4L), offsets(byEventTime), "from the first event at or after 10:05 in event time");
        assertEquals("", byEventTime.err());
        assertEquals(List.of(), offsets(kappa("read", "h", "--from-event-time", "2026-11-22T00:00:00Z")));

        Cli.Result both = kappa("read", "h", "--from", "0", "--from-event-time", "2026-11-21T10:05:00Z");
        assertEquals(2, both.code());
        Cli.Result bad = kappa("read", "h", "--from", "now-5 minutes");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("now-5 minutes"), bad.err());
    }

    @Test
    void aGroupStartsAtARelativePosition() throws Exception {
        assertEquals(0, kappa("topic", "create", "in").code());
        for (int i = 0; i < 10; i++) {
            assertEquals(0, kappa("append", "in", "--key", "k" + i, "{\"n\":" + i + "}").code());
        }
        assertEquals(0, kappa("run", "map", "--select", "n", "--group", "g", "--input", "in", "--output", "out", "--from", "-3",
            "--until-caught-up").code());
        assertEquals(3, kappa("read", "out").lines().size(), "only the last three");
    }
}
