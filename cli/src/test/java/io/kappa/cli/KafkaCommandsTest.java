package io.kappa.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import io.kappa.kafka.TestBroker;
import io.kappa.log.Partitioner;
import io.kappa.processor.Serdes;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code run --kafka}, {@code status --kafka}, {@code rewind --kafka} and {@code replay --kafka} through the CLI, on a real broker. */
class KafkaCommandsTest {
    static final long BASE = 1_763_800_000_000L;
    @org.junit.jupiter.api.extension.RegisterExtension
    static final TestBroker broker = new TestBroker();

    @TempDir
    Path dir;

    /** Produces n clicks (key user, JSON with page) with event times BASE + i * 10 ms; returns clicks per page. */
    static Map<String, Long> produce(String topic, int partitions, int n, long seed) throws Exception {
        broker.createTopic(topic, partitions);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        Map<String, Long> perPage = new TreeMap<>();
        Random rnd = new Random(seed);
        try (KafkaProducer<byte[], byte[]> prod = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < n; i++) {
                String user = "u" + rnd.nextInt(50);
                String page = "p" + rnd.nextInt(6);
                byte[] key = user.getBytes(StandardCharsets.UTF_8);
                prod.send(new ProducerRecord<>(topic, new Partitioner().partition(key, partitions), BASE + i * 10L, key,
                    ("{\"user\":\"" + user + "\",\"page\":\"" + page + "\"}").getBytes(StandardCharsets.UTF_8)));
                perPage.merge(page, 1L, Long::sum);
            }
        }
        return perPage;
    }

    /** key -> every count written for it, in order. */
    static Map<String, List<Long>> counts(String topic) throws Exception {
        Map<String, List<Long>> m = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : broker.readAll(topic)) {
            JsonNode n = Serdes.MAPPER.readTree(r.value());
            m.computeIfAbsent(n.get("key").asText(), k -> new java.util.ArrayList<>()).add(n.get("count").asLong());
        }
        return m;
    }

    static Map<String, Long> last(Map<String, List<Long>> counts) {
        Map<String, Long> m = new TreeMap<>();
        counts.forEach((k, v) -> m.put(k, v.get(v.size() - 1)));
        return m;
    }

    Cli.Result kappa(String... args) {
        String[] full = new String[args.length + 1];
        full[0] = args[0];
        full[1] = "--data-dir=" + dir;
        System.arraycopy(args, 1, full, 2, args.length - 1);
        return Cli.run(full);
    }

    @Test
    void runStatusRewindAndReplayOnKafka() throws Exception {
        Map<String, Long> perPage = produce("k-clicks", 3, 3000, 1);
        String b = broker.bootstrap();
        Cli.Result run = kappa("run", "count", "--by", "page", "--group", "kc", "--input", "k-clicks", "--output", "k-counts", "--kafka", b,
            "--until-caught-up");
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("group kc on Kafka: 6,000 records processed by this process, lag 0"), run.out());
        Map<String, List<Long>> counts = counts("k-counts");
        assertEquals(perPage, last(counts), "final counts");
        counts.forEach((k, v) -> {
            for (int i = 0; i < v.size(); i++) {
                assertEquals(i + 1, v.get(i), k + ": counts go 1, 2, 3... (nothing lost or doubled)");
            }
        });

        Cli.Result status = kappa("status", "kc", "--kafka", b);
        assertEquals(0, status.code(), status.err());
        assertTrue(status.out().contains("group kc on Kafka " + b + ": not running, lag 0"), status.out());
        assertTrue(status.out().contains("k-clicks"), status.out());
        assertTrue(status.out().contains("kc-kappa-"), "state topics listed: " + status.out());

        // rewind by time to the last 1000 clicks: the state is rebuilt there, so their counts go on from it
        String t = Instant.ofEpochMilli(BASE + 2000 * 10L).toString();
        Cli.Result dry = kappa("rewind", "--kafka", b, "--group", "kc", "--to", t, "--dry-run");
        assertEquals(0, dry.code(), dry.err());
        assertTrue(dry.out().contains("to reprocess: 1,000 events"), dry.out());
        assertTrue(dry.out().contains("to rebuild the state: 2,000 events replayed with outputs muted"), dry.out());
        Cli.Result dryJson = kappa("rewind", "--kafka", b, "--group", "kc", "--to", t, "--dry-run", "--json");
        assertEquals(0, dryJson.code(), dryJson.err());
        JsonNode plan = Serdes.MAPPER.readTree(dryJson.out());
        assertEquals(1000, plan.get("events").asLong(), dryJson.out());
        assertEquals(2000, plan.get("rebuildEvents").asLong(), dryJson.out());
        int inputs = 0;
        for (JsonNode m : plan.get("moves")) {
            inputs += m.get("own").asBoolean() ? 0 : 1;
        }
        assertEquals(3, inputs, "one move per input partition: " + dryJson.out());
        Cli.Result rewind = kappa("rewind", "--kafka", b, "--group", "kc", "--to", t);
        assertEquals(0, rewind.code(), rewind.err());
        assertTrue(rewind.out().contains("state: rebuilt by a run of the group's topology"), rewind.out());
        Cli.Result lagging = kappa("status", "kc", "--kafka", b, "--json");
        assertEquals(1000, Serdes.MAPPER.readTree(lagging.out()).get("lag").asLong(), lagging.out());
        Cli.Result again = kappa("run", "count", "--by", "page", "--group", "kc", "--input", "k-clicks", "--output", "k-counts", "--kafka", b,
            "--until-caught-up");
        assertEquals(0, again.code(), again.err());
        Map<String, List<Long>> recounted = counts("k-counts");
        int appended = 0;
        for (Map.Entry<String, List<Long>> e : recounted.entrySet()) {
            appended += e.getValue().size() - counts.get(e.getKey()).size();
            assertEquals(perPage.get(e.getKey()), e.getValue().get(e.getValue().size() - 1), e.getKey() + ": counted on from the rebuilt state");
        }
        assertEquals(1000, appended, "the last 1000 clicks counted again");

        // undo: the offsets (at the end) and the state from before the rewind; once
        Cli.Result undo = kappa("rewind", "--kafka", b, "--group", "kc", "--undo");
        assertEquals(0, undo.code(), undo.err());
        assertTrue(undo.out().contains("state: restored from what the rewind saved in kc-kappa-undo"), undo.out());
        Cli.Result twice = kappa("rewind", "--kafka", b, "--group", "kc", "--undo");
        assertNotEquals(0, twice.code());
        assertTrue(twice.err().contains("group kc has no rewind on Kafka to undo"), twice.err());
        // one partition: the others stay where the group is
        Cli.Result one = kappa("rewind", "--kafka", b, "--group", "kc", "--to", "earliest", "--partition", "1", "--dry-run", "--json");
        assertEquals(0, one.code(), one.err());
        for (JsonNode m : Serdes.MAPPER.readTree(one.out()).get("moves")) {
            if (!m.get("own").asBoolean()) {
                assertEquals(m.get("partition").asInt() == 1 ? 0 : m.get("current").asLong(), m.get("target").asLong(), one.out());
            }
        }

        // a replay under a fresh application id (the output's name) recomputes everything into a versioned output
        Cli.Result replay = kappa("replay", "count", "--by", "page", "--input", "k-clicks", "--output", "k-counts.v2", "--kafka", b,
            "--until-caught-up");
        assertEquals(0, replay.code(), replay.err());
        assertTrue(replay.err().contains("running group k-counts.v2"), replay.err());
        assertEquals(perPage, last(counts("k-counts.v2")));
    }

    @Test
    void userProcessorClassOnKafkaWithDeadLetters() throws Exception {
        broker.createTopic("k-words", 2);
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        try (KafkaProducer<byte[], byte[]> prod = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (String w : List.of("hello", "boom", "world")) {
                prod.send(new ProducerRecord<>("k-words", 0, w.getBytes(StandardCharsets.UTF_8), w.getBytes(StandardCharsets.UTF_8)));
            }
        }
        Cli.Result r = kappa("run", "--class", UpperCaseProcessor.class.getName(), "--group", "kup", "--input", "k-words", "--output",
            "k-upper", "--kafka", broker.bootstrap(), "--until-caught-up");
        assertEquals(0, r.code(), r.err());
        List<String> values = new java.util.ArrayList<>();
        broker.readAll("k-upper").forEach(rec -> values.add(new String(rec.value(), StandardCharsets.UTF_8)));
        values.sort(null);
        assertEquals(List.of("HELLO", "WORLD"), values, "each word once, upper-cased");
        List<ConsumerRecord<byte[], byte[]>> dead = broker.readAll("kup.dlq");
        assertEquals(1, dead.size());
        JsonNode d = Serdes.MAPPER.readTree(dead.get(0).value());
        assertEquals("IllegalArgumentException: boom is not allowed", d.get("error").asText());
        assertEquals("k-words", d.get("topic").asText());
        assertEquals(1, d.get("offset").asLong());
        assertEquals("boom", d.get("value").asText());
    }

    /** Appends the words to the topic, each keyed by itself. */
    static void produceWords(String topic, int partitions, int from, int to) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        try (KafkaProducer<byte[], byte[]> prod = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = from; i < to; i++) {
                byte[] w = ("w" + i).getBytes(StandardCharsets.UTF_8);
                prod.send(new ProducerRecord<>(topic, new Partitioner().partition(w, partitions), w, w));
            }
        }
    }

    /** Per word of the output, the flags the two stages of {@link ReplayFlagTopology} saw, last write first. */
    static Map<String, String> flags(String topic) throws Exception {
        Map<String, String> m = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : broker.readAll(topic)) {
            String v = new String(r.value(), StandardCharsets.UTF_8);
            int bar = v.indexOf('|');
            m.put(v.substring(0, bar), v.substring(bar + 1));
        }
        return m;
    }

    @Test
    void whatAGroupRecomputesAfterARewindOnKafkaIsReplayingInEveryStage() throws Exception {
        broker.createTopic("kf-words", 2);
        produceWords("kf-words", 2, 0, 20);
        String b = broker.bootstrap();
        String[] run = {"run", "--class", ReplayFlagTopology.class.getName(), "--group", "kflags", "--input", "kf-words", "--output",
            "kf-flagged", "--kafka", b, "--until-caught-up"};
        Cli.Result first = kappa(run);
        assertEquals(0, first.code(), first.err());
        Map<String, String> before = flags("kf-flagged");
        assertEquals(20, before.size(), before.toString());
        before.forEach((w, f) -> assertEquals("first=false|second=false", f, w + " on the first run"));

        Cli.Result rewind = kappa("rewind", "--kafka", b, "--group", "kflags", "--to", "earliest");
        assertEquals(0, rewind.code(), rewind.err());
        assertTrue(rewind.out().contains("noted in consumer group kappa-recompute.kflags"), rewind.out());
        // a second rewind before any run: how far the group had read is kept (the highest), not the offsets it is at now
        Cli.Result again = kappa("rewind", "--kafka", b, "--group", "kflags", "--to", "earliest");
        assertEquals(0, again.code(), again.err());
        produceWords("kf-words", 2, 20, 30);
        Cli.Result second = kappa(run);
        assertEquals(0, second.code(), second.err());
        Map<String, String> after = flags("kf-flagged");
        for (int i = 0; i < 30; i++) {
            assertEquals(i < 20 ? "first=true|second=true" : "first=false|second=false", after.get("w" + i),
                "w" + i + (i < 20 ? " was recomputed after the rewind" : " is new"));
        }

        // a replay is replaying throughout, as on the local log
        Cli.Result replay = kappa("replay", "--class", ReplayFlagTopology.class.getName(), "--input", "kf-words", "--output",
            "kf-flagged.v2", "--kafka", b, "--until-caught-up");
        assertEquals(0, replay.code(), replay.err());
        Map<String, String> replayed = flags("kf-flagged.v2");
        assertEquals(30, replayed.size(), replayed.toString());
        replayed.forEach((w, f) -> assertEquals("first=true|second=true", f, w + " in a replay"));
    }

    @Test
    void clearErrorsOnKafka() throws Exception {
        String b = broker.bootstrap();
        Cli.Result unknown = kappa("run", "count", "--by", "page", "--group", "ku", "--input", "no-such-topic", "--output", "x", "--kafka", b);
        assertNotEquals(0, unknown.code());
        assertTrue(unknown.err().contains("no topic 'no-such-topic' on the Kafka cluster"), unknown.err());

        Cli.Result from = kappa("run", "count", "--by", "page", "--group", "ku", "--input", "no-such-topic", "--output", "x", "--kafka", b,
            "--from", "12");
        assertEquals(2, from.code(), from.err());
        assertTrue(from.err().contains("with --kafka, --from is earliest or latest"), from.err());

        Cli.Result unreachable = kappa("status", "nobody", "--kafka", "127.0.0.1:1", "--kafka-timeout", "2s");
        assertNotEquals(0, unreachable.code());
        assertTrue(unreachable.err().contains("no answer within 2000 ms (is the cluster reachable?)"), unreachable.err());

        Cli.Result neverRan = kappa("rewind", "--kafka", b, "--group", "nobody", "--to", "earliest");
        assertNotEquals(0, neverRan.code());
        assertTrue(neverRan.err().contains("group nobody has no committed offsets on Kafka"), neverRan.err());

        Cli.Result verify = kappa("replay", "--verify", "--group", "kc", "--kafka", b);
        assertEquals(2, verify.code(), verify.err());
    }

}
