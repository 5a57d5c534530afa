package io.kappa.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.kappa.log.RecordDescriptor;
import io.kappa.processor.KeyValueStore;
import io.kappa.processor.OnError;
import io.kappa.processor.Processor;
import io.kappa.processor.Serde;
import io.kappa.processor.Stage;
import io.kappa.processor.TimePolicy;
import io.kappa.processor.TopicCatalog;
import io.kappa.processor.internal.FreshProcessors;
import io.kappa.processor.internal.RecordStep;
import io.kappa.processor.internal.RuntimeFailure;
import io.kappa.processor.internal.StepRecord;
import io.kappa.processor.internal.StepRuntime;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * One kappa stage's task on Kafka Streams: a Kafka Streams processor that runs a kappa {@link RecordStep}, the same
 * rules of processing as the local task (time by the stage's {@link TimePolicy}, watermarks, timers, the error
 * policy, dead letters, a new processor per task), and is its {@link StepRuntime}: outputs are held until the record
 * (or timer) succeeds and then forwarded to the sinks, stores and timers live in the stage's one changelogged Kafka
 * Streams store ({@link TaskState}), and {@code isReplaying()} follows what the group recomputes
 * ({@link KafkaTopologies.Recompute}). In a rebuild for a rewind ({@link KafkaTopologies.Rebuild}) it skips records of
 * an external input at or past the stop offset and forwards only to the sinks it was given (null: muted). Durability,
 * exactly-once and partition assignment are Kafka Streams'.
 */
