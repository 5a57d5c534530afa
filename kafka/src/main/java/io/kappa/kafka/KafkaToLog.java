package io.kappa.kafka;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.log.Event;
import io.kappa.log.EventLog;
import io.kappa.log.PartitionTailer;
import io.kappa.log.Topic;
import io.kappa.log.TopicConfig;
import io.kappa.processor.Serdes;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Copies a Kafka topic into a local topic, for replaying production data on a laptop: Kafka partition p into
 * local partition p (the local topic is created with Kafka's partition count, or must have it), the timestamp as
 * event time, the {@link KappaHeaders#ID} header as event id. Only committed records (read_committed).
 *
 * <p>No duplicates after a crash: every record is appended with a producer id of this mirror and partition and
 * the Kafka offset as its sequence, so the local log itself says how far each partition got. A restart scans each
 * local partition for this producer's records from the position its last checkpoint noted (a small file under
 * {@code DATA_DIR/mirrors/}; without it, from the start) and resumes after the highest offset found.
 */
public final class KafkaToLog implements AutoCloseable {
    private final Topic topic;
    private final String kafkaTopic;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<TopicPartition> parts = new ArrayList<>();
    private final long[] producers;
    private final long[] next;
    private final long[] mirrored;
    /** The sum of {@code mirrored}, for the progress thread. */
    private final java.util.concurrent.atomic.AtomicLong mirroredTotal = new java.util.concurrent.atomic.AtomicLong();
    private final Path checkpoint;
    private final boolean resumed;

    public enum Start { EARLIEST, LATEST }

    /**
     * Connects, creates the local topic when missing, and finds where to go on: after this mirror's last record in
     * each local partition, or at {@code start} (earliest, latest, or the first record at or after {@code startTime}
     * when it is not negative).
     */
    public KafkaToLog(EventLog log, String bootstrap, String kafkaTopic, String localTopic, Start start, long startTime, long timeoutMs) {
        this.kafkaTopic = kafkaTopic;
        int n;
        try (KafkaGroups groups = new KafkaGroups(bootstrap, timeoutMs)) {
            n = groups.catalog().partitionCount(kafkaTopic);
        }
        if (!log.exists(localTopic)) {
            log.createTopic(localTopic, TopicConfig.partitions(n));
        }
        this.topic = log.topic(localTopic);
        if (topic.partitionCount() != n) {
            throw new IllegalArgumentException("local topic " + localTopic + " has " + topic.partitionCount() + " partitions, Kafka topic "
                + kafkaTopic + " " + n + ": a mirror copies partition p into partition p (use a new local topic)");
        }
        this.checkpoint = log.dataDir().resolve("mirrors").resolve("from-kafka." + kafkaTopic + ".to." + localTopic + ".json");
        this.producers = new long[n];
        this.next = new long[n];
        this.mirrored = new long[n];
        long[] scanFrom = new long[n];
        long[] checkpointed = new long[n];
        java.util.Arrays.fill(checkpointed, -1);
        readCheckpoint(scanFrom, checkpointed);
        boolean found = false;
        for (int p = 0; p < n; p++) {
            producers[p] = io.kappa.processor.Groups.producerId("kafka-mirror:" + kafkaTopic, localTopic, p);
            long last = lastSequence(p, scanFrom[p]);
            long resume = Math.max(last + 1, checkpointed[p]);
            next[p] = resume > 0 ? resume : -1;
            found |= resume > 0 || checkpointed[p] >= 0;
            parts.add(new TopicPartition(kafkaTopic, p));
        }
        this.resumed = found;
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE, timeoutMs));
        this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        try {
            consumer.assign(parts);
            Map<TopicPartition, Long> beginning = consumer.beginningOffsets(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndTimestamp> byTime = !found && startTime >= 0
                ? consumer.offsetsForTimes(timestamps(startTime)) : Map.of();
            for (int p = 0; p < n; p++) {
                TopicPartition tp = parts.get(p);
                if (next[p] < 0) {
                    if (startTime >= 0 && !found) {
                        var ot = byTime.get(tp);
                        next[p] = ot == null ? end.get(tp) : ot.offset();
                    } else {
                        next[p] = start == Start.LATEST && !found ? end.get(tp) : beginning.get(tp);
                    }
                } else if (next[p] < beginning.get(tp)) {
                    throw new IllegalStateException("mirror " + kafkaTopic + " -> " + localTopic + ": partition " + p + " must go on at offset "
                        + next[p] + ", but Kafka's retention removed the records before " + beginning.get(tp));
                }
                consumer.seek(tp, next[p]);
            }
        } catch (RuntimeException e) {
            consumer.close(Duration.ZERO);
            throw e;
        }
    }

    private Map<TopicPartition, Long> timestamps(long t) {
        Map<TopicPartition, Long> m = new java.util.HashMap<>();
        for (TopicPartition tp : parts) {
            m.put(tp, t);
        }
        return m;
    }

    public boolean resumed() {
        return resumed;
    }

    private void readCheckpoint(long[] scanFrom, long[] checkpointed) {
        if (!Files.exists(checkpoint)) {
            return;
        }
        try {
            JsonNode root = Serdes.MAPPER.readTree(Files.readAllBytes(checkpoint));
            JsonNode ps = root.get("partitions");
            for (int p = 0; p < scanFrom.length && p < ps.size(); p++) {
                long localEnd = ps.get(p).get("localEnd").asLong();
                if (localEnd > topic.partition(p).endOffset() || localEnd < topic.partition(p).startOffset()) {
                    // the local topic is not the one the checkpoint saw (recreated, restored): trust only the log
                    java.util.Arrays.fill(scanFrom, 0);
                    java.util.Arrays.fill(checkpointed, -1);
                    return;
                }
                scanFrom[p] = Math.max(0, localEnd);
                checkpointed[p] = ps.get(p).get("kafkaNext").asLong();
            }
        } catch (java.io.IOException | RuntimeException e) {
            // a damaged checkpoint only costs a longer scan: the local log is the truth
            java.util.Arrays.fill(scanFrom, 0);
            java.util.Arrays.fill(checkpointed, -1);
        }
    }

    private void writeCheckpoint() {
        ObjectNode root = Serdes.MAPPER.createObjectNode();
        root.put("kafkaTopic", kafkaTopic);
        root.put("localTopic", topic.name());
        ArrayNode ps = root.putArray("partitions");
        for (int p = 0; p < next.length; p++) {
            ps.addObject().put("kafkaNext", next[p]).put("localEnd", topic.partition(p).endOffset());
        }
        try {
            Files.createDirectories(checkpoint.getParent());
            Path tmp = checkpoint.resolveSibling(checkpoint.getFileName() + ".tmp");
            Files.write(tmp, Serdes.MAPPER.writeValueAsBytes(root));
            Files.move(tmp, checkpoint, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot write " + checkpoint + ": " + e.getMessage(), e);
        }
    }

    /** The highest sequence (Kafka offset) this mirror appended to local partition p at or after {@code from}, or -1. */
    private long lastSequence(int p, long from) {
        long[] last = {-1};
        long producer = producers[p];
        try (PartitionTailer t = topic.partition(p).newTailer()) {
            t.moveToOffset(Math.max(from, topic.partition(p).startOffset()));
            while (t.poll(v -> {
                if (v.producerId() == producer && v.producerSequence() > last[0]) {
                    last[0] = v.producerSequence();
                }
            }, 4096) > 0) {
                // to the end
            }
        }
        return last[0];
    }

    /**
     * Copies until {@code stop} says so, or with {@code untilCaughtUp} until every partition is copied to the
     * end (last stable offset) it had when this call began.
     */
    public long[] run(BooleanSupplier stop, boolean untilCaughtUp) {
        Map<TopicPartition, Long> targets = consumer.endOffsets(parts);
        List<List<Event>> events = new ArrayList<>();
        List<long[]> seqs = new ArrayList<>();
        for (int p = 0; p < next.length; p++) {
            events.add(new ArrayList<>());
            seqs.add(new long[0]);
        }
        long lastCheckpoint = System.nanoTime();
        while (!stop.getAsBoolean()) {
            if (untilCaughtUp && caughtUp(targets)) {
                break;
            }
            ConsumerRecords<byte[], byte[]> recs = consumer.poll(Duration.ofMillis(200));
            for (int p = 0; p < next.length; p++) {
                List<ConsumerRecord<byte[], byte[]>> list = recs.records(parts.get(p));
                if (list.isEmpty()) {
                    // the position may have passed transaction markers
                    next[p] = Math.max(next[p], consumer.position(parts.get(p)));
                    continue;
                }
                List<Event> batch = events.get(p);
                batch.clear();
                long[] sequences = new long[list.size()];
                int i = 0;
                for (ConsumerRecord<byte[], byte[]> r : list) {
                    String id = KappaHeaders.getString(r.headers(), KappaHeaders.ID);
                    batch.add(new Event(r.key(), r.value() == null ? new byte[0] : r.value(), r.timestamp(),
                        id == null ? null : id.getBytes(StandardCharsets.UTF_8), p));
                    sequences[i++] = r.offset();
                }
                topic.appendBatch(batch, producers[p], sequences);
                mirrored[p] += list.size();
                mirroredTotal.addAndGet(list.size());
                next[p] = Math.max(list.get(list.size() - 1).offset() + 1, consumer.position(parts.get(p)));
            }
            if (System.nanoTime() - lastCheckpoint > 1_000_000_000L) {
                writeCheckpoint();
                lastCheckpoint = System.nanoTime();
            }
        }
        writeCheckpoint();
        return mirrored.clone();
    }

    private boolean caughtUp(Map<TopicPartition, Long> targets) {
        for (int p = 0; p < next.length; p++) {
            if (consumer.position(parts.get(p)) < targets.get(parts.get(p))) {
                return false;
            }
        }
        return true;
    }

    /** Records copied by this object so far. */
    public long mirroredSoFar() {
        return mirroredTotal.get();
    }

    /** Records of Kafka left before the ends now (committed records only). */
    public long lag() {
        Map<TopicPartition, Long> end = consumer.endOffsets(parts);
        long lag = 0;
        for (int p = 0; p < next.length; p++) {
            lag += Math.max(0, end.get(parts.get(p)) - next[p]);
        }
        return lag;
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
