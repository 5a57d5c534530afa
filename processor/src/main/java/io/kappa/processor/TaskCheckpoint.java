package io.kappa.processor;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The durable position of one task: where it is in each input, what it has written to each output, its
 * stream time, timers and state, as read from its file or about to be written to it. The file, one per task and
 * replaced atomically, is {@link TaskCheckpointFile}'s.
 *
 */
public final class TaskCheckpoint {

    public record Input(String topic, int partition, long nextOffset) {
    }

    public record Output(String topic, int partition, long nextSequence, long endOffset) {
    }

    public record Timer(long time, String name) implements Comparable<Timer> {
        @Override
        public int compareTo(Timer o) {
            int c = Long.compare(time, o.time);
            return c != 0 ? c : name.compareTo(o.name);
        }
    }

    /** A store's snapshot still in the checkpoint's bytes; restored with the serdes when a processor opens it. */
    record StoreSnapshot(String name, byte[] bytes, int offset, int length, long entries) {
        DataInputStream open() {
            return new DataInputStream(new ByteArrayInputStream(bytes, offset, length));
        }
    }

    private final String group;
    private final String stage;
    private final int task;
    private final long wallTimeMs;
    private final long records;
    private final long deadLettered;
    private final long late;
    private final long ratePerSecond;
    private final long streamTime;
    private final long watermark;
    private final List<Watermarks.Source> sources;
    private final List<Input> inputs;
    private final List<Output> outputs;
    private final List<Timer> timers;
    private final Map<String, StoreSnapshot> stores;
    private final long fileBytes;
    // read from a file of version 3 or older: written while tasks used their legacy (top bit clear) producer ids
    boolean legacyProducerIds;

    TaskCheckpoint(String group, String stage, int task, long wallTimeMs, long records, long deadLettered, long late, long ratePerSecond,
                   long streamTime, long watermark, List<Watermarks.Source> sources, List<Input> inputs,
                   List<Output> outputs, List<Timer> timers, Map<String, StoreSnapshot> stores, long fileBytes) {
        this.group = group;
        this.stage = stage;
        this.task = task;
        this.wallTimeMs = wallTimeMs;
        this.records = records;
        this.deadLettered = deadLettered;
        this.late = late;
        this.ratePerSecond = ratePerSecond;
        this.streamTime = streamTime;
        this.watermark = watermark;
        this.sources = List.copyOf(sources);
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        this.timers = List.copyOf(timers);
        this.stores = Collections.unmodifiableMap(new LinkedHashMap<>(stores));
        this.fileBytes = fileBytes;
    }

    public String group() {
        return group;
    }

    /**
     * Whether this checkpoint was written by a kappa whose tasks stamped their outputs with the legacy producer id
     * (the top bit clear): records after its output positions may carry that id. Its watermark sources are read
     * with the reserved ids already.
     */
    boolean legacyProducerIds() {
        return legacyProducerIds;
    }

    public String stage() {
        return stage;
    }

    public int task() {
        return task;
    }

    /** When the checkpoint was written (wall clock, for status only). */
    public long wallTimeMs() {
        return wallTimeMs;
    }

    /** Records this task has processed in total (across restarts). */
    public long records() {
        return records;
    }

    /** Records this task dead-lettered in total (across restarts; a rewind keeps it, as the topic keeps them). */
    public long deadLettered() {
        return deadLettered;
    }

    /** Records this task sent to {@code GROUP.late} in total (across restarts; a rewind keeps it). */
    public long late() {
        return late;
    }

    /** Records per second between the previous checkpoint and this one. */
    public long ratePerSecond() {
        return ratePerSecond;
    }

    public long streamTime() {
        return streamTime;
    }

    /** The task's watermark when the checkpoint was taken (Long.MIN_VALUE before any). */
    public long watermark() {
        return watermark;
    }

    /**
     * Whether the task was drained (a bounded run with {@code --drain}): its watermark is at the maximum, so every
     * window and timer has fired and anything it read now would be late. A rewind writes the rebuilt state's
     * watermark, which clears it.
     */
    public boolean drained() {
        return watermark == Long.MAX_VALUE;
    }

    List<Watermarks.Source> sources() {
        return sources;
    }

    public List<Input> inputs() {
        return inputs;
    }

    public List<Output> outputs() {
        return outputs;
    }

    public List<Timer> timers() {
        return timers;
    }

    /** Entries per store. */
    public Map<String, Long> storeSizes() {
        Map<String, Long> sizes = new LinkedHashMap<>();
        stores.forEach((name, s) -> sizes.put(name, s.entries()));
        return sizes;
    }

    /** Bytes of state in this checkpoint. */
    /** Whether the task has run with {@code --emit latest-per-commit}: its output cache's store stays in its checkpoints. */
    public boolean emitCacheUsed() {
        return storeSizes().containsKey(EmitCache.STORE);
    }

    public long stateBytes() {
        long n = 0;
        for (StoreSnapshot s : stores.values()) {
            n += s.length();
        }
        return n;
    }

    public long fileBytes() {
        return fileBytes;
    }

