package io.kappa.kafka;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;

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
import io.kappa.processor.builtin.BuiltinSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Processor throughput on Kafka against the local log, in one run, each beside its bare baseline: the same
 * events (keyed JSON, about 100 bytes) in the same partitions, the same built-ins (a count by key, one stage, and a
 * count by a field, two stages through a repartition topic). Baselines: the bare local reader ({@code
 * PartitionTailer}) and a bare Kafka consumer (assign + seek, no group). The broker runs in this JVM (Kafka's
 * test kit), so broker and processor share the machine as they would on one box.
 *
 * <p>Run with {@code kafka/run-bench.sh [EVENTS] [PARTITIONS]}; it prints a table and writes JSON to
 * {@code kafka/target/kafka-bench.json}.
 */
public final class KafkaBench {
    private KafkaBench() {
    }

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int partitions = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        Path dir = Files.createTempDirectory("kappa-kafka-bench");
        Map<String, Double> rates = new LinkedHashMap<>();
        try (TestBroker broker = TestBroker.start();
             EventLog log = EventLog.open(new LogContext().dataDir(dir.resolve("log")).pretouch(false))) {
            List<byte[][]> data = generate(events);
            Topic topic = log.createTopic("bench", TopicConfig.partitions(partitions));
            broker.createTopic("bench", partitions);

            long t0 = System.nanoTime();
            List<Event> batch = new ArrayList<>(1000);
            long time = 1_763_800_000_000L;
            for (byte[][] kv : data) {
                batch.add(new Event(kv[0], kv[1], time++, null));
                if (batch.size() == 1000) {
                    topic.appendBatch(batch);
                    batch.clear();
                }
            }
            topic.appendBatch(batch);
            rates.put("local append", rate(events, t0));

            t0 = System.nanoTime();
            produce(broker.bootstrap(), data, partitions);
            rates.put("kafka produce (acks=all, idempotent, batch 64k)", rate(events, t0));

            t0 = System.nanoTime();
            long read = 0;
            for (int p = 0; p < partitions; p++) {
                try (PartitionTailer tailer = topic.partition(p).newTailer()) {
                    tailer.toStart();
                    int n;
                    while ((n = tailer.poll(v -> { }, 4096)) > 0) {
                        read += n;
                    }
                }
            }
            check(read, events, "local read");
            rates.put("local bare reader", rate(events, t0));

            t0 = System.nanoTime();
            check(consumeAll(broker.bootstrap(), partitions), events, "kafka read");
            rates.put("kafka bare consumer", rate(events, t0));

            t0 = System.nanoTime();
            try (LogToKafka m = new LogToKafka(log, "bench", broker.bootstrap(), "bench-mirror", part -> part.startOffset(), 30_000, 5000)) {
                check(m.run(() -> false, true).total(), events, "mirror to Kafka");
            }
            rates.put("kappa mirror to Kafka (transactions of 5000/partition)", rate(events, t0));

            t0 = System.nanoTime();
            try (KafkaToLog m = new KafkaToLog(log, broker.bootstrap(), "bench", "bench-back", KafkaToLog.Start.EARLIEST, -1, 30_000)) {
                check(java.util.Arrays.stream(m.run(() -> false, true)).sum(), events, "mirror from Kafka");
            }
            rates.put("kappa mirror from Kafka", rate(events, t0));

            // the baseline on Kafka: the same count written directly in Kafka Streams' DSL, same guarantees and store kind
            {
                org.apache.kafka.streams.StreamsBuilder b = new org.apache.kafka.streams.StreamsBuilder();
                b.stream("bench", org.apache.kafka.streams.kstream.Consumed.with(org.apache.kafka.common.serialization.Serdes.ByteArray(),
                        org.apache.kafka.common.serialization.Serdes.ByteArray()))
                    .groupByKey()
                    .count(org.apache.kafka.streams.kstream.Materialized.as(org.apache.kafka.streams.state.Stores.inMemoryKeyValueStore("native")))
                    .toStream()
                    .to("native-out", org.apache.kafka.streams.kstream.Produced.with(org.apache.kafka.common.serialization.Serdes.ByteArray(),
                        org.apache.kafka.common.serialization.Serdes.Long()));
                Properties sp = KafkaRunner.properties(new KafkaRunner.Options(broker.bootstrap(), "native-count", partitions,
                    OnError.DEAD_LETTER, KafkaTopologies.Start.EARLIEST, dir.resolve("streams-native"), 30_000, Map.of()));
                sp.put(org.apache.kafka.streams.StreamsConfig.TOPOLOGY_OPTIMIZATION_CONFIG, "all");
                broker.createTopic("native-out", partitions);
                org.apache.kafka.streams.KafkaStreams ks = new org.apache.kafka.streams.KafkaStreams(b.build(sp), sp);
                long first = 0;
                t0 = System.nanoTime();
                ks.start();
                try (KafkaGroups g = new KafkaGroups(broker.bootstrap(), 30_000)) {
                    while (true) {
                        Thread.sleep(200);
                        long committed = g.committed("native-count").values().stream().mapToLong(Long::longValue).sum();
                        if (first == 0 && committed > 0) {
                            first = System.nanoTime();
                        }
                        if (committed >= events) {
                            break;
                        }
                    }
                }
                long end = System.nanoTime();
                ks.close(java.time.Duration.ofSeconds(30));
                rates.put("kafka streams DSL count (baseline, from start)", events / ((end - t0) / 1e9));
                rates.put("kafka streams DSL count (baseline, from first commit)", events / ((end - first) / 1e9));
            }

            for (String[] s : new String[][] {{"count --by key", "key"}, {"count --by page (2 stages)", "page"}}) {
                BuiltinSpec spec = new BuiltinSpec("count", Map.of("by", s[1]));
                String group = "g-" + s[1];
                t0 = System.nanoTime();
                ProcessorRunner r = new ProcessorRunner(log, spec.topology(log, group, List.of("bench"), "out-" + s[1]),
                    new RunnerContext().group(group).threads(partitions).description(spec.describe()));
                r.start();
                if (!r.awaitCaughtUp(600_000)) {
                    throw new IllegalStateException("local run did not catch up");
                }
                r.close();
                rates.put("local " + s[0], rate(events, t0));

                KafkaGroups groups = new KafkaGroups(broker.bootstrap(), 30_000);
                io.kappa.processor.Topology topology = spec.topology(groups.catalog(), group, List.of("bench"), "out-" + s[1]);
                groups.close();
                KafkaRunner k = new KafkaRunner(topology, new KafkaRunner.Options(broker.bootstrap(), group, partitions, OnError.DEAD_LETTER,
                    KafkaTopologies.Start.EARLIEST, dir.resolve("streams-" + group), 30_000, Map.of()));
                t0 = System.nanoTime();
                k.start();
                long firstRecord = 0;
                while (!k.awaitCaughtUp(200)) {
                    if (firstRecord == 0 && k.recordsProcessed() > 0) {
                        firstRecord = System.nanoTime();
                    }
                }
                long end = System.nanoTime();
                k.close();
                rates.put("kafka " + s[0] + " (from start)", events / ((end - t0) / 1e9));
                if (firstRecord > 0) {
                    rates.put("kafka " + s[0] + " (from first record)", events / ((end - firstRecord) / 1e9));
                }
                System.err.printf("  %s done%n", s[0]);
            }
        }
        StringBuilder json = new StringBuilder("{\"events\":" + events + ",\"partitions\":" + partitions + ",\"rates\":{");
        System.out.printf("%n%-52s %14s%n", "scenario (" + events + " events, " + partitions + " partitions)", "events/s");
        boolean first = true;
        for (Map.Entry<String, Double> e : rates.entrySet()) {
            System.out.printf("%-52s %,14.0f%n", e.getKey(), e.getValue());
            json.append(first ? "" : ",").append('"').append(e.getKey()).append("\":").append(Math.round(e.getValue()));
            first = false;
        }
        json.append("}}");
        ratio(rates, "local count --by key", "local bare reader");
        ratio(rates, "kafka count --by key (from first record)", "kafka bare consumer");
        ratio(rates, "kafka count --by key (from first record)", "local count --by key");
        ratio(rates, "kafka count --by key (from start)", "kafka streams DSL count (baseline, from start)");
        ratio(rates, "kafka count --by page (2 stages) (from first record)", "local count --by page (2 stages)");
        ratio(rates, "kafka produce (acks=all, idempotent, batch 64k)", "local append");
        ratio(rates, "kappa mirror to Kafka (transactions of 5000/partition)", "kafka produce (acks=all, idempotent, batch 64k)");
        ratio(rates, "kappa mirror from Kafka", "kafka bare consumer");
        Path out = Path.of("target", "kafka-bench.json");
        Files.createDirectories(out.getParent());
        Files.writeString(out, json.toString());
        System.out.println("JSON: " + out.toAbsolutePath());
    }

    private static void ratio(Map<String, Double> rates, String a, String b) {
        if (rates.containsKey(a) && rates.containsKey(b)) {
            System.out.printf("ratio %-45s / %-32s %6.2f%n", a, b, rates.get(a) / rates.get(b));
        }
    }

    private static double rate(long n, long t0) {
        return n / ((System.nanoTime() - t0) / 1e9);
    }

    private static void check(long got, long expected, String what) {
        if (got != expected) {
            throw new IllegalStateException(what + ": " + got + " records, expected " + expected);
        }
    }

    private static List<byte[][]> generate(int n) {
        Random rnd = new Random(42);
        List<byte[][]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String user = "user-" + rnd.nextInt(10_000);
            String value = "{\"user\":\"" + user + "\",\"page\":\"/page/" + rnd.nextInt(100) + "\",\"ms\":" + rnd.nextInt(5000)
                + ",\"pad\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}";
            out.add(new byte[][] {user.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8)});
        }
        return out;
    }

    private static void produce(String bootstrap, List<byte[][]> data, int partitions) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 65536);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        long time = 1_763_800_000_000L;
        try (KafkaProducer<byte[], byte[]> prod = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (byte[][] kv : data) {
                prod.send(new ProducerRecord<>("bench", new Partitioner().partition(kv[0], partitions), time++, kv[0], kv[1]));
            }
        }
    }

    private static long consumeAll(String bootstrap, int partitions) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int i = 0; i < partitions; i++) {
                tps.add(new TopicPartition("bench", i));
            }
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            long n = 0;
            while (true) {
                n += c.poll(java.time.Duration.ofMillis(100)).count();
                boolean done = true;
                for (TopicPartition tp : tps) {
                    done &= c.position(tp) >= end.get(tp);
                }
                if (done) {
                    return n;
                }
            }
        }
    }

}
