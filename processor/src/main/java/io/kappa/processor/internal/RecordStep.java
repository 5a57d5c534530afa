package io.kappa.processor.internal;

import io.kappa.processor.InputRecord;
import io.kappa.processor.OnError;
import io.kappa.processor.Processor;
import io.kappa.processor.Serde;
import io.kappa.processor.Stage;
import io.kappa.processor.TaskCheckpoint.Timer;
import io.kappa.processor.TimePolicy;
import io.kappa.processor.Unwrapping;
import io.kappa.processor.Watermarks;
import io.kappa.processor.window.LateRecords;

/**
 * The rules of processing one record, the same on every runtime (the local task and Kafka's stage processor compose
 * one each, over their own {@link StepRuntime}): the record's time on the stage's clock, the watermark and stream
 * time, one call of the processor whose outputs, store writes and timer changes stay only if it succeeds, the error
 * policy (a failed record is undone, then dead-lettered or the task stops), and timers fired in (time, name) order
 * once the watermark reaches them. Allocation-free per record unless the processor allocates.
 */
public final class RecordStep<KIn, VIn, KOut, VOut> {
    /** Rounds of timers a drain fires: timers that timers register fire too, up to this many rounds. */
    static final int DRAIN_ROUNDS = 16;

    private final String group;
    private final Stage<KIn, VIn, KOut, VOut> stage;
    private final int task;
    private final OnError onError;
    private final Processor<KIn, VIn, KOut, VOut> processor;
    private final StepRuntime<KOut, VOut> runtime;
    private final int maxRecordBytes;
    private final Serde<KIn> keySerde;
    private final Serde<VIn> valueSerde;
    private final TimePolicy.Clock clock;
    private final Watermarks watermarks;
    private final Timers timers = new Timers();
    private final Timers.Changes timerChanges;
    private final StepContext<KOut, VOut> context;
    private final CurrentRecord<KIn, VIn> current = new CurrentRecord<>();
    private final String lateTopic;
    private long streamTime = Long.MIN_VALUE;
    private long records;
    private long deadLettered;
    private long late;

    /**
     * @param processor      from {@link FreshProcessors}, new for this task
     * @param maxRecordBytes the largest record the runtime writes: dead letters are cut to fit it
     * @param timerChanges   told of the timer changes of each record or timer that succeeds (may be null)
     */
    public RecordStep(String group, Stage<KIn, VIn, KOut, VOut> stage, int task, OnError onError, Processor<KIn, VIn, KOut, VOut> processor,
                      StepRuntime<KOut, VOut> runtime, int maxRecordBytes, Timers.Changes timerChanges) {
        this.group = group;
        this.stage = stage;
        this.task = task;
        this.onError = onError;
        this.processor = processor;
        this.runtime = runtime;
        this.maxRecordBytes = maxRecordBytes;
        this.timerChanges = timerChanges;
        this.keySerde = stage.keySerde().forTask();
        this.valueSerde = stage.valueSerde().forTask();
        this.clock = stage.time().clock();
        this.watermarks = new Watermarks(stage.time());
        this.lateTopic = LateRecords.topic(group);
        this.context = new StepContext<>(this, group, task, stage, runtime);
    }

    public String where() {
        return "group '" + group + "' stage '" + stage.name() + "' task " + task;
    }

    public static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    /** Time state kept by the runtime (a checkpoint, a store); call before {@link Watermarks#expect}. */
    public void restore(long streamTime, long watermark, java.util.List<Watermarks.Source> sources) {
        this.streamTime = streamTime;
        watermarks.restore(watermark, sources);
    }

    /** Counts kept by the runtime, totals across restarts. */
    public void restoreCounts(long records, long deadLettered, long late) {
        this.records = records;
        this.deadLettered = deadLettered;
        this.late = late;
    }

    /** Initialises the processor: it opens its stores and may register timers, but not forward. */
    public void init() {
        begin();
        try {
            processor.init(context);
            commit();
        } catch (RuntimeFailure e) {
            rollback();
            throw e;
        } catch (RuntimeException e) {
            rollback();
            throw new ProcessingFailure(where() + ": the processor's init failed: " + describe(e), e);
        }
    }

