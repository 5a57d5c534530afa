package io.kappa.processor;

import java.io.DataOutput;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import io.kappa.log.RecordDescriptor;
import io.kappa.processor.internal.StepRuntime;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The local runtime under a task's {@code RecordStep}: records go to the task's {@link TaskOutputs} (serialized
 * straight into its buffer), side outputs to topics opened on first use, and state to {@link InMemoryKeyValueStore}s
 * restored from the checkpoint's snapshots when the processor opens them.
 */
final class TaskContext<KOut, VOut> implements StepRuntime<KOut, VOut> {
    private final ProcessorRunner runner;
    private final RunnerContext context;
    private final String where;
    private final Path checkpointFile;
    private final TaskOutputs outputs;
    private final int mainOutput;
    private final Serde<KOut> outputKeySerde;
    private final Serde<VOut> outputValueSerde;
    private final Map<String, InMemoryKeyValueStore<?, ?>> stores = new LinkedHashMap<>();
    private InMemoryKeyValueStore<?, ?>[] storeArray = new InMemoryKeyValueStore<?, ?>[0];
    private final Map<String, TaskCheckpoint.StoreSnapshot> snapshots = new LinkedHashMap<>();
    private final Map<String, Integer> extraOutputs = new HashMap<>();
    private final ExpandableArrayBuffer scratch = new ExpandableArrayBuffer(4096);
    // the id this task wrote under before ids were reserved, while its checkpoint is from that time; else none
    private long legacyProducer = RecordDescriptor.NO_PRODUCER;
    // the record being processed is one the group computes again
    boolean recomputed;
    // --emit latest-per-commit (or a checkpoint that holds cached records): the main output's keyed records wait here
    private EmitCache cache;
    private final boolean cacheable;

    TaskContext(ProcessorRunner runner, Stage<?, ?, KOut, VOut> stage, String where, Path checkpointFile, TaskOutputs outputs) {
        this.runner = runner;
        this.context = runner.context();
        this.where = where;
        this.checkpointFile = checkpointFile;
        this.outputs = outputs;
        this.outputKeySerde = stage.outputKeySerde() == null ? null : stage.outputKeySerde().forTask();
        this.outputValueSerde = stage.outputValueSerde() == null ? null : stage.outputValueSerde().forTask();
        this.mainOutput = stage.output() == null ? -1 : outputs.add(stage.output(), runner.topic(stage.output()));
        this.cacheable = stage.output() != null && !runner.readsInternally(stage.output());
    }

    /**
     * After restore, before the processor opens its stores: opens the output cache when the run asks for one
     * ({@link RunnerContext#emitCacheBytes}) and the stage writes the group's output, or when the checkpoint holds
     * one (cached records whose write a crash may have cut short, or a group run with the cache before); then
     * writes what it holds (see {@link EmitCache}: recovery drops what is already in the log). Returns whether it
     * wrote anything, which the task then checkpoints.
     */
    boolean openCache() {
        long max = context.emitCacheBytes();
        boolean wrote = false;
        if ((max > 0 && cacheable) || snapshots.containsKey(EmitCache.STORE)) {
            cache = new EmitCache(this, max > 0 ? max : EmitCache.DEFAULT_MAX_BYTES);
            wrote = cacheHoldsRecords();
            writeCache();
            if (max == 0 || !cacheable) {
                cache = null;
            }
        }
        return wrote;
    }

    /** Whether the output cache holds records, to be written at the checkpoint. */
    boolean cacheHoldsRecords() {
        return cache != null && !cache.isEmpty();
    }

    /** Writes every cached record to the main output (latest per key, in the order keys were first cached). */
    void writeCache() {
        cache.drainTo((key, value, eventTime) -> {
            ExpandableArrayBuffer data = outputs.data();
            int at = outputs.dataLength();
            data.putBytes(at, key);
            data.putBytes(at + key.length, value);
            outputs.emit(mainOutput, at, key.length, at + key.length, value.length, eventTime);
        });
    }

    long legacyProducer() {
        return legacyProducer;
    }

    void legacyProducer(long id) {
        legacyProducer = id;
    }

    /** An output the checkpoint knows (a side output, the dead-letter topic) that exists: recovered with the others. */
    void openOutput(String topic) {
        if (outputs.indexOf(topic) < 0 && runner.log().exists(topic)) {
            extraOutputs.put(topic, outputs.add(topic, runner.topic(topic)));
        }
    }

    /** The checkpoint's store snapshots, restored when the processor opens each store. */
    void snapshots(Map<String, TaskCheckpoint.StoreSnapshot> restored) {
        snapshots.putAll(restored);
    }

