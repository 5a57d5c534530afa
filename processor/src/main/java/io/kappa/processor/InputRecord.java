package io.kappa.processor;

/**
 * The record being processed: where it is in the log, its times, its key and value deserialized. The runner
 * hands out one reusable instance per task; it is valid only during {@link Processor#process}, so a processor
 * that keeps a record must copy what it needs.
 */
public interface InputRecord<K, V> {
    String topic();

    int partition();

    long offset();

    /** The producer's event time, or the append time when the producer gave none. */
    long eventTime();

    /** Set by the log when the record was appended; never decreases within a partition. */
    long appendTime();

    /** Null when the record has no key. */
    K key();

    V value();

    /** The producer's event id, or null. */
    String id();

    /** A copy of the key as stored in the log, or null when the record has no key. */
    byte[] keyBytes();

    /** A copy of the value as stored in the log. */
    byte[] valueBytes();
}
