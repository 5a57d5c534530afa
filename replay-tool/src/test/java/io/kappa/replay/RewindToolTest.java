package io.kappa.replay;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
import io.kappa.processor.Groups;
import io.kappa.processor.ProcessorRunner;
import io.kappa.processor.RunnerContext;
import io.kappa.processor.TaskCheckpoint;
import io.kappa.processor.builtin.BuiltinSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

class RewindToolTest {
    @TempDir
    Path dir;
    EventLog log;
    final List<String> progress = new ArrayList<>();

    @BeforeEach
    void open() {
        log = EventLog.open(new LogContext().dataDir(dir).pretouch(false));
    }

    @AfterEach
    void close() {
        log.close();
    }

    private void append(Topic t, Random random, int n) {
        List<Event> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            batch.add(Event.of("k" + random.nextInt(7), "{\"n\":" + i + "}"));
        }
        t.appendBatch(batch);
    }

    /** Runs count --by key for group g as `kappa run` would (with its spec in group.json) until caught up. */
    private void run() throws InterruptedException {
        BuiltinSpec spec = new BuiltinSpec("count", null, null, "key", null, null);
        try (ProcessorRunner r = new ProcessorRunner(log, spec.topology(log, "g", List.of("in"), "out"),
            new RunnerContext().group("g").spec(Map.of("processor", "count", "by", "key", "inputs", "in", "output", "out")))) {
            r.start();
            assertTrue(r.awaitCaughtUp(60_000));
        }
    }

    /** Per key, the count values in output order. */
    private Map<String, List<Long>> outputs() {
        Map<String, List<Long>> m = new HashMap<>();
        Topic t = log.topic("out");
        for (int p = 0; p < t.partitionCount(); p++) {
            try (PartitionTailer tailer = t.partition(p).newTailer()) {
                while (tailer.poll(v -> {
                    String s = v.valueString();
                    m.computeIfAbsent(v.keyString(), k -> new ArrayList<>())
                        .add(Long.parseLong(s.substring(s.indexOf("\"count\":") + 8, s.length() - 1)));
                }, 1000) > 0) {
                    // drain
                }
            }
        }
        return m;
    }

    private long committed(int partition) {
        for (TaskCheckpoint c : Groups.checkpoints(dir, "g")) {
            if (c.task() == partition) {
                return c.inputs().get(0).nextOffset();
            }
        }
        throw new AssertionError("no checkpoint for task " + partition);
    }

    private RewindTool.Plan rewind(String to, long shift, Integer partition, boolean dryRun) {
        return RewindTool.rewind(log, "g", p -> switch (to) {
            case "earliest" -> p.startOffset();
            case "latest" -> p.endOffset();
            default -> Long.parseLong(to);
        }, to, shift, partition, dryRun, progress::add);
    }

    @Test
    void rewindToEarliestClearsTheStateAndRecomputesIntoNewOutputs() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(2));
        append(in, new Random(1), 500);
        run();
        Map<String, List<Long>> first = outputs();
        RewindTool.Plan plan = rewind("earliest", 0, null, false);
        assertEquals(500, plan.events());
        assertEquals(0, committed(0));
        run();
        Map<String, List<Long>> after = outputs();
        first.forEach((key, seq) -> {
            List<Long> twice = new ArrayList<>(seq);
            twice.addAll(seq);
            assertEquals(twice, after.get(key), "the recomputation follows the old output: " + key);
        });
        assertTrue(Files.readString(Groups.dir(dir, "g").resolve("audit.log")).contains("\"action\":\"rewind\""));
    }

    /** A forged sequence near the top would overflow the rebased sequences: all but one output would be dropped. */
    @Test
    void aRecordForgedUnderATasksIdDoesNotMoveTheSequencesARewindRebasesTo() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(2));
        append(in, new Random(1), 500);
        run();
        Map<String, List<Long>> first = outputs();
        Topic out = log.topic("out");
        for (int task = 0; task < 2; task++) {
            for (int p = 0; p < out.partitionCount(); p++) {
                out.appendBatch(List.of(new Event("forged".getBytes(StandardCharsets.UTF_8), "{\"count\":0}".getBytes(StandardCharsets.UTF_8),
                    Event.NO_TIME, null, p)), Groups.producerId("g", "main", task), new long[] {Long.MAX_VALUE - 1});
            }
        }
        rewind("earliest", 0, null, false);
        run();
        Map<String, List<Long>> after = outputs();
        first.forEach((key, seq) -> {
            List<Long> twice = new ArrayList<>(seq);
            twice.addAll(seq);
            assertEquals(twice, after.get(key), "every recomputed output is written: " + key);
        });
    }

    @Test
    void rewindToAMiddleOffsetRebuildsTheStateARunStoppedThereWouldHave() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        append(in, random, 1000);
        run();
        Map<String, List<Long>> first = outputs();
        int middle = 1 + random.nextInt(998);
        rewind(String.valueOf(middle), 0, null, false);
        assertEquals(middle, committed(0));
        assertTrue(progress.get(0).contains("rebuilding"), progress.toString());
        run();
        Map<String, List<Long>> after = outputs();
        int recomputed = 0;
        for (Map.Entry<String, List<Long>> e : first.entrySet()) {
            List<Long> old = e.getValue();
            List<Long> all = after.get(e.getKey());
            List<Long> fresh = all.subList(old.size(), all.size());
            assertEquals(old.subList(old.size() - fresh.size(), old.size()), fresh,
                "seed " + seed + ", middle " + middle + ": the counts after the rewind continue from the rebuilt state for " + e.getKey());
            recomputed += fresh.size();
        }
        assertEquals(1000 - middle, recomputed, "seed " + seed + ": every record from the middle on is counted again");
    }

    @Test
    void aDryRunChangesNothingAndEstimatesTheCost() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(2));
        append(in, new Random(2), 400);
        run();
        byte[] before = Files.readAllBytes(Groups.checkpointPath(dir, "g", "main", 0));
        RewindTool.Plan plan = rewind("earliest", 0, null, true);
        assertEquals(400, plan.events());
        assertTrue(plan.bytes() > 400 * 10, "bytes " + plan.bytes());
        assertEquals(2, plan.moves().size());
        assertArrayEquals(before, Files.readAllBytes(Groups.checkpointPath(dir, "g", "main", 0)));
        assertFalse(Files.exists(Groups.dir(dir, "g").resolve("audit.log")));
    }

    @Test
    void aShiftIsClampedWithAWarningAndOnePartitionCanMoveAlone() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(2));
        append(in, new Random(3), 300);
        run();
        long end0 = committed(0);
        long end1 = committed(1);
        RewindTool.Plan plan = rewind("shift", -10, 1, false);
        assertEquals(end0, committed(0), "partition 0 untouched");
        assertEquals(end1 - 10, committed(1));
        assertTrue(plan.warnings().isEmpty());
        plan = rewind("shift", -1_000_000, null, true);
        assertEquals(2, plan.warnings().size(), plan.warnings().toString());
        assertTrue(plan.warnings().get(0).contains("outside"), plan.warnings().toString());
    }

    @Test
    void aRunningGroupIsNotRewound() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        append(in, new Random(4), 10);
        BuiltinSpec spec = new BuiltinSpec("count", null, null, "key", null, null);
        try (ProcessorRunner r = new ProcessorRunner(log, spec.topology(log, "g", List.of("in"), "out"), new RunnerContext().group("g"))) {
            r.start();
            Groups.GroupBusyException e = assertThrows(Groups.GroupBusyException.class, () -> rewind("earliest", 0, null, false));
            assertTrue(e.getMessage().contains("already running"), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> RewindTool.rewind(log, "nobody", p -> 0, "earliest", 0, null, false, progress::add));
        assertTrue(e.getMessage().contains("never run"), e.getMessage());
    }

    @Test
    void undoPutsBackTheOffsetsAndTheState() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        Random random = new Random(5);
        append(in, random, 200);
        run();
        Map<String, List<Long>> first = outputs();
        rewind("earliest", 0, null, false);
        assertEquals(0, committed(0));
        RewindTool.undo(log, "g", false, line -> { });
        assertEquals(200, committed(0));
        in.append(Event.of("k0", "{}"));
        run();
        List<Long> k0 = outputs().get("k0");
        List<Long> before = first.get("k0");
        assertEquals(before.size() + 1, k0.size(), "only the new event was processed");
        assertEquals(before.get(before.size() - 1) + 1, k0.get(k0.size() - 1), "with the state from before the rewind");
        assertThrows(IllegalArgumentException.class, () -> RewindTool.undo(log, "g", false, line -> { }), "nothing left to undo");
        assertTrue(Files.readString(Groups.dir(dir, "g").resolve("audit.log"), StandardCharsets.UTF_8).contains("\"action\":\"undo\""));
    }

    @Test
    void aGroupWithARepartitionStageIsRewoundToEarliestAndToAMiddlePoint() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(2));
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            events.add(Event.of("user-" + (i % 13), "{\"page\":\"p" + (i % 4) + "\"}"));
        }
        events.forEach(in::append);
        assertTrue(in.partition(0).endOffset() > 100 && in.partition(1).endOffset() > 100, "both upstream tasks write: "
            + in.partition(0).endOffset() + " / " + in.partition(1).endOffset());
        BuiltinSpec spec = new BuiltinSpec("count", null, null, "page", null, null);
        Map<String, String> specMap = Map.of("processor", "count", "by", "page", "inputs", "in", "output", "pages");
        // records of each page at or after offset 100 of their partition: what a rewind to 100 recomputes
        Map<String, Integer> after = new HashMap<>();
        for (int p = 0; p < 2; p++) {
            try (PartitionTailer t = in.partition(p).newTailer()) {
                while (t.poll(v -> {
                    if (v.offset() >= 100) {
                        after.merge(v.valueString().substring(9, 11), 1, Integer::sum);
                    }
                }, 1000) > 0) {
                    // drain
                }
            }
        }
        for (int round = 0; round < 3; round++) {
            try (ProcessorRunner r = new ProcessorRunner(log, spec.topology(log, "g", List.of("in"), "pages"),
                new RunnerContext().group("g").spec(specMap))) {
                r.start();
                assertTrue(r.awaitCaughtUp(60_000));
            }
            if (round == 0) {
                RewindTool.Plan plan = rewind("earliest", 0, null, false);
                assertEquals(300, plan.events());
                assertTrue(progress.isEmpty(), "nothing to rebuild: " + progress);
            } else if (round == 1) {
                RewindTool.Plan plan = rewind("100", 0, null, false);
                assertEquals(after.values().stream().mapToInt(Integer::intValue).sum(), plan.events());
                assertTrue(String.join("\n", progress).contains("through every stage of a scratch copy of the group"), String.valueOf(progress));
            }
        }
        Map<String, List<Long>> byPage = new HashMap<>();
        Topic out = log.topic("pages");
        for (int p = 0; p < out.partitionCount(); p++) {
            try (PartitionTailer t = out.partition(p).newTailer()) {
                while (t.poll(v -> byPage.computeIfAbsent(v.keyString(), k -> new ArrayList<>())
                    .add(Long.parseLong(v.valueString().replaceAll(".*\"count\":(\\d+).*", "$1"))), 1000) > 0) {
                    // drain
                }
            }
        }
        for (int page = 0; page < 4; page++) {
            List<Long> seq = byPage.get("p" + page);
            int n = after.get("p" + page);
            assertEquals(150 + n, seq.size(), "75 counts, the same 75 again from a cleared state, then the last " + n + " again");
            assertEquals(seq.subList(0, 75), seq.subList(75, 150));
            List<Long> tail = seq.subList(150, 150 + n);
            for (int i = 0; i < n; i++) {
                assertEquals(75 - n + 1 + i, tail.get(i).longValue(), "p" + page + ": recomputed from the state a run stopped at 100 "
                    + "would have had, nothing counted twice: " + tail);
            }
        }
        // and undo puts back the epochs with the checkpoints
        RewindTool.undo(log, "g", false, line -> { });
    }

    @Test
    void aWindowedGroupWithARepartitionRewoundToAMiddlePointEndsAsAnUninterruptedRun() throws Exception {
        Topic in = log.createTopic("clicks", TopicConfig.partitions(2));
        Random rnd = new Random(9);
        long base = 1_763_800_000_000L;
        for (int i = 0; i < 3_000; i++) {
            String user = "user-" + rnd.nextInt(13);
            in.append(new Event(user.getBytes(StandardCharsets.UTF_8), ("{\"page\":\"p" + rnd.nextInt(6) + "\"}")
                .getBytes(StandardCharsets.UTF_8), base + i * 10L - rnd.nextInt(200), null));
        }
        // far ahead, from every upstream task to every downstream task: all windows of the data close
        for (int p = 0; p < 2; p++) {
            for (int page = 0; page < 6; page++) {
                in.append(p, new Event("z".getBytes(StandardCharsets.UTF_8), ("{\"page\":\"p" + page + "\"}")
                    .getBytes(StandardCharsets.UTF_8), base + 1_000_000L, null));
            }
        }
        Map<String, String> options = new java.util.LinkedHashMap<>();
        options.put("by", "page");
        options.put("size", "1s");
        options.put("out-of-order", "500ms");
        options.put("idle-timeout", "300ms");
        BuiltinSpec spec = new BuiltinSpec("window-count", options);
        Map<String, String> specMap = new HashMap<>(options);
        specMap.put("processor", "window-count");
        specMap.put("inputs", "clicks");
        specMap.put("output", "minutes");
        for (String group : List.of("g", "ref")) {
            try (ProcessorRunner r = new ProcessorRunner(log, spec.topology(log, group, List.of("clicks"), group.equals("g") ? "minutes"
                : "ref-minutes"), new RunnerContext().group(group).threads(2).spec(specMap))) {
                r.start();
                assertTrue(r.awaitCaughtUp(60_000));
            }
        }
        Thread.sleep(600); // longer than the idle timeout: the sources' silence across the rewind is not idleness
        rewind("700", 0, null, false);
        try (ProcessorRunner r = new ProcessorRunner(log, spec.topology(log, "g", List.of("clicks"), "minutes"),
            new RunnerContext().group("g").threads(2).spec(specMap))) {
            r.start();
            assertTrue(r.awaitCaughtUp(60_000));
        }
        assertFalse(log.exists("g.late") && log.topic("g.late").partition(0).endOffset() > 0, "nothing late after the rewind");
        assertEquals(windows("ref-minutes"), windows("minutes"), "the latest result of every window equals the uninterrupted run's");
    }

    private Map<String, String> windows(String topic) {
        Map<String, String> m = new java.util.TreeMap<>();
        Topic t = log.topic(topic);
        for (int p = 0; p < t.partitionCount(); p++) {
            try (PartitionTailer tailer = t.partition(p).newTailer()) {
                while (tailer.poll(v -> {
                    String value = v.valueString();
                    if (!value.contains("\"key\":\"z")) {
                        m.put(v.keyString() + " " + value.replaceAll(".*\"windowStart\":\"([^\"]+)\".*", "$1"), value);
                    }
                }, 1000) > 0) {
                    // drain
                }
            }
        }
        return m;
    }
}
