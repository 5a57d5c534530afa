package io.kappa.kafka;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;

import io.kappa.log.Event;
import io.kappa.log.EventLog;
import io.kappa.log.LogContext;
import io.kappa.log.Partitioner;
import io.kappa.log.PartitionTailer;
import io.kappa.log.Topic;
import io.kappa.log.TopicConfig;
import io.kappa.processor.OnError;
import io.kappa.processor.ProcessorRunner;
import io.kappa.processor.RunnerContext;
import io.kappa.processor.Serdes;
import io.kappa.processor.TimePolicy;
import io.kappa.processor.TopicCatalog;
import io.kappa.processor.Topology;
import io.kappa.processor.builtin.BuiltinSpec;
import io.kappa.processor.dsl.KeyValue;
import io.kappa.processor.dsl.Pipeline;
import io.kappa.processor.window.WindowSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every built-in (filter, map, count, sum, dedup, window-count, window-agg, top, both joins) and DSL pipelines run on
 * the local runtime and on a real Kafka broker over the same records in the same partitions; their outputs, dead
 * letters, late records and internal topics are compared record for record. Both runtimes process through the one
 * {@code RecordStep}, so they must agree.
 *
 * <p>Records are compared per output partition and writing task (the producer id: the record's own locally, the
 * {@code kappa.producer} header on Kafka), in order: what one task writes is deterministic. A stage that reads a
 * topic several tasks write (after a repartition or a gather) sees their records interleaved as they happened to
 * arrive, on either runtime; its outputs are compared as sorted key/value rows and sorted event times, which the
 * interleaving cannot change for the aggregations used there (counts, windows without late records, top).
 */
class RuntimeEquivalenceTest {
    static final long BASE = 1_763_800_000_000L;
    static final int PARTITIONS = 2;

    @RegisterExtension
    static final TestBroker broker = new TestBroker();

    @TempDir
    Path dir;

    /** One input record, in the same topic and partition on both runtimes. */
    record In(String topic, int partition, String key, byte[] value, long time, String id) {
    }

    /** How the records of one output topic are compared. */
    enum Order {
        /** in the order each task wrote them */
        WRITTEN,
        /** as sorted key/value rows and sorted event times (the topic's writer read interleaved sources) */
        SORTED
    }

    /**
     * Clicks keyed by user into {@code topic} (partitioned by the key, as kappa and Kafka place them): JSON with
     * page, user and a number {@code v}; one in 40 is not JSON; one in 10 repeats an earlier click of its user
     * (same id and value, a little later), for dedup. Event times go up by 40 ms with up to {@code disorderMs} of
     * disorder.
     */
    static List<In> clicks(String topic, long seed, int n, long disorderMs) {
        Random rnd = new Random(seed);
        List<In> out = new ArrayList<>();
        Map<String, In> last = new HashMap<>();
        for (int i = 0; i < n; i++) {
            String user = "u" + rnd.nextInt(24);
            long t = BASE + i * 40L - (long) (rnd.nextDouble() * disorderMs);
            In previous = last.get(user);
            In e;
            if (previous != null && rnd.nextInt(10) == 0) {
                e = new In(topic, previous.partition, user, previous.value, t, previous.id);
            } else {
                String value = rnd.nextInt(40) == 0 ? "{not json" : "{\"page\":\"p" + rnd.nextInt(5) + "\",\"user\":\"" + user
                    + "\",\"v\":" + rnd.nextInt(100) + "}";
                e = new In(topic, partition(user), user, value.getBytes(StandardCharsets.UTF_8), t, "e" + i);
            }
            last.put(user, e);
            out.add(e);
        }
        return out;
    }

    static int partition(String key) {
        return new Partitioner().partition(key.getBytes(StandardCharsets.UTF_8), PARTITIONS);
    }

