package io.kappa.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kappa.log.Event;
import io.kappa.log.EventLog;
import io.kappa.processor.Groups;
import io.kappa.processor.TaskCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A record forged under a processor task's producer id (written with the log API: the server refuses such ids)
 * with a huge sequence, in the task's output topic, must not make the next run take new outputs for written.
 */
@Timeout(120)
class ForgedProducerCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Cli.Result kappa(String... args) {
        Cli.Result r = Cli.run(Cli.inDir(dir, args));
        assertEquals(0, r.code(), r.err());
        return r;
    }

    private static String clicks(int from, int n) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i < from + n; i++) {
            b.append("{\"key\":\"u").append(i % 4).append("\",\"value\":{\"n\":").append(i).append("}}\n");
        }
        return b.toString();
    }

    @Test
    void aForgedRecordWithATasksIdAndAHugeSequenceStopsNoOutputOfTheNextRun() throws Exception {
        kappa("topic", "create", "clicks", "--partitions", "2");
        assertEquals(0, Cli.runWithStdin(clicks(0, 60), Cli.inDir(dir, "append", "clicks")).code());
        String[] run = {"run", "count", "--by", "key", "--group", "c", "--input", "clicks", "--output", "counts", "--until-caught-up"};
        kappa(run);

        int forged = 0;
        try (EventLog log = EventLog.open(dir); DirectoryStream<Path> files = Files.newDirectoryStream(Groups.dir(dir, "c"), "*.ckpt")) {
            for (Path file : files) {
                TaskCheckpoint c = TaskCheckpoint.read(file);
                long task = Groups.producerId("c", c.stage(), c.task());
                for (TaskCheckpoint.Output o : c.outputs()) {
                    Event e = new Event("forged".getBytes(StandardCharsets.UTF_8), "{\"count\":-1}".getBytes(StandardCharsets.UTF_8),
                        Event.NO_TIME, null, o.partition());
                    log.topic(o.topic()).appendBatch(List.of(e), task, new long[] {Long.MAX_VALUE / 2});
                    forged++;
                }
            }
        }
        assertTrue(forged >= 2, "a forged record per task and output partition");

        assertEquals(0, Cli.runWithStdin(clicks(60, 60), Cli.inDir(dir, "append", "clicks")).code());
        kappa(run);

        List<String> lines = kappa("read", "counts").lines();
        assertEquals(120 + forged, lines.size(), "an output for every input, and the forged records");
        Map<String, Long> latest = new HashMap<>();
        for (String line : lines) {
            JsonNode n = JSON.readTree(line);
            if (!n.get("key").asText().equals("forged")) {
                latest.put(n.get("key").asText(), n.get("value").get("count").asLong());
            }
        }
        assertEquals(Map.of("u0", 30L, "u1", 30L, "u2", 30L, "u3", 30L), latest, "the latest counts equal a recount");
        JsonNode status = JSON.readTree(kappa("status", "c", "--json").out());
        assertEquals(0, status.get("lag").asLong());
        assertEquals(120, status.get("records").asLong());
    }
}
