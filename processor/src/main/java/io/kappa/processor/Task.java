package io.kappa.processor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.kappa.log.Partition;
import io.kappa.log.PartitionTailer;
import io.kappa.log.RecordDescriptor;
import io.kappa.log.RecordHandler;
import io.kappa.log.RecordView;
import io.kappa.log.Topic;
import io.kappa.processor.internal.RecordStep;
import io.kappa.processor.internal.RuntimeFailure;
import io.kappa.processor.internal.StepRuntime;
import org.agrona.ExpandableArrayBuffer;

/**
 * One task: partition {@code id} of each of a stage's inputs, one processor instance, its stores, timers and
 * outputs. Runs on one runner thread; the runner reads only the volatile progress fields from other threads.
 */
final class Task<KIn, VIn, KOut, VOut> implements StepRuntime<KOut, VOut>, RecordHandler {
    /** One input partition of the task, with the offset of the next record to process. */
    static final class Input {
        final String topic;
        final Partition partition;
        // created on the task's thread: Chronicle tailers must stay on one thread
        PartitionTailer tailer;
        long next;
        long limit = Long.MAX_VALUE; // stop before this offset (RunnerContext.stopAt)
        volatile long published;
        // the record being handled: a view over the tailer's record, or the head copied while inputs are merged
        final LogRecord record;
        boolean hasHead;
        // for an input written by the group's earlier stage: where its tasks' recomputed records end
        UpstreamBoundaries upstream;
        // how far the group had read this input before its last rewind: records below it are recomputed
        long reached;
        final int index;

        Input(String topic, Partition partition, int index) {
            this.topic = topic;
            this.partition = partition;
            this.index = index;
            this.record = new LogRecord(topic);
        }
    }

    /** The log failed under a task (creating or scanning an output): stops the runner, never dead-lettered. */
    static final class LogFailure extends RuntimeFailure {
        private static final long serialVersionUID = 1L;

        LogFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final ProcessorRunner runner;
    private final RunnerContext context;
    final Stage<KIn, VIn, KOut, VOut> stage;
    final int id;
    private final long producerId;
    // the id this task wrote under before ids were reserved, while its checkpoint is from that time; else none
    private long legacyProducer = RecordDescriptor.NO_PRODUCER;
    private final Path checkpointFile;
    private final RecordStep<KIn, VIn, KOut, VOut> step;
    final Input[] inputs;
    private final TaskOutputs outputs;
    private final int mainOutput;
    private final Map<String, InMemoryKeyValueStore<?, ?>> stores = new LinkedHashMap<>();
    private InMemoryKeyValueStore<?, ?>[] storeArray = new InMemoryKeyValueStore<?, ?>[0];
    private final Serde<KOut> outputKeySerde;
    private final Serde<VOut> outputValueSerde;
    private final Map<String, TaskCheckpoint.StoreSnapshot> snapshots = new LinkedHashMap<>();
    private final Map<String, Integer> extraOutputs = new HashMap<>();
    private final ExpandableArrayBuffer scratch = new ExpandableArrayBuffer(4096);
    private final TimePolicy.Clock clock;
    // after a rewind: some input is still below how far the group had read it; the record handled is recomputed
    private boolean recomputing;
    private boolean recomputed;
    private long lastCheckpointMs;
    private long recordsAtCheckpoint;
    private long rate;
    private boolean dirty;
    private long[] flushedNext;
    private long flushedRecords;
    private long flushedDeadLettered;
    private long flushedLate;
    volatile long publishedRecords;
    volatile long publishedDeadLettered;
    volatile long publishedLate;
    volatile long lastCheckpointWallMs;
    volatile long lastCheckpointBytes;