final class StageProcessor<KIn, VIn, KOut, VOut> implements org.apache.kafka.streams.processor.api.Processor<byte[], byte[], byte[], byte[]>,
    StepRuntime<KOut, VOut> {
    /** The task forwarding right now, for the sinks' partitioners: keyless records go to the task's own partition. */
    static final ThreadLocal<int[]> CURRENT_TASK = ThreadLocal.withInitial(() -> new int[1]);
    /**
     * The largest record written: Kafka's default {@code max.request.size} (1 MiB), below the broker's default
     * {@code message.max.bytes}; dead letters are cut to fit it.
     */
    static final int MAX_RECORD_BYTES = 1 << 20;
    private static final byte[] NO_BYTES = new byte[0];

    private final String group;
    private final Stage<KIn, VIn, KOut, VOut> stage;
    private final String storeName;
    private final long[][] upstream;
    private final int[] inputPartitions;
    private final OnError onError;
    private final TopicCatalog topics;
    private final Set<String> sideTopics;
    private final java.util.concurrent.atomic.LongAdder processed;
    private final String outChild;
    private final String sideChild;
    private final KafkaTopologies.Recompute recompute;
    private final FreshProcessors processors;
    /** A rebuild's stops ({@link KafkaTopologies.Rebuild}), or null. */
    private final Map<org.apache.kafka.common.TopicPartition, Long> stopAt;
    /** Per input: records at or past this offset are skipped (a rebuild's stop; otherwise none). */
    private long[] stops;

    private org.apache.kafka.streams.processor.api.ProcessorContext<byte[], byte[]> ks;
    private RecordStep<KIn, VIn, KOut, VOut> step;
    private Serde<KOut> outKeySerde;
    private Serde<VOut> outValueSerde;
    private TaskState state;
    private int task;
    private byte[] producerHeader;
    /** Per input: how far the group had read this task's partition before its rewinds; below it a record is recomputed. */
    private long[] reached;
    /** What isReplaying() says for the record being processed. */
    private boolean replaying;
    private final Map<String, KafkaKeyValueStore<?, ?>> stores = new LinkedHashMap<>();
    private final List<Record<byte[], byte[]>> pending = new ArrayList<>();
    private final List<String> pendingChild = new ArrayList<>();
    private final KafkaRecord record = new KafkaRecord();

    StageProcessor(String group, Stage<KIn, VIn, KOut, VOut> stage, String storeName, long[][] upstream, int[] inputPartitions,
                   OnError onError, TopicCatalog topics, Set<String> sideTopics, String outChild, String sideChild,
                   java.util.concurrent.atomic.LongAdder processed, KafkaTopologies.Recompute recompute, FreshProcessors processors,
                   Map<org.apache.kafka.common.TopicPartition, Long> stopAt) {
        this.stopAt = stopAt;
        this.processed = processed;
        this.recompute = recompute;
        this.outChild = outChild;
        this.sideChild = sideChild;
        this.group = group;
        this.stage = stage;
        this.storeName = storeName;
        this.upstream = upstream;
        this.inputPartitions = inputPartitions;
        this.onError = onError;
        this.topics = topics;
        this.sideTopics = sideTopics;
        this.processors = processors;
    }

    @Override
    public void init(org.apache.kafka.streams.processor.api.ProcessorContext<byte[], byte[]> context) {
        // Kafka Streams may init the same node again when it revives a task (after a fenced or aborted
        // transaction): everything comes from the store again, nothing from the previous life
        stores.clear();
        pending.clear();
        pendingChild.clear();
        this.ks = context;
        this.task = context.taskId().partition();
        this.producerHeader = KappaHeaders.encodeLong(io.kappa.processor.Groups.producerId(group, stage.name(), task));
        if (stage.output() != null) {
            this.outKeySerde = stage.outputKeySerde().forTask();
            this.outValueSerde = stage.outputValueSerde().forTask();
        }
        org.apache.kafka.streams.state.KeyValueStore<Bytes, byte[]> kv = context.getStateStore(storeName);
        this.state = new TaskState(kv);
        if (step != null) {
            step.processor().close();
        }
        this.step = new RecordStep<>(group, stage, task, onError, processors.get(stage), this, MAX_RECORD_BYTES, state);
        if (state.meta != null) {
            step.restore(state.meta.streamTime(), state.meta.watermark(), state.meta.sources());
        }
        step.timers().restore(state.timers);
        for (int i = 0; i < stage.inputs().size(); i++) {
            // as locally: an input with no partition for this task is not a source of it
            if (task < inputPartitions[i]) {
                step.watermarks().expect(i, upstream[i]);
            }
        }
        openRecomputation();
        stops = new long[stage.inputs().size()];
        for (int i = 0; i < stops.length; i++) {
            stops[i] = stopAt == null || upstream[i] != null ? Long.MAX_VALUE
                : stopAt.getOrDefault(new org.apache.kafka.common.TopicPartition(stage.inputs().get(i), task), Long.MAX_VALUE);
        }
        if (stage.time().clock() == TimePolicy.Clock.PROCESSING) {
            context.schedule(Duration.ofMillis(200), PunctuationType.WALL_CLOCK_TIME, now -> {
                if (step.tick(now)) {
                    saveMeta();
                }
            });
        }
        step.init();
    }

    @Override
    public void process(Record<byte[], byte[]> r) {
        RecordMetadata md = ks.recordMetadata().orElseThrow();
        int in = stage.inputs().indexOf(md.topic());
        if (in < 0) {
            throw new IllegalStateException("stage '" + stage.name() + "' got a record of topic " + md.topic());
        }
        if (md.offset() >= stops[in]) {
            return; // a rebuild stops there: the state is what a run stopped at that offset has
        }
        record.reset(md, r);
        replaying = recompute.replay() || md.offset() < reached[in]
            || (upstream[in] != null && r.headers().lastHeader(KappaHeaders.RECOMPUTED) != null);
        try {
            step.process(in, record);
        } finally {
            record.reset(null, null);
        }
        step.fireTimers();
        saveMeta();
        processed.increment();
    }

    /**
     * After a rewind, how far the group had read each external input partition of this task, as the rewind noted it
     * on the cluster ({@link KafkaGroups#recomputed}); an internal input's records say themselves whether the earlier
     * stage recomputed them ({@link KappaHeaders#RECOMPUTED}).
     */
    private void openRecomputation() {
        replaying = recompute.replay();
        reached = new long[stage.inputs().size()];
        if (recompute.replay()) {
            return;
        }
        Map<org.apache.kafka.common.TopicPartition, Long> r = recompute.reached().get();
        for (int i = 0; i < reached.length; i++) {
            if (upstream[i] == null) {
                reached[i] = r.getOrDefault(new org.apache.kafka.common.TopicPartition(stage.inputs().get(i), task), 0L);
            }
        }
    }

    /**
     * The task's time state after every record: a source's highest time and last append time change with records
     * that move neither the watermark nor stream time, and idleness after a move depends on them. The store is
     * cached, so only the last value before a commit reaches the changelog.
     */
    private void saveMeta() {
        state.putMeta(step.streamTime(), step.watermarks().watermark(), step.watermarks().sources());
    }

    // ---- StepRuntime

    @Override
    public void begin() {
        pending.clear();
        pendingChild.clear();
    }

    /** The record (or timer) succeeded: state goes to the Kafka store, outputs to the sinks. */
    @Override
    public void commit() {
        for (KafkaKeyValueStore<?, ?> s : stores.values()) {
            s.commit();
        }
        if (pending.isEmpty()) {
            return;
        }
        int[] holder = CURRENT_TASK.get();
        holder[0] = task;
        for (int i = 0; i < pending.size(); i++) {
            String child = pendingChild.get(i);
            if (child != null) { // null: muted (a rebuild)
                ks.forward(pending.get(i), child);
            }
        }
        pending.clear();
        pendingChild.clear();
    }

    @Override
    public void rollback() {
        for (KafkaKeyValueStore<?, ?> s : stores.values()) {
            s.rollback();
        }
        pending.clear();
        pendingChild.clear();
    }

    @Override
    public void emit(KOut key, VOut value, long eventTime) {
        byte[] k = key == null ? null : outKeySerde.serialize(key);
        pending.add(new Record<>(k, outValueSerde.serialize(value), eventTime, headers()));
        pendingChild.add(outChild);
    }

    @Override
    public void emitTo(String topic, byte[] key, byte[] value, long eventTime) {
        if (!sideTopics.contains(topic) && sideChild != null) {
            if (topics != null) {
                try {
                    if (!topics.exists(topic)) {
                        topics.create(topic, 1);
                    }
                } catch (RuntimeException e) {
                    throw new RuntimeFailure(step.where() + ": cannot create topic " + topic + " on Kafka: " + RecordStep.describe(e), e);
                }
            }
            sideTopics.add(topic);
        }
        RecordHeaders h = headers();
        h.add(KappaHeaders.TOPIC, topic.getBytes(StandardCharsets.UTF_8));
        pending.add(new Record<>(key, value, eventTime, h));
        pendingChild.add(sideChild);
    }

    private RecordHeaders headers() {
        RecordHeaders h = new RecordHeaders();
        h.add(KappaHeaders.PRODUCER, producerHeader);
        // written now: as on the local log, a later stage judges idle upstream tasks by when their records were written
        h.add(KappaHeaders.APPEND_TIME, KappaHeaders.encodeLong(ks.currentSystemTimeMs()));
        if (replaying) {
            h.add(KappaHeaders.RECOMPUTED, NO_BYTES);
        }
        return h;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <K, V> KeyValueStore<K, V> store(String name, Serde<K> keySerde, Serde<V> valueSerde) {
        KafkaKeyValueStore<?, ?> existing = stores.get(name);
        if (existing != null) {
            return (KeyValueStore<K, V>) existing;
        }
        KafkaKeyValueStore<K, V> store = new KafkaKeyValueStore<>(name, keySerde, valueSerde, ks.getStateStore(storeName));
        List<byte[][]> entries = state.data.remove(name);
        if (entries != null) {
            store.restore(entries, step.where());
        }
        stores.put(name, store);
        return store;
    }

    @Override
    public long wallClockTime() {
        return ks.currentSystemTimeMs();
    }

    @Override
    public boolean isReplaying() {
        return replaying;
    }

    @Override
    public void close() {
        if (step != null) {
            step.processor().close();
            step = null;
        }
    }

    /** A Kafka record as the step reads it; one per task, pointed at each record in turn. */
    static final class KafkaRecord implements StepRecord {
        private final UnsafeBuffer key = new UnsafeBuffer(NO_BYTES);
        private final UnsafeBuffer value = new UnsafeBuffer(NO_BYTES);
        private RecordMetadata md;
        private Record<byte[], byte[]> record;
        private long appendTime;
        private long producer;

        void reset(RecordMetadata md, Record<byte[], byte[]> record) {
            this.md = md;
            this.record = record;
            if (record == null) {
                key.wrap(NO_BYTES);
                value.wrap(NO_BYTES);
                return;
            }
            key.wrap(record.key() == null ? NO_BYTES : record.key());
            value.wrap(record.value() == null ? NO_BYTES : record.value());
            appendTime = KappaHeaders.getLong(record.headers(), KappaHeaders.APPEND_TIME, record.timestamp());
            producer = KappaHeaders.getLong(record.headers(), KappaHeaders.PRODUCER, 0);
        }

        @Override
        public String topic() {
            return md.topic();
        }

        @Override
        public int partition() {
            return md.partition();
        }

        @Override
        public long offset() {
            return md.offset();
        }

        @Override
        public long eventTime() {
            return record.timestamp();
        }

        @Override
        public long appendTime() {
            return appendTime;
        }

        @Override
        public long producerId() {
            return producer;
        }

        @Override
        public DirectBuffer keyBuffer() {
            return key;
        }

        @Override
        public int keyOffset() {
            return 0;
        }

        @Override
        public int keyLength() {
            return record.key() == null ? RecordDescriptor.NO_BYTES : record.key().length;
        }

        @Override
        public DirectBuffer valueBuffer() {
            return value;
        }

        @Override
        public int valueOffset() {
            return 0;
        }

        @Override
        public int valueLength() {
            return record.value() == null ? 0 : record.value().length;
        }

        @Override
        public String id() {
            return KappaHeaders.getString(record.headers(), KappaHeaders.ID);
        }
    }
}
