package io.kappa.processor;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.kappa.log.Event;
import io.kappa.log.Record;
import io.kappa.log.Topic;
import io.kappa.log.TopicConfig;
import io.kappa.processor.builtin.Builtins;
import io.kappa.processor.builtin.GroupKey;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** {@code --emit latest-per-commit}: the latest value per key at each checkpoint, undone with its record, exactly once. */
class EmitCacheTest extends LogTest {
    private void append(Topic t, int from, int n, int keys) {
        append(t, from, n, i -> i % keys);
    }

    private void append(Topic t, int from, int n, java.util.function.IntUnaryOperator key) {
        List<Event> batch = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            batch.add(new Event(("k" + key.applyAsInt(i)).getBytes(StandardCharsets.UTF_8), ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8),
                1_000_000L + i, null));
        }
        t.appendBatch(batch);
    }

    private ProcessorRunner run(Topology t, RunnerContext ctx) throws InterruptedException {
        ProcessorRunner r = new ProcessorRunner(log, t, ctx);
        r.start();
        assertTrue(r.awaitCaughtUp(60_000), "caught up");
        r.close();
        assertNull(r.failure());
        return r;
    }

    private static long count(String json) {
        return Long.parseLong(json.substring(json.indexOf("\"count\":") + 8, json.length() - 1));
    }

    /** Per key, the counts written, in order. */
    private Map<String, List<Long>> counts(String topic) {
        Map<String, List<Long>> out = new java.util.TreeMap<>();
        for (Record r : RunnerTest.readAll(log.topic(topic))) {
            out.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), k -> new ArrayList<>())
                .add(count(new String(r.value(), StandardCharsets.UTF_8)));
        }
        return out;
    }

    private static Topology count() {
        return Builtins.count("g", List.of("in"), "out", GroupKey.parse("key", false), false);
    }

    @Test
    void writesTheLatestCountPerKeyAtEachCheckpointAndAtTheEnd() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(2));
        append(in, 0, 20_000, 10);
        // no checkpoint while it runs: everything is written once, at the last checkpoint
        run(count(), new RunnerContext().group("g").emitLatestPerCommit().checkpointIntervalMs(3_600_000).checkpointRecords(Long.MAX_VALUE));
        Map<String, List<Long>> out = counts("out");
        assertEquals(10, out.size());
        out.values().forEach(seq -> assertEquals(List.of(2_000L), seq));
        for (TaskCheckpoint c : Groups.checkpoints(dir, "g")) {
            assertEquals(0L, c.storeSizes().get(EmitCache.STORE), "a checkpoint after the write holds no cached record");
        }
        // the group goes on from there; more input, then checkpoints every 1,000 records or so
        append(in, 20_000, 20_000, 10);
        run(count(), new RunnerContext().group("g").emitLatestPerCommit().batch(100).checkpointIntervalMs(3_600_000).checkpointRecords(1_000));
        out = counts("out");
        long written = 0;
        for (Map.Entry<String, List<Long>> e : out.entrySet()) {
            List<Long> seq = e.getValue();
            for (int i = 1; i < seq.size(); i++) {
                assertTrue(seq.get(i) > seq.get(i - 1), e.getKey() + ": " + seq);
            }
            assertEquals(4_000L, seq.get(seq.size() - 1));
            written += seq.size();
        }
        // 20,000 records per partition-pair of checkpoints of ~1,000: at most ~20 writes per key and task, far below 40,000
        assertTrue(written > 10 && written < 1_000, "written " + written);
    }

    @Test
    void aFullCacheIsWrittenBeforeTheCheckpointAndChangesModeKeepsEveryChange() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        // 200 keys, each in runs of 5 records in a row; room for about 70 entries: the cache writes itself out many
        // times before the only checkpoint, each time with the latest of the runs it holds
        append(in, 0, 5_000, i -> (i / 5) % 200);
        run(count(), new RunnerContext().group("g").emitCacheBytes(2_000).checkpointIntervalMs(3_600_000).checkpointRecords(Long.MAX_VALUE));
        Map<String, List<Long>> out = counts("out");
        assertEquals(200, out.size());
        out.forEach((k, seq) -> assertEquals(25L, seq.get(seq.size() - 1), k));
        long written = out.values().stream().mapToLong(List::size).sum();
        assertTrue(written > 200 && written < 2_500, "written " + written);
        // the same group without the cache writes every change again
        append(in, 5_000, 400, 200);
        run(count(), new RunnerContext().group("g"));
        out = counts("out");
        out.forEach((k, seq) -> assertEquals(List.of(26L, 27L), seq.subList(seq.size() - 2, seq.size()), k));
    }

    @Test
    void aRecordThatFailsTakesItsCachedForwardBack() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            events.add(new Event(("k" + (i % 3)).getBytes(StandardCharsets.UTF_8), Integer.toString(i).getBytes(StandardCharsets.UTF_8),
                1_000L + i, null));
        }
        in.appendBatch(events);
        // forwards the value under its key, then fails on multiples of 7 after forwarding
        Topology t = Topology.single(List.of("in"), Serdes.string(), Serdes.string(),
            () -> (InputRecord<String, String> rec, ProcessorContext<String, String> c) -> {
                c.forward(rec.key(), rec.value());
                if (Integer.parseInt(rec.value()) % 7 == 0) {
                    throw new IllegalStateException("boom");
                }
            }, "out", Serdes.string(), Serdes.string());
        run(t, new RunnerContext().group("g").emitLatestPerCommit().checkpointIntervalMs(3_600_000).checkpointRecords(Long.MAX_VALUE));
        Map<String, String> latest = new java.util.TreeMap<>();
        for (Record r : RunnerTest.readAll(log.topic("out"))) {
            latest.put(new String(r.key(), StandardCharsets.UTF_8), new String(r.value(), StandardCharsets.UTF_8));
        }
        // the last value of each key, skipping 98 (= 7 * 14, failed): k0 99, k1 97, k2 95 (98 % 3 == 2)
        assertEquals(Map.of("k0", "99", "k1", "97", "k2", "95"), latest);
        assertEquals(3, RunnerTest.readAll(log.topic("out")).size());
        assertEquals(15, RunnerTest.readAll(log.topic("g.dlq")).size());
    }

    @Test
    void kappasOwnStoreNamesAreRefused() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        append(in, 0, 10, 2);
        Topology t = Topology.single(List.of("in"), Serdes.string(), Serdes.string(), () -> new Processor<String, String, String, String>() {
            @Override
            public void init(ProcessorContext<String, String> c) {
                c.keyValueStore("kappa.emit-cache", Serdes.string(), Serdes.string());
            }

            @Override
            public void process(InputRecord<String, String> rec, ProcessorContext<String, String> c) {
            }
        }, "out", Serdes.string(), Serdes.string());
        ProcessorRunner r = new ProcessorRunner(log, t, new RunnerContext().group("g"));
        RuntimeException e = assertThrows(RuntimeException.class, () -> {
            r.start();
            r.awaitCaughtUp(10_000);
            r.close();
            if (r.failure() != null) {
                throw new RuntimeException(r.failure());
            }
        });
        r.close();
        assertTrue(String.valueOf(e.getMessage()).contains("kappa's own") || String.valueOf(e.getCause()).contains("kappa's own"),
            String.valueOf(e));
    }
}