    Task(ProcessorRunner runner, Stage<KIn, VIn, KOut, VOut> stage, int id, Path groupDir) {
        this.runner = runner;
        this.context = runner.context();
        this.stage = stage;
        this.id = id;
        this.producerId = producerId(context.group(), stage.name(), id);
        this.checkpointFile = Groups.checkpointFile(groupDir, stage.name(), id);
        this.outputKeySerde = stage.outputKeySerde() == null ? null : stage.outputKeySerde().forTask();
        this.outputValueSerde = stage.outputValueSerde() == null ? null : stage.outputValueSerde().forTask();
        List<Input> ins = new ArrayList<>();
        for (String t : stage.inputs()) {
            Topic topic = runner.topic(t);
            if (id < topic.partitionCount()) {
                ins.add(new Input(t, topic.partition(id), ins.size()));
            }
        }
        this.inputs = ins.toArray(new Input[0]);
        this.outputs = new TaskOutputs(producerId, id, runner.maxRecordBytes(), context.muteOutputs(), context.writtenWhenMuted());
        if (context.outputTap() != null) {
            outputs.tap(context.outputTap(), stage.name());
        }
        this.mainOutput = stage.output() == null ? -1 : outputs.add(stage.output(), runner.topic(stage.output()));
        this.clock = stage.time().clock();
        this.step = new RecordStep<>(context.group(), stage, id, context.onError(), runner.processors().get(stage), this,
            runner.maxRecordBytes(), null);
    }

    /**
     * A stable id per (group, stage, task): FNV-1a 64 of the names with the top bit set, so it lies in the range
     * reserved for kappa's own writers ({@link RecordDescriptor#isInternalProducer}) that clients cannot write under.
     */
    static long producerId(String group, String stage, int task) {
        return legacyProducerId(group, stage, task) | Long.MIN_VALUE;
    }

    /**
     * The id a task used before ids were reserved: the same hash with the top bit clear. Recognised only in what a
     * checkpoint written before then ({@link TaskCheckpoint#legacyProducerIds}) leaves to recover.
     */
    static long legacyProducerId(String group, String stage, int task) {
        long h = 0xcbf29ce484222325L;
        String s = group + '\u0000' + stage + '\u0000' + task;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h &= Long.MAX_VALUE;
        return h == RecordDescriptor.NO_PRODUCER ? 1 : h;
    }

    long producerId() {
        return producerId;
    }

    /** Restores from the checkpoint (or starts fresh and writes a first checkpoint), then initialises the processor. */
    void open() {
        TaskCheckpoint cp = TaskCheckpoint.read(checkpointFile);
        Map<String, TaskCheckpoint.Output> outByKey = new HashMap<>();
        if (cp != null) {
            if (!cp.group().equals(context.group()) || !cp.stage().equals(stage.name()) || cp.task() != id) {
                throw new CheckpointException("checkpoint " + checkpointFile + " belongs to group '" + cp.group() + "' stage '"
                    + cp.stage() + "' task " + cp.task() + ", not to this task");
            }
            for (Input in : inputs) {
                in.next = -1;
                for (TaskCheckpoint.Input ci : cp.inputs()) {
                    if (ci.topic().equals(in.topic) && ci.partition() == id) {
                        in.next = ci.nextOffset();
                    }
                }
                if (in.next < 0) {
                    in.next = startOffset(in);
                }
            }
            if (cp.legacyProducerIds()) {
                legacyProducer = legacyProducerId(context.group(), stage.name(), id);
            }
            step.restore(cp.streamTime(), cp.watermark(), cp.sources());
        }
        for (Input in : inputs) {
            step.watermarks().expect(in.index, runner.upstreamProducers(stage, in.topic));
        }
        if (cp != null) {
            step.timers().restore(cp.timers());
            snapshots.putAll(cp.stores());
            step.restoreCounts(cp.records(), cp.deadLettered(), cp.late());
            for (TaskCheckpoint.Output o : cp.outputs()) {
                outByKey.put(o.topic() + "/" + o.partition(), o);
                if (outputs.indexOf(o.topic()) < 0 && runner.log().exists(o.topic())) {
                    extraOutputs.put(o.topic(), outputs.add(o.topic(), runner.topic(o.topic())));
                }
            }
        } else {
            for (Input in : inputs) {
                in.next = startOffset(in);
            }
        }
        String dlq = runner.deadLetterTopic();
        if (outputs.indexOf(dlq) < 0 && runner.log().exists(dlq)) {
            extraOutputs.put(dlq, outputs.add(dlq, runner.topic(dlq)));
        }
        if (cp != null) {
            for (TaskOutputs.Out o : outputs.outs()) {
                long[] next = new long[o.partitions];
                long[] from = new long[o.partitions];
                for (int p = 0; p < o.partitions; p++) {
                    TaskCheckpoint.Output co = outByKey.get(o.name + "/" + p);
                    next[p] = co == null ? 0 : co.nextSequence();
                    from[p] = co == null ? 0 : co.endOffset();
                }
                outputs.recover(o, next, from, legacyProducer);
            }
        }
        for (Input in : inputs) {
            long[] stops = context.stopAt().get(in.topic);
            if (stops != null && id < stops.length && stops[id] >= 0) {
                in.limit = stops[id];
            }
            long start = in.partition.startOffset();
            long end = in.partition.endOffset();
            if (in.next < start || in.next > end) {
                throw new CheckpointException("checkpoint " + checkpointFile + " says to resume " + in.topic + "/" + id + " at offset "
                    + in.next + ", outside the partition's range [" + start + ", " + end + "]"
                    + (in.next < start ? " (retention removed those records)" : ""));
            }
            in.published = in.next;
        }
        if (step.watermarks().watermark() == Long.MAX_VALUE) {
            // drained (TaskCheckpoint.drained): it reads nothing more
            for (Input in : inputs) {
                in.limit = in.next;
            }
        }
        openRecomputation();
        publishedRecords = step.records();
        publishedDeadLettered = step.deadLettered();
        publishedLate = step.late();
        flushedNext = new long[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            flushedNext[i] = inputs[i].next;
        }
        flushedRecords = step.records();
        flushedDeadLettered = step.deadLettered();
        flushedLate = step.late();
        lastCheckpointMs = context.clock().time();
        recordsAtCheckpoint = step.records();
        if (cp == null) {
            checkpoint();
        } else {
            lastCheckpointWallMs = cp.wallTimeMs();
            lastCheckpointBytes = cp.fileBytes();
        }
        step.init();
        for (String name : snapshots.keySet()) {
            if (!stores.containsKey(name)) {
                throw new CheckpointException("checkpoint " + checkpointFile + " holds state for store '" + name + "', which the "
                    + "processor did not open in init (it opens " + stores.keySet() + "): the processor has changed; run it under a "
                    + "new group, or rewind this one to earliest");
            }
        }
    }