    /**
     * Processes one record of input {@code input} (the index in the stage's inputs). The runtime then notes the
     * record as processed and calls {@link #fireTimers}: a timer that fails must find the record done.
     */
    public void process(int input, StepRecord r) {
        long eventTime = clock == TimePolicy.Clock.EVENT ? r.eventTime()
            : clock == TimePolicy.Clock.APPEND ? r.appendTime() : runtime.wallClockTime();
        watermarks.observe(input, r.producerId(), eventTime, r.appendTime());
        long previousStreamTime = streamTime;
        long previousLate = late;
        if (eventTime > streamTime) {
            streamTime = eventTime;
        }
        begin();
        current.reset(r, eventTime);
        try {
            // the bytes first: a record the serdes cannot read is dead-lettered from them
            int keyLength = r.keyLength();
            current.key = keyLength < 0 ? null : keySerde.deserialize(r.keyBuffer(), r.keyOffset(), keyLength);
            current.value = valueSerde.deserialize(r.valueBuffer(), r.valueOffset(), r.valueLength());
            context.active = true;
            processor.process(current, context);
            context.active = false;
            commit();
        } catch (RuntimeFailure e) {
            context.active = false;
            rollback();
            throw e;
        } catch (Exception | StackOverflowError e) {
            context.active = false;
            rollback();
            late = previousLate;
            if (onError == OnError.FAIL) {
                streamTime = previousStreamTime;
                throw new ProcessingFailure(where() + ": processing failed at " + r.topic() + "/" + r.partition() + " offset "
                    + r.offset() + ": " + describe(e) + "; the checkpoint stays before this record (fix the processor or the input"
                    + " and run again, or run with --on-error dlq)", e);
            }
            deadLetter(original(), e);
        } finally {
            current.clear();
        }
        records++;
    }

    /**
     * Fires timers the watermark has reached; at most as many as were registered on entry, so a timer that
     * re-registers itself cannot loop. A failing timer is undone and stops the task.
     */
    public void fireTimers() {
        int budget = timers.size();
        long watermark = watermarks.watermark();
        while (budget-- > 0 && timers.due(watermark)) { // after every record: nothing begins when none is due
            begin();
            Timer t = timers.pollDue(watermark);
            if (t == null) {
                break;
            }
            long previousLate = late;
            try {
                context.active = true;
                processor.onTimer(t.time(), t.name(), context);
                context.active = false;
                commit();
            } catch (RuntimeFailure e) {
                context.active = false;
                rollback();
                throw e;
            } catch (Exception | StackOverflowError e) {
                context.active = false;
                late = previousLate;
                rollback();
                throw new ProcessingFailure(where() + ": timer '" + t.name() + "' at " + t.time() + " failed: " + describe(e), e);
            }
        }
    }

    /** The processing clock moves on without records (windows close on the wall clock); true if the watermark moved. */
    public boolean tick(long now) {
        long before = watermarks.watermark();
        watermarks.tick(now);
        if (watermarks.watermark() == before) {
            return false;
        }
        fireTimers();
        return true;
    }

    /** The end of a bounded run: the watermark to the maximum, every pending timer fired (and those they register). */
    public void drain() {
        watermarks.drain();
        for (int round = 0; round < DRAIN_ROUNDS && !timers.isEmpty(); round++) {
            fireTimers();
        }
    }

    /** The record being processed as its producer wrote it (see {@link Unwrapping}); itself when it wraps none. */
    private InputRecord<?, ?> original() {
        if (processor instanceof Unwrapping u) {
            try {
                return u.original(current);
            } catch (RuntimeException unreadable) {
                // a damaged wrapper: the dead letter shows the record as it is
            }
        }
        return current;
    }

    private void deadLetter(InputRecord<?, ?> r, Throwable e) {
        byte[] key = r.keyBytes();
        byte[] letter = DeadLetters.letter(group, stage.name(), r, key, e, maxRecordBytes);
        begin();
        try {
            runtime.emitTo(DeadLetters.topic(group), key, letter, r.eventTime());
            commit();
        } catch (IllegalArgumentException tooBig) {
            rollback();
            throw new ProcessingFailure(where() + ": the record at " + r.topic() + "/" + r.partition() + " offset " + r.offset()
                + " failed (" + describe(e) + ") and cannot be dead-lettered: " + tooBig.getMessage(), e);
        }
        deadLettered++;
    }

    private void begin() {
        runtime.begin();
        timers.begin();
    }

    private void commit() {
        runtime.commit();
        timers.commit(timerChanges);
    }

    private void rollback() {
        runtime.rollback();
        timers.rollback();
    }

    /** A record sent with {@code forwardTo}: those to {@code GROUP.late} are counted. */
    void sentTo(String topic) {
        if (topic.equals(lateTopic)) {
            late++;
        }
    }

    long currentEventTime() {
        return current.eventTime;
    }

    public Processor<KIn, VIn, KOut, VOut> processor() {
        return processor;
    }

    public Watermarks watermarks() {
        return watermarks;
    }

    public Timers timers() {
        return timers;
    }

    public long streamTime() {
        return streamTime;
    }

    public long records() {
        return records;
    }

    public long deadLettered() {
        return deadLettered;
    }

    public long late() {
        return late;
    }
}