    /** After init: a snapshot the processor did not open means it has changed. */
    void checkStoresOpened() {
        for (String name : snapshots.keySet()) {
            if (!stores.containsKey(name)) {
                throw new CheckpointException("checkpoint " + checkpointFile + " holds state for store '" + name + "', which the "
                    + "processor did not open in init (it opens " + stores.keySet() + "): the processor has changed; run it under a "
                    + "new group, or rewind this one to earliest");
            }
        }
    }

    /** Stores in a checkpoint: those opened, and the snapshots of any not opened (yet), kept as they were. */
    int storeCount() {
        int n = stores.size();
        for (String name : snapshots.keySet()) {
            if (!stores.containsKey(name)) {
                n++;
            }
        }
        return n;
    }

    void writeStores(DataOutput out) throws IOException {
        for (InMemoryKeyValueStore<?, ?> s : stores.values()) {
            out.writeUTF(s.name());
            s.writeSnapshot(out, scratch);
        }
        for (TaskCheckpoint.StoreSnapshot s : snapshots.values()) {
            if (!stores.containsKey(s.name())) {
                out.writeUTF(s.name());
                out.write(s.bytes(), s.offset(), s.length());
            }
        }
    }

    @Override
    public void begin() {
        outputs.mark();
        if (cache != null) {
            cache.mark();
        }
    }

    @Override
    public void commit() {
        for (InMemoryKeyValueStore<?, ?> s : storeArray) {
            s.commit();
        }
        if (cache != null && cache.full()) {
            writeCache();
        }
    }

    @Override
    public void rollback() {
        for (InMemoryKeyValueStore<?, ?> s : storeArray) {
            s.rollback();
        }
        outputs.rollback();
        if (cache != null) {
            cache.rollback();
        }
    }

    @Override
    public void emit(KOut key, VOut value, long eventTime) {
        ExpandableArrayBuffer data = outputs.data();
        int at = outputs.dataLength();
        int keyLength = key == null ? RecordDescriptor.NO_BYTES : outputKeySerde.serializeTo(key, data, at);
        int valueOffset = at + Math.max(0, keyLength);
        int valueLength = outputValueSerde.serializeTo(value, data, valueOffset);
        if (cache != null && keyLength >= 0) {
            // the bytes were serialized past the buffer's end as scratch: the cache copies them, the batch ignores them
            outputs.checkSize(mainOutput, keyLength + valueLength);
            cache.put(data, at, keyLength, valueOffset, valueLength, eventTime);
            return;
        }
        outputs.emit(mainOutput, at, keyLength, valueOffset, valueLength, eventTime);
    }

    @Override
    public void emitTo(String topic, byte[] key, byte[] value, long eventTime) {
        // a DSL stage writes its repartition topic this way: a rebuild's scratch copy writes it all the same
        if (context.muteOutputs() && !context.writtenWhenMuted().contains(topic)) {
            if (outputs.tapped()) {
                tapOnly(topic, key, value, eventTime);
            }
            return;
        }
        Integer index = extraOutputs.get(topic);
        if (index == null) {
            index = outputs.indexOf(topic);
            if (index < 0) {
                // first written since the checkpoint: anything of ours in it was written after the checkpoint
                TaskOutput o;
                try {
                    o = new TaskOutput(topic, runner.topicOrCreate(topic, 1));
                    outputs.recover(o, new long[o.partitions], new long[o.partitions], legacyProducer);
                } catch (RuntimeException e) {
                    throw new Task.LogFailure(where + ": cannot open output topic '" + topic + "': " + Task.describe(e), e);
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

    /** A muted run shows a side output to the tap as it would be written, without creating the topic. */
    private void tapOnly(String topic, byte[] key, byte[] value, long eventTime) {
        int p = 0;
        if (key != null && runner.log().exists(topic) && runner.topic(topic).partitionCount() > 1) {
            p = runner.topic(topic).partitionFor(key);
        }
        UnsafeBuffer b = new UnsafeBuffer(new byte[Math.max(1, (key == null ? 0 : key.length) + value.length)]);
        int keyLength = RecordDescriptor.NO_BYTES;
        if (key != null) {
            b.putBytes(0, key);
            keyLength = key.length;
        }
        int valueOffset = Math.max(0, keyLength);
        b.putBytes(valueOffset, value);
        outputs.tapOut(topic, p, b, 0, keyLength, valueOffset, value.length, eventTime);
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
                    + "' cannot be restored with the serdes given: " + Task.describe(e));
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
}
