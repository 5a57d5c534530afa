package io.kappa.processor;

import java.util.Objects;

import io.kappa.log.TopicNames;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.SystemEpochClock;

/** Typed configuration of a {@link ProcessorRunner}, with defaults; {@link #conclude()} validates it. */
public final class RunnerContext {
    public static final int DEFAULT_THREADS = 1;
    public static final long DEFAULT_CHECKPOINT_RECORDS = 1_000_000;
    public static final long DEFAULT_CHECKPOINT_INTERVAL_MS = 2_000;
    public static final int DEFAULT_BATCH = 1_000;
    public static final long DEFAULT_MERGE_WAIT_MS = 1_000;
    public static final long MIN_MERGE_WAIT_MS = 1_000;
    public static final long DEFAULT_SNAPSHOT_RECORDS = 1_000_000;
    public static final long DEFAULT_SNAPSHOT_INTERVAL_MS = 600_000;
    public static final int DEFAULT_SNAPSHOTS_KEPT = 5;

    /** Where a group with no checkpoint starts reading. */
    public enum StartFrom { EARLIEST, LATEST }

    private String group;
    private int threads = DEFAULT_THREADS;
    private long checkpointRecords = DEFAULT_CHECKPOINT_RECORDS;
    private long checkpointIntervalMs = DEFAULT_CHECKPOINT_INTERVAL_MS;
    private int batch = DEFAULT_BATCH;
    private OnError onError = OnError.DEAD_LETTER;
    private StartFrom startFrom = StartFrom.EARLIEST;
    private long mergeWaitMs = DEFAULT_MERGE_WAIT_MS;
    private EpochClock clock = SystemEpochClock.INSTANCE;
    private String description = "";
    private boolean replay;
    private boolean drain;
    private java.util.Map<String, String> spec = java.util.Map.of();
    private boolean muteOutputs;
    private java.util.Set<String> writtenWhenMuted = java.util.Set.of();
    private OutputTap outputTap;
    private String stateGroup;
    private java.util.Map<String, long[]> startAt = java.util.Map.of();
    private long maxRatePerSecond;
    private java.util.Map<String, long[]> stopAt = java.util.Map.of();
    private long emitCacheBytes;
    private long snapshotRecords = DEFAULT_SNAPSHOT_RECORDS;
    private long snapshotIntervalMs = DEFAULT_SNAPSHOT_INTERVAL_MS;
    private int snapshotsKept = DEFAULT_SNAPSHOTS_KEPT;

    public RunnerContext group(String group) {
        this.group = group;
        return this;
    }

    public String group() {
        return group;
    }

    public RunnerContext threads(int threads) {
        this.threads = threads;
        return this;
    }

    public int threads() {
        return threads;
    }

    /** Checkpoint a task after this many records ... */
    public RunnerContext checkpointRecords(long checkpointRecords) {
        this.checkpointRecords = checkpointRecords;
        return this;
    }

    public long checkpointRecords() {
        return checkpointRecords;
    }

    /** ... or after this many milliseconds with records processed, whichever comes first. */
    public RunnerContext checkpointIntervalMs(long checkpointIntervalMs) {
        this.checkpointIntervalMs = checkpointIntervalMs;
        return this;
    }

    public long checkpointIntervalMs() {
        return checkpointIntervalMs;
    }

    /** Records a task takes from one input partition before it flushes its outputs. */
    public RunnerContext batch(int batch) {
        this.batch = batch;
        return this;
    }

    public int batch() {
        return batch;
    }

    public RunnerContext onError(OnError onError) {
        this.onError = onError;
        return this;
    }

    public OnError onError() {
        return onError;
    }

    public RunnerContext startFrom(StartFrom startFrom) {
        this.startFrom = startFrom;
        return this;
    }

    public StartFrom startFrom() {
        return startFrom;
    }

    /**
     * A task with several inputs processes records in append-time order; when one input has nothing to read, a
     * record of another is held back until it is this old (ms), so that a record being appended to the empty
     * input at the same moment is not overtaken. The order, and so exactly-once recovery, relies on no append
     * taking longer than this between taking its append time and becoming visible; hence at least 1 s.
     */
    public RunnerContext mergeWaitMs(long mergeWaitMs) {
        this.mergeWaitMs = mergeWaitMs;
        return this;
    }

