package io.kappa.processor;

import io.kappa.processor.internal.RecordStep;

/**
 * What a task reports of its progress to other threads (status, lag, caught up, drained): only progress whose
 * outputs are all in the log. The task notes where it is when it hands a batch of outputs over
 * ({@link #note}), and publishes that once the batch is written ({@link #publish}).
 */
final class TaskProgress {
    private final TaskInput[] inputs;
    private final long[] notedNext;
    private long notedRecords;
    private long notedDeadLettered;
    private long notedLate;
    private volatile long records;
    private volatile long deadLettered;
    private volatile long late;
    private volatile boolean drained;

    TaskProgress(TaskInput[] inputs) {
        this.inputs = inputs;
        this.notedNext = new long[inputs.length];
    }

    /** Where the task is now: published once the outputs handed over so far are in the log. */
    void note(RecordStep<?, ?, ?, ?> step) {
        for (int i = 0; i < inputs.length; i++) {
            notedNext[i] = inputs[i].next;
        }
        notedRecords = step.records();
        notedDeadLettered = step.deadLettered();
        notedLate = step.late();
    }

    /** The outputs of what was noted are in the log. */
    void publish() {
        for (int i = 0; i < inputs.length; i++) {
            inputs[i].published = notedNext[i];
        }
        records = notedRecords;
        deadLettered = notedDeadLettered;
        late = notedLate;
    }

    int inputCount() {
        return inputs.length;
    }

    String topic(int input) {
        return inputs[input].topic;
    }

    /** The next offset of {@code input} whose outputs are all in the log. */
    long next(int input) {
        return inputs[input].published;
    }

    /** Where {@code input} ends now, or stops earlier. */
    long target(int input) {
        return inputs[input].target();
    }

    /** Records still to process: end offset minus the published next offset, over every input. */
    long lag() {
        long n = 0;
        for (TaskInput in : inputs) {
            n += Math.max(0, in.partition.endOffset() - in.published);
        }
        return n;
    }

    void drained() {
        drained = true;
    }

    boolean isDrained() {
        return drained;
    }

    long records() {
        return records;
    }

    long deadLettered() {
        return deadLettered;
    }

    long late() {
        return late;
    }
}
