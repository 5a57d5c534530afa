package io.kappa.processor;

import java.util.concurrent.atomic.AtomicLong;

/**
 * After a rewind, what a task computes again ({@link Recomputation}): per input how far the group had read it, and,
 * for an input the group's earlier stage writes, where that stage's recomputed records end. Once every input is
 * back where it had been, what the task writes is new, and it tells the readers of its outputs from which sequence.
 */
final class TaskRecomputation {
    private final Recomputation recomputation;
    private final TaskInput[] inputs;
    private final TaskOutputs outputs;
    private final long producerId;
    // some input is still below how far the group had read it
    private boolean recomputing;

    TaskRecomputation(ProcessorRunner runner, Stage<?, ?, ?, ?> stage, int id, TaskInput[] inputs, TaskOutputs outputs, long producerId) {
        this.recomputation = runner.recomputation();
        this.inputs = inputs;
        this.outputs = outputs;
        this.producerId = producerId;
        for (TaskInput in : inputs) {
            in.reached = recomputation.reached(in.topic, id);
            long[] producers = runner.upstreamProducers(stage, in.topic);
            if (producers != null && producers.length > 0) {
                in.upstream = UpstreamBoundaries.of(recomputation, producers, in.topic, id);
            }
            recomputing |= in.next < in.reached;
        }
        if (!recomputing) {
            publishBoundaries();
        }
    }

    /** Whether {@code r}, read from {@code in}, is one the group computes again. */
    boolean recomputed(TaskInput in, LogRecord r) {
        return r.offset() < in.reached || (in.upstream != null && in.upstream.recomputed(r.producerId(), r.producerSequence()));
    }

    /** After a record of {@code in}: once every input is back where it had been, what the task writes is new. */
    void processed(TaskInput in) {
        if (!recomputing || in.next < in.reached) {
            return;
        }
        for (TaskInput i : inputs) {
            if (i.next < i.reached) {
                return;
            }
        }
        recomputing = false;
        publishBoundaries();
    }

    /** Tells readers of this task's outputs (a later stage) from which sequence on its records are new. */
    private void publishBoundaries() {
        for (TaskOutput o : outputs.outs()) {
            for (int p = 0; p < o.partitions; p++) {
                AtomicLong b = recomputation.boundary(producerId, o.name, p);
                if (b != null && b.get() < 0) {
                    recomputation.caughtUp(b, o.nextSequence[p]);
                }
            }
        }
    }
}