    public long mergeWaitMs() {
        return mergeWaitMs;
    }

    /** Wall clock for checkpoint timing, rates and {@link ProcessorContext#wallClockTime()}; never for results. */
    public RunnerContext clock(EpochClock clock) {
        this.clock = clock;
        return this;
    }

    public EpochClock clock() {
        return clock;
    }

    /** What the group runs, in words (e.g. {@code count --by key}); kept in the group's metadata for status. */
    public RunnerContext description(String description) {
        this.description = description;
        return this;
    }

    public String description() {
        return description;
    }

    /**
     * How to build this group's topology again (e.g. the built-in's name and options), kept in {@code group.json} so
     * that tools which rebuild state can run the same processor.
     */
    public RunnerContext spec(java.util.Map<String, String> spec) {
        this.spec = java.util.Map.copyOf(spec);
        return this;
    }

    public java.util.Map<String, String> spec() {
        return spec;
    }

    /**
     * Processes without writing anything (outputs, dead letters): for rebuilding the state a group would have at
     * some offsets. Sequence numbers do not advance.
     */
    /**
     * With {@link #muteOutputs}: the tap sees every record the tasks would have written, with the input offset that
     * caused it, in the order they are produced.
     */
    public RunnerContext outputTap(OutputTap tap) {
        this.outputTap = tap;
        return this;
    }

    public OutputTap outputTap() {
        return outputTap;
    }

    /**
     * The directory (under {@code DATA/groups/}) that holds this run's lock, checkpoints and group.json, when it is
     * not the group's own: a verification runs the group's processor as the group (same producer ids and topic
     * names) with its own state. Default: the group.
     */
    public RunnerContext stateGroup(String name) {
        this.stateGroup = name;
        return this;
    }

    public String stateGroup() {
        return stateGroup != null ? stateGroup : group;
    }

    public RunnerContext muteOutputs(boolean muteOutputs) {
        this.muteOutputs = muteOutputs;
        return this;
    }

    public boolean muteOutputs() {
        return muteOutputs;
    }

    /**
     * With {@link #muteOutputs}: topics that are written all the same, as a rewind's rebuild writes the internal
     * topics of a scratch copy of the group, for its later stages to read.
     */
    public RunnerContext writtenWhenMuted(java.util.Set<String> topics) {
        this.writtenWhenMuted = java.util.Set.copyOf(topics);
        return this;
    }

    public java.util.Set<String> writtenWhenMuted() {
        return writtenWhenMuted;
    }

    /**
     * Stops reading each listed input partition at an offset (topic -> offset per partition, -1 for no limit);
     * {@link ProcessorRunner#awaitCaughtUp} then waits for these offsets.
     */
    public RunnerContext stopAt(java.util.Map<String, long[]> stopAt) {
        this.stopAt = java.util.Map.copyOf(stopAt);
        return this;
    }

    public java.util.Map<String, long[]> stopAt() {
        return stopAt;
    }

    /** Where a group with no checkpoint starts, per input topic and partition (overrides {@link #startFrom}). */
    public RunnerContext startAt(java.util.Map<String, long[]> startAt) {
        this.startAt = java.util.Map.copyOf(startAt);
        return this;
    }

    public java.util.Map<String, long[]> startAt() {
        return startAt;
    }

    /** At most this many records per second over all tasks (0: no limit), so a replay leaves room for live work. */
    public RunnerContext maxRatePerSecond(long maxRatePerSecond) {
        this.maxRatePerSecond = maxRatePerSecond;
        return this;
    }

    public long maxRatePerSecond() {
        return maxRatePerSecond;
    }

    /** Tells processors they are replaying history ({@link ProcessorContext#isReplaying()}) for the whole run. */
    public RunnerContext replay(boolean replay) {
        this.replay = replay;
        return this;
    }

    public boolean replay() {
        return replay;
    }