    Map<String, StoreSnapshot> stores() {
        return stores;
    }

    /** A copy with other input offsets and no state, timers or stream time: what a rewind to earliest leaves. */
    public TaskCheckpoint withInputs(List<Input> newInputs, boolean keepState) {
        return new TaskCheckpoint(group, stage, task, wallTimeMs, records, deadLettered, late, 0,
            keepState ? streamTime : Long.MIN_VALUE, keepState ? watermark : Long.MIN_VALUE, keepState ? sources : List.of(),
            newInputs, outputs, keepState ? timers : List.of(),
            keepState ? stores : Map.of(), fileBytes);
    }

    /**
     * This task's checkpoint moved to other input offsets and output positions, with the stream time, timers and
     * stores of {@code state} (null: none, as at the start of the inputs). What a rewind writes.
     */
    public TaskCheckpoint rewound(List<Input> newInputs, List<Output> newOutputs, TaskCheckpoint state) {
        return new TaskCheckpoint(group, stage, task, wallTimeMs, records, deadLettered, late, 0,
            state == null ? Long.MIN_VALUE : state.streamTime, state == null ? Long.MIN_VALUE : state.watermark,
            state == null ? List.of() : state.sources, newInputs, newOutputs, state == null ? List.of() : state.timers,
            state == null ? Map.of() : state.stores, fileBytes);
    }

    /**
     * How this checkpoint's state differs from {@code other}'s (stores byte for byte, timers, watermark, stream
     * time), or null when it is the same.
     */
    public String stateDifference(TaskCheckpoint other) {
        // a store with no entries is the same state as no store (a first checkpoint is written before init opens any)
        if (!nonEmptyStores().equals(other.nonEmptyStores())) {
            return "stores " + nonEmptyStores() + " vs " + other.nonEmptyStores();
        }
        for (StoreSnapshot a : stores.values()) {
            StoreSnapshot b = other.stores.get(a.name());
            if (a.entries() == 0) {
                continue;
            }
            if (!java.util.Arrays.equals(a.bytes(), a.offset(), a.offset() + a.length(), b.bytes(), b.offset(), b.offset() + b.length())) {
                return "store '" + a.name() + "' differs (" + a.entries() + " entries vs " + b.entries() + ")";
            }
        }
        if (!timers.equals(other.timers)) {
            return "timers differ (" + timers.size() + " vs " + other.timers.size() + ")";
        }
        if (watermark != other.watermark) {
            return "watermark " + watermark + " vs " + other.watermark;
        }
        if (streamTime != other.streamTime) {
            return "stream time " + streamTime + " vs " + other.streamTime;
        }
        return null;
    }

    private java.util.Set<String> nonEmptyStores() {
        java.util.Set<String> names = new java.util.TreeSet<>();
        stores.forEach((name, snapshot) -> {
            if (snapshot.entries() > 0) {
                names.add(name);
            }
        });
        return names;
    }

    /**
     * A copy whose watermark sources start their idle clocks afresh with the next record read: what a rewind writes,
     * since the records read next were appended long after the last ones (a source's silence across the rewind is
     * not idleness).
     */
    public TaskCheckpoint withIdleClocksReset() {
        List<Watermarks.Source> fresh = new ArrayList<>();
        for (Watermarks.Source src : sources) {
            fresh.add(new Watermarks.Source(src.input(), src.producer(), src.maxTime(), Long.MIN_VALUE));
        }
        return new TaskCheckpoint(group, stage, task, wallTimeMs, records, deadLettered, late, ratePerSecond, streamTime, watermark, fresh,
            inputs, outputs, timers, stores, fileBytes);
    }

    /**
     * A copy whose watermark sources name other producers ({@code renamed}: old id -> new id; others stay): the state
     * of a scratch copy of a group, whose earlier stage wrote under its own producer ids, given to the group.
     */
    public TaskCheckpoint withSourcesRenamed(Map<Long, Long> renamed) {
        List<Watermarks.Source> moved = new ArrayList<>();
        for (Watermarks.Source src : sources) {
            moved.add(new Watermarks.Source(src.input(), renamed.getOrDefault(src.producer(), src.producer()), src.maxTime(),
                src.lastAppendTime()));
        }
        return new TaskCheckpoint(group, stage, task, wallTimeMs, records, deadLettered, late, ratePerSecond, streamTime, watermark, moved,
            inputs, outputs, timers, stores, fileBytes);
    }

    /** Writes this checkpoint (with its stores as read) to {@code file} atomically. */
    public void writeTo(Path file) {
        TaskCheckpointFile.write(file, group, stage, task, wallTimeMs, records, deadLettered, late, ratePerSecond, streamTime, watermark, sources, inputs,
            outputs, timers,
            stores.size(), out -> {
                for (StoreSnapshot s : stores.values()) {
                    out.writeUTF(s.name());
                    out.write(s.bytes(), s.offset(), s.length());
                }
            });
    }

    /** Reads a checkpoint, or returns null when there is none; a damaged one is a clear error, never ignored. */
    public static TaskCheckpoint read(Path file) {
        return TaskCheckpointFile.read(file);
    }
}
