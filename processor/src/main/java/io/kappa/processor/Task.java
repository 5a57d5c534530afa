package io.kappa.processor;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.kappa.log.RecordDescriptor;
import io.kappa.processor.internal.RecordStep;
import io.kappa.processor.internal.RuntimeFailure;

/**
 * One task: partition {@code id} of each of a stage's inputs, one processor instance, its stores, timers and
 * outputs. Composed of parts with one job each: {@link TaskInputs} (reading and merging the inputs), a
 * {@link RecordStep} (the rules of processing a record, shared with the Kafka runtime) over {@link TaskContext}
 * (outputs and stores), {@link TaskOutputs} (exactly-once writing), {@link TaskRestore} (from the checkpoint),
 * {@link TaskRecomputation} (what a rewind computes again) and {@link TaskProgress} (what other threads see). This
 * class runs them: a batch, a flush, a checkpoint when due, a drain. Runs on one runner thread.
 */
final class Task<KIn, VIn, KOut, VOut> {
    /** The log failed under a task (creating or scanning an output): stops the runner, never dead-lettered. */
    static final class LogFailure extends RuntimeFailure {
        private static final long serialVersionUID = 1L;

        LogFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final ProcessorRunner runner;
    private final RunnerContext context;
    private final Stage<KIn, VIn, KOut, VOut> stage;
    private final int id;
    private final long producerId;
    private final Path checkpointFile;
    private final TaskInputs inputs;
    private final TaskOutputs outputs;
    private final TaskContext<KOut, VOut> taskContext;
    private final RecordStep<KIn, VIn, KOut, VOut> step;
    private final TaskProgress progress;
    private TaskRecomputation recomputation;
    private long lastCheckpointMs;
    private long recordsAtCheckpoint;
    private long rate;
    private boolean dirty;
    /** Drains once every input has reached its offset here (one per input); set by the runner, read by the task. */
    private volatile long[] drainAt;

