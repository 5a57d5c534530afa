package io.kappa.processor;

import java.util.Arrays;

import io.kappa.log.Topic;

/** One output topic as a task sees it ({@link TaskOutputs}): sequences, recovery, records pending per partition. */
final class TaskOutput {
    final String name;
    final Topic topic;
    final int partitions;
    final long[] nextSequence;
    final long[] skipThrough;
    // where recovery scanned from: records still to be recognised lie at or after it
    final long[] recoveredFrom;
    final int[][] pending;
    final long[][] pendingSequences;
    final int[] pendingCount;
    // partitions appended to since the last checkpoint: synced before the next one
    final boolean[] written;
    // records for this topic are not written (a muted run), only shown to the tap if there is one
    boolean muted;

    TaskOutput(String name, Topic topic) {
        this.name = name;
        this.topic = topic;
        this.partitions = topic.partitionCount();
        this.nextSequence = new long[partitions];
        this.skipThrough = new long[partitions];
        Arrays.fill(skipThrough, -1);
        this.recoveredFrom = new long[partitions];
        this.pending = new int[partitions][16];
        this.pendingSequences = new long[partitions][16];
        this.pendingCount = new int[partitions];
        this.written = new boolean[partitions];
    }
}
