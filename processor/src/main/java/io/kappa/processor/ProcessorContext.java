package io.kappa.processor;

/**
 * What a processor may use besides its input: output, state, time and timers. One context per task; use it only
 * from the thread that calls the processor.
 */
public interface ProcessorContext<KOut, VOut> {
    /** The group (the name of this running processor). */
    String group();

    /** The task id: the input partition number this task owns. */
    int taskId();

    /** Sends a record to the stage's output with the current record's event time. */
    void forward(KOut key, VOut value);

    /** Sends a record to the stage's output with the given event time. */
    void forward(KOut key, VOut value, long eventTime);

    /**
     * Sends raw bytes to another topic (created with one partition if missing); the same exactly-once rules hold.
     * {@code key} may be null.
     */
    void forwardTo(String topic, byte[] key, byte[] value, long eventTime);

    /**
     * This task's key-value store of that name, restored from the last checkpoint on the first call. Stores are
     * snapshotted at every checkpoint with the given serdes.
     */
    <K, V> KeyValueStore<K, V> keyValueStore(String name, Serde<K> keySerde, Serde<V> valueSerde);

    /**
     * The highest event time this task has seen (Long.MIN_VALUE before the first record). It depends on how the
     * task's sources interleave (one running ahead moves it): forget, evict and close by {@link #watermark()}.
     */
    long streamTime();

    /**
     * The task's watermark, the record being processed included: no record with an earlier time is expected any
     * more (see {@link TimePolicy}). Long.MIN_VALUE before the first record; never decreases; kept in checkpoints.
     */
    long watermark();

    /** The stage's clock, allowed disorder and idle timeout. */
    TimePolicy timePolicy();

    /**
     * Fires {@link Processor#onTimer} once the watermark reaches {@code time}. Timers are kept in checkpoints. One
     * timer per (time, name); registering it again changes nothing. Timers fire in (time, name) order.
     */
    void registerTimer(long time, String name);

    void cancelTimer(long time, String name);

    /** Wall-clock milliseconds. Using it makes a processor's output depend on when it runs. */
    long wallClockTime();

    /**
     * True for a record the group has processed before and now computes again: all of a {@code kappa replay}, what a
     * group reads again after {@code kappa rewind} (up to how far it had read; in a later stage, what the earlier
     * stage wrote while recomputing), and what a task re-reads after a crash until it is past what it had written.
     * Use it to skip side effects (an e-mail, a call to another system) that already happened; what the processor
     * writes must not depend on it, or a replay no longer equals the live run.
     */
    boolean isReplaying();
}
