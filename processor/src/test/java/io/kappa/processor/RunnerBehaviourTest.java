package io.kappa.processor;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kappa.log.Event;
import io.kappa.log.EventLog;
import io.kappa.log.LogContext;
import io.kappa.log.Partition;
import io.kappa.log.PartitionTailer;
import io.kappa.log.Record;
import io.kappa.log.Topic;
import io.kappa.log.TopicConfig;
import io.kappa.processor.builtin.Builtins;
import io.kappa.processor.builtin.GroupKey;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** What the runner promises around processors: error policies, rollback, locking, replay, timers, merging, checkpoints. */
class RunnerBehaviourTest extends LogTest {
    static final ObjectMapper JSON = new ObjectMapper();

    // ---- helpers

    static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    static List<Record> readAll(Topic t) {
        List<Record> out = new ArrayList<>();
        for (int p = 0; p < t.partitionCount(); p++) {
            Partition part = t.partition(p);
            try (PartitionTailer tailer = part.newTailer()) {
                tailer.toStart();
                while (tailer.poll(v -> out.add(v.toRecord()), 1000) > 0) {
                    // drain
                }
            }
        }
        return out;
    }

    List<String> values(String topic) {
        return log.exists(topic) ? readAll(log.topic(topic)).stream().map(Record::valueString).toList() : List.of();
    }

    List<JsonNode> deadLetters(String group) {
        List<JsonNode> out = new ArrayList<>();
        for (String v : values(group + ".dlq")) {
            try {
                out.add(JSON.readTree(v));
            } catch (Exception e) {
                throw new AssertionError(v, e);
            }
        }
        return out;
    }

    static void appendValues(Topic t, String... values) {
        List<Event> batch = new ArrayList<>();
        for (String v : values) {
            batch.add(Event.of(utf8(v)));
        }
        t.appendBatch(batch);
    }

    static void appendTimed(Topic t, String value, long eventTime) {
        t.append(new Event(null, utf8(value), eventTime, null));
    }

    static Topology strings(List<String> inputs, ProcessorSupplier<String, String, String, String> supplier) {
        return Topology.single(inputs, Serdes.string(), Serdes.string(), supplier, "out", Serdes.string(), Serdes.string());
    }

    static RunnerContext ctx() {
        return new RunnerContext().group("g");
    }

