package io.kappa.processor.internal;

import io.kappa.processor.InputRecord;

/**
 * The record a processor sees: a {@link StepRecord} with its time on the stage's clock and its key and value
 * deserialized. One per task, refilled for each record; valid only while the record is processed.
 */
final class CurrentRecord<K, V> implements InputRecord<K, V> {
    private StepRecord record;
    long eventTime;
    K key;
    V value;

    void reset(StepRecord record, long eventTime) {
        this.record = record;
        this.eventTime = eventTime;
    }

    void clear() {
        record = null;
        key = null;
        value = null;
    }

    private StepRecord record() {
        StepRecord r = record;
        if (r == null) {
            throw new IllegalStateException("the record is only valid while it is processed");
        }
        return r;
    }

    @Override
    public String topic() {
        return record().topic();
    }

    @Override
    public int partition() {
        return record().partition();
    }

    @Override
    public long offset() {
        return record().offset();
    }

    @Override
    public long eventTime() {
        return eventTime;
    }

    @Override
    public long appendTime() {
        return record().appendTime();
    }

    @Override
    public K key() {
        return key;
    }

    @Override
    public V value() {
        return value;
    }

    @Override
    public String id() {
        return record == null ? null : record.id();
    }

    @Override
    public byte[] keyBytes() {
        StepRecord r = record;
        if (r == null || r.keyLength() < 0) {
            return null;
        }
        byte[] b = new byte[r.keyLength()];
        r.keyBuffer().getBytes(r.keyOffset(), b);
        return b;
    }

    @Override
    public byte[] valueBytes() {
        StepRecord r = record();
        byte[] b = new byte[r.valueLength()];
        r.valueBuffer().getBytes(r.valueOffset(), b);
        return b;
    }
}
