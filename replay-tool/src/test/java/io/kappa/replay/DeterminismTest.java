package io.kappa.replay;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.kappa.log.Event;
import io.kappa.log.EventLog;
import io.kappa.log.LogContext;
import io.kappa.log.PartitionTailer;
import io.kappa.log.Topic;
import io.kappa.log.TopicConfig;
import io.kappa.processor.ProcessorRunner;
import io.kappa.processor.RunnerContext;
import io.kappa.processor.Topology;
import io.kappa.processor.builtin.Builtins;
import io.kappa.processor.builtin.GroupKey;
import io.kappa.processor.builtin.JsonPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The Kappa promise: the same processor run live while events are appended, and replayed over the same log from
 * earliest afterwards, writes byte-identical output (per key, the same sequence of values).
 */
class DeterminismTest {
    @TempDir
    Path dir;

    private static Map<String, List<String>> perKey(EventLog log, String topic) {
        Map<String, List<String>> m = new HashMap<>();
        Topic t = log.topic(topic);
        for (int p = 0; p < t.partitionCount(); p++) {
            try (PartitionTailer tailer = t.partition(p).newTailer()) {
                while (tailer.poll(v -> m.computeIfAbsent(v.keyString(), k -> new ArrayList<>()).add(v.valueString()), 1000) > 0) {
                    // drain
                }
            }
        }
        return m;
    }

    @Test
    void aLiveRunAndAReplayFromEarliestWriteTheSameOutput() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        try (EventLog log = EventLog.open(new LogContext().dataDir(dir).pretouch(false))) {
            Topic in = log.createTopic("orders", TopicConfig.partitions(3));
            Topology live = Builtins.sum("live", List.of("orders"), "totals", GroupKey.parse("key", false), JsonPath.parse("amount"), false);
            ProcessorRunner runner = new ProcessorRunner(log, live, new RunnerContext().group("live").threads(2)
                .checkpointIntervalMs(20));
            runner.start();
            // events arrive while it runs, in small bursts
            for (int burst = 0; burst < 40; burst++) {
                List<Event> events = new ArrayList<>();
                for (int i = 0; i < 1 + random.nextInt(200); i++) {
                    String amount = random.nextBoolean() ? String.valueOf(random.nextInt(1000)) : random.nextInt(100) + "." + random.nextInt(100);
                    events.add(Event.of("c" + random.nextInt(30), "{\"amount\":" + amount + "}"));
                }
                in.appendBatch(events);
                Thread.sleep(random.nextInt(5));
            }
            assertTrue(runner.awaitCaughtUp(60_000));
            while (runner.lag() > 0) {
                Thread.sleep(5);
            }
            runner.close();

            Topology replay = Builtins.sum("replay", List.of("orders"), "totals.v2", GroupKey.parse("key", false), JsonPath.parse("amount"),
                false);
            try (ProcessorRunner r = new ProcessorRunner(log, replay, new RunnerContext().group("replay").replay(true))) {
                r.start();
                assertTrue(r.awaitCaughtUp(60_000));
            }
            Map<String, List<String>> a = perKey(log, "totals");
            Map<String, List<String>> b = perKey(log, "totals.v2");
            assertFalse(a.isEmpty());
            assertEquals(a, b, "seed " + seed + ": live and replayed outputs differ");
        }
    }
}
