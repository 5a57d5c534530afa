package io.kappa.processor.builtin;

import io.kappa.processor.LogTest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kappa.log.Event;
import io.kappa.log.Partition;
import io.kappa.log.PartitionTailer;
import io.kappa.log.Record;
import io.kappa.log.Topic;
import io.kappa.log.TopicConfig;
import io.kappa.processor.ProcessorRunner;
import io.kappa.processor.RunnerContext;
import io.kappa.processor.Topology;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.*;

/** The built-in processors run end to end: a real log, a real runner, the topology BuiltinSpec builds. */
class BuiltinsTest extends LogTest {
    static final ObjectMapper JSON = new ObjectMapper();

    // ---- helpers

    static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    static Event event(String key, String value) {
        return new Event(utf8(key), utf8(value), Event.NO_TIME, null);
    }

    static Event event(String key, String value, long eventTime, String id) {
        return new Event(utf8(key), utf8(value), eventTime, utf8(id));
    }

    static List<Record> readAll(Topic t) {
        List<Record> out = new ArrayList<>();
        for (int p = 0; p < t.partitionCount(); p++) {
            out.addAll(readPartition(t.partition(p)));
        }
        return out;
    }

    static List<Record> readPartition(Partition part) {
        List<Record> out = new ArrayList<>();
        try (PartitionTailer tailer = part.newTailer()) {
            tailer.toStart();
            while (tailer.poll(v -> out.add(v.toRecord()), 1000) > 0) {
                // drain
            }
        }
        return out;
    }

    static List<String> values(List<Record> records) {
        return records.stream().map(Record::valueString).toList();
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    List<JsonNode> deadLetters(String group) {
        if (!log.exists(group + ".dlq")) {
            return List.of();
        }
        return readAll(log.topic(group + ".dlq")).stream().map(r -> json(r.valueString())).toList();
    }

    ProcessorRunner run(BuiltinSpec spec, String group, String input, String output) throws InterruptedException {
        Topology t = spec.topology(log, group, List.of(input), output);
        ProcessorRunner r = new ProcessorRunner(log, t, new RunnerContext().group(group).threads(2).description(spec.describe()));
        r.start();
        try {
            assertTrue(r.awaitCaughtUp(30_000), "caught up");
        } finally {
            r.close();
        }
        assertNull(r.failure());
        return r;
    }

    static BuiltinSpec filter(String where) {
        return new BuiltinSpec("filter", where, null, null, null, null);
    }

    static BuiltinSpec map(String select) {
        return new BuiltinSpec("map", null, select, null, null, null);
    }

    static BuiltinSpec count(String by) {
        return new BuiltinSpec("count", null, null, by, null, null);
    }

    static BuiltinSpec sum(String by, String field) {
        return new BuiltinSpec("sum", null, null, by, field, null);
    }

    static BuiltinSpec dedup(String by, String window) {
        return new BuiltinSpec("dedup", null, null, by, null, window);
    }

    /** The outputs of one key in log order, which is the order its single task wrote them. */
    static Map<String, List<JsonNode>> outputsByKey(Topic out) {
        Map<String, List<JsonNode>> m = new TreeMap<>();
        for (Record r : readAll(out)) {
            m.computeIfAbsent(r.keyString(), k -> new ArrayList<>()).add(json(r.valueString()));
        }
        return m;
    }

    // ---- filter

    @Test
    void filterPassesMatchingRecordsOnByteForByteWithTheirKeys() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        List<Event> events = List.of(
            event("k1", "{\"price\": 12.5, \"country\":\"DE\"}"),
            event("k2", "{\"country\":\"DE\",\"price\":3}"),
            event(null, "{ \"price\" : \"20\" ,  \"country\" : \"DE\" }"),
            event("k3", "{\"price\":11,\"country\":\"FR\"}"),
            event("k4", "{\"price\":100,\"country\":\"DE\",\"extra\":[1,{\"x\":null}]}"),
            event("", "{\"price\":10.01,\"country\":\"DE\"}"),
            event("k5", "{\"country\":\"DE\"}"));
        in.appendBatch(events);

        run(filter("price > 10 and country = DE"), "g", "in", "out");

        List<Record> out = readAll(log.topic("out"));
        int[] matching = {0, 2, 4, 5};
        assertEquals(matching.length, out.size(), values(out).toString());
        for (int i = 0; i < matching.length; i++) {
            Event e = events.get(matching[i]);
            assertArrayEquals(e.value(), out.get(i).value(), "value byte for byte: " + out.get(i).valueString());
            assertArrayEquals(e.key(), out.get(i).key(), "key kept");
        }
        assertTrue(deadLetters("g").isEmpty());
    }

