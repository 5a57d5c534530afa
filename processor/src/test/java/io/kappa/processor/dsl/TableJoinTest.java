package io.kappa.processor.dsl;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import io.kappa.processor.Serdes;
import io.kappa.processor.TaskCheckpoint;
import io.kappa.processor.Topology;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/** KStream-KTable joins in the DSL, end to end; the log's clock is the test's, so the merge order is the append order. */
class TableJoinTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    EventLog log;
    final AtomicLong appendClock = new AtomicLong(1_600_000_000_000L);

    @BeforeEach
    void open() {
        log = EventLog.open(new LogContext().dataDir(dir).pretouch(false).clock(appendClock::get));
    }

    @AfterEach
    void close() {
        log.close();
    }

    record In(String topic, String key, String value, long time) {
    }

    record Out(String key, String value, long time) {
    }

    void append(In e) {
        appendClock.incrementAndGet();
        log.topic(e.topic()).append(new Event(e.key() == null ? null : e.key().getBytes(StandardCharsets.UTF_8),
            e.value().getBytes(StandardCharsets.UTF_8), e.time(), null));
    }

    void run(Topology t, String group) throws InterruptedException {
        try (ProcessorRunner r = new ProcessorRunner(log, t, new RunnerContext().group(group).threads(2))) {
            r.start();
            assertTrue(r.awaitCaughtUp(20_000));
        }
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

    Map<String, List<Out>> byKey(String topic) {
        Map<String, List<Out>> m = new TreeMap<>();
        for (Record r : readAll(topic)) {
            m.computeIfAbsent(r.keyString(), k -> new ArrayList<>()).add(new Out(r.keyString(), r.valueString(), r.eventTime()));
        }
        return m;
    }

    static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + s, e);
        }
    }

    /** clicks joined with users: {"click":C,"user":U} (U null when a left join finds no row). */
    static Topology enrich(String group, boolean left, String output) {
        Pipeline p = new Pipeline(group);
        KTable<String, JsonNode> users = p.table("users", Serdes.string(), Serdes.json());
        KStream<String, JsonNode> clicks = p.stream(List.of("clicks"), Serdes.string(), Serdes.json());
        ValueJoiner<JsonNode, JsonNode, JsonNode> joiner = (click, user) -> {
            ObjectNode o = JSON.createObjectNode();
            o.set("click", click);
            o.set("user", user);
            return o;
        };
        (left ? clicks.leftJoin(users, joiner) : clicks.join(users, joiner)).to(output, Serdes.string(), Serdes.json());
        return p.build();
    }

    static String expected(String click, String user) {
        ObjectNode o = JSON.createObjectNode();
        o.set("click", json(click));
        o.set("user", user == null ? null : json(user));
        return o.toString();
    }

    List<In> randomEvents(Random random, int n) {
        List<In> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String key = "u" + random.nextInt(20);
            if (random.nextInt(10) < 4) {
                int d = random.nextInt(12);
                String v = d == 0 ? "" : d == 1 ? "null" : "{\"name\":\"n" + i + "\",\"tier\":" + random.nextInt(3) + "}";
                events.add(new In("users", key, v, i));
            } else {
                events.add(new In("clicks", key, "{\"page\":" + i + "}", 1_000L + i));
            }
        }
        return events;
    }

    static Map<String, List<Out>> reference(List<In> events, boolean left) {
        Map<String, String> table = new HashMap<>();
        Map<String, List<Out>> out = new TreeMap<>();
        for (In e : events) {
            if (e.topic().equals("users")) {
                if (e.value().isEmpty() || e.value().equals("null")) {
                    table.remove(e.key());
                } else {
                    table.put(e.key(), e.value());
                }
            } else if (table.containsKey(e.key()) || left) {
                out.computeIfAbsent(e.key(), k -> new ArrayList<>()).add(new Out(e.key(), expected(e.value(), table.get(e.key())), e.time()));
            }
        }
        return out;
    }

    @Test
    void joinAndLeftJoinMatchASequentialReplayOfTheMergedOrder() throws Exception {
        long seed = Long.getLong("kappa.test.seed", System.nanoTime());
        Random random = new Random(seed);
        log.createTopic("clicks", TopicConfig.partitions(2));
        log.createTopic("users", TopicConfig.partitions(2));
        List<In> events = randomEvents(random, 1000);
        events.forEach(this::append);

        Topology inner = enrich("inner", false, "out-inner");
        assertEquals(List.of("clicks", "users"), inner.stages().get(0).inputs(), "the stage reads the table's topic too");
        run(inner, "inner");
        run(enrich("left", true, "out-left"), "left");

        assertEquals(reference(events, false), byKey("out-inner"), "seed " + seed);
        assertEquals(reference(events, true), byKey("out-left"), "seed " + seed);
        assertFalse(log.exists("inner.dlq"), "seed " + seed);
        long rows = 0;
        for (int p = 0; p < 2; p++) {
            TaskCheckpoint cp = TaskCheckpoint.read(Groups.checkpointPath(dir, "left", "main", p));
            rows += cp.storeSizes().get("table-users");
        }
        Map<String, String> table = new HashMap<>();
        events.stream().filter(e -> e.topic().equals("users")).forEach(e -> {
            if (e.value().isEmpty() || e.value().equals("null")) {
                table.remove(e.key());
            } else {
                table.put(e.key(), e.value());
            }
        });
        assertEquals(table.size(), rows, "the table keeps one row per live key; seed " + seed);
    }

    @Test
    void aRestartMidwayWritesWhatOneUninterruptedRunWrites() throws Exception {
        long seed = Long.getLong("kappa.test.seed", System.nanoTime());
        Random random = new Random(seed);
        log.createTopic("clicks", TopicConfig.partitions(2));
        log.createTopic("users", TopicConfig.partitions(2));
        List<In> events = randomEvents(random, 600);
        int cut = 50 + random.nextInt(500);
        events.subList(0, cut).forEach(this::append);
        run(enrich("twice", true, "out-twice"), "twice");
        events.subList(cut, events.size()).forEach(this::append);
        run(enrich("twice", true, "out-twice"), "twice");
        run(enrich("once", true, "out-once"), "once");
        assertEquals(byKey("out-once"), byKey("out-twice"), "seed " + seed + " cut " + cut);
        assertEquals(reference(events, true), byKey("out-once"), "seed " + seed);
    }

    /** Steps before and after the join run in the same stage; views as table values are kept as copies. */
    @Test
    void aJoinSitsAnywhereInTheStagesGraphAndKeepsViewValuesSafely() throws Exception {
        log.createTopic("words", TopicConfig.partitions(1));
        log.createTopic("dict", TopicConfig.partitions(1));
        List<In> events = List.of(
            new In("dict", "a", "alpha", 1),
            new In("dict", "b", "bravo", 2),
            new In("words", "line1", "a b c", 3),
            new In("dict", "c", "charlie", 4),
            new In("dict", "a", "", 5),
            new In("words", "line2", "c a b", 6));
        events.forEach(this::append);
        Pipeline p = new Pipeline("g");
        KTable<String, DirectBuffer> dict = p.table("dict", Serdes.string(), Serdes.view());
        p.stream(List.of("words"), Serdes.string(), Serdes.string())
            .flatMap((k, line) -> {
                List<KeyValue<String, String>> out = new ArrayList<>();
                for (String w : line.split(" ")) {
                    out.add(KeyValue.of(w, k));
                }
                return out;
            })
            .leftJoin(dict, (line, word) -> line + "=" + (word == null ? "?" : word.getStringWithoutLengthUtf8(0, word.capacity())))
            .filter((k, v) -> !k.equals("b"))
            .to("spelled", Serdes.string(), Serdes.string());
        run(p.build(log), "g");
        List<String> out = readAll("spelled").stream().map(r -> r.keyString() + ":" + r.valueString()).toList();
        assertEquals(List.of("a:line1=alpha", "c:line1=?", "c:line2=charlie", "a:line2=?"), out);
    }

    @Test
    void tableRecordsWithoutKeyOrUnreadableGoToTheDeadLetterTopic() throws Exception {
        log.createTopic("clicks", TopicConfig.partitions(1));
        log.createTopic("users", TopicConfig.partitions(1));
        List.of(
            new In("users", "u1", "{\"name\":\"Ann\"}", 1),
            new In("users", null, "{\"name\":\"x\"}", 2),
            new In("users", "u1", "{broken", 3),
            new In("clicks", "u1", "{\"page\":1}", 4),
            new In("clicks", null, "{\"page\":2}", 5)).forEach(this::append);
        run(enrich("g", false, "out"), "g");
        assertEquals(Map.of("u1", List.of(new Out("u1", expected("{\"page\":1}", "{\"name\":\"Ann\"}"), 4))), byKey("out"),
            "an unreadable table record leaves the row as it was");
        List<JsonNode> dlq = readAll("g.dlq").stream().map(r -> json(r.valueString())).toList();
        assertEquals(3, dlq.size(), dlq.toString());
        assertTrue(dlq.get(0).get("error").asText().contains("a record of table 'users' needs a key"), dlq.get(0).toString());
        assertTrue(dlq.get(1).get("error").asText().contains("not valid JSON"), dlq.get(1).toString());
        assertTrue(dlq.get(2).get("error").asText().contains("no key cannot be joined with table 'users'"), dlq.get(2).toString());
    }

    @Test
    void buildWithTheLogRefusesTablesThatAreNotCoPartitioned() {
        log.createTopic("clicks", TopicConfig.partitions(2));
        log.createTopic("users", TopicConfig.partitions(3));
        Pipeline p = new Pipeline("g");
        KTable<String, String> users = p.table("users", Serdes.string(), Serdes.string());
        p.stream(List.of("clicks"), Serdes.string(), Serdes.string()).join(users, (c, u) -> c + u).to("out", Serdes.string(),
            Serdes.string());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.build(log));
        assertTrue(e.getMessage().startsWith("a join needs co-partitioned topics, but 'clicks' has 2 partitions and 'users' has 3"),
            e.getMessage());
    }

    @Test
    void joinsThatCannotWorkAreRefusedWhenDeclared() {
        Pipeline p = new Pipeline("g");
        KTable<String, String> users = p.table("users", Serdes.string(), Serdes.string());
        KStream<String, String> clicks = p.stream(List.of("clicks"), Serdes.string(), Serdes.string());
        assertTrue(assertThrows(IllegalStateException.class, users::toStream).getMessage().contains("Pipeline.stream"));

        KTable<String, Long> counts = clicks.groupByKey(Serdes.string(), Serdes.string()).count();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> clicks.join(counts, (c, n) -> c + n)).getMessage()
            .startsWith("only a table read with Pipeline.table can be joined"));

        KTable<String, String> self = p.table("clicks", Serdes.string(), Serdes.string());
        assertEquals("topic 'clicks' is read both as a stream and as a table",
            assertThrows(IllegalArgumentException.class, () -> clicks.join(self, (a, b) -> a + b)).getMessage());

        KTable<String, String> again = p.table("users", Serdes.string(), Serdes.string());
        clicks.join(users, (c, u) -> c + u);
        clicks.leftJoin(users, (c, u) -> c + u); // the same table twice: read once
        assertTrue(assertThrows(IllegalArgumentException.class, () -> clicks.join(again, (c, u) -> c + u)).getMessage()
            .contains("is read as two tables"));

        KStream<String, Long> regrouped = clicks.groupBy((k, v) -> v, Serdes.string(), Serdes.string()).count().toStream();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> regrouped.join(users, (n, u) -> n + u)).getMessage()
            .contains("can only be joined before a groupBy that repartitions"));
        assertEquals(List.of("clicks", "users"), p.build().stages().get(0).inputs());
    }
}