    private long startOffset(Input in) {
        long[] at = context.startAt().get(in.topic);
        if (at != null && id < at.length && at[id] >= 0) {
            return Math.max(in.partition.startOffset(), Math.min(in.partition.endOffset(), at[id]));
        }
        return context.startFrom() == RunnerContext.StartFrom.LATEST ? in.partition.endOffset() : in.partition.startOffset();
    }

    String where() {
        return step.where();
    }

    /** Processes up to one batch per input, flushes outputs, and checkpoints when due. Returns records processed. */
    int runOnce(long nowMs) {
        if (inputs.length > 0 && inputs[0].tailer == null) {
            for (Input in : inputs) {
                in.tailer = in.partition.newTailer();
                in.tailer.moveToOffset(in.next);
            }
        }
        int n;
        if (inputs.length == 1) {
            Input in = inputs[0];
            int max = (int) Math.min(context.batch(), in.limit - in.next);
            n = max <= 0 ? 0 : in.tailer.poll(this, max);
        } else if (inputs.length == 0) {
            n = 0;
        } else {
            n = pollMerged(nowMs);
        }
        boolean fired = false;
        if (n == 0 && clock == TimePolicy.Clock.PROCESSING) {
            // processing time moves on without records: windows close on the wall clock
            boolean pending = !step.timers().isEmpty();
            fired = step.tick(context.clock().time()) && pending;
        }
        try {
            if (n > 0 || fired) {
                // the previous batch is in the log once flush returns: publish its progress, remember this one's
                outputs.flush();
                publishWritten();
                for (int i = 0; i < inputs.length; i++) {
                    flushedNext[i] = inputs[i].next;
                }
                flushedRecords = step.records();
                flushedDeadLettered = step.deadLettered();
                flushedLate = step.late();
                dirty = true;
            } else {
                outputs.awaitWritten();
                publishWritten();
            }
        } catch (TaskOutputs.WriteFailure e) {
            throw new LogFailure(where() + ": " + e.getMessage(), e);
        }
        if (dirty && (step.records() - recordsAtCheckpoint >= context.checkpointRecords()
            || nowMs - lastCheckpointMs >= context.checkpointIntervalMs())) {
            checkpoint();
        }
        return n;
    }

