package io.kappa.processor.builtin;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kappa.log.Event;
import io.kappa.log.EventLog;
import io.kappa.log.LogContext;
import io.kappa.log.PartitionTailer;
import io.kappa.log.Record;
import io.kappa.log.Topic;
import io.kappa.log.TopicConfig;
import io.kappa.processor.Groups;
import io.kappa.processor.ProcessorRunner;
import io.kappa.processor.RunnerContext;
import io.kappa.processor.TaskCheckpoint;
import io.kappa.processor.TimePolicy;
import io.kappa.processor.Topology;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Stream-table and stream-stream joins end to end: a real log, a real runner. The log's clock is driven by the
 * test (one millisecond per append, well in the past), so the order in which a task merges its two inputs is the
 * order the test appended the records in, and no record waits for the merge delay.
 */
class JoinBuiltinsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final long APPEND_BASE = 1_600_000_000_000L;

    @TempDir
    Path dir;
    EventLog log;
    final AtomicLong appendClock = new AtomicLong(APPEND_BASE);

    @BeforeEach
    void open() {
        log = EventLog.open(new LogContext().dataDir(dir).pretouch(false).clock(appendClock::get));
    }

    @AfterEach
    void close() {
        log.close();
    }

    // ---- helpers

    static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    /** One input event as the tests generate it. */
    record In(String topic, String key, String value, long time) {
        Event event() {
            return new Event(utf8(key), utf8(value), time, null);
        }
    }

    /** An output (or late) record as read back. */
    record Out(String key, String value, long time) {
    }

    /** Appends one event with the next append time, so the merge order of the inputs is the append order. */
    void append(In e) {
        appendClock.incrementAndGet();
        log.topic(e.topic()).append(e.event());
    }

    void appendAll(List<In> events) {
        events.forEach(this::append);
    }

    ProcessorRunner run(Topology t, String group) throws InterruptedException {
        ProcessorRunner r = new ProcessorRunner(log, t, new RunnerContext().group(group).threads(2));
        r.start();
        try {
            assertTrue(r.awaitCaughtUp(20_000), "caught up");
        } finally {
            r.close();
        }
        assertNull(r.failure());
        return r;
    }

    List<Record> readAll(String topic) {
        List<Record> out = new ArrayList<>();
        if (!log.exists(topic)) {
            return out;
        }
        Topic t = log.topic(topic);
        for (int p = 0; p < t.partitionCount(); p++) {
            try (PartitionTailer tailer = t.partition(p).newTailer()) {
                tailer.toStart();
                while (tailer.poll(v -> out.add(v.toRecord()), 1000) > 0) {
                    // drain
                }
            }
        }
        return out;
    }

    List<Out> outputs(String topic) {
        return readAll(topic).stream().map(r -> new Out(r.keyString(), r.valueString(), r.eventTime())).toList();
    }

    /** Each key's outputs in log order (one task writes all of a key's outputs, to one partition). */
    Map<String, List<Out>> byKey(String topic) {
        Map<String, List<Out>> m = new TreeMap<>();
        for (Out o : outputs(topic)) {
            m.computeIfAbsent(o.key(), k -> new ArrayList<>()).add(o);
        }
        return m;
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    /** A canonical text of an output: key, time and the value as a parsed tree (so the comparison is by JSON). */
    static String canonical(Out o) {
        return o.key() + " @" + o.time() + " " + json(o.value());
    }

    static List<String> sortedCanonical(List<Out> outs) {
        return outs.stream().map(JoinBuiltinsTest::canonical).sorted().toList();
    }

    static String joined(String key, String left, String right) {
        try {
            return "{\"key\":" + JSON.writeValueAsString(key) + ",\"left\":" + left.strip() + ",\"right\":"
                + (right == null ? "null" : right.strip()) + "}";
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    List<JsonNode> deadLetters(String group) {
        return readAll(group + ".dlq").stream().map(r -> json(r.valueString())).toList();
    }

    static final String[] VALUE_SHAPES = {
        "{\"v\":%d}", "{\"s\":\"q\\\"uote %d\"}", "[%d,2,{\"x\":null}]", "%d", "\"str %d\"", " { \"pad\" : %d }\n",
        "{\"u\":\"\u00fc\u20ac\uD83D\uDE00 %d\"}", "{\"n\":1.50,\"i\":%d}", "true", "{\"nested\":{\"a\":[%d,{}]}}"};

    static String randomValue(Random random, int i) {
        return String.format(VALUE_SHAPES[random.nextInt(VALUE_SHAPES.length)], i);
    }

    /** A key per partition of a topic, for records that must reach every task. */
    List<String> keyPerPartition(String topic, String prefix) {
        Topic t = log.topic(topic);
        String[] keys = new String[t.partitionCount()];
        int found = 0;
        for (int i = 0; found < keys.length; i++) {
            String k = prefix + i;
            int p = t.partitionFor(utf8(k));
            if (keys[p] == null) {
                keys[p] = k;
                found++;
            }
        }
        return List.of(keys);
    }

    static Topology streamTable(boolean left) {
        return JoinBuiltins.streamTable("clicks", "users", left ? "out-left" : "out-inner", left, TimePolicy.DEFAULT);
    }

    static Topology streamStream(String out, long withinMs, boolean left, long oooMs) {
        return JoinBuiltins.streamStream("l", "r", out, withinMs, left, TimePolicy.eventTime(oooMs));
    }

    // ---- stream-table

    @Test
    void streamTableJoinsEachStreamRecordWithTheRowItsKeyHasAtThatMoment() throws Exception {
        log.createTopic("clicks", TopicConfig.partitions(1));
        log.createTopic("users", TopicConfig.partitions(1));
        appendAll(List.of(
            new In("clicks", "u1", "{\"page\":1}", 1_000),              // no row yet: left only
            new In("users", "u1", "{ \"name\" : \"Ann\", \"score\": 1.50 }\n", 1_500),
            new In("clicks", "u1", "{\"page\":2}", 2_000),              // Ann, her value as written (trimmed)
            new In("users", "u1", "{\"name\":\"Anne\"}", 2_500),
            new In("clicks", "u1", "  [1, 2]  ", 3_000),                // Anne
            new In("users", "u2", "\"Bob\"", 3_100),
            new In("users", "u1", "", 3_200),                         // empty value: u1 leaves the table
            new In("clicks", "u1", "{\"page\":4}", 4_000),              // gone
            new In("clicks", "u2", "42", 5_000),                        // Bob
            new In("users", "u2", " null ", 5_100),                     // JSON null: deletes too
            new In("clicks", "u2", "{\"page\":6}", 6_000),
            new In("users", "u2", "{\"name\":\"Bo\"}", 6_100),
            new In("clicks", "u2", "null", 7_000)));                    // a null stream value joins as null

        run(streamTable(false), "inner");
        run(streamTable(true), "left");

        String ann = "{ \"name\" : \"Ann\", \"score\": 1.50 }";
        assertEquals(List.of(
            new Out("u1", joined("u1", "{\"page\":2}", ann), 2_000),
            new Out("u1", joined("u1", "[1, 2]", "{\"name\":\"Anne\"}"), 3_000),
            new Out("u2", joined("u2", "42", "\"Bob\""), 5_000),
            new Out("u2", joined("u2", "null", "{\"name\":\"Bo\"}"), 7_000)), outputs("out-inner"));
        assertEquals(List.of(
            new Out("u1", joined("u1", "{\"page\":1}", null), 1_000),
            new Out("u1", joined("u1", "{\"page\":2}", ann), 2_000),
            new Out("u1", joined("u1", "[1, 2]", "{\"name\":\"Anne\"}"), 3_000),
            new Out("u1", joined("u1", "{\"page\":4}", null), 4_000),
            new Out("u2", joined("u2", "42", "\"Bob\""), 5_000),
            new Out("u2", joined("u2", "{\"page\":6}", null), 6_000),
            new Out("u2", joined("u2", "null", "{\"name\":\"Bo\"}"), 7_000)), outputs("out-left"));
        assertTrue(deadLetters("inner").isEmpty());
        assertTrue(deadLetters("left").isEmpty());
        TaskCheckpoint cp = TaskCheckpoint.read(Groups.checkpointPath(dir, "left", "main", 0));
        assertEquals(Map.of("table", 1L), cp.storeSizes(), "only u2 is left in the table");
    }

    /**
     * Random stream and table records (updates, both kinds of delete, values of every JSON shape) appended in a
     * random interleaving over 2 partitions: each key's outputs equal a sequential replay of that order.
     */
    @Test
    void streamTableMatchesASequentialReplayOfTheMergedOrder() throws Exception {
        long seed = Long.getLong("kappa.test.seed", System.nanoTime());
        Random random = new Random(seed);
        log.createTopic("clicks", TopicConfig.partitions(2));
        log.createTopic("users", TopicConfig.partitions(2));
        List<In> events = new ArrayList<>();
        for (int i = 0; i < 1200; i++) {
            String key = "k" + random.nextInt(25);
            if (random.nextInt(10) < 4) {
                int d = random.nextInt(20);
                String v = d == 0 ? "" : d == 1 ? "null" : d == 2 ? " null\n" : randomValue(random, i);
                events.add(new In("users", key, v, 1_000L * i));
            } else {
                events.add(new In("clicks", key, randomValue(random, i), 1_000L * i + random.nextInt(5_000)));
            }
        }
        appendAll(events);

        run(streamTable(false), "inner");
        run(streamTable(true), "left");

        for (boolean left : new boolean[] {false, true}) {
            Map<String, String> table = new HashMap<>();
            Map<String, List<Out>> expected = new TreeMap<>();
            for (In e : events) {
                if (e.topic().equals("users")) {
                    if (e.value().isBlank() || e.value().strip().equals("null")) {
                        table.remove(e.key());
                    } else {
                        table.put(e.key(), e.value());
                    }
                } else {
                    String row = table.get(e.key());
                    if (row != null || left) {
                        expected.computeIfAbsent(e.key(), k -> new ArrayList<>()).add(new Out(e.key(), joined(e.key(), e.value(), row), e.time()));
                    }
                }
            }
            Map<String, List<Out>> actual = byKey(left ? "out-left" : "out-inner");
            assertEquals(expected.keySet(), actual.keySet(), "seed " + seed + " left " + left);
            for (String k : expected.keySet()) {
                assertEquals(expected.get(k), actual.get(k), "seed " + seed + " left " + left + " key " + k);
            }
        }
        assertTrue(deadLetters("inner").isEmpty(), "seed " + seed);
    }

    @Test
    void streamTableRestartedMidwayWritesWhatOneUninterruptedRunWrites() throws Exception {
        long seed = Long.getLong("kappa.test.seed", System.nanoTime());
        Random random = new Random(seed);
        log.createTopic("clicks", TopicConfig.partitions(2));
        log.createTopic("users", TopicConfig.partitions(2));
        List<In> events = new ArrayList<>();
        for (int i = 0; i < 800; i++) {
            String key = "k" + random.nextInt(15);
            boolean table = random.nextInt(3) == 0;
            events.add(new In(table ? "users" : "clicks", key, table && random.nextInt(8) == 0 ? "" : randomValue(random, i), 10L * i));
        }
        int cut = 100 + random.nextInt(600);
        Topology twice = JoinBuiltins.streamTable("clicks", "users", "out-twice", true, TimePolicy.DEFAULT);
        appendAll(events.subList(0, cut));
        run(twice, "twice");
        appendAll(events.subList(cut, events.size()));
        run(JoinBuiltins.streamTable("clicks", "users", "out-twice", true, TimePolicy.DEFAULT), "twice");
        run(JoinBuiltins.streamTable("clicks", "users", "out-once", true, TimePolicy.DEFAULT), "once");

        Map<String, List<Out>> once = byKey("out-once");
        assertFalse(once.isEmpty());
        assertEquals(once, byKey("out-twice"), "seed " + seed + " cut " + cut);
    }

    @Test
    void streamTableSendsRecordsWithoutKeyOrWithValuesThatAreNotJsonToTheDeadLetterTopic() throws Exception {
        log.createTopic("clicks", TopicConfig.partitions(1));
        log.createTopic("users", TopicConfig.partitions(1));
        appendAll(List.of(
            new In("users", "u1", "{\"name\":\"Ann\"}", 1),
            new In("users", "u1", "{\"name\":", 2),           // cut short: dead letter, the row stays
            new In("users", null, "{\"name\":\"x\"}", 3),       // no key
            new In("clicks", "u1", "not json", 4),
            new In("clicks", "u1", "{\"a\":1} {\"b\":2}", 5),   // two values
            new In("clicks", "u1", "", 6),                       // empty
            new In("clicks", null, "{\"a\":1}", 7),
            new In("clicks", "u1", "{\"ok\":true}", 8)));

        run(streamTable(false), "g");

        assertEquals(List.of(new Out("u1", joined("u1", "{\"ok\":true}", "{\"name\":\"Ann\"}"), 8)), outputs("out-inner"));
        List<JsonNode> dlq = deadLetters("g");
        assertEquals(List.of("users", "users", "clicks", "clicks", "clicks", "clicks"),
            dlq.stream().map(n -> n.get("topic").asText()).toList(), dlq.toString());
        assertTrue(dlq.get(0).get("error").asText().contains("the value of 'users' is not valid JSON"), dlq.get(0).toString());
        assertTrue(dlq.get(1).get("error").asText().contains("needs a record key"), dlq.get(1).toString());
        assertTrue(dlq.get(2).get("error").asText().contains("the value of 'clicks' is not valid JSON"), dlq.get(2).toString());
        assertTrue(dlq.get(3).get("error").asText().contains("more after the first value"), dlq.get(3).toString());
        assertTrue(dlq.get(4).get("error").asText().contains("is empty"), dlq.get(4).toString());
        assertTrue(dlq.get(5).get("error").asText().contains("needs a record key"), dlq.get(5).toString());
        assertEquals("not json", dlq.get(2).get("value").asText());
    }

    // ---- co-partitioning and options

    @Test
    void joinsOfTopicsWithDifferentPartitionCountsAreRefused() {
        log.createTopic("a", TopicConfig.partitions(3));
        log.createTopic("b", TopicConfig.partitions(2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> JoinBuiltins.streamTable(log, "a", "b", "out", false, TimePolicy.DEFAULT));
        assertTrue(e.getMessage().startsWith("a join needs co-partitioned topics, but 'a' has 3 partitions and 'b' has 2"),
            e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
            () -> JoinBuiltins.streamStream(log, "b", "a", "out", 1_000, true, TimePolicy.DEFAULT));
        assertTrue(e.getMessage().startsWith("a join needs co-partitioned topics, but 'b' has 2 partitions and 'a' has 3"),
            e.getMessage());
        log.createTopic("c", TopicConfig.partitions(3));
        assertEquals(1, JoinBuiltins.streamStream(log, "a", "c", "out", 1_000, false, TimePolicy.DEFAULT).stages().size());
    }

    @Test
    void badJoinArgumentsAreRefused() {
        assertEquals("a join needs two different topics, got 'a' twice",
            assertThrows(IllegalArgumentException.class, () -> JoinBuiltins.streamTable("a", "a", "o", false, TimePolicy.DEFAULT))
                .getMessage());
        assertEquals("join --within must not be negative, got -1 ms",
            assertThrows(IllegalArgumentException.class, () -> JoinBuiltins.streamStream("a", "b", "o", -1, false, TimePolicy.DEFAULT))
                .getMessage());
        Topology t = JoinBuiltins.streamStream("a", "b", "o", 5, false, TimePolicy.eventTime(7));
        assertEquals(TimePolicy.eventTime(7), t.stages().get(0).time(), "the stage runs on the join's time policy");
        assertEquals(List.of("a", "b"), t.stages().get(0).inputs());
    }

    // ---- stream-stream

    @Test
    void streamStreamPairsRecordsWithinTheWindowEmitsUnmatchedLeftsAtEvictionAndRoutesLateOnes() throws Exception {
        log.createTopic("l", TopicConfig.partitions(1));
        log.createTopic("r", TopicConfig.partitions(1));
        appendAll(List.of(
            new In("l", "k", "{\"l\":1}", 1_000),
            new In("r", "k", "{\"r\":1}", 5_000),      // 4 s after l1: a pair at 5 s
            new In("r", "k", "{\"r\":2}", 11_000),     // 10 s after l1: a pair (the bound is inclusive)
            new In("l", "k", " {\"l\":2} ", 30_000),   // nothing within 10 s: unmatched
            new In("l", "j", "{\"l\":3}", 50_000),
            new In("r", "j", "{\"r\":3}", 50_000),     // the watermark is 50 s now: l2 expires, left join emits it
            new In("r", "k", "{\"r\":\"late\"}", 20_000),  // below the watermark: late
            new In("l", "k", "{\"l\":\"late\"}", 49_999)));

        run(streamStream("out-inner", 10_000, false, 0), "inner");
        run(streamStream("out-left", 10_000, true, 0), "left");

        List<Out> pairs = List.of(
            new Out("k", joined("k", "{\"l\":1}", "{\"r\":1}"), 5_000),
            new Out("k", joined("k", "{\"l\":1}", "{\"r\":2}"), 11_000),
            new Out("j", joined("j", "{\"l\":3}", "{\"r\":3}"), 50_000));
        assertEquals(pairs, outputs("out-inner"));
        List<Out> withUnmatched = new ArrayList<>(pairs);
        withUnmatched.add(new Out("k", joined("k", "{\"l\":2}", null), 30_000));
        assertEquals(withUnmatched, outputs("out-left"), "the unmatched left once, when the watermark passed 30 s + 10 s");

        for (String group : List.of("inner", "left")) {
            List<Record> late = readAll(group + ".late");
            assertEquals(2, late.size(), group);
            JsonNode first = json(late.get(0).valueString());
            assertEquals("k", late.get(0).keyString());
            assertEquals(20_000, late.get(0).eventTime());
            assertTrue(first.get("reason").asText().contains("below the watermark"), first.toString());
            assertEquals("r", first.get("topic").asText());
            assertEquals("right", first.get("side").asText());
            assertEquals(0, first.get("partition").asInt());
            assertEquals(3, first.get("offset").asLong());
            assertEquals(Instant.ofEpochMilli(20_000).toString(), first.get("eventTime").asText());
            assertEquals(Instant.ofEpochMilli(50_000).toString(), first.get("watermark").asText());
            assertEquals(30_000, first.get("lateByMs").asLong());
            assertEquals(json("{\"r\":\"late\"}"), first.get("value"), "the original value, as JSON");
            assertEquals(10_000, first.get("withinMs").asLong());
            JsonNode second = json(late.get(1).valueString());
            assertEquals("l", second.get("topic").asText());
            assertEquals(Instant.ofEpochMilli(49_999).toString(), second.get("eventTime").asText());
            assertTrue(deadLetters(group).isEmpty());
        }
    }

    @Test
    void streamStreamSendsRecordsWithoutKeyOrWithValuesThatAreNotJsonToTheDeadLetterTopic() throws Exception {
        log.createTopic("l", TopicConfig.partitions(1));
        log.createTopic("r", TopicConfig.partitions(1));
        appendAll(List.of(
            new In("l", "k", "{\"l\":1}", 1_000),
            new In("r", "k", "{oops", 1_000),
            new In("r", null, "{\"r\":0}", 1_000),
            new In("l", "k", "", 1_000),
            new In("r", "k", "{\"r\":1}", 1_000)));
        run(streamStream("out", 0, false, 0), "g");
        assertEquals(List.of(new Out("k", joined("k", "{\"l\":1}", "{\"r\":1}"), 1_000)), outputs("out"));
        List<JsonNode> dlq = deadLetters("g");
        assertEquals(3, dlq.size(), dlq.toString());
        assertTrue(dlq.get(0).get("error").asText().contains("the value of 'r' is not valid JSON"), dlq.get(0).toString());
        assertEquals("{oops", dlq.get(0).get("value").asText());
        assertTrue(dlq.get(1).get("error").asText().contains("needs a record key"), dlq.get(1).toString());
        assertTrue(dlq.get(2).get("error").asText().contains("is empty"), dlq.get(2).toString());
    }

    /**
     * Random keys, values and event times on 2 partitions, delivered shuffled within the allowed disorder, then one
     * record per partition and side far ahead (which closes every window), then records far behind. The join output
     * equals a nested-loop join of the in-order records, for inner and left joins; every record far behind is in
     * GROUP.late and nowhere else.
     */
    @Test
    void streamStreamMatchesANestedLoopJoinAndRoutesEveryLateRecord() throws Exception {
        long seed = Long.getLong("kappa.test.seed", System.nanoTime());
        Random random = new Random(seed);
        log.createTopic("l", TopicConfig.partitions(2));
        log.createTopic("r", TopicConfig.partitions(2));
        // times on a 100 ms grid and few keys, so that records exactly `within` apart, or exactly at the watermark,
        // are frequent
        long within = 100L * random.nextInt(5);
        long ooo = random.nextInt(2) == 0 ? 0 : 100L * random.nextInt(11);
        String msg = "seed " + seed + " within " + within + " ooo " + ooo;

        List<In> events = new ArrayList<>();
        List<long[]> deliverAt = new ArrayList<>(); // (time + jitter, index)
        long maxTime = 0;
        for (int i = 0; i < 1200; i++) {
            long t = 100L * random.nextInt(200);
            maxTime = Math.max(maxTime, t);
            events.add(new In(random.nextBoolean() ? "l" : "r", "k" + random.nextInt(6), randomValue(random, i), t));
            deliverAt.add(new long[] {t + 100L * random.nextInt((int) ooo / 100 + 1), i});
        }
        // in order of time + a jitter within the disorder allowed: no record is behind the highest time by more
        deliverAt.sort(Comparator.comparingLong((long[] d) -> d[0]).thenComparingLong(d -> d[1]));
        List<In> delivery = new ArrayList<>();
        deliverAt.forEach(d -> delivery.add(events.get((int) d[1])));
        long end = maxTime + within + ooo + 10;
        for (String k : keyPerPartition("l", "end-")) {
            events.add(new In("l", k, "{\"end\":true}", end));
            events.add(new In("r", k, "{\"end\":true}", end));
            delivery.add(events.get(events.size() - 2));
            delivery.add(events.get(events.size() - 1));
        }
        List<In> late = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            late.add(new In(random.nextBoolean() ? "l" : "r", "k" + random.nextInt(6), "{\"late\":" + i + "}",
                random.nextInt((int) maxTime + 1)));
        }
        appendAll(delivery);
        appendAll(late);

        run(streamStream("out-inner", within, false, ooo), "inner");
        run(streamStream("out-left", within, true, ooo), "left");

        for (boolean leftJoin : new boolean[] {false, true}) {
            List<Out> expected = new ArrayList<>();
            for (In l : events) {
                if (!l.topic().equals("l")) {
                    continue;
                }
                boolean matched = false;
                for (In r : events) {
                    if (r.topic().equals("r") && r.key().equals(l.key()) && Math.abs(l.time() - r.time()) <= within) {
                        matched = true;
                        expected.add(new Out(l.key(), joined(l.key(), l.value(), r.value()), Math.max(l.time(), r.time())));
                    }
                }
                if (!matched && leftJoin) {
                    expected.add(new Out(l.key(), joined(l.key(), l.value(), null), l.time()));
                }
            }
            String group = leftJoin ? "left" : "inner";
            List<Out> actual = outputs(leftJoin ? "out-left" : "out-inner");
            assertEquals(sortedCanonical(expected), sortedCanonical(actual), msg + " left " + leftJoin);
            assertTrue(deadLetters(group).isEmpty(), msg);

            List<Record> lateRecords = readAll(group + ".late");
            List<String> expectedLate = late.stream().map(e -> e.topic() + " " + e.key() + " " + e.time() + " " + json(e.value())).sorted()
                .toList();
            List<String> actualLate = new ArrayList<>();
            for (Record r : lateRecords) {
                JsonNode n = json(r.valueString());
                Instant eventTime = Instant.parse(n.get("eventTime").asText());
                assertEquals(r.eventTime(), eventTime.toEpochMilli(), msg);
                assertTrue(Instant.parse(n.get("watermark").asText()).toEpochMilli() > eventTime.toEpochMilli(), n.toString());
                assertTrue(n.hasNonNull("reason") && n.hasNonNull("partition") && n.hasNonNull("offset"), n.toString());
                actualLate.add(n.get("topic").asText() + " " + r.keyString() + " " + r.eventTime() + " " + n.get("value"));
            }
            actualLate.sort(null);
            assertEquals(expectedLate, actualLate, msg + " left " + leftJoin);
        }
    }

    @Test
    void streamStreamRestartedMidwayWritesWhatOneUninterruptedRunWrites() throws Exception {
        long seed = Long.getLong("kappa.test.seed", System.nanoTime());
        Random random = new Random(seed);
        log.createTopic("l", TopicConfig.partitions(2));
        log.createTopic("r", TopicConfig.partitions(2));
        List<In> events = new ArrayList<>();
        long t = 0;
        for (int i = 0; i < 1000; i++) {
            t += random.nextInt(40);
            // some disorder, some of it beyond the 100 ms allowed: late records must be the same in both runs too
            long time = Math.max(0, t - random.nextInt(random.nextInt(10) == 0 ? 1_000 : 100));
            events.add(new In(random.nextBoolean() ? "l" : "r", "k" + random.nextInt(10), randomValue(random, i), time));
        }
        int cut = 100 + random.nextInt(800);
        appendAll(events.subList(0, cut));
        run(streamStream("out-twice", 300, true, 100), "twice");
        appendAll(events.subList(cut, events.size()));
        run(streamStream("out-twice", 300, true, 100), "twice");
        run(streamStream("out-once", 300, true, 100), "once");

        Map<String, List<Out>> once = byKey("out-once");
        assertFalse(once.isEmpty());
        assertEquals(once, byKey("out-twice"), "seed " + seed + " cut " + cut);
        List<String> late = lateSummary("once");
        assertFalse(late.isEmpty(), "seed " + seed);
        assertEquals(late, lateSummary("twice"), "seed " + seed + " cut " + cut);
    }

    /**
     * As if the process had died after writing the outputs of the second half but before checkpointing them: the
     * task starts again from the checkpoint after the first half, re-produces the same records (pairs, unmatched
     * lefts from timers, late records) and recognises every one of them as already written.
     */
    @Test
    void recoveringFromAnOlderCheckpointWritesNothingTwice() throws Exception {
        long seed = Long.getLong("kappa.test.seed", System.nanoTime());
        Random random = new Random(seed);
        log.createTopic("l", TopicConfig.partitions(2));
        log.createTopic("r", TopicConfig.partitions(2));
        List<In> events = new ArrayList<>();
        long t = 0;
        for (int i = 0; i < 1000; i++) {
            t += random.nextInt(40);
            long time = Math.max(0, t - random.nextInt(random.nextInt(10) == 0 ? 1_000 : 100));
            events.add(new In(random.nextBoolean() ? "l" : "r", "k" + random.nextInt(10), randomValue(random, i), time));
        }
        int cut = 100 + random.nextInt(800);
        java.util.function.Supplier<Topology> windowed = () -> streamStream("out-w", 300, true, 100);
        java.util.function.Supplier<Topology> table = () -> JoinBuiltins.streamTable("l", "r", "out-t", true, TimePolicy.DEFAULT);
        appendAll(events.subList(0, cut));
        run(windowed.get(), "w");
        run(table.get(), "t");
        Path saved = java.nio.file.Files.createDirectories(dir.resolve("saved"));
        for (String g : List.of("w", "t")) {
            for (int p = 0; p < 2; p++) {
                java.nio.file.Files.copy(Groups.checkpointPath(dir, g, "main", p), saved.resolve(g + "-" + p));
            }
        }
        appendAll(events.subList(cut, events.size()));
        run(windowed.get(), "w");
        run(table.get(), "t");
        List<Record> windowedOut = readAll("out-w");
        List<Record> late = readAll("w.late");
        List<Record> tableOut = readAll("out-t");
        assertFalse(late.isEmpty() || windowedOut.isEmpty() || tableOut.isEmpty(), "seed " + seed);
        for (String g : List.of("w", "t")) {
            for (int p = 0; p < 2; p++) {
                java.nio.file.Files.copy(saved.resolve(g + "-" + p), Groups.checkpointPath(dir, g, "main", p),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        run(windowed.get(), "w");
        run(table.get(), "t");
        assertEquals(summary(windowedOut), summary(readAll("out-w")), "seed " + seed + " cut " + cut);
        assertEquals(summary(late), summary(readAll("w.late")), "seed " + seed + " cut " + cut);
        assertEquals(summary(tableOut), summary(readAll("out-t")), "seed " + seed + " cut " + cut);
    }

    static List<String> summary(List<Record> records) {
        return records.stream().map(r -> r.partition() + "/" + r.offset() + " " + r.keyString() + " @" + r.eventTime() + " "
            + r.valueString()).toList();
    }

    /** Late records of a group, each as key, event time, topic, offset, watermark and value, in key and log order. */
    List<String> lateSummary(String group) {
        List<String> out = new ArrayList<>();
        byKey(group + ".late").forEach((k, outs) -> outs.forEach(o -> {
            JsonNode n = json(o.value());
            out.add(k + " " + o.time() + " " + n.get("topic").asText() + "/" + n.get("offset").asLong() + " "
                + n.get("watermark").asText() + " " + n.get("value"));
        }));
        return out;
    }

    /** An unbounded stream keeps only what its window can still match: state and timers stay small. */
    @Test
    void streamStreamStateStaysBoundedAsTheWatermarkMoves() throws Exception {
        log.createTopic("l", TopicConfig.partitions(1));
        log.createTopic("r", TopicConfig.partitions(1));
        List<In> events = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            // a new key every 50 records, one record per 10 ms: a window of 100 ms holds about 10 of them per side
            events.add(new In(i % 2 == 0 ? "l" : "r", "k" + (i / 50) + "-" + (i % 3), "{\"i\":" + i + "}", 10L * i));
        }
        appendAll(events);
        run(streamStream("out", 100, true, 50), "g");
        TaskCheckpoint cp = TaskCheckpoint.read(Groups.checkpointPath(dir, "g", "main", 0));
        long buffered = cp.storeSizes().values().stream().mapToLong(Long::longValue).sum();
        assertTrue(buffered <= 12, "buffered keys " + cp.storeSizes());
        assertTrue(cp.timers().size() <= 40, "timers " + cp.timers().size());
        assertEquals(39_980 - 50, cp.watermark(), "the slower side's highest time minus the disorder");
        assertFalse(outputs("out").isEmpty());
    }
}
