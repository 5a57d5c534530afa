package io.kappa.processor;

/**
 * A processor whose input records carry an earlier record inside them (the built-ins' repartition envelope). A
 * record it fails on is dead-lettered as that earlier record: the topic, partition and offset where its producer
 * wrote it, and its key and value as written.
 */
public interface Unwrapping {
    /** The record inside {@code record}, valid while {@code record} is; throws when it cannot be read. */
    InputRecord<?, ?> original(InputRecord<?, ?> record);
}