    /** Progress whose outputs are all in the log: what status, lag and awaitCaughtUp see. */
    private void publishWritten() {
        for (int i = 0; i < inputs.length; i++) {
            inputs[i].published = flushedNext[i];
        }
        publishedRecords = flushedRecords;
        publishedDeadLettered = flushedDeadLettered;
        publishedLate = flushedLate;
    }

    private final RecordHandler headLoader = this::loadHead;
    private Input loading;

    private void loadHead(RecordView v) {
        loading.record.copy(v);
        loading.hasHead = true;
    }

    /**
     * Several inputs: records in append-time order (ties by input order). A head is taken only when every other
     * input has one too, or has had nothing for {@link RunnerContext#mergeWaitMs()} past its append time.
     */
    private int pollMerged(long nowMs) {
        int n = 0;
        while (n < context.batch()) {
            Input best = null;
            boolean allHaveHeads = true;
            for (Input in : inputs) {
                if (!in.hasHead && in.next < in.limit) {
                    loading = in;
                    in.tailer.poll(headLoader, 1);
                }
                if (!in.hasHead) {
                    allHaveHeads = false;
                } else if (best == null || in.record.appendTime() < best.record.appendTime()) {
                    best = in;
                }
            }
            if (best == null || (!allHaveHeads && nowMs - best.record.appendTime() < context.mergeWaitMs())) {
                break;
            }
            handle(best, best.record);
            best.hasHead = false;
            n++;
        }
        return n;
    }

    @Override
    public void onRecord(RecordView v) {
        Input in = inputs[0];
        handle(in, in.record.view(v));
    }

    private void handle(Input in, LogRecord r) {
        long offset = r.offset();
        if (offset != in.next) {
            throw new IllegalStateException(where() + ": expected offset " + in.next + " of " + in.topic + " but read " + offset);
        }
        recomputed = offset < in.reached || (in.upstream != null && in.upstream.recomputed(r.producerId(), r.producerSequence()));
        if (outputs.tapped()) {
            outputs.position(in.topic, offset);
        }
        step.process(in.index, r);
        in.next = offset + 1;
        step.fireTimers();
        if (recomputing && in.next >= in.reached) {
            caughtUpAfterRewind();
        }
    }

    static String describe(Throwable e) {
        return RecordStep.describe(e);
    }

    // ---- StepRuntime: where the step's outputs go, and the stores

    @Override
    public void begin() {
        outputs.mark();
    }

    @Override
    public void commit() {
        for (InMemoryKeyValueStore<?, ?> s : storeArray) {
            s.commit();
        }
    }

    @Override
    public void rollback() {
        for (InMemoryKeyValueStore<?, ?> s : storeArray) {
            s.rollback();
        }
        outputs.rollback();
    }

    /** Flushes outputs and writes this task's checkpoint atomically. */
    void checkpoint() {
        try {
            outputs.flush();
            outputs.awaitWritten();
        } catch (TaskOutputs.WriteFailure e) {
            throw new LogFailure(where() + ": " + e.getMessage(), e);
        }
        for (int i = 0; i < inputs.length; i++) {
            flushedNext[i] = inputs[i].next;
        }
        long records = step.records();
        flushedRecords = records;
        flushedDeadLettered = step.deadLettered();
        flushedLate = step.late();
        publishWritten();
        outputs.syncWritten();
        long now = context.clock().time();
        long elapsed = now - lastCheckpointMs;
        if (elapsed > 0) {
            rate = (records - recordsAtCheckpoint) * 1000 / elapsed;
        }
        List<TaskCheckpoint.Input> ins = new ArrayList<>();
        for (Input in : inputs) {
            ins.add(new TaskCheckpoint.Input(in.topic, id, in.next));
        }
        List<TaskCheckpoint.Output> outs = new ArrayList<>();
        for (TaskOutputs.Out o : outputs.outs()) {
            for (int p = 0; p < o.partitions; p++) {
                outs.add(new TaskCheckpoint.Output(o.name, p, o.nextSequence[p], outputs.checkpointPosition(o, p)));
            }
        }
        List<TaskCheckpoint.Timer> ts = step.timers().list();
        Map<String, TaskCheckpoint.StoreSnapshot> unopened = new LinkedHashMap<>(snapshots);
        stores.keySet().forEach(unopened::remove);
        long bytes = TaskCheckpoint.write(checkpointFile, context.group(), stage.name(), id, now, records, step.deadLettered(), step.late(),
            rate, step.streamTime(), step.watermarks().watermark(), step.watermarks().sources(), ins, outs, ts, stores.size() + unopened.size(), out -> {
                for (InMemoryKeyValueStore<?, ?> s : stores.values()) {
                    out.writeUTF(s.name());
                    s.writeSnapshot(out, scratch);
                }
                for (TaskCheckpoint.StoreSnapshot s : unopened.values()) {
                    out.writeUTF(s.name());
                    out.write(s.bytes(), s.offset(), s.length());
                }
            });
        lastCheckpointMs = now;
        recordsAtCheckpoint = records;
        dirty = false;
        lastCheckpointWallMs = now;
        lastCheckpointBytes = bytes;
        runner.onCheckpoint(this, bytes);
    }

