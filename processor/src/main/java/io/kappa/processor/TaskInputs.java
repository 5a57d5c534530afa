package io.kappa.processor;

import java.util.ArrayList;
import java.util.List;

import io.kappa.log.RecordHandler;
import io.kappa.log.RecordView;
import io.kappa.log.Topic;

/**
 * A task's input partitions (partition {@code id} of each of the stage's inputs) and the order it reads them in: one
 * input straight from its tailer; several merged in append-time order (ties by input order), a head taken only
 * when every other input has one too, or has had nothing for {@link RunnerContext#mergeWaitMs()} past its append
 * time, so a record being appended there is not overtaken. Each record goes to the {@link Handler} as one
 * {@link LogRecord} view.
 */
final class TaskInputs implements RecordHandler {
    /** Takes each record the inputs give, in order. */
    interface Handler {
        void handle(TaskInput in, LogRecord record);
    }

    private final TaskInput[] inputs;
    private final Handler handler;
    private final RecordHandler headLoader = this::loadHead;
    private TaskInput loading;

    TaskInputs(ProcessorRunner runner, Stage<?, ?, ?, ?> stage, int id, Handler handler) {
        List<TaskInput> ins = new ArrayList<>();
        for (String t : stage.inputs()) {
            Topic topic = runner.topic(t);
            if (id < topic.partitionCount()) {
                ins.add(new TaskInput(t, topic.partition(id), ins.size()));
            }
        }
        this.inputs = ins.toArray(new TaskInput[0]);
        this.handler = handler;
    }

    TaskInput[] all() {
        return inputs;
    }

    /** Handles up to {@code batch} records (per input when there is one); returns how many. */
    int poll(int batch, long mergeWaitMs, long nowMs) {
        if (inputs.length > 0 && inputs[0].tailer == null) {
            for (TaskInput in : inputs) {
                in.tailer = in.partition.newTailer();
                in.tailer.moveToOffset(in.next);
            }
        }
        if (inputs.length == 1) {
            TaskInput in = inputs[0];
            int max = (int) Math.min(batch, in.limit - in.next);
            return max <= 0 ? 0 : in.tailer.poll(this, max);
        }
        return inputs.length == 0 ? 0 : pollMerged(batch, mergeWaitMs, nowMs);
    }

    @Override
    public void onRecord(RecordView v) {
        TaskInput in = inputs[0];
        handler.handle(in, in.record.view(v));
    }

    private void loadHead(RecordView v) {
        loading.record.copy(v);
        loading.hasHead = true;
    }

    private int pollMerged(int batch, long mergeWaitMs, long nowMs) {
        int n = 0;
        while (n < batch) {
            TaskInput best = null;
            boolean allHaveHeads = true;
            for (TaskInput in : inputs) {
                if (!in.hasHead && in.next < in.limit) {
                    loading = in;
                    in.tailer.poll(headLoader, 1);
                }
                if (!in.hasHead) {
                    allHaveHeads = false;
                } else if (best == null || in.record.appendTime() < best.record.appendTime()) {
                    best = in;
                }
            }
            if (best == null || (!allHaveHeads && nowMs - best.record.appendTime() < mergeWaitMs)) {
                break;
            }
            handler.handle(best, best.record);
            best.hasHead = false;
            n++;
        }
        return n;
    }

    /** Whether every input has reached its offset in {@code targets}, stopping there (a drain reads no further). */
    boolean reachedAndStopped(long[] targets) {
        boolean reached = true;
        for (int i = 0; i < inputs.length; i++) {
            TaskInput in = inputs[i];
            in.limit = Math.min(in.limit, Math.max(in.next, targets[i]));
            reached &= in.next >= in.limit;
        }
        return reached;
    }

    long[] targets() {
        long[] targets = new long[inputs.length];
        for (int i = 0; i < targets.length; i++) {
            targets[i] = inputs[i].target();
        }
        return targets;
    }

    void close() {
        for (TaskInput in : inputs) {
            if (in.tailer != null) {
                in.tailer.close();
            }
        }
    }
}