    static BuiltinSpec spec(String name, String... options) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < options.length; i += 2) {
            m.put(options[i], options[i + 1]);
        }
        return new BuiltinSpec(name, m);
    }

    /**
     * Runs {@code topology} (built against each runtime's topics) as group {@code group} on both runtimes over
     * {@code input}, and compares the given topics and every topic one stage writes for another (in written order).
     * Returns the local rows of the first topic, for checks that the case did what it is meant to.
     */
    Map<String, List<String>> assertBothAgree(String group, Function<TopicCatalog, Topology> topology, List<In> input,
                                         Map<String, String> kafkaConfig, Map<String, Order> topics) throws Exception {
        Map<String, Map<String, List<String>>> local;
        topics = new LinkedHashMap<>(topics);
        // input records are appended at their event time, as Kafka Streams takes a record's timestamp for its append
        // time: both then see the same append times, and a task with two inputs takes their records in the same order
        long[] appendAt = {Long.MIN_VALUE};
        org.agrona.concurrent.EpochClock clock = () -> appendAt[0] != Long.MIN_VALUE ? appendAt[0] : System.currentTimeMillis();
        try (EventLog log = EventLog.open(new LogContext().dataDir(dir.resolve("local")).pretouch(false).clock(clock))) {
            for (In e : input) {
                appendAt[0] = e.time;
                Topic t = log.exists(e.topic) ? log.topic(e.topic) : log.createTopic(e.topic, TopicConfig.partitions(PARTITIONS));
                t.append(e.partition, new Event(e.key.getBytes(StandardCharsets.UTF_8), e.value, e.time,
                    e.id.getBytes(StandardCharsets.UTF_8)));
            }
            appendAt[0] = Long.MIN_VALUE;
            Topology onLog = topology.apply(TopicCatalog.of(log));
            for (io.kappa.processor.Stage<?, ?, ?, ?> s : onLog.stages()) {
                if (s.internal()) {
                    for (String in : s.inputs()) {
                        topics.putIfAbsent(in, Order.WRITTEN);
                    }
                }
            }
            ProcessorRunner r = new ProcessorRunner(log, onLog,
                new RunnerContext().group(group).threads(2).onError(OnError.DEAD_LETTER));
            r.start();
            try {
                assertTrue(r.awaitCaughtUp(60_000), "caught up locally");
            } finally {
                r.close();
            }
            assertNull(r.failure());
            local = new LinkedHashMap<>();
            for (String t : topics.keySet()) {
                local.put(t, readLocal(log, t));
            }
        }
        writeKafka(input);
        Topology onKafka;
        try (KafkaGroups groups = new KafkaGroups(broker.bootstrap(), 30_000)) {
            onKafka = topology.apply(groups.catalog());
        }
        broker.runCaughtUp(onKafka, group, dir.resolve("streams-" + group), kafkaConfig);
        String state = kafkaState(group, input, topics.keySet());
        for (Map.Entry<String, Order> t : topics.entrySet()) {
            Map<String, List<String>> kafka = readKafka(t.getKey());
            Map<String, List<String>> mine = local.get(t.getKey());
            if (t.getValue() == Order.SORTED) {
                mine = sorted(mine, group);
                kafka = sorted(kafka, group);
            }
            assertRowsEqual(group + ": " + t.getKey() + " (Kafka: " + state + ")", mine, kafka);
        }
        Map<String, List<String>> first = local.get(topics.keySet().iterator().next());
        assertFalse(first.isEmpty(), group + ": the case wrote records");
        return first;
    }

    /** Where the group's topics begin and end on Kafka, and its committed offsets: what a failure needs to be explained. */
    static String kafkaState(String group, List<In> input, java.util.Collection<String> outputs) throws Exception {
        java.util.Set<String> names = new java.util.TreeSet<>(outputs);
        input.forEach(e -> names.add(e.topic));
        StringBuilder b = new StringBuilder();
        try (org.apache.kafka.clients.admin.Admin admin = broker.admin()) {
            names.retainAll(admin.listTopics().names().get());
            Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> earliest = new HashMap<>();
            Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = new HashMap<>();
            for (var d : admin.describeTopics(names).allTopicNames().get().values()) {
                for (var p : d.partitions()) {
                    var tp = new org.apache.kafka.common.TopicPartition(d.name(), p.partition());
                    earliest.put(tp, org.apache.kafka.clients.admin.OffsetSpec.earliest());
                    latest.put(tp, org.apache.kafka.clients.admin.OffsetSpec.latest());
                }
            }
            var from = admin.listOffsets(earliest).all().get();
            var to = admin.listOffsets(latest).all().get();
            to.forEach((tp, o) -> b.append(tp).append('=').append(from.get(tp).offset()).append("..").append(o.offset()).append(' '));
            b.append("committed ").append(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get());
        } catch (java.util.concurrent.ExecutionException e) {
            b.append(e.getCause());
        }
        return b.toString();
    }

    /** Equal per partition/producer; otherwise fails naming the first row that differs. */
    static void assertRowsEqual(String what, Map<String, List<String>> local, Map<String, List<String>> kafka) {
        java.util.Set<String> writers = new java.util.TreeSet<>(local.keySet());
        writers.addAll(kafka.keySet());
        for (String w : writers) {
            List<String> l = local.getOrDefault(w, List.of());
            List<String> k = kafka.getOrDefault(w, List.of());
            for (int i = 0; i < Math.max(l.size(), k.size()); i++) {
                String a = i < l.size() ? l.get(i) : "(none)";
                String b = i < k.size() ? k.get(i) : "(none)";
                if (!a.equals(b)) {
                    throw new AssertionError(what + ", partition/producer " + w + ": " + l.size() + " rows locally, " + k.size()
                        + " on Kafka; from row " + i + " on:\n  local: " + String.join("\n         ", l.subList(i, Math.min(l.size(), i + 8)))
                        + "\n  kafka: " + String.join("\n         ", k.subList(i, Math.min(k.size(), i + 8))));
                }
            }
        }
    }

    static void writeKafka(List<In> input) throws Exception {
        java.util.Set<String> topics = new java.util.LinkedHashSet<>();
        input.forEach(e -> topics.add(e.topic));
        try (org.apache.kafka.clients.admin.Admin admin = broker.admin()) {
            java.util.Set<String> existing = admin.listTopics().names().get();
            for (String t : topics) {
                if (!existing.contains(t)) {
                    broker.createTopic(t, PARTITIONS);
                }
            }
        }
        try (KafkaProducer<byte[], byte[]> producer = broker.inputProducer()) {
            // a topic just created may not have its leaders yet: send only once the producer sees them
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
            for (String t : topics) {
                while (producer.partitionsFor(t).stream().anyMatch(i -> i.leader() == null || i.leader().isEmpty())) {
                    assertTrue(System.nanoTime() < deadline, "the leaders of " + t + " are known");
                    Thread.sleep(100);
                }
            }
            List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> sent = new ArrayList<>();
            for (In e : input) {
                RecordHeaders h = new RecordHeaders();
                h.add(KappaHeaders.ID, e.id.getBytes(StandardCharsets.UTF_8));
                sent.add(producer.send(new ProducerRecord<>(e.topic, e.partition, e.time, e.key.getBytes(StandardCharsets.UTF_8), e.value, h)));
            }
            producer.flush();
            for (var f : sent) {
                f.get(); // every record is on the broker, or the test fails here saying why
            }
        }
    }

    /** "partition/producer" -> rows "key TAB value TAB event time", in log order. */
    static Map<String, List<String>> readLocal(EventLog log, String topic) {
        Map<String, List<String>> rows = new TreeMap<>();
        if (!log.exists(topic)) {
            return rows;
        }
        Topic t = log.topic(topic);
        for (int p = 0; p < t.partitionCount(); p++) {
            int partition = p;
            try (PartitionTailer tailer = t.partition(p).newTailer()) {
                tailer.toStart();
                while (tailer.poll(v -> rows.computeIfAbsent(partition + "/" + v.producerId(), k -> new ArrayList<>())
                    .add(row(v.keyBytes(), v.valueBytes(), v.eventTime())), 1000) > 0) {
                    // to the end
                }
            }
        }
        return rows;
    }

    static Map<String, List<String>> readKafka(String topic) throws Exception {
        Map<String, List<String>> rows = new TreeMap<>();
        try (org.apache.kafka.clients.admin.Admin admin = broker.admin()) {
            if (!admin.listTopics().names().get().contains(topic)) {
                return rows;
            }
        }
        for (ConsumerRecord<byte[], byte[]> r : broker.readAll(topic)) {
            long producer = KappaHeaders.getLong(r.headers(), KappaHeaders.PRODUCER, 0);
            rows.computeIfAbsent(r.partition() + "/" + producer, k -> new ArrayList<>()).add(row(r.key(), r.value(), r.timestamp()));
        }
        return rows;
    }

    static String row(byte[] key, byte[] value, long eventTime) {
        return (key == null ? "-" : new String(key, StandardCharsets.UTF_8)) + "\t" + new String(value, StandardCharsets.UTF_8) + "\t"
            + eventTime;
    }

    /**
     * Per partition/producer: the key/value rows sorted, then the event times sorted. A record of a topic the group
     * writes for itself is named by an offset there that depends on the interleaving too: it is masked.
     */
    static Map<String, List<String>> sorted(Map<String, List<String>> rows, String group) {
        java.util.regex.Pattern internal = java.util.regex.Pattern.compile("(\"topic\":\"" + java.util.regex.Pattern.quote(group)
            + "\\.[^\"]*\",\"partition\":\\d+,\"offset\":)\\d+");
        Map<String, List<String>> out = new TreeMap<>();
        rows.forEach((where, list) -> {
            List<String> kv = new ArrayList<>();
            List<Long> times = new ArrayList<>();
            for (String row : list) {
                int cut = row.lastIndexOf('\t');
                kv.add(internal.matcher(row.substring(0, cut)).replaceAll("$1_"));
                times.add(Long.parseLong(row.substring(cut + 1)));
            }
            java.util.Collections.sort(kv);
            java.util.Collections.sort(times);
            List<String> all = new ArrayList<>(kv);
            times.forEach(t -> all.add(Long.toString(t)));
            out.put(where, all);
        });
        return out;
    }

    /** A built-in over one input of clicks, compared on its output, dead letters and late records in written order. */
    Map<String, List<String>> assertBuiltin(String group, BuiltinSpec spec, long disorderMs, Order outputOrder) throws Exception {
        String in = group + "-in";
        String out = group + "-out";
        Map<String, Order> topics = new LinkedHashMap<>();
        topics.put(out, outputOrder);
        topics.put(group + ".dlq", outputOrder);
        topics.put(group + ".late", outputOrder);
        return assertBothAgree(group, catalog -> spec.topology(catalog, group, List.of(in), out), clicks(in, group.hashCode(), 3000, disorderMs),
            Map.of(), topics);
    }

    static int count(Map<String, List<String>> rows) {
        return rows.values().stream().mapToInt(List::size).sum();
    }

    @Test
    void filterAndMapAreTheSame() throws Exception {
        assertBuiltin("eq-filter", spec("filter", "where", "v > 50 and page != 'p1'"), 0, Order.WRITTEN);
        assertBuiltin("eq-map", spec("map", "select", "user,v"), 0, Order.WRITTEN);
    }

    @Test
    void countAndSumByKeyAreTheSame() throws Exception {
        assertBuiltin("eq-count", spec("count", "by", "key"), 0, Order.WRITTEN);
        assertBuiltin("eq-sum", spec("sum", "by", "key", "field", "v"), 0, Order.WRITTEN);
    }

    @Test
    void countThroughARepartitionIsTheSame() throws Exception {
        Map<String, List<String>> out = assertBuiltin("eq-countpage", spec("count", "by", "page"), 0, Order.SORTED);
        assertTrue(count(out) > 2500, "a count per click: " + count(out));
    }

    @Test
    void dedupIsTheSame() throws Exception {
        Map<String, List<String>> byKey = assertBuiltin("eq-dedupkey", spec("dedup", "by", "key", "window", "200ms"), 0, Order.WRITTEN);
        assertTrue(count(byKey) < 3000, "some records were dropped: " + count(byKey));
        Map<String, List<String>> byId = assertBuiltin("eq-dedupid", spec("dedup", "window", "10s", "out-of-order", "1s"), 500, Order.SORTED);
        assertTrue(count(byId) < 3000, "repeated ids were dropped: " + count(byId));
    }

    @Test
    void windowsWithLateRecordsAreTheSame() throws Exception {
        // 6 s of disorder against 2 s allowed: some records are late and go to GROUP.late
        assertBuiltin("eq-tumbling", spec("window-count", "by", "key", "size", "10s", "out-of-order", "2s"), 6_000, Order.WRITTEN);
        assertBuiltin("eq-hopping", spec("window-agg", "by", "key", "agg", "avg", "field", "v", "size", "20s", "advance", "5s",
            "out-of-order", "1s", "lateness", "1s"), 3_000, Order.WRITTEN);
        assertBuiltin("eq-session", spec("window-count", "by", "key", "session-gap", "2s", "out-of-order", "1s", "mode", "update"), 1_500,
            Order.WRITTEN);
        assertBuiltin("eq-complete", spec("window-agg", "by", "key", "agg", "max", "field", "v", "size", "30s", "mode", "complete"), 0,
            Order.WRITTEN);
    }

    @Test
    void windowsThroughARepartitionAreTheSame() throws Exception {
        assertBuiltin("eq-winpage", spec("window-agg", "by", "page", "agg", "sum", "field", "v", "size", "10s"), 0, Order.SORTED);
    }

    @Test
    void topThroughAGatherIsTheSame() throws Exception {
        Map<String, List<String>> out = assertBuiltin("eq-top", spec("top", "by", "v", "n", "3", "size", "10s"), 0, Order.SORTED);
        assertTrue(count(out) > 5, "windows closed: " + count(out));
    }

    /**
     * Left and right records alternate with strictly growing event times, all written before either runtime starts:
     * both then merge the two inputs in that order (the local task by append time, Kafka Streams by timestamp).
     */
    static List<In> joinInput(String left, String right, long seed) {
        Random rnd = new Random(seed);
        List<In> out = new ArrayList<>();
        for (int i = 0; i < 1500; i++) {
            boolean l = rnd.nextInt(3) != 0;
            String key = "k" + rnd.nextInt(20);
            String value = l ? "{\"order\":" + i + ",\"k\":\"" + key + "\"}" : "{\"price\":" + rnd.nextInt(1000) + "}";
            out.add(new In(l ? left : right, partition(key), key, value.getBytes(StandardCharsets.UTF_8), BASE + i * 37L, "e" + i));
        }
        return out;
    }

    Map<String, List<String>> assertJoin(String group, BuiltinSpec spec) throws Exception {
        String left = group + "-left";
        String right = group + "-right";
        Map<String, Order> topics = new LinkedHashMap<>();
        topics.put(group + "-out", Order.WRITTEN);
        topics.put(group + ".dlq", Order.WRITTEN);
        topics.put(group + ".late", Order.WRITTEN);
        // wait for data Kafka knows to be on the broker before taking the other input's next record
        return assertBothAgree(group, catalog -> spec.topology(catalog, group, List.of(left, right), group + "-out"),
            joinInput(left, right, group.hashCode()), Map.of("max.task.idle.ms", "2000"), topics);
    }

    @Test
    void streamStreamJoinsAreTheSame() throws Exception {
        assertJoin("eq-ssjoin", spec("join", "left", "eq-ssjoin-left", "right", "eq-ssjoin-right", "within", "200ms"));
        assertJoin("eq-ssleft", spec("join", "left", "eq-ssleft-left", "right", "eq-ssleft-right", "within", "100ms", "join", "left"));
    }

    @Test
    void streamTableJoinIsTheSame() throws Exception {
        assertJoin("eq-stjoin", spec("join", "left", "eq-stjoin-left", "right", "eq-stjoin-right", "table", "true", "join", "left"));
    }

    @Test
    void dslPipelinesAreTheSame() throws Exception {
        Map<String, Order> topics = new LinkedHashMap<>();
        topics.put("eq-dsl-out", Order.WRITTEN);
        topics.put("eq-dsl.dlq", Order.WRITTEN);
        assertBothAgree("eq-dsl", catalog -> {
            Pipeline p = new Pipeline("eq-dsl");
            p.stream(List.of("eq-dsl-in"), Serdes.string(), Serdes.json())
                .filter((user, click) -> click.get("v").asInt() % 3 != 0)
                .mapValues(click -> click.get("v").asLong())
                .groupByKey(Serdes.string(), Serdes.longs())
                .reduce(Long::sum)
                .toStream()
                .to("eq-dsl-out", Serdes.string(), Serdes.longText());
            return p.build();
        }, clicks("eq-dsl-in", 7, 3000, 0), Map.of(), topics);

        Map<String, Order> windowed = new LinkedHashMap<>();
        windowed.put("eq-dslwin-out", Order.SORTED);
        windowed.put("eq-dslwin.dlq", Order.WRITTEN);
        Map<String, List<String>> out = assertBothAgree("eq-dslwin", catalog -> {
            Pipeline p = new Pipeline("eq-dslwin").time(TimePolicy.eventTime(1_000));
            p.stream(List.of("eq-dslwin-in"), Serdes.string(), Serdes.json())
                .groupBy((user, click) -> click.get("page").asText(), Serdes.string(), Serdes.json())
                .windowedBy(WindowSpec.tumbling(10_000, 0))
                .count()
                .map((w, n) -> KeyValue.of(w.key(), w.key() + "@" + w.start() + "=" + n))
                .to("eq-dslwin-out", Serdes.string(), Serdes.string());
            return p.build();
        }, clicks("eq-dslwin-in", 8, 3000, 500), Map.of(), windowed);
        assertTrue(count(out) > 5, "windows closed: " + count(out));
    }

    /** The comparison itself: what each order tells apart. */
    @Test
    void theComparisonTellsDifferentOutputsApart() {
        Map<String, List<String>> a = Map.of("0/1", List.of("k\t{\"count\":1}\t5", "k\t{\"count\":2}\t6"));
        Map<String, List<String>> b = Map.of("0/1", List.of("k\t{\"count\":2}\t6", "k\t{\"count\":1}\t5"));
        assertFalse(a.equals(b), "written order matters");
        assertEquals(sorted(a, "g"), sorted(b, "g"), "sorted order does not");
        assertFalse(sorted(a, "g").equals(sorted(Map.of("0/2", a.get("0/1")), "g")), "another producer is another sequence");
        assertFalse(sorted(a, "g").equals(sorted(Map.of("0/1", List.of("k\t{\"count\":1}\t5", "k\t{\"count\":3}\t6")), "g")));
        String gather = "k\t{\"topic\":\"g.gather\",\"partition\":0,\"offset\":%d}\t5";
        String input = "k\t{\"topic\":\"g-in\",\"partition\":0,\"offset\":%d}\t5";
        assertEquals(sorted(Map.of("0/1", List.of(String.format(gather, 3))), "g"), sorted(Map.of("0/1", List.of(String.format(gather, 9))), "g"),
            "offsets in the group's own topics are masked");
        assertFalse(sorted(Map.of("0/1", List.of(String.format(input, 3))), "g").equals(sorted(Map.of("0/1", List.of(String.format(input, 9))),
            "g")), "offsets in its inputs are not");
    }
}