    // ---- drain: the end of a bounded run (ProcessorRunner#awaitDrained)

    private volatile long[] drainAt;
    volatile boolean publishedDrained;

    /** Drains once every input has reached its offset in {@code targets} (one per input); the first request holds. */
    void requestDrain(long[] targets) {
        if (drainAt == null) {
            drainAt = targets.clone();
        }
    }

    boolean drainRequested() {
        return drainAt != null;
    }

    /**
     * On the task's thread, when a drain is requested and every input has reached its target: checkpoints, moves the
     * watermark to the maximum, fires every pending timer in (time, name) order and checkpoints again, which marks
     * the task drained. The drain is deterministic and its outputs are stamped like any others, so a restart after
     * a crash in the middle re-produces them from the checkpoint before and recovery recognises them.
     */
    void drainIfDue() {
        long[] at = drainAt;
        if (at == null || publishedDrained) {
            return;
        }
        for (int i = 0; i < inputs.length; i++) {
            Input in = inputs[i];
            in.limit = Math.min(in.limit, Math.max(in.next, at[i]));
            if (in.next < in.limit) {
                return;
            }
        }
        if (step.watermarks().watermark() != Long.MAX_VALUE) {
            checkpoint();
        }
        step.drain();
        checkpoint();
        publishedDrained = true;
    }

    void writer(java.util.concurrent.Executor writer) {
        outputs.writer(writer);
    }

    void close() {
        try {
            outputs.awaitWritten();
        } catch (RuntimeException e) {
            // the runner already failed on it, or the task is closing after a failure
        }
        try {
            step.processor().close();
        } finally {
            for (Input in : inputs) {
                if (in.tailer != null) {
                    in.tailer.close();
                }
            }
        }
    }

    long stateEntries() {
        long n = 0;
        for (InMemoryKeyValueStore<?, ?> s : stores.values()) {
            n += s.size();
        }
        return n;
    }

    @Override
    public void emit(KOut key, VOut value, long eventTime) {
        ExpandableArrayBuffer data = outputs.data();
        int at = outputs.dataLength();
        int keyLength = key == null ? RecordDescriptor.NO_BYTES : outputKeySerde.serializeTo(key, data, at);
        int valueOffset = at + Math.max(0, keyLength);
        int valueLength = outputValueSerde.serializeTo(value, data, valueOffset);
        outputs.emit(mainOutput, at, keyLength, valueOffset, valueLength, eventTime);
    }