    Task(ProcessorRunner runner, Stage<KIn, VIn, KOut, VOut> stage, int id, Path groupDir) {
        this.runner = runner;
        this.context = runner.context();
        this.stage = stage;
        this.id = id;
        this.producerId = producerId(context.group(), stage.name(), id);
        this.checkpointFile = Groups.checkpointFile(groupDir, stage.name(), id);
        this.inputs = new TaskInputs(runner, stage, id, this::handle);
        this.outputs = new TaskOutputs(producerId, id, runner.maxRecordBytes(), context.muteOutputs(), context.writtenWhenMuted());
        if (context.outputTap() != null) {
            outputs.tap(context.outputTap(), stage.name());
        }
        String where = "group '" + context.group() + "' stage '" + stage.name() + "' task " + id;
        this.taskContext = new TaskContext<>(runner, stage, where, checkpointFile, outputs);
        this.step = new RecordStep<>(context.group(), stage, id, context.onError(), runner.processors().get(stage), taskContext,
            runner.maxRecordBytes(), null);
        this.progress = new TaskProgress(inputs.all());
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

    static String describe(Throwable e) {
        return RecordStep.describe(e);
    }

    Stage<KIn, VIn, KOut, VOut> stage() {
        return stage;
    }

    int id() {
        return id;
    }

    String where() {
        return step.where();
    }

    TaskProgress progress() {
        return progress;
    }

    /** Where the task's inputs end now (or stop earlier): what it has to reach to be caught up. */
    long[] targets() {
        return inputs.targets();
    }

    /** Reads up to {@code targets} (one per input) and no further. */
    void stopAt(long[] targets) {
        TaskInput[] ins = inputs.all();
        for (int i = 0; i < targets.length; i++) {
            ins[i].limit = targets[i];
        }
    }

    /** Restores from the checkpoint (or starts fresh and writes a first checkpoint), then initialises the processor. */
    void open() {
        TaskCheckpoint cp = TaskRestore.restore(runner, stage, id, checkpointFile, inputs.all(), step, taskContext, outputs);
        recomputation = new TaskRecomputation(runner, stage, id, inputs.all(), outputs, producerId);
        progress.note(step);
        progress.publish();
        lastCheckpointMs = context.clock().time();
        recordsAtCheckpoint = step.records();
        if (cp == null) {
            checkpoint();
        }
        if (taskContext.openCache()) {
            checkpoint();
        }
        step.init();
        taskContext.checkStoresOpened();
    }

    /** Processes up to one batch per input, flushes outputs, and checkpoints when due. Returns records processed. */
    int runOnce(long nowMs) {
        int n = inputs.poll(context.batch(), context.mergeWaitMs(), nowMs);
        boolean fired = false;
        if (n == 0 && stage.time().clock() == TimePolicy.Clock.PROCESSING) {
            // processing time moves on without records: windows close on the wall clock
            boolean pending = !step.timers().isEmpty();
            fired = step.tick(context.clock().time()) && pending;
        }
        try {
            if (n > 0 || fired) {
                // the previous batch is in the log once flush returns: publish its progress, note this one's
                outputs.flush();
                progress.publish();
                progress.note(step);
                dirty = true;
            } else {
                outputs.awaitWritten();
                progress.publish();
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

    /** One record of {@code in}, as the inputs give it. */
    private void handle(TaskInput in, LogRecord r) {
        long offset = r.offset();
        if (offset != in.next) {
            throw new IllegalStateException(where() + ": expected offset " + in.next + " of " + in.topic + " but read " + offset);
        }
        taskContext.recomputed = recomputation.recomputed(in, r);
        if (outputs.tapped()) {
            outputs.position(in.topic, offset);
        }
        step.process(in.index, r);
        in.next = offset + 1;
        step.fireTimers();
        recomputation.processed(in);
    }

    /**
     * Flushes outputs and writes this task's checkpoint atomically. With cached outputs ({@link EmitCache}) it
     * checkpoints with them first, then writes them and checkpoints again.
     */
    void checkpoint() {
        long now = context.clock().time();
        long records = step.records();
        long elapsed = now - lastCheckpointMs;
        if (elapsed > 0) {
            rate = (records - recordsAtCheckpoint) * 1000 / elapsed;
        }
        if (taskContext.cacheHoldsRecords()) {
            write(now);
            taskContext.writeCache();
        }
        write(now);
        lastCheckpointMs = now;
        recordsAtCheckpoint = records;
        dirty = false;
        runner.checkpointed();
    }

    private void write(long now) {
        try {
            outputs.flush();
            outputs.awaitWritten();
        } catch (TaskOutputs.WriteFailure e) {
            throw new LogFailure(where() + ": " + e.getMessage(), e);
        }
        progress.note(step);
        progress.publish();
        outputs.syncWritten();
        List<TaskCheckpoint.Input> ins = new ArrayList<>();
        for (TaskInput in : inputs.all()) {
            ins.add(new TaskCheckpoint.Input(in.topic, id, in.next));
        }
        List<TaskCheckpoint.Output> outs = new ArrayList<>();
        for (TaskOutput o : outputs.outs()) {
            for (int p = 0; p < o.partitions; p++) {
                outs.add(new TaskCheckpoint.Output(o.name, p, o.nextSequence[p], outputs.checkpointPosition(o, p)));
            }
        }
        TaskCheckpointFile.write(checkpointFile, context.group(), stage.name(), id, now, step.records(), step.deadLettered(), step.late(),
            rate, step.streamTime(), step.watermarks().watermark(), step.watermarks().sources(), ins, outs, step.timers().list(),
            taskContext.storeCount(), taskContext::writeStores);
    }

    // ---- drain: the end of a bounded run (ProcessorRunner#awaitDrained)

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
        if (at == null || progress.isDrained() || !inputs.reachedAndStopped(at)) {
            return;
        }
        if (step.watermarks().watermark() != Long.MAX_VALUE) {
            checkpoint();
        }
        step.drain();
        checkpoint();
        progress.drained();
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
            inputs.close();
        }
    }
}
