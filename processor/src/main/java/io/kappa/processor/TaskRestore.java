package io.kappa.processor;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import io.kappa.processor.internal.RecordStep;

/**
 * Puts a task back where its checkpoint left it: input offsets (or where a new group starts), stream time,
 * watermark and its sources, timers, counts, store snapshots, and its outputs recovered (what it wrote after the
 * checkpoint is recognised, {@link TaskOutputs#recover}); then checks that every input offset is still in its
 * partition and applies stops. A checkpoint of another task, or one outside its input's range, is refused.
 */
final class TaskRestore {
    private TaskRestore() {
    }

    /** Returns the checkpoint restored, or null for a task that has none (it starts fresh). */
    static TaskCheckpoint restore(ProcessorRunner runner, Stage<?, ?, ?, ?> stage, int id, Path checkpointFile, TaskInput[] inputs,
                                  RecordStep<?, ?, ?, ?> step, TaskContext<?, ?> task, TaskOutputs outputs) {
        RunnerContext context = runner.context();
        TaskCheckpoint cp = TaskCheckpoint.read(checkpointFile);
        if (cp != null && (!cp.group().equals(context.group()) || !cp.stage().equals(stage.name()) || cp.task() != id)) {
            throw new CheckpointException("checkpoint " + checkpointFile + " belongs to group '" + cp.group() + "' stage '"
                + cp.stage() + "' task " + cp.task() + ", not to this task");
        }
        for (TaskInput in : inputs) {
            in.next = -1;
            if (cp != null) {
                for (TaskCheckpoint.Input ci : cp.inputs()) {
                    if (ci.topic().equals(in.topic) && ci.partition() == id) {
                        in.next = ci.nextOffset();
                    }
                }
            }
            if (in.next < 0) {
                in.next = startOffset(context, in, id);
            }
        }
        if (cp != null) {
            if (cp.legacyProducerIds()) {
                task.legacyProducer(Task.legacyProducerId(context.group(), stage.name(), id));
            }
            step.restore(cp.streamTime(), cp.watermark(), cp.sources());
        }
        for (TaskInput in : inputs) {
            step.watermarks().expect(in.index, runner.upstreamProducers(stage, in.topic));
        }
        Map<String, TaskCheckpoint.Output> outByKey = new HashMap<>();
        if (cp != null) {
            step.timers().restore(cp.timers());
            task.snapshots(cp.stores());
            step.restoreCounts(cp.records(), cp.deadLettered(), cp.late());
            for (TaskCheckpoint.Output o : cp.outputs()) {
                outByKey.put(o.topic() + "/" + o.partition(), o);
                task.openOutput(o.topic());
            }
        }
        task.openOutput(runner.deadLetterTopic());
        if (cp != null) {
            for (TaskOutput o : outputs.outs()) {
                long[] next = new long[o.partitions];
                long[] from = new long[o.partitions];
                for (int p = 0; p < o.partitions; p++) {
                    TaskCheckpoint.Output co = outByKey.get(o.name + "/" + p);
                    next[p] = co == null ? 0 : co.nextSequence();
                    from[p] = co == null ? 0 : co.endOffset();
                }
                outputs.recover(o, next, from, task.legacyProducer());
            }
        }
        for (TaskInput in : inputs) {
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
            if (step.watermarks().watermark() == Long.MAX_VALUE) {
                in.limit = in.next; // drained (TaskCheckpoint.drained): it reads nothing more
            }
        }
        return cp;
    }

    private static long startOffset(RunnerContext context, TaskInput in, int id) {
        long[] at = context.startAt().get(in.topic);
        if (at != null && id < at.length && at[id] >= 0) {
            return Math.max(in.partition.startOffset(), Math.min(in.partition.endOffset(), at[id]));
        }
        return context.startFrom() == RunnerContext.StartFrom.LATEST ? in.partition.endOffset() : in.partition.startOffset();
    }
}
