package io.kappa.processor.internal;

import io.kappa.processor.KeyValueStore;
import io.kappa.processor.Serde;

/**
 * What a runtime gives a {@link RecordStep}: where outputs go and where state lives. Everything between
 * {@link #begin} and {@link #commit} or {@link #rollback} belongs to one record or one timer: a record that fails
 * leaves nothing behind.
 */
public interface StepRuntime<KOut, VOut> {
    /** Writes a record to the stage's output topic, serialized with the stage's output serdes. */
    void emit(KOut key, VOut value, long eventTime);

    /** Writes raw bytes to another topic, created with one partition if missing; {@code key} may be null. */
    void emitTo(String topic, byte[] key, byte[] value, long eventTime);

    /** The task's store of that name, restored from the runtime's durable state on the first call. */
    <K, V> KeyValueStore<K, V> store(String name, Serde<K> keySerde, Serde<V> valueSerde);

    /** A record or timer starts: what {@link #rollback} returns to. */
    void begin();

    /** It succeeded: its outputs and store writes stay. */
    void commit();

    /** It failed: its outputs and store writes are forgotten. */
    void rollback();

    /** Whether the record being processed is one the group computes again (see {@code ProcessorContext}). */
    boolean isReplaying();

    /** Wall-clock milliseconds: the {@code processing} clock, and what processors may ask for. */
    long wallClockTime();
}