    /** Starts, waits until caught up, closes, and requires no failure. */
    ProcessorRunner run(Topology topology, RunnerContext context) throws InterruptedException {
        ProcessorRunner r = new ProcessorRunner(log, topology, context);
        r.start();
        try {
            assertTrue(r.awaitCaughtUp(30_000), "caught up");
        } finally {
            r.close();
        }
        assertNull(r.failure(), () -> "failed: " + r.failure());
        return r;
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting: " + what);
            Thread.sleep(2);
        }
    }

    TaskCheckpoint checkpoint(String stage, int task) {
        return TaskCheckpoint.read(Groups.checkpointFile(Groups.dir(dir, "g"), stage, task));
    }

    /** Forwards each value; throws on the value "bad" unless fixed. */
    static Processor<String, String, String, String> failOnBad(boolean fixed) {
        return (r, c) -> {
            if (!fixed && r.value().equals("bad")) {
                throw new IllegalStateException("cannot handle " + r.value());
            }
            c.forward(r.key(), r.value());
        };
    }

    // ---- error policies

    @Test
    void failPolicyStopsTheRunnerAtTheBadRecordAndRestartResumesThere() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        appendValues(in, "r0", "r1", "r2", "r3", "r4", "bad", "r6", "r7");

        ProcessorRunner r = new ProcessorRunner(log, strings(List.of("in"), () -> failOnBad(false)), ctx().onError(OnError.FAIL));
        r.start();
        assertTrue(r.awaitStopped(30_000), "the runner stops by itself");
        ProcessorRunner.RunnerFailedException e = assertThrows(ProcessorRunner.RunnerFailedException.class, () -> r.awaitCaughtUp(1_000));
        r.close();
        assertFalse(r.isRunning());
        String m = r.failure().getMessage();
        assertTrue(m.contains("processing failed at in/0 offset 5"), m);
        assertTrue(m.contains("IllegalStateException: cannot handle bad"), m);
        assertTrue(m.contains("group 'g' stage 'main' task 0"), m);
        assertEquals(m, e.getMessage());

        TaskCheckpoint cp = checkpoint("main", 0);
        assertEquals(List.of(new TaskCheckpoint.Input("in", 0, 5)), cp.inputs(), "the checkpoint stays before the failing record");
        assertEquals(5, cp.records());
        assertEquals(List.of("r0", "r1", "r2", "r3", "r4"), values("out"), "the records before it are out");
        assertTrue(values("g.dlq").isEmpty());
        assertFalse(Groups.isRunning(dir, "g"));

        ProcessorRunner fixed = run(strings(List.of("in"), () -> failOnBad(true)), ctx().onError(OnError.FAIL));
        assertEquals(8, fixed.recordsProcessed());
        assertEquals(List.of("r0", "r1", "r2", "r3", "r4", "bad", "r6", "r7"), values("out"), "resumed at the bad record, nothing twice");
    }

    @Test
    void failPolicyKeepsStreamTimeBeforeTheFailingRecord() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        appendTimed(in, "ok", 1_000);
        appendTimed(in, "bad", 9_000);
        ProcessorRunner r = new ProcessorRunner(log, strings(List.of("in"), () -> failOnBad(false)), ctx().onError(OnError.FAIL));
        r.start();
        assertTrue(r.awaitStopped(30_000));
        r.close();
        assertEquals(1_000, checkpoint("main", 0).streamTime());
    }

    /**
     * Counts records in a store (an overwrite), notes each offset (a put), forwards the count to the output and to a
     * side topic; on "bad..." also deletes the key "keep", then throws.
     */
    static final class CountThenFail implements Processor<String, String, String, String> {
        KeyValueStore<String, Long> store;

        @Override
        public void init(ProcessorContext<String, String> context) {
            store = context.keyValueStore("state", Serdes.string(), Serdes.longs());
            if (store.get("keep") == null) {
                store.put("keep", -1L);
            }
        }

        @Override
        public void process(InputRecord<String, String> r, ProcessorContext<String, String> c) {
            Long n = store.get("n");
            long now = n == null ? 1 : n + 1;
            store.put("n", now);
            store.put("offset-" + r.offset(), r.offset());
            c.forward(r.key(), r.value() + " #" + now);
            c.forwardTo("side", null, utf8(r.value()), r.eventTime());
            if (r.value().startsWith("bad")) {
                store.delete("keep");
                throw new IllegalStateException("boom on " + r.value());
            }
        }
    }

    @Test
    void deadLetterPolicyUndoesTheFailedRecordsOutputsAndStoreWrites() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        in.appendBatch(List.of(Event.of("k0", "a"), Event.of("k1", "bad1"), Event.of("k2", "b"), Event.of("k3", "bad2"),
            Event.of("k4", "c")));

        ProcessorRunner r = run(strings(List.of("in"), CountThenFail::new), ctx().onError(OnError.DEAD_LETTER));

        assertEquals(5, r.recordsProcessed());
        assertEquals(2, r.deadLettered());
        assertEquals(List.of("a #1", "b #2", "c #3"), values("out"), "no output and no count from the failed records");
        assertEquals(List.of("a", "b", "c"), values("side"), "forwardTo is undone too");
        List<JsonNode> dlq = deadLetters("g");
        assertEquals(2, dlq.size());
        assertEquals("IllegalStateException: boom on bad1", dlq.get(0).get("error").asText());
        assertEquals(1, dlq.get(0).get("offset").asLong());
        assertEquals("in", dlq.get(0).get("topic").asText());
        assertEquals(0, dlq.get(0).get("partition").asInt());
        assertEquals("bad1", dlq.get(0).get("value").asText());
        assertEquals(3, dlq.get(1).get("offset").asLong());
        assertEquals(List.of("k1", "k3"), readAll(log.topic("g.dlq")).stream().map(Record::keyString).toList());

        TaskCheckpoint cp = checkpoint("main", 0);
        assertEquals(2, cp.deadLettered());
        assertEquals(5, cp.records());
        assertEquals(Map.of("state", 5L), cp.storeSizes(), "keep, n, offset-0, offset-2, offset-4");
        InMemoryKeyValueStore<String, Long> state = new InMemoryKeyValueStore<>("state", Serdes.string(), Serdes.longs());
        state.readSnapshot(cp.stores().get("state").open(), new org.agrona.ExpandableArrayBuffer(16), "test");
        Map<String, Long> entries = new HashMap<>();
        state.forEach(entries::put);
        // compared as a map: a rolled-back delete re-inserts "keep" as the newest entry (see
        // InMemoryKeyValueStoreTest#rollbackOfADeleteRestoresTheKeysInsertionPosition)
        assertEquals(Map.of("keep", -1L, "n", 3L, "offset-0", 0L, "offset-2", 2L, "offset-4", 4L), entries);
    }

    @Test
    void deadLetterPolicyCatchesValuesTheSerdeCannotRead() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        in.append(Event.of(utf8("12")));
        in.append(Event.of(new byte[] {(byte) 0xff, 0x00}));
        in.append(Event.of(utf8("x7")));
        in.append(Event.of(utf8("30")));
        Topology t = Topology.single(List.of("in"), Serdes.string(), Serdes.longText(),
            () -> (InputRecord<String, Long> rec, ProcessorContext<String, Long> c) -> c.forward(null, rec.value() * 2),
            "out", Serdes.string(), Serdes.longText());
        run(t, ctx());
        assertEquals(List.of("24", "60"), values("out"));
        List<JsonNode> dlq = deadLetters("g");
        assertEquals(2, dlq.size());
        assertTrue(dlq.get(0).has("valueBase64") && !dlq.get(0).has("value"), "bytes that are not UTF-8 go in base64: " + dlq.get(0));
        assertEquals("/wA=", dlq.get(0).get("valueBase64").asText());
        assertTrue(dlq.get(1).get("error").asText().contains("not a decimal long: 'x7'"), dlq.get(1).toString());
    }

    /** Registers a timer for every record, then throws on "bad": the failed record's timer must be undone too. */
    static final class TimerThenFail implements Processor<String, String, String, String> {
        @Override
        public void process(InputRecord<String, String> r, ProcessorContext<String, String> c) {
            c.registerTimer(r.eventTime() + 10, "t-" + r.value());
            if (r.value().equals("bad")) {
                throw new IllegalStateException("boom");
            }
            c.forward(null, r.value());
        }

        @Override
        public void onTimer(long time, String name, ProcessorContext<String, String> c) {
            c.forward(null, "timer " + name, time);
        }
    }

    @Test
    void deadLetterPolicyUndoesTimersRegisteredByTheFailedRecord() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        appendTimed(in, "a", 1_000);
        appendTimed(in, "bad", 1_001);
        appendTimed(in, "late", 2_000);
        run(strings(List.of("in"), TimerThenFail::new), ctx());
        assertEquals(1, deadLetters("g").size());
        assertEquals(List.of("a", "late", "timer t-a"), values("out"), "no timer from the failed record");
    }

    @Test
    void failPolicyCheckpointHoldsNoTimerFromTheFailingRecord() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        appendTimed(in, "a", 1_000);
        appendTimed(in, "bad", 5_000);
        ProcessorRunner r = new ProcessorRunner(log, strings(List.of("in"), TimerThenFail::new), ctx().onError(OnError.FAIL));
        r.start();
        assertTrue(r.awaitStopped(30_000));
        r.close();
        TaskCheckpoint cp = checkpoint("main", 0);
        assertEquals(1, cp.inputs().get(0).nextOffset());
        assertEquals(List.of(new TaskCheckpoint.Timer(1_010, "t-a")), cp.timers());
    }

    // ---- locking and suppliers

    @Test
    void aSecondRunnerForARunningGroupIsRefusedAndAllowedAfterClose() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        appendValues(in, "x");
        assertFalse(Groups.isRunning(dir, "g"), "never ran");
        ProcessorRunner first = new ProcessorRunner(log, strings(List.of("in"), () -> failOnBad(true)), ctx());
        first.start();
        try {
            assertTrue(first.isRunning());
            assertTrue(Groups.isRunning(dir, "g"));
            ProcessorRunner second = new ProcessorRunner(log, strings(List.of("in"), () -> failOnBad(true)), ctx());
            Groups.GroupBusyException busy = assertThrows(Groups.GroupBusyException.class, second::start);
            assertTrue(busy.getMessage().contains("group 'g' is already running"), busy.getMessage());
            second.close();
            assertTrue(first.awaitCaughtUp(30_000), "the first runner is unharmed");
            assertTrue(Groups.isRunning(dir, "g"));
        } finally {
            first.close();
        }
        assertFalse(first.isRunning());
        assertTrue(first.awaitStopped(1_000));
        assertFalse(Groups.isRunning(dir, "g"));

        ProcessorRunner third = run(strings(List.of("in"), () -> failOnBad(true)), ctx());
        assertEquals(1, third.recordsProcessed(), "resumed from the checkpoint (records count across restarts)");
        assertEquals(List.of("x"), values("out"));
    }

    @Test
    void aSupplierThatReturnsTheSameInstanceTwiceIsRefused() throws Exception {
        log.createTopic("in", TopicConfig.partitions(2));
        Processor<String, String, String, String> shared = failOnBad(true);
        ProcessorRunner r = new ProcessorRunner(log, strings(List.of("in"), () -> shared), ctx());
        IllegalStateException e = assertThrows(IllegalStateException.class, r::start);
        assertTrue(e.getMessage().contains("stage 'main' returned the same instance twice"), e.getMessage());
        assertTrue(e.getMessage().contains("new processor per task"), e.getMessage());
        r.close();
        assertFalse(Groups.isRunning(dir, "g"), "the failed start released the group");
        run(strings(List.of("in"), () -> failOnBad(true)), ctx()); // and a good supplier runs
    }

    @Test
    void aSupplierThatReturnsNullIsRefused() {
        log.createTopic("in", TopicConfig.partitions(1));
        ProcessorRunner r = new ProcessorRunner(log, strings(List.of("in"), () -> null), ctx());
        IllegalStateException e = assertThrows(IllegalStateException.class, r::start);
        assertTrue(e.getMessage().contains("returned null"), e.getMessage());
        r.close();
        assertFalse(Groups.isRunning(dir, "g"));
    }

    // ---- replay

    /** Forwards each value and notes, per offset, whether the context said it was replaying. */
    static final class ReplayProbe implements Processor<String, String, String, String> {
        final Map<Long, Boolean> seen;

        ReplayProbe(Map<Long, Boolean> seen) {
            this.seen = seen;
        }

        @Override
        public void process(InputRecord<String, String> r, ProcessorContext<String, String> c) {
            seen.put(r.offset(), c.isReplaying());
            c.forward(null, r.value());
        }
    }

    @Test
    void isReplayingWhileReProducingOutputsAlreadyWrittenAndNotAfter() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        for (int i = 0; i < 10; i++) {
            appendValues(in, "v" + i);
        }
        Map<Long, Boolean> seen = Collections.synchronizedMap(new HashMap<>());
        Topology t = strings(List.of("in"), () -> new ReplayProbe(seen));
        run(t, ctx());
        assertEquals(Set.of(false), new HashSet<>(seen.values()), "a first run replays nothing");

        Path ckpt = Groups.checkpointFile(Groups.dir(dir, "g"), "main", 0);
        Path saved = dir.resolve("saved.ckpt");
        Files.copy(ckpt, saved);
        for (int i = 10; i < 20; i++) {
            appendValues(in, "v" + i);
        }
        seen.clear();
        run(t, ctx());
        assertEquals(Set.of(false), new HashSet<>(seen.values()));

        // back to the older checkpoint, as if the process died before checkpointing v10..v19
        Files.copy(saved, ckpt, StandardCopyOption.REPLACE_EXISTING);
        for (int i = 20; i < 25; i++) {
            appendValues(in, "v" + i);
        }
        seen.clear();
        run(t, ctx());
        for (long o = 10; o < 25; o++) {
            assertEquals(o < 20, seen.get(o), "offset " + o);
        }
        assertEquals(15, seen.size());
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            expected.add("v" + i);
        }
        assertEquals(expected, values("out"), "re-produced outputs were recognised, not written twice");
    }

    @Test
    void replayContextMakesEveryRecordReplaying() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        appendValues(in, "a", "b");
        Map<Long, Boolean> seen = Collections.synchronizedMap(new HashMap<>());
        run(strings(List.of("in"), () -> new ReplayProbe(seen)), ctx().replay(true));
        assertEquals(Map.of(0L, true, 1L, true), seen);
    }

    /** Writes to a side topic with forwardTo only from records whose value starts with "side". */
    static final class SideWriter implements Processor<String, String, String, String> {
        @Override
        public void process(InputRecord<String, String> r, ProcessorContext<String, String> c) {
            if (r.value().startsWith("side")) {
                c.forwardTo("side", null, utf8(r.value()), r.eventTime());
            }
            c.forward(null, r.value());
        }
    }

    @Test
    void restartFromAnOlderCheckpointWritesNothingTwiceToAForwardToTopicCreatedAfterIt() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        appendValues(in, "plain0", "plain1");
        Topology t = strings(List.of("in"), SideWriter::new);
        run(t, ctx());
        Path ckpt = Groups.checkpointFile(Groups.dir(dir, "g"), "main", 0);
        Path saved = dir.resolve("saved.ckpt");
        Files.copy(ckpt, saved);
        appendValues(in, "side0", "side1", "plain2");
        run(t, ctx());
        assertEquals(List.of("side0", "side1"), values("side"));

        Files.copy(saved, ckpt, StandardCopyOption.REPLACE_EXISTING);
        run(t, ctx());
        assertEquals(List.of("plain0", "plain1", "side0", "side1", "plain2"), values("out"));
        assertEquals(List.of("side0", "side1"), values("side"), "side records written once");
    }

    // ---- timers

    /**
     * Registers a timer 100 ms after each record (twice: the second changes nothing); a record "cancel X" cancels
     * X's timer. A timer forwards "timer NAME@TIME" at its time.
     */
    static final class Timers implements Processor<String, String, String, String> {
        @Override
        public void process(InputRecord<String, String> r, ProcessorContext<String, String> c) {
            c.forward(null, "rec " + r.value());
            if (r.value().startsWith("cancel ")) {
                String name = r.value().substring(7);
                c.cancelTimer(Long.parseLong(name.substring(name.indexOf('@') + 1)), name.substring(0, name.indexOf('@')));
                return;
            }
            c.registerTimer(r.eventTime() + 100, r.value());
            c.registerTimer(r.eventTime() + 100, r.value());
        }

        @Override
        public void onTimer(long time, String name, ProcessorContext<String, String> c) {
            assertTrue(c.streamTime() >= time);
            c.forward(null, "timer " + name + "@" + time, time);
        }
    }

    @Test
    void eventTimeTimersFireInTimeOrderOnceStreamTimePassesThemAndSurviveARestart() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        appendTimed(in, "b", 1_050);     // timer at 1150
        appendTimed(in, "a", 1_000);     // timer at 1100: out of order, registered later, fires first
        appendTimed(in, "x", 1_060);     // timer at 1160
        appendTimed(in, "cancel x@1160", 1_070);
        appendTimed(in, "c", 1_150);     // stream time 1150: fires a@1100 and b@1150 (reached, not passed)
        Topology t = strings(List.of("in"), Timers::new);
        run(t, ctx());
        assertEquals(List.of("rec b", "rec a", "rec x", "rec cancel x@1160", "rec c", "timer a@1100", "timer b@1150"), values("out"));
        List<Record> out = readAll(log.topic("out"));
        assertEquals(1_100, out.get(5).eventTime(), "a timer's output carries the timer's time");

        TaskCheckpoint cp = checkpoint("main", 0);
        assertEquals(List.of(new TaskCheckpoint.Timer(1_250, "c")), cp.timers(), "the pending timer is in the checkpoint");
        assertEquals(1_150, cp.streamTime());

        appendTimed(in, "d", 1_200);     // stream time 1200: nothing due
        appendTimed(in, "e", 1_400);     // fires c@1250 (registered before the restart) and d@1300
        run(t, ctx());
        assertEquals(List.of("rec b", "rec a", "rec x", "rec cancel x@1160", "rec c", "timer a@1100", "timer b@1150",
            "rec d", "rec e", "timer c@1250", "timer d@1300"), values("out"));
        assertEquals(List.of(new TaskCheckpoint.Timer(1_500, "e")), checkpoint("main", 0).timers());
    }

    // ---- where a new group starts

    @Test
    void startFromLatestSkipsExistingRecordsForANewGroup() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        appendValues(in, "old0", "old1", "old2");
        ProcessorRunner r = new ProcessorRunner(log, strings(List.of("in"), () -> failOnBad(true)),
            ctx().startFrom(RunnerContext.StartFrom.LATEST));
        r.start();
        try {
            assertTrue(r.awaitCaughtUp(30_000));
            assertEquals(List.of(new TaskCheckpoint.Input("in", 0, 3)), checkpoint("main", 0).inputs(),
                "the first checkpoint starts at the end");
            appendValues(in, "new0", "new1");
            await(() -> r.recordsProcessed() == 2, "the new records");
        } finally {
            r.close();
        }
        assertNull(r.failure());
        assertEquals(List.of("new0", "new1"), values("out"));

        // with a checkpoint, LATEST no longer applies: the group continues where it stopped
        appendValues(in, "while-stopped");
        run(strings(List.of("in"), () -> failOnBad(true)), ctx().startFrom(RunnerContext.StartFrom.LATEST));
        assertEquals(List.of("new0", "new1", "while-stopped"), values("out"));
    }

    @Test
    void startFromEarliestReadsEverything() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        appendValues(in, "a", "b");
        run(strings(List.of("in"), () -> failOnBad(true)), ctx().startFrom(RunnerContext.StartFrom.EARLIEST));
        assertEquals(List.of("a", "b"), values("out"));
    }

    // ---- several inputs

    @Test
    void aTaskWithTwoInputsProcessesRecordsInAppendTimeOrder() throws Exception {
        log.close();
        long base = System.currentTimeMillis() - 60_000;
        AtomicLong now = new AtomicLong(base);
        log = EventLog.open(new LogContext().dataDir(dir).pretouch(false).clock(now::get));
        Topic a = log.createTopic("a", TopicConfig.partitions(1));
        Topic b = log.createTopic("b", TopicConfig.partitions(1));
        // (topic, append time): event times run backwards, so only append time can give this order
        String[][] appends = {{"b", "20"}, {"a", "10"}, {"a", "30"}, {"b", "30"}, {"a", "30"}, {"b", "40"}, {"a", "50"}, {"b", "60"},
            {"b", "61"}};
        for (String[] x : appends) {
            long at = Long.parseLong(x[1]);
            now.set(base + at);
            (x[0].equals("a") ? a : b).append(new Event(null, utf8(x[0] + "@" + at), 1_000_000 - at, null));
        }
        Topology t = strings(List.of("a", "b"), () -> (r, c) -> c.forward(null, r.topic() + ":" + r.offset() + " " + r.value()));
        run(t, ctx());
        assertEquals(List.of("a:0 a@10", "b:0 b@20", "a:1 a@30", "a:2 a@30", "b:1 b@30", "b:2 b@40", "a:3 a@50", "b:3 b@60",
            "b:4 b@61"), values("out"), "append-time order, ties to the first input");
        TaskCheckpoint cp = checkpoint("main", 0);
        assertEquals(List.of(new TaskCheckpoint.Input("a", 0, 4), new TaskCheckpoint.Input("b", 0, 5)), cp.inputs());
    }

    // ---- checkpoints and group metadata

    @Test
    void checkpointsAreReadBackByGroupsWithTheOffsetsProcessed() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(2));
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            events.add(Event.of("k" + (i % 13), "{\"i\":" + i + "}"));
        }
        in.appendBatch(events);
        Topology t = Builtins.count("g", List.of("in"), "out", GroupKey.parse("key", false), false);
        run(t, ctx().description("count --by key"));

        List<TaskCheckpoint> cps = Groups.checkpoints(dir, "g");
        assertEquals(2, cps.size());
        Topic out = log.topic("out");
        long outputs = 0;
        for (int p = 0; p < 2; p++) {
            TaskCheckpoint cp = cps.get(p);
            assertEquals("g", cp.group());
            assertEquals("main", cp.stage());
            assertEquals(p, cp.task());
            long end = in.partition(p).endOffset();
            assertEquals(List.of(new TaskCheckpoint.Input("in", p, end)), cp.inputs());
            assertEquals(end, cp.records());
            assertEquals(0, cp.deadLettered());
            Set<String> keys = new HashSet<>();
            for (Record r : readAll(in)) {
                if (r.partition() == p) {
                    keys.add(r.keyString());
                }
            }
            assertEquals(Map.of("count", (long) keys.size()), cp.storeSizes());
            long sequences = 0;
            for (TaskCheckpoint.Output o : cp.outputs()) {
                assertEquals("out", o.topic());
                assertEquals(out.partition(o.partition()).endOffset(), o.endOffset());
                sequences += o.nextSequence();
            }
            assertEquals(end, sequences, "one output per record, each with the next sequence");
            outputs += sequences;
        }
        assertEquals(300, outputs);
        assertEquals(300, readAll(out).size());

        assertEquals(List.of("g"), Groups.list(dir));
        JsonNode info = Groups.info(dir, "g");
        assertEquals("g", info.get("group").asText());
        assertEquals("count --by key", info.get("description").asText());
        assertEquals("g.dlq", info.get("deadLetterTopic").asText());
        assertEquals("in", info.get("inputs").get(0).asText());
        assertEquals("out", info.get("outputs").get(0).asText());
        assertNull(Groups.info(dir, "other"));
        assertTrue(Groups.checkpoints(dir, "other").isEmpty());
    }

    @Test
    void aCheckpointIsWrittenWhenATaskOpensAndOnClose() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        appendValues(in, "a", "b", "c");
        ProcessorRunner r = new ProcessorRunner(log, strings(List.of("in"), () -> failOnBad(true)),
            ctx().checkpointIntervalMs(3_600_000));
        r.start();
        try {
            assertNotNull(checkpoint("main", 0), "a first checkpoint on open");
            assertTrue(r.awaitCaughtUp(30_000));
            assertTrue(Groups.isRunning(dir, "g"));
        } finally {
            r.close();
        }
        assertFalse(Groups.isRunning(dir, "g"));
        assertEquals(3, checkpoint("main", 0).inputs().get(0).nextOffset(), "the last checkpoint on close");
        assertFalse(Files.exists(Groups.checkpointFile(Groups.dir(dir, "g"), "main", 0).resolveSibling("main-0.ckpt.tmp")));
    }

    @Test
    void aCheckpointOfAnotherTaskIsRefused() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(2));
        appendValues(in, "a");
        run(strings(List.of("in"), () -> failOnBad(true)), ctx());
        Path groupDir = Groups.dir(dir, "g");
        Files.copy(Groups.checkpointFile(groupDir, "main", 0), Groups.checkpointFile(groupDir, "main", 1),
            StandardCopyOption.REPLACE_EXISTING);
        ProcessorRunner r = new ProcessorRunner(log, strings(List.of("in"), () -> failOnBad(true)), ctx());
        CheckpointException e = assertThrows(CheckpointException.class, r::start);
        assertTrue(e.getMessage().contains("belongs to group 'g' stage 'main' task 0, not to this task")
            || e.getMessage().contains("no checkpoint for main-1"), e.getMessage());
        r.close();
        assertFalse(Groups.isRunning(dir, "g"));
    }

    @Test
    void aCheckpointAheadOfTheLogIsRefused() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        appendValues(in, "a", "b");
        run(strings(List.of("in"), () -> failOnBad(true)), ctx());
        Path file = Groups.checkpointFile(Groups.dir(dir, "g"), "main", 0);
        TaskCheckpoint cp = TaskCheckpoint.read(file);
        cp.withInputs(List.of(new TaskCheckpoint.Input("in", 0, 99)), true).writeTo(file);
        ProcessorRunner r = new ProcessorRunner(log, strings(List.of("in"), () -> failOnBad(true)), ctx());
        CheckpointException e = assertThrows(CheckpointException.class, r::start);
        assertTrue(e.getMessage().contains("resume in/0 at offset 99, outside the partition's range [0, 2]"), e.getMessage());
        r.close();
    }
}
