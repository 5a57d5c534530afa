package io.kappa.processor;

import io.kappa.log.Partition;
import io.kappa.log.PartitionTailer;

/** One input partition of a task: where the task is in it, where it stops, and how far it has been published. */
final class TaskInput {
    final String topic;
    final Partition partition;
    /** The position of this input among the stage's inputs the task reads (its watermark source). */
    final int index;
    /** The record being handled: a view over the tailer's record, or the head copied while inputs are merged. */
    final LogRecord record;
    // created on the task's thread: Chronicle tailers must stay on one thread
    PartitionTailer tailer;
    long next;
    long limit = Long.MAX_VALUE; // stop before this offset (RunnerContext.stopAt, a drain)
    /** The next offset whose outputs are all in the log; read by other threads (status, lag, caught up). */
    volatile long published;
    boolean hasHead;
    /** For an input written by the group's earlier stage: where its tasks' recomputed records end. */
    UpstreamBoundaries upstream;
    /** How far the group had read this input before its last rewind: records below it are recomputed. */
    long reached;

    TaskInput(String topic, Partition partition, int index) {
        this.topic = topic;
        this.partition = partition;
        this.index = index;
        this.record = new LogRecord(topic);
    }

    /** Where the input ends now, or stops earlier: what the task has to reach to be caught up. */
    long target() {
        return Math.min(limit, partition.endOffset());
    }
}