    /**
     * A bounded run that ends by draining ({@link ProcessorRunner#awaitDrained}): each task stops at the offsets
     * where the run is caught up, and may resume a drained group (a run without it refuses one).
     */
    public RunnerContext drain(boolean drain) {
        this.drain = drain;
        return this;
    }

    public boolean drain() {
        return drain;
    }

    /**
     * {@code --emit latest-per-commit}: a task holds the keyed records for its group's output (not an internal topic
     * of the topology) in an {@link EmitCache} of at most this many bytes and writes the latest per key at each
     * checkpoint; 0 (the default, {@code --emit changes}) writes every record as it is forwarded.
     */
    public RunnerContext emitCacheBytes(long bytes) {
        this.emitCacheBytes = bytes;
        return this;
    }

    /** {@code --emit latest-per-commit} with the default cache size. */
    public RunnerContext emitLatestPerCommit() {
        return emitCacheBytes(EmitCache.DEFAULT_MAX_BYTES);
    }

    public long emitCacheBytes() {
        return emitCacheBytes;
    }

    /**
     * Retain a snapshot of the group's checkpoints ({@link Snapshots}) once its tasks have processed this many records
     * since the last one ...
     */
    public RunnerContext snapshotRecords(long snapshotRecords) {
        this.snapshotRecords = snapshotRecords;
        return this;
    }

    public long snapshotRecords() {
        return snapshotRecords;
    }

    /** ... or this many milliseconds after it with records processed since, whichever comes first. */
    public RunnerContext snapshotIntervalMs(long snapshotIntervalMs) {
        this.snapshotIntervalMs = snapshotIntervalMs;
        return this;
    }

    public long snapshotIntervalMs() {
        return snapshotIntervalMs;
    }

    /** How many snapshots to keep, newest first (0: none are taken). */
    public RunnerContext snapshotsKept(int snapshotsKept) {
        this.snapshotsKept = snapshotsKept;
        return this;
    }

    public int snapshotsKept() {
        return snapshotsKept;
    }

    public RunnerContext conclude() {
        Objects.requireNonNull(group, "a group id is required");
        Groups.validateName(group);
        if (stateGroup != null) {
            Groups.validateName(stateGroup);
        }
        if (outputTap != null && !muteOutputs) {
            throw new IllegalArgumentException("an output tap needs muted outputs");
        }
        if (threads < 1 || threads > 1024) {
            throw new IllegalArgumentException("threads must be 1..1024, got " + threads);
        }
        if (checkpointRecords < 1) {
            throw new IllegalArgumentException("checkpoint records must be >= 1, got " + checkpointRecords);
        }
        if (checkpointIntervalMs < 1) {
            throw new IllegalArgumentException("checkpoint interval must be >= 1 ms, got " + checkpointIntervalMs);
        }
        if (snapshotRecords < 1) {
            throw new IllegalArgumentException("snapshot records must be >= 1, got " + snapshotRecords);
        }
        if (snapshotIntervalMs < 1) {
            throw new IllegalArgumentException("snapshot interval must be >= 1 ms, got " + snapshotIntervalMs);
        }
        if (snapshotsKept < 0) {
            throw new IllegalArgumentException("snapshots kept must be >= 0, got " + snapshotsKept);
        }
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        }
        if (mergeWaitMs < MIN_MERGE_WAIT_MS) {
            throw new IllegalArgumentException("merge wait must be >= " + MIN_MERGE_WAIT_MS + " ms, got " + mergeWaitMs);
        }
        if (emitCacheBytes < 0) {
            throw new IllegalArgumentException("emit cache bytes must be >= 0, got " + emitCacheBytes);
        }
        if (maxRatePerSecond < 0) {
            throw new IllegalArgumentException("max rate must be >= 0 records/s, got " + maxRatePerSecond);
        }
        Objects.requireNonNull(onError, "onError");
        Objects.requireNonNull(startFrom, "startFrom");
        Objects.requireNonNull(clock, "clock");
        TopicNames.validate(group + ".dlq");
        return this;
    }
}
