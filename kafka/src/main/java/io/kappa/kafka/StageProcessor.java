package io.kappa.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.processor.InputRecord;
import io.kappa.processor.KeyValueStore;
import io.kappa.processor.OnError;
import io.kappa.processor.Processor;
import io.kappa.processor.ProcessorContext;
import io.kappa.processor.Serde;
import io.kappa.processor.Serdes;
import io.kappa.processor.Stage;
import io.kappa.processor.TimePolicy;
import io.kappa.processor.TopicCatalog;
import io.kappa.processor.Watermarks;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * One kappa stage's task on Kafka Streams: a Kafka Streams processor that runs the kappa {@link Processor} and is
 * its {@link ProcessorContext}. It gives the processor what the local runtime gives it, the same way: event time
 * by the stage's {@link TimePolicy}, the same {@link Watermarks} (sources are input partitions, or upstream kappa
 * tasks of a repartition topic, known by the {@link KappaHeaders#PRODUCER} header), timers fired in (time, name)
 * order when the watermark reaches them, stores iterated in insertion order, all-or-nothing processing of a
 * record (state writes and outputs of a failing record are dropped before anything reaches Kafka), the
 * dead-letter policy, and {@code isReplaying()} for what the group recomputes ({@link KafkaTopologies.Recompute}).
 * Durability, exactly-once and partition assignment are Kafka Streams' (changelogged store, exactly_once_v2).
 */
final class StageProcessor<KIn, VIn, KOut, VOut> implements org.apache.kafka.streams.processor.api.Processor<byte[], byte[], byte[], byte[]>,
    ProcessorContext<KOut, VOut> {
    /** The task forwarding right now, for the sinks' partitioners: keyless records go to the task's own partition. */
    static final ThreadLocal<int[]> CURRENT_TASK = ThreadLocal.withInitial(() -> new int[1]);
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

    private org.apache.kafka.streams.processor.api.ProcessorContext<byte[], byte[]> ks;
    private Processor<KIn, VIn, KOut, VOut> processor;
    private Serde<KIn> keySerde;
    private Serde<VIn> valueSerde;
    private Serde<KOut> outKeySerde;
    private Serde<VOut> outValueSerde;
    private TaskState state;
    private Watermarks watermarks;
    private int task;
    private long producerId;
    private byte[] producerHeader;
    private long streamTime = Long.MIN_VALUE;
    /** Per input: how far the group had read this task's partition before its rewinds; below it a record is recomputed. */
    private long[] reached;
    /** What isReplaying() says for the record being processed. */
    private boolean replaying;
    private final Map<String, KafkaKeyValueStore<?, ?>> stores = new LinkedHashMap<>();
    private final List<Record<byte[], byte[]>> pending = new ArrayList<>();
    private final List<String> pendingChild = new ArrayList<>();
    private final List<TaskState.Timer> timersAdded = new ArrayList<>();
    private final List<TaskState.Timer> timersRemoved = new ArrayList<>();
    private final Current<KIn, VIn> current = new Current<>();

    StageProcessor(String group, Stage<KIn, VIn, KOut, VOut> stage, String storeName, long[][] upstream, int[] inputPartitions,
                   OnError onError,
                   TopicCatalog topics, Set<String> sideTopics, String outChild, String sideChild,
                   java.util.concurrent.atomic.LongAdder processed, KafkaTopologies.Recompute recompute) {
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
    }

    @Override
    public void init(org.apache.kafka.streams.processor.api.ProcessorContext<byte[], byte[]> context) {
        // Kafka Streams may init the same node again when it revives a task (after a fenced or aborted
        // transaction): everything comes from the store again, nothing from the previous life
        stores.clear();
        pending.clear();
        pendingChild.clear();
        timersAdded.clear();
        timersRemoved.clear();
        streamTime = Long.MIN_VALUE;
        this.ks = context;
        this.task = context.taskId().partition();
        this.producerId = io.kappa.processor.Groups.producerId(group, stage.name(), task);
        this.producerHeader = KappaHeaders.encodeLong(producerId);
        this.keySerde = stage.keySerde().forTask();
        this.valueSerde = stage.valueSerde().forTask();
        if (stage.output() != null) {
            this.outKeySerde = stage.outputKeySerde().forTask();
            this.outValueSerde = stage.outputValueSerde().forTask();
        }
        org.apache.kafka.streams.state.KeyValueStore<Bytes, byte[]> kv = context.getStateStore(storeName);
        this.state = new TaskState(kv);
        this.watermarks = new Watermarks(stage.time());
        if (state.meta != null) {
            streamTime = state.meta.streamTime();
            watermarks.restore(state.meta.watermark(), state.meta.sources());
        }
        for (int i = 0; i < stage.inputs().size(); i++) {
            // as locally: an input with no partition for this task is not a source of it
            if (task < inputPartitions[i]) {
                watermarks.expect(i, upstream[i]);
            }
        }
        openRecomputation();
        if (stage.time().clock() == TimePolicy.Clock.PROCESSING) {
            context.schedule(Duration.ofMillis(200), PunctuationType.WALL_CLOCK_TIME, now -> {
                long before = watermarks.watermark();
                watermarks.tick(now);
                if (watermarks.watermark() != before) {
                    fireTimers();
                    saveMeta();
                }
            });
        }
        this.processor = stage.processor().get();
        try {
            processor.init(this);
        } catch (RuntimeException e) {
            throw new IllegalStateException("stage " + stage.name() + " task " + task + ": the processor's init failed: " + describe(e), e);
        }
        if (!pending.isEmpty()) {
            throw new IllegalStateException("stage " + stage.name() + " task " + task + ": the processor forwarded records from init();"
                + " on Kafka a record can only be forwarded while processing a record or a timer");
        }
        commitRecord();
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata md = ks.recordMetadata().orElseThrow();
        int in = stage.inputs().indexOf(md.topic());
        if (in < 0) {
            throw new IllegalStateException("stage '" + stage.name() + "' got a record of topic " + md.topic());
        }
        long appendTime = KappaHeaders.getLong(record.headers(), KappaHeaders.APPEND_TIME, record.timestamp());
        long producer = KappaHeaders.getLong(record.headers(), KappaHeaders.PRODUCER, 0);
        TimePolicy.Clock clock = stage.time().clock();
        long eventTime = clock == TimePolicy.Clock.EVENT ? record.timestamp()
            : clock == TimePolicy.Clock.APPEND ? appendTime : ks.currentSystemTimeMs();
        watermarks.observe(in, producer, eventTime, appendTime);
        long previousStreamTime = streamTime;
        if (eventTime > streamTime) {
            streamTime = eventTime;
        }
        current.reset(md, eventTime, appendTime, record);
        replaying = recompute.replay() || md.offset() < reached[in]
            || (upstream[in] != null && record.headers().lastHeader(KappaHeaders.RECOMPUTED) != null);
        try {
            current.key = record.key() == null ? null : keySerde.deserialize(record.key());
            current.value = valueSerde.deserialize(record.value() == null ? new byte[0] : record.value());
            processor.process(current, this);
            commitRecord();
        } catch (SideTopicFailure e) {
            rollbackRecord();
            throw e; // the cluster's fault, not the record's: never dead-lettered
        } catch (Exception | StackOverflowError e) {
            rollbackRecord();
            if (onError == OnError.FAIL) {
                streamTime = previousStreamTime;
                throw new IllegalStateException("stage " + stage.name() + " task " + task + ": processing failed at " + md.topic()
                    + "/" + md.partition() + " offset " + md.offset() + ": " + describe(e)
                    + "; the committed offsets stay before this record", e);
            }
            deadLetter(md, record, eventTime, e);
            commitRecord();
        } finally {
            current.key = null;
            current.value = null;
            current.record = null;
        }
        fireTimers();
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
        state.putMeta(streamTime, watermarks.watermark(), watermarks.sources());
    }

    private void fireTimers() {
        int budget = state.timers.size();
        long watermark = watermarks.watermark();
        while (budget-- > 0 && !state.timers.isEmpty() && state.timers.first().time() <= watermark) {
            TaskState.Timer t = state.timers.pollFirst();
            timersRemoved.add(t);
            try {
                processor.onTimer(t.time(), t.name(), this);
                commitRecord();
            } catch (Exception | StackOverflowError e) {
                rollbackRecord();
                throw new IllegalStateException("stage " + stage.name() + " task " + task + ": timer '" + t.name() + "' at " + t.time()
                    + " failed: " + describe(e), e);
            }
        }
    }

    /** The record (or timer) succeeded: state goes to the Kafka store, outputs to the sinks. */
    private void commitRecord() {
        for (KafkaKeyValueStore<?, ?> s : stores.values()) {
            s.commit();
        }
        for (TaskState.Timer t : timersRemoved) {
            state.deleteTimer(t);
        }
        for (TaskState.Timer t : timersAdded) {
            state.putTimer(t);
        }
        timersAdded.clear();
        timersRemoved.clear();
        int[] holder = CURRENT_TASK.get();
        holder[0] = task;
        for (int i = 0; i < pending.size(); i++) {
            ks.forward(pending.get(i), pendingChild.get(i));
        }
        pending.clear();
        pendingChild.clear();
    }

    private void rollbackRecord() {
        for (KafkaKeyValueStore<?, ?> s : stores.values()) {
            s.rollback();
        }
        for (int i = timersAdded.size() - 1; i >= 0; i--) {
            state.timers.remove(timersAdded.get(i));
        }
        state.timers.addAll(timersRemoved);
        timersAdded.clear();
        timersRemoved.clear();
        pending.clear();
        pendingChild.clear();
    }

    private void deadLetter(RecordMetadata md, Record<byte[], byte[]> record, long eventTime, Throwable e) {
        ObjectNode v = Serdes.MAPPER.createObjectNode();
        v.put("error", describe(e));
        v.put("group", group);
        v.put("stage", stage.name());
        v.put("topic", md.topic());
        v.put("partition", md.partition());
        v.put("offset", md.offset());
        v.put("eventTime", Instant.ofEpochMilli(eventTime).toString());
        byte[] value = record.value() == null ? new byte[0] : record.value();
        String text = Serdes.strictUtf8(value);
        if (text != null) {
            v.put("value", text);
        } else {
            v.put("valueBase64", Base64.getEncoder().encodeToString(value));
        }
        try {
            forwardTo(group + ".dlq", record.key(), Serdes.MAPPER.writeValueAsBytes(v), eventTime);
        } catch (java.io.IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    // ---- kappa ProcessorContext ----

    @Override
    public String group() {
        return group;
    }

    @Override
    public int taskId() {
        return task;
    }

    @Override
    public void forward(KOut key, VOut value) {
        forward(key, value, current.eventTime);
    }

    @Override
    public void forward(KOut key, VOut value, long eventTime) {
        if (stage.output() == null) {
            throw new IllegalStateException("stage '" + stage.name() + "' has no output topic; use forwardTo");
        }
        if (value == null) {
            throw new NullPointerException("a forwarded value must not be null");
        }
        byte[] k = key == null ? null : outKeySerde.serialize(key);
        RecordHeaders h = new RecordHeaders();
        h.add(KappaHeaders.PRODUCER, producerHeader);
        // written now: as on the local log, a later stage judges idle upstream tasks by when their records were written
        h.add(KappaHeaders.APPEND_TIME, KappaHeaders.encodeLong(ks.currentSystemTimeMs()));
        if (replaying) {
            h.add(KappaHeaders.RECOMPUTED, NO_BYTES);
        }
        pending.add(new Record<>(k, outValueSerde.serialize(value), eventTime, h));
        pendingChild.add(outChild);
    }

    @Override
    public void forwardTo(String topic, byte[] key, byte[] value, long eventTime) {
        if (!sideTopics.contains(topic)) {
            if (topics != null) {
                try {
                    if (!topics.exists(topic)) {
                        topics.create(topic, 1);
                    }
                } catch (RuntimeException e) {
                    throw new SideTopicFailure("stage " + stage.name() + " task " + task + ": cannot create topic " + topic + " on Kafka: "
                        + describe(e), e);
                }
            }
            sideTopics.add(topic);
        }
        RecordHeaders h = new RecordHeaders();
        h.add(KappaHeaders.PRODUCER, producerHeader);
        // written now: as on the local log, a later stage judges idle upstream tasks by when their records were written
        h.add(KappaHeaders.APPEND_TIME, KappaHeaders.encodeLong(ks.currentSystemTimeMs()));
        h.add(KappaHeaders.TOPIC, topic.getBytes(StandardCharsets.UTF_8));
        if (replaying) {
            h.add(KappaHeaders.RECOMPUTED, NO_BYTES);
        }
        pending.add(new Record<>(key, value, eventTime, h));
        pendingChild.add(sideChild);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <K, V> KeyValueStore<K, V> keyValueStore(String name, Serde<K> keySerde, Serde<V> valueSerde) {
        KafkaKeyValueStore<?, ?> existing = stores.get(name);
        if (existing != null) {
            return (KeyValueStore<K, V>) existing;
        }
        KafkaKeyValueStore<K, V> store = new KafkaKeyValueStore<>(name, keySerde, valueSerde, ks.getStateStore(storeName));
        List<byte[][]> entries = state.data.remove(name);
        if (entries != null) {
            store.restore(entries, "group " + group + " stage " + stage.name() + " task " + task);
        }
        stores.put(name, store);
        return store;
    }

    @Override
    public long streamTime() {
        return streamTime;
    }

    @Override
    public long watermark() {
        return watermarks.watermark();
    }

    @Override
    public TimePolicy timePolicy() {
        return stage.time();
    }

    @Override
    public void registerTimer(long time, String name) {
        TaskState.Timer t = new TaskState.Timer(time, name);
        if (state.timers.add(t)) {
            if (!timersRemoved.remove(t)) {
                timersAdded.add(t);
            }
        }
    }

    @Override
    public void cancelTimer(long time, String name) {
        TaskState.Timer t = new TaskState.Timer(time, name);
        if (state.timers.remove(t)) {
            if (!timersAdded.remove(t)) {
                timersRemoved.add(t);
            }
        }
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
        if (processor != null) {
            processor.close();
            processor = null;
        }
    }

    /** Kafka could not create a side-output topic: stops the task instead of dead-lettering the record. */
    static final class SideTopicFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SideTopicFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The record being processed. */
    static final class Current<K, V> implements InputRecord<K, V> {
        RecordMetadata md;
        long eventTime;
        long appendTime;
        K key;
        V value;
        Record<byte[], byte[]> record;

        void reset(RecordMetadata md, long eventTime, long appendTime, Record<byte[], byte[]> record) {
            this.md = md;
            this.eventTime = eventTime;
            this.appendTime = appendTime;
            this.record = record;
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
            return eventTime;
        }

        @Override
        public long appendTime() {
            return appendTime;
        }

        @Override
        public K key() {
            return key;
        }

        @Override
        public V value() {
            return value;
        }

        @Override
        public String id() {
            return record == null ? null : KappaHeaders.getString(record.headers(), KappaHeaders.ID);
        }

        @Override
        public byte[] keyBytes() {
            return record == null || record.key() == null ? null : record.key().clone();
        }

        @Override
        public byte[] valueBytes() {
            if (record == null) {
                throw new IllegalStateException("the record is only valid while it is processed");
            }
            return record.value() == null ? new byte[0] : record.value().clone();
        }
    }

}
