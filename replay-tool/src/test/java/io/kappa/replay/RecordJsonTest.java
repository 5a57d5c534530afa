package io.kappa.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.kappa.log.Event;
import io.kappa.log.EventLog;
import io.kappa.log.PartitionTailer;
import io.kappa.log.Topic;
import io.kappa.log.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Records as kappa read prints them: a value is written as JSON only when all of it is JSON. */
class RecordJsonTest {
    @TempDir
    Path dir;

    @Test
    void aValueIsJsonOnlyWhenAllOfItIs() {
        try (EventLog log = EventLog.open(dir)) {
            Topic t = log.createTopic("t", TopicConfig.partitions(1));
            String[] values = {"{\"a\":1}", "42", "1|2|3", "true story", "\"quoted\"", "plain", "[1,2] and more", ""};
            for (String v : values) {
                t.partition(0).append(new Event("k".getBytes(StandardCharsets.UTF_8), v.getBytes(StandardCharsets.UTF_8), 1_000, null));
            }
            List<String> lines = new ArrayList<>();
            try (PartitionTailer tailer = t.partition(0).newTailer()) {
                tailer.poll(r -> lines.add(RecordJson.toJson(r)), 100);
            }
            String prefix = "{\"partition\":0,\"offset\":";
            String[] rendered = {"{\"a\":1}", "42", "\"1|2|3\"", "\"true story\"", "\"quoted\"", "\"plain\"", "\"[1,2] and more\"", "\"\""};
            for (int i = 0; i < values.length; i++) {
                String line = lines.get(i);
                assertEquals(true, line.startsWith(prefix + i + ","), line);
                assertEquals(rendered[i], line.substring(line.indexOf("\"value\":") + 8, line.length() - 1), "value " + values[i]);
            }
        }
    }
}
