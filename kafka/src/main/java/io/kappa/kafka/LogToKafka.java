package io.kappa.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import java.util.function.ToLongFunction;

import io.kappa.log.EventLog;
import io.kappa.log.Partition;
import io.kappa.log.PartitionTailer;
import io.kappa.log.Partitioner;
import io.kappa.log.Topic;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Ships a local topic to a Kafka topic: keys, values, event times (the Kafka timestamp), event ids and append
 * times (headers {@link KappaHeaders#ID}, {@link KappaHeaders#APPEND_TIME}). A key lands in the same partition
 * number as locally when both topics have the same partition count (local partition p to Kafka partition p,
 * which also keeps keyless records and the order of each partition); otherwise by {@code murmur2(key)} as Kafka
 * would place it (keyless: p modulo the count).
 *
 * <p>Exactly once across crashes, kill -9 included: records go out in Kafka transactions, and each transaction
 * also commits the mirror's progress (the next local offset of every partition) as the metadata of an offset
 * commit of the consumer group {@link #progressGroup} ({@code sendOffsetsToTransaction}). Records and progress
 * become visible together or not at all; a restart reads the progress back from the group and goes on from
 * there, and its {@code initTransactions} (same transactional id) aborts whatever a killed predecessor left open
 * and fences it if it still runs.
 */
public final class LogToKafka implements AutoCloseable {
    /** Per local partition: records mirrored by this run and the next local offset to mirror. */
    public record Progress(long[] mirrored, long[] next) {
        public long total() {
            long n = 0;
            for (long m : mirrored) {
                n += m;
            }
            return n;
        }
    }

    private static final String PROGRESS_PREFIX = "kappa-mirror-v1:";

    private final Topic topic;
    private final String kafkaTopic;
    private final String group;
    private final KafkaGroups groups;
    private final KafkaProducer<byte[], byte[]> producer;
    private final int kafkaPartitions;
    private final long[] next;
    private final long[] mirrored;
    /** The sum of {@code mirrored}, for the progress thread. */
    private final java.util.concurrent.atomic.AtomicLong mirroredTotal = new java.util.concurrent.atomic.AtomicLong();
    private final boolean resumed;
    private final int batch;

    /**
     * Connects, creates the Kafka topic (with the local partition count) when missing, and finds where to start:
     * where a previous run of the same mirror stopped, or else {@code start} of each local partition.
     */
    public LogToKafka(EventLog log, String localTopic, String bootstrap, String kafkaTopic, ToLongFunction<Partition> start,
                      long timeoutMs, int batch) {
        this(log, localTopic, bootstrap, kafkaTopic, start, timeoutMs, batch, false);
    }

    /**
     * As above; {@code force} starts a mirror with no progress even into a Kafka topic that already holds records
     * (otherwise refused: its progress may have expired, and starting over could write events twice).
     */
    public LogToKafka(EventLog log, String localTopic, String bootstrap, String kafkaTopic, ToLongFunction<Partition> start,
                      long timeoutMs, int batch, boolean force) {
        this.topic = log.topic(localTopic);
        this.kafkaTopic = kafkaTopic;
        this.group = progressGroup(localTopic, kafkaTopic);
        this.batch = batch;
        this.groups = new KafkaGroups(bootstrap, timeoutMs);
        KafkaProducer<byte[], byte[]> p = null;
        try {
            KafkaTopicCatalog catalog = groups.catalog();
            boolean created = false;
            if (!catalog.exists(kafkaTopic)) {
                catalog.create(kafkaTopic, topic.partitionCount());
                created = true;
            }
            this.kafkaPartitions = catalog.partitionCount(kafkaTopic);
            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, group);
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
            props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
            props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE, timeoutMs));
            p = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
            // first fence the previous run (and abort what it left open), then read the progress it committed
            p.initTransactions();
            long[] committed = readProgress();
            this.resumed = committed != null;
            if (committed == null && !created && !force) {
                long held = groups.ends(java.util.List.of(kafkaTopic)).values().stream().mapToLong(Long::longValue).sum();
                if (held > 0) {
                    throw new IllegalStateException("Kafka topic " + kafkaTopic + " already holds records (" + held + " offsets) but this"
                        + " mirror has no progress in group " + group + " (never mirrored there, or its progress expired after the"
                        + " brokers' offsets.retention.minutes): starting over could write events twice; mirror to a new topic, or"
                        + " force it");
                }
            }
            this.next = new long[topic.partitionCount()];
            for (int i = 0; i < next.length; i++) {
                Partition part = topic.partition(i);
                next[i] = committed != null ? committed[i] : start.applyAsLong(part);
                if (next[i] < part.startOffset()) {
                    throw new IllegalStateException("mirror " + localTopic + " -> " + kafkaTopic + ": partition " + i + " must go on at offset "
                        + next[i] + ", but retention removed the records before " + part.startOffset());
                }
            }
            this.mirrored = new long[next.length];
            String text = progressText();
            if (text.length() > 3000) {
                throw new IllegalArgumentException("topic " + localTopic + " has too many partitions (" + next.length + ") for the mirror's"
                    + " progress to fit the brokers' offset metadata (offset.metadata.max.bytes, 4096 by default)");
            }
            this.producer = p;
        } catch (RuntimeException e) {
            if (p != null) {
                p.close(Duration.ZERO);
            }
            groups.close();
            throw e;
        }
    }

    /** The consumer group whose committed-offset metadata holds a mirror's progress (and its transactional id). */
    public static String progressGroup(String localTopic, String kafkaTopic) {
        return "kappa-mirror." + localTopic + ".to." + kafkaTopic;
    }

    /** True when a previous run's progress was found (the start position was not used). */
    public boolean resumed() {
        return resumed;
    }

    public long[] next() {
        return next.clone();
    }

    /** Records left to mirror up to the local ends now. */
    public long lag() {
        long lag = 0;
        for (int i = 0; i < next.length; i++) {
            lag += Math.max(0, topic.partition(i).endOffset() - next[i]);
        }
        return lag;
    }

    private long[] readProgress() {
        OffsetAndMetadata om = groups.committedWithMetadata(group).get(new TopicPartition(kafkaTopic, 0));
        if (om == null) {
            return null;
        }
        String m = om.metadata();
        if (m == null || !m.startsWith(PROGRESS_PREFIX)) {
            throw new IllegalStateException("group " + group + " holds offsets that are not a kappa mirror's progress ('" + m + "')");
        }
        long[] out = new long[topic.partitionCount()];
        String[] parts = m.substring(PROGRESS_PREFIX.length()).split(",");
        if (parts.length != out.length) {
            throw new IllegalStateException("mirror progress in group " + group + " has " + parts.length + " partitions, the local topic "
                + topic.name() + " " + out.length);
        }
        for (int i = 0; i < out.length; i++) {
            out[i] = Long.parseLong(parts[i]);
        }
        return out;
    }

    private String progressText() {
        return progressText(next);
    }

    private static String progressText(long[] offsets) {
        StringBuilder b = new StringBuilder(PROGRESS_PREFIX);
        for (int i = 0; i < offsets.length; i++) {
            b.append(i == 0 ? "" : ",").append(offsets[i]);
        }
        return b.toString();
    }

    /**
     * Mirrors until {@code stop} says so, or, with {@code untilCaughtUp}, until every local partition is mirrored up
     * to the end it had when this call began. Each transaction holds up to {@code batch} records of every partition.
     */
    public Progress run(BooleanSupplier stop, boolean untilCaughtUp) throws InterruptedException {
        long[] targets = new long[next.length];
        for (int i = 0; i < next.length; i++) {
            targets[i] = topic.partition(i).endOffset();
        }
        PartitionTailer[] tailers = new PartitionTailer[next.length];
        try {
            for (int i = 0; i < next.length; i++) {
                tailers[i] = topic.partition(i).newTailer();
                tailers[i].moveToOffset(next[i]);
            }
            List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(batch);
            long[] after = next.clone();
            while (!stop.getAsBoolean()) {
                if (untilCaughtUp && caughtUp(targets)) {
                    break;
                }
                records.clear();
                for (int i = 0; i < tailers.length; i++) {
                    int partition = i;
                    tailers[i].poll(v -> {
                        byte[] key = v.keyBytes();
                        RecordHeaders h = new RecordHeaders();
                        if (v.hasId()) {
                            h.add(KappaHeaders.ID, v.idBytes());
                        }
                        h.add(KappaHeaders.APPEND_TIME, KappaHeaders.encodeLong(v.appendTime()));
                        int target = kafkaPartitions == next.length ? partition
                            : key == null ? partition % kafkaPartitions : (Partitioner.murmur2(key) & 0x7fffffff) % kafkaPartitions;
                        records.add(new ProducerRecord<>(kafkaTopic, target, v.eventTime(), key, v.valueBytes(), h));
                        after[partition] = v.offset() + 1;
                    }, batch);
                }
                if (records.isEmpty()) {
                    Thread.sleep(5);
                    continue;
                }
                String progress = progressText(after);
                try {
                    producer.beginTransaction();
                    for (ProducerRecord<byte[], byte[]> r : records) {
                        producer.send(r);
                    }
                    producer.sendOffsetsToTransaction(Map.of(new TopicPartition(kafkaTopic, 0), new OffsetAndMetadata(0, progress)),
                        new ConsumerGroupMetadata(group));
                    producer.commitTransaction();
                } catch (ProducerFencedException e) {
                    throw new IllegalStateException("another `kappa mirror " + topic.name() + "` to " + kafkaTopic + " took over (fenced)", e);
                } catch (org.apache.kafka.common.KafkaException e) {
                    try {
                        producer.abortTransaction();
                    } catch (org.apache.kafka.common.KafkaException ignored) {
                        // the producer is unusable: the next run starts from the last committed progress anyway
                    }
                    Throwable root = e;
                    while (root.getCause() != null) {
                        root = root.getCause();
                    }
                    throw new IllegalStateException("mirror " + topic.name() + " -> " + kafkaTopic + ": the transaction for local offsets "
                        + java.util.Arrays.toString(next) + " to " + java.util.Arrays.toString(after) + " failed and was aborted: "
                        + root.getClass().getSimpleName() + ": " + root.getMessage() + " (nothing of it is visible; run again to go on)", e);
                }
                // only now is it on Kafka
                for (int i = 0; i < next.length; i++) {
                    mirrored[i] += after[i] - next[i];
                    mirroredTotal.addAndGet(after[i] - next[i]);
                    next[i] = after[i];
                }
            }
        } finally {
            for (PartitionTailer t : tailers) {
                if (t != null) {
                    t.close();
                }
            }
        }
        return new Progress(mirrored.clone(), next.clone());
    }

    private boolean caughtUp(long[] targets) {
        for (int i = 0; i < next.length; i++) {
            if (next[i] < targets[i]) {
                return false;
            }
        }
        return true;
    }

    /** Records mirrored by this object so far (any thread). */
    public long mirroredSoFar() {
        return mirroredTotal.get();
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
        groups.close();
    }
}