    @Override
    public void emitTo(String topic, byte[] key, byte[] value, long eventTime) {
        if (context.muteOutputs()) {
            if (outputs.tapped()) {
                // as it would be written, without creating the topic
                int p = 0;
                if (key != null && runner.log().exists(topic) && runner.topic(topic).partitionCount() > 1) {
                    p = runner.topic(topic).partitionFor(key);
                }
                org.agrona.concurrent.UnsafeBuffer b = new org.agrona.concurrent.UnsafeBuffer(new byte[Math.max(1,
                    (key == null ? 0 : key.length) + value.length)]);
                int keyLength = RecordDescriptor.NO_BYTES;
                if (key != null) {
                    b.putBytes(0, key);
                    keyLength = key.length;
                }
                int valueOffset = Math.max(0, keyLength);
                b.putBytes(valueOffset, value);
                outputs.tapOut(topic, p, b, 0, keyLength, valueOffset, value.length, eventTime);
            }
            return;
        }
        Integer index = extraOutputs.get(topic);
        if (index == null) {
            int existing = outputs.indexOf(topic);
            if (existing >= 0) {
                index = existing;
            } else {
                // first written since the checkpoint: anything of ours in it was written after the checkpoint
                TaskOutputs.Out o;
                try {
                    o = new TaskOutputs.Out(topic, runner.topicOrCreate(topic, 1));
                    outputs.recover(o, new long[o.partitions], new long[o.partitions], legacyProducer);
                } catch (RuntimeException e) {
                    throw new LogFailure(where() + ": cannot open output topic '" + topic + "': " + describe(e), e);
                }
                index = outputs.add(o);
            }
            extraOutputs.put(topic, index);
        }
        ExpandableArrayBuffer data = outputs.data();
        int at = outputs.dataLength();
        int keyLength = RecordDescriptor.NO_BYTES;
        if (key != null) {
            data.putBytes(at, key);
            keyLength = key.length;
        }
        int valueOffset = at + Math.max(0, keyLength);
        data.putBytes(valueOffset, value);
        outputs.emit(index, at, keyLength, valueOffset, value.length, eventTime);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <K, V> KeyValueStore<K, V> store(String name, Serde<K> keySerde, Serde<V> valueSerde) {
        InMemoryKeyValueStore<?, ?> existing = stores.get(name);
        if (existing != null) {
            return (KeyValueStore<K, V>) existing;
        }
        InMemoryKeyValueStore<K, V> store = new InMemoryKeyValueStore<>(name, keySerde, valueSerde);
        TaskCheckpoint.StoreSnapshot snapshot = snapshots.get(name);
        if (snapshot != null) {
            try {
                store.readSnapshot(snapshot.bytes(), snapshot.offset(), snapshot.length(), "checkpoint " + checkpointFile);
            } catch (IOException | RuntimeException e) {
                throw new CheckpointException("checkpoint " + checkpointFile + ": store '" + name
                    + "' cannot be restored with the serdes given: " + describe(e));
            }
        }
        stores.put(name, store);
        storeArray = stores.values().toArray(new InMemoryKeyValueStore<?, ?>[0]);
        return store;
    }

    @Override
    public long wallClockTime() {
        return context.clock().time();
    }

    @Override
    public boolean isReplaying() {
        return context.replay() || outputs.recovering() || recomputed;
    }

    /**
     * After a rewind: what the group had read before is recomputed ({@link Recomputation}). Notes how far each input
     * had been read, and where the records of the group's earlier stage that this task reads stop being recomputed.
     */
    private void openRecomputation() {
        Recomputation r = runner.recomputation();
        for (Input in : inputs) {
            in.reached = r.reached(in.topic, id);
            long[] producers = runner.upstreamProducers(stage, in.topic);
            if (producers != null && producers.length > 0) {
                in.upstream = UpstreamBoundaries.of(r, producers, in.topic, id);
            }
            recomputing |= in.next < in.reached;
        }
        if (!recomputing) {
            publishBoundaries();
        }
    }

    /** Once every input is back where it had been before the rewind, what the task writes from here on is new. */
    private void caughtUpAfterRewind() {
        for (Input in : inputs) {
            if (in.next < in.reached) {
                return;
            }
        }
        recomputing = false;
        publishBoundaries();
    }

    /** Tells readers of this task's outputs (a later stage) from which sequence on its records are new. */
    private void publishBoundaries() {
        Recomputation r = runner.recomputation();
        for (TaskOutputs.Out o : outputs.outs()) {
            for (int p = 0; p < o.partitions; p++) {
                java.util.concurrent.atomic.AtomicLong b = r.boundary(producerId, o.name, p);
                if (b != null && b.get() < 0) {
                    r.caughtUp(b, o.nextSequence[p]);
                }
            }
        }
    }

    long suppressed() {
        return outputs.suppressed();
    }

    long written() {
        return outputs.written();
    }
}
