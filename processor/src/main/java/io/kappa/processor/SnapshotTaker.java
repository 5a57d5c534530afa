package io.kappa.processor;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Takes a runner's snapshots ({@link Snapshots}) on a thread of its own, off the tasks' threads: a task that has
 * written a checkpoint asks {@link #checkpointed}, which hands a snapshot to that thread when the group has processed
 * {@link RunnerContext#snapshotRecords} records, or {@link RunnerContext#snapshotIntervalMs} has passed, since the
 * newest one (across restarts: the newest snapshot's manifest is the starting point). At most one is pending. A
 * snapshot that fails is reported on stderr and the group goes on: snapshots only make rewinds shorter.
 */
final class SnapshotTaker {
    private final Path groupDir;
    private final RunnerContext context;
    private final ExecutorService executor;
    private final AtomicBoolean pending = new AtomicBoolean();
    private volatile long lastRecords;
    private volatile long lastTimeMs;

    private SnapshotTaker(Path groupDir, RunnerContext context, long lastRecords, long lastTimeMs) {
        this.groupDir = groupDir;
        this.context = context;
        this.lastRecords = lastRecords;
        this.lastTimeMs = lastTimeMs;
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "kappa-" + context.group() + "-snapshots");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * The taker of a runner that keeps snapshots, or null: none are kept ({@code snapshotsKept} 0), the run writes
     * nothing (muted: a rebuild or a verification) or a later stage reads an earlier one's internal topic (a rewind
     * rebuilds such a group through scratch internal topics, from the start).
     */
    static SnapshotTaker of(Path groupDir, RunnerContext context, Topology topology) {
        if (context.snapshotsKept() == 0 || context.muteOutputs()) {
            return null;
        }
        for (Stage<?, ?, ?, ?> s : topology.stages()) {
            if (s.internal()) {
                return null;
            }
        }
        List<Snapshots.Snapshot> existing = Snapshots.list(groupDir.resolve("snapshots"), w -> { });
        long records = existing.isEmpty() ? 0 : existing.get(0).records();
        long time = existing.isEmpty() ? context.clock().time() : existing.get(0).timeMs();
        return new SnapshotTaker(groupDir, context, records, time);
    }

    /** After a task's checkpoint: {@code records} processed by the group in total, at {@code nowMs}. */
    void checkpointed(long records, long nowMs) {
        if (records > lastRecords && (records - lastRecords >= context.snapshotRecords() || nowMs - lastTimeMs >= context.snapshotIntervalMs())
            && pending.compareAndSet(false, true)) {
            lastRecords = records;
            lastTimeMs = nowMs;
            executor.execute(this::take);
        }
    }

    private void take() {
        try {
            Snapshots.take(groupDir, context.spec(), context.clock().time(), context.snapshotsKept());
        } catch (Exception e) {
            System.err.println("kappa: group " + context.group() + ": a snapshot failed (" + e.getMessage() + "); the group goes on");
        } finally {
            pending.set(false);
        }
    }

    /** Waits for a snapshot being written, so none is written once the group's lock is released. */
    void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(60, TimeUnit.SECONDS)) {
                System.err.println("kappa: group " + context.group() + ": a snapshot is still being written after 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