    @Test
    void filterSendsAValueThatIsNotJsonToTheDeadLetterTopic() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        in.appendBatch(List.of(event("a", "{\"ok\":true}"), event("b", "not json"), event("c", "{\"ok\":true}")));
        run(filter("ok = true"), "g", "in", "out");
        assertEquals(List.of("a", "c"), readAll(log.topic("out")).stream().map(Record::keyString).toList());
        List<JsonNode> dlq = deadLetters("g");
        assertEquals(1, dlq.size());
        assertEquals(1, dlq.get(0).get("offset").asLong());
        assertEquals("not json", dlq.get(0).get("value").asText());
        assertTrue(dlq.get(0).get("error").asText().contains("not valid JSON"), dlq.get(0).toString());
    }

    // ---- map

    @Test
    void mapSelectKeepsTheFieldsGivenAndLeavesMissingOnesOut() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        in.appendBatch(List.of(
            event("k1", "{\"id\":1,\"user\":{\"country\":\"DE\",\"age\":30},\"drop\":\"me\"}"),
            event("k2", "{\"id\":2,\"drop\":\"me\"}"),
            event("k3", "{\"user\":\"flat\",\"other\":1}"),
            event("k4", "{\"id\":null,\"user\":{\"country\":[\"a\",\"b\"]}}")));

        run(map("id, user.country,missing"), "g", "in", "out");

        List<Record> out = readAll(log.topic("out"));
        assertEquals(List.of("k1", "k2", "k3", "k4"), out.stream().map(Record::keyString).toList());
        assertEquals(json("{\"id\":1,\"user.country\":\"DE\"}"), json(out.get(0).valueString()));
        assertEquals(json("{\"id\":2}"), json(out.get(1).valueString()));
        assertEquals(json("{}"), json(out.get(2).valueString()));
        assertEquals(json("{\"id\":null,\"user.country\":[\"a\",\"b\"]}"), json(out.get(3).valueString()));
        assertTrue(deadLetters("g").isEmpty());
    }

    @Test
    void mapOfAValueThatIsNotAnObjectGoesToTheDeadLetterTopic() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        in.appendBatch(List.of(event("k1", "{\"id\":1}"), event("k2", "[1,2,3]"), event("k3", "42"), event("k4", "{\"id\":4}")));

        run(map("id"), "g", "in", "out");

        assertEquals(List.of("k1", "k4"), readAll(log.topic("out")).stream().map(Record::keyString).toList());
        List<Record> dlqRecords = readAll(log.topic("g.dlq"));
        assertEquals(List.of("k2", "k3"), dlqRecords.stream().map(Record::keyString).toList(), "the DLQ keeps the key");
        List<JsonNode> dlq = deadLetters("g");
        assertEquals("IllegalArgumentException: map --select needs a JSON object value, got ARRAY", dlq.get(0).get("error").asText());
        assertEquals("in", dlq.get(0).get("topic").asText());
        assertEquals(0, dlq.get(0).get("partition").asInt());
        assertEquals(1, dlq.get(0).get("offset").asLong());
        assertEquals("g", dlq.get(0).get("group").asText());
        assertEquals("[1,2,3]", dlq.get(0).get("value").asText());
        assertTrue(dlq.get(1).get("error").asText().contains("got NUMBER"), dlq.get(1).toString());
        assertEquals(2, dlq.get(1).get("offset").asLong());
    }

    // ---- count

    @Test
    void countByKeyOverThreePartitionsMatchesABruteForceCount() throws Exception {
        long seed = Long.getLong("kappa.test.seed", System.nanoTime());
        System.out.println("BuiltinsTest.countByKey seed: " + seed);
        Random random = new Random(seed);
        Topic in = log.createTopic("in", TopicConfig.partitions(3));
        Map<String, Long> expected = new HashMap<>();
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            String key = "user-" + random.nextInt(50);
            expected.merge(key, 1L, Long::sum);
            events.add(event(key, "{\"i\":" + i + "}"));
        }
        in.appendBatch(events); // keyed: each key lands in one partition

        ProcessorRunner r = run(count("key"), "g", "in", "out");
        assertEquals(2000, r.recordsProcessed(), "seed " + seed);
        assertFalse(log.exists("g.repartition"), "the record key needs no repartition");

        Map<String, List<JsonNode>> out = outputsByKey(log.topic("out"));
        assertEquals(expected.keySet(), out.keySet(), "seed " + seed);
        for (Map.Entry<String, List<JsonNode>> e : out.entrySet()) {
            List<JsonNode> seq = e.getValue();
            assertEquals(expected.get(e.getKey()), seq.size(), "seed " + seed + " key " + e.getKey());
            for (int i = 0; i < seq.size(); i++) {
                assertEquals(e.getKey(), seq.get(i).get("key").asText());
                assertEquals(i + 1, seq.get(i).get("count").asLong(), "seed " + seed + " key " + e.getKey() + " output " + i);
            }
        }
    }

    @Test
    void countByFieldRepartitionsSoEachKeyIsCountedOnce() throws Exception {
        long seed = Long.getLong("kappa.test.seed", System.nanoTime());
        System.out.println("BuiltinsTest.countByField seed: " + seed);
        Random random = new Random(seed);
        Topic in = log.createTopic("in", TopicConfig.partitions(3));
        Map<String, Long> expected = new HashMap<>();
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < 1500; i++) {
            String country = "c\"" + random.nextInt(20); // a quote, so the output's JSON escaping is exercised
            expected.merge(country, 1L, Long::sum);
            String value = JSON.createObjectNode().put("country", country).put("i", i).toString();
            // spread each country over every partition, as a key-less producer would
            events.add(new Event(random.nextBoolean() ? null : utf8("k" + i), utf8(value), Event.NO_TIME, null, random.nextInt(3)));
        }
        in.appendBatch(events);

        ProcessorRunner r = run(count("country"), "g", "in", "out");
        assertTrue(log.exists("g.repartition"), "a field needs a repartition topic");
        assertEquals(1500, readAll(log.topic("g.repartition")).size(), "seed " + seed);
        assertEquals(3000, r.recordsProcessed(), "both stages count their records");

        Map<String, List<JsonNode>> out = outputsByKey(log.topic("out"));
        assertEquals(expected.keySet(), out.keySet(), "seed " + seed);
        for (Map.Entry<String, List<JsonNode>> e : out.entrySet()) {
            List<JsonNode> seq = e.getValue();
            assertEquals(expected.get(e.getKey()), seq.size(), "seed " + seed + " key " + e.getKey());
            for (int i = 0; i < seq.size(); i++) {
                assertEquals(e.getKey(), seq.get(i).get("key").asText());
                assertEquals(i + 1, seq.get(i).get("count").asLong(), "seed " + seed + " key " + e.getKey());
            }
        }
        assertTrue(deadLetters("g").isEmpty());
    }

    @Test
    void countByAMissingFieldSendsTheRecordToTheDeadLetterTopic() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        in.appendBatch(List.of(event(null, "{\"c\":\"x\"}"), event(null, "{\"d\":1}"), event(null, "{\"c\":\"x\"}")));
        run(count("c"), "g", "in", "out");
        assertEquals(List.of("{\"key\":\"x\",\"count\":1}", "{\"key\":\"x\",\"count\":2}"), values(readAll(log.topic("out"))));
        List<JsonNode> dlq = deadLetters("g");
        assertEquals(1, dlq.size());
        assertEquals("IllegalArgumentException: field 'c' is missing", dlq.get(0).get("error").asText());
        assertEquals(1, dlq.get(0).get("offset").asLong());
    }

    // ---- sum

    @Test
    void sumAddsIntegersDecimalsAndNumbersWrittenAsStrings() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        in.appendBatch(List.of(
            event(null, "{\"k\":\"ints\",\"v\":1}"),
            event(null, "{\"k\":\"ints\",\"v\":2}"),
            event(null, "{\"k\":\"ints\",\"v\":\" 3 \"}"),
            event(null, "{\"k\":\"mixed\",\"v\":1}"),
            event(null, "{\"k\":\"mixed\",\"v\":2.5}"),
            event(null, "{\"k\":\"mixed\",\"v\":\"4\"}"),
            event(null, "{\"k\":\"mixed\",\"v\":\"-0.25\"}"),
            event(null, "{\"k\":\"ints\",\"v\":-10}"),
            event(null, "{\"k\":\"big\",\"v\":9223372036854775807}"),
            event(null, "{\"k\":\"big\",\"v\":1}")));

        run(sum("k", "v"), "g", "in", "out");

        List<String> out = values(readAll(log.topic("out")));
        assertEquals(List.of(
            "{\"key\":\"ints\",\"sum\":1}",
            "{\"key\":\"ints\",\"sum\":3}",
            "{\"key\":\"ints\",\"sum\":6}",
            "{\"key\":\"mixed\",\"sum\":1}",
            "{\"key\":\"mixed\",\"sum\":3.5}",
            "{\"key\":\"mixed\",\"sum\":7.5}",
            "{\"key\":\"mixed\",\"sum\":7.25}",
            "{\"key\":\"ints\",\"sum\":-4}",
            "{\"key\":\"big\",\"sum\":9223372036854775807}"), out.subList(0, 9));
        JsonNode overflowed = json(out.get(9));
        assertEquals(9.223372036854775807E18, overflowed.get("sum").asDouble(), 1e4, "a long overflow continues in double: " + out.get(9));
        assertTrue(deadLetters("g").isEmpty());
    }

    @Test
    @Timeout(10) // BigDecimal on the million digits took 17 s
    void sumOfAMillionDigitTextIsRefusedAtOnceAsNotANumber() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        in.appendBatch(List.of(
            event(null, "{\"k\":\"x\",\"v\":\"" + "9".repeat(1_000_000) + "\"}"),
            event(null, "{\"k\":\"x\",\"v\":\"2.5\"}")));

        run(sum("k", "v"), "g", "in", "out");

        assertEquals(List.of("{\"key\":\"x\",\"sum\":2.5}"), values(readAll(log.topic("out"))));
        List<JsonNode> dlq = deadLetters("g");
        assertEquals(1, dlq.size());
        assertTrue(dlq.get(0).get("error").asText().contains("field 'v' is not a number: \"999"), dlq.get(0).get("error").asText());
    }

    @Test
    void sumOfANonNumericValueGoesToTheDeadLetterTopicWithWhereItCameFrom() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        in.appendBatch(List.of(
            event("a", "{\"k\":\"x\",\"v\":1}"),
            event("b", "{\"k\":\"x\",\"v\":\"abc\"}"),
            event("c", "{\"k\":\"x\",\"v\":true}"),
            event("d", "{\"k\":\"x\",\"v\":\"NaN\"}"),
            event("e", "{\"k\":\"x\"}"),
            event("f", "{\"k\":\"x\",\"v\":2}")));

        run(sum("k", "v"), "g", "in", "out");

        assertEquals(List.of("{\"key\":\"x\",\"sum\":1}", "{\"key\":\"x\",\"sum\":3}"), values(readAll(log.topic("out"))),
            "a failed record changes no sum");
        List<JsonNode> dlq = deadLetters("g");
        assertEquals(4, dlq.size(), dlq.toString());
        JsonNode first = dlq.get(0);
        assertEquals("IllegalArgumentException: field 'v' is not a number: \"abc\"", first.get("error").asText());
        assertEquals("in", first.get("topic").asText());
        assertEquals(0, first.get("partition").asInt());
        assertEquals(1, first.get("offset").asLong());
        assertEquals("main", first.get("stage").asText());
        assertEquals("{\"k\":\"x\",\"v\":\"abc\"}", first.get("value").asText());
        assertTrue(first.hasNonNull("eventTime"));
        assertTrue(dlq.get(1).get("error").asText().contains("is not a number: true"), dlq.get(1).toString());
        assertTrue(dlq.get(2).get("error").asText().contains("is not a number: \"NaN\""), dlq.get(2).toString());
        assertTrue(dlq.get(3).get("error").asText().contains("field 'v' is missing"), dlq.get(3).toString());
        assertEquals(List.of(1L, 2L, 3L, 4L), dlq.stream().map(n -> n.get("offset").asLong()).toList());
    }

    /**
     * A JSON number too large for a double (1e400) parses as Infinity, and so does a sum that overflows doubles; the
     * text path refuses non-finite numbers, the number path does not, and the output is {@code "sum":Infinity},
     * which is not JSON.
     */
    @Test
    void sumNeverEmitsANonFiniteNumber() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        in.appendBatch(List.of(
            event(null, "{\"k\":\"huge\",\"v\":1e400}"),
            event(null, "{\"k\":\"twice\",\"v\":1.5e308}"),
            event(null, "{\"k\":\"twice\",\"v\":1.5e308}")));
        run(sum("k", "v"), "g", "in", "out");
        for (Record r : readAll(log.topic("out"))) {
            JsonNode n = json(r.valueString());
            assertTrue(Double.isFinite(n.get("sum").asDouble()), r.valueString());
        }
    }

    // ---- dedup

    @Test
    void dedupByIdDropsDuplicatesWithinTheWindowAndKeepsThemBeyondIt() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        List<Event> events = List.of(
            event("k0", "v0", 0, "a"),            // kept
            event("k1", "v1", 5_000, "a"),        // 5 s after a@0: dropped
            event("k2", "v2", 6_000, "b"),        // kept
            event("k3", "v3", 10_000, "a"),       // exactly the window after a@0: dropped
            event("k4", "v4", 10_001, "a"),       // beyond it: kept, a is now remembered at 10.001
            event("k5", "v5", 12_000, "b"),       // within b@6: dropped
            event("k6", "no id", 12_500, null),   // no id: dead letter
            event("k7", "v7", 15_000, "a"),       // within a@10.001: dropped
            event("k8", "v8", 16_500, "b"),       // 10.5 s after b@6: kept
            event(null, "v9", 30_000, "c"));      // kept, key-less
        in.appendBatch(events);

        run(dedup(null, "10s"), "g", "in", "out");

        List<Record> out = readAll(log.topic("out"));
        assertEquals(List.of("v0", "v2", "v4", "v8", "v9"), values(out));
        assertEquals(Arrays.asList("k0", "k2", "k4", "k8", null), out.stream().map(Record::keyString).toList());
        assertEquals(List.of(0L, 6_000L, 10_001L, 16_500L, 30_000L), out.stream().map(Record::eventTime).toList(),
            "outputs keep the event time");
        List<JsonNode> dlq = deadLetters("g");
        assertEquals(1, dlq.size());
        assertEquals(6, dlq.get(0).get("offset").asLong());
        assertTrue(dlq.get(0).get("error").asText().contains("the record has no id"), dlq.get(0).toString());
    }

    @Test
    void dedupByIdAcrossPartitionsRepartitionsAndPassesRecordsOnUnchanged() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(2));
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            // copies of an id sit in both partitions: i and i + 60 go to different ones
            events.add(new Event(i % 7 == 0 ? null : utf8("key-" + i), utf8("{\"i\":" + i + "}"), 1_000 + i, utf8("id-" + (i % 60)),
                (i / 60) % 2));
        }
        in.appendBatch(events);

        run(dedup("id", "1m"), "g", "in", "out");

        assertTrue(log.exists("g.repartition"));
        List<Record> out = readAll(log.topic("out"));
        assertEquals(60, out.size(), "one record per id: every copy is within the window");
        boolean[] seenId = new boolean[60];
        for (Record r : out) {
            int i = json(r.valueString()).get("i").asInt();
            assertFalse(seenId[i % 60], "id-" + (i % 60) + " passed twice");
            seenId[i % 60] = true;
            Event e = events.get(i);
            assertArrayEquals(e.value(), r.value(), "the original value");
            assertArrayEquals(e.key(), r.key(), "the original key, not the id");
            assertEquals(e.eventTime(), r.eventTime());
        }
        assertTrue(deadLetters("g").isEmpty());
    }

    // ---- BuiltinSpec options

    IllegalArgumentException specError(BuiltinSpec spec) {
        return assertThrows(IllegalArgumentException.class, () -> spec.topology(log, "g", List.of("in"), "out"));
    }

    @Test
    void specRefusesMissingAndUnexpectedOptionsAndUnknownNames() {
        log.createTopic("in", TopicConfig.partitions(1));
        assertEquals("count needs --by", specError(count(null)).getMessage());
        assertEquals("sum needs --by", specError(sum(null, "v")).getMessage());
        assertEquals("sum needs --field", specError(sum("key", null)).getMessage());
        assertEquals("filter needs --where", specError(filter(null)).getMessage());
        assertEquals("map needs --select", specError(map(null)).getMessage());
        assertEquals("dedup needs --window", specError(dedup("id", null)).getMessage());
        assertEquals("filter does not take --by", specError(new BuiltinSpec("filter", "a = 1", null, "key", null, null)).getMessage());
        assertEquals("count does not take --window", specError(new BuiltinSpec("count", null, null, "key", null, "1s")).getMessage());
        assertEquals("count does not take --field", specError(new BuiltinSpec("count", null, null, "key", "v", null)).getMessage());
        assertEquals("dedup does not take --where", specError(new BuiltinSpec("dedup", "a = 1", null, null, null, "1s")).getMessage());
        String unknown = specError(new BuiltinSpec("avg", null, null, "key", null, null)).getMessage();
        assertTrue(unknown.startsWith("unknown processor 'avg'") && unknown.contains("filter, map, count, sum, dedup"), unknown);
    }

    @Test
    void specRefusesBadOptionValues() {
        log.createTopic("in", TopicConfig.partitions(1));
        assertTrue(specError(dedup("id", "10")).getMessage().startsWith("--window: '10' is not a duration"));
        assertEquals("dedup --window must be positive", specError(dedup("id", "0s")).getMessage());
        assertEquals("map --select needs at least one field", specError(map(" , ")).getMessage());
        assertTrue(specError(count("a..b")).getMessage().contains("invalid field path"));
        assertTrue(specError(filter("price >")).getMessage().contains("--where"));
    }

    @Test
    void specDescribesItselfAsACommandLine() {
        assertEquals("count --by key", count("key").describe());
        assertEquals("filter --where 'a = 1'", filter("a = 1").describe());
        assertEquals("dedup --by id --window 10s", dedup("id", "10s").describe());
    }
}
