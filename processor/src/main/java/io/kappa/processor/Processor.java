package io.kappa.processor;

/**
 * Plain code that sees one input record at a time. A runner makes one instance per task (one per input
 * partition) through a {@link ProcessorSupplier} and calls it from one thread only.
 *
 * <p>A processor must be deterministic: the same records in the same order, with the same restored state, must
 * produce the same outputs. Time comes from records ({@link InputRecord#eventTime()}, {@link
 * ProcessorContext#streamTime()}) and timers; the wall clock only through {@link ProcessorContext#wallClockTime()}.
 * That is what makes crash recovery exact and a replay equal to the live run.
 *
 * <p>If {@link #process} throws, everything the call did is undone (its state-store writes and its forwarded
 * records) and the record goes to the group's dead-letter topic, or stops the runner, by the error policy.
 */
@FunctionalInterface
public interface Processor<KIn, VIn, KOut, VOut> {
    /** Called once before the first record: open state stores here, so that they are restored before use. */
    default void init(ProcessorContext<KOut, VOut> context) {
    }

    void process(InputRecord<KIn, VIn> record, ProcessorContext<KOut, VOut> context) throws Exception;

    /** An event-time timer registered with {@link ProcessorContext#registerTimer} fired: the watermark reached it. */
    default void onTimer(long time, String name, ProcessorContext<KOut, VOut> context) throws Exception {
    }

    /** The task is closing (after its last checkpoint). */
    default void close() {
    }
}
