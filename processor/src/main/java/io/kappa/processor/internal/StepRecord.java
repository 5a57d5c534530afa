package io.kappa.processor.internal;

import org.agrona.DirectBuffer;

/**
 * One input record as a runtime read it: where it is, its times, who wrote it, and its key, value and id as bytes.
 * A runtime keeps one reusable instance and points it at each record in turn; it is valid only while
 * {@link RecordStep#process} runs.
 */
public interface StepRecord {
    String topic();

    int partition();

    long offset();

    /** The producer's event time (or the append time when it gave none). */
    long eventTime();

    long appendTime();

    /** The kappa task that wrote the record (a watermark source of its own), or 0. */
    long producerId();

    DirectBuffer keyBuffer();

    int keyOffset();

    /** {@link io.kappa.log.RecordDescriptor#NO_BYTES} for a record without a key. */
    int keyLength();

    DirectBuffer valueBuffer();

    int valueOffset();

    int valueLength();

    /** The producer's event id, or null. */
    String id();
}
