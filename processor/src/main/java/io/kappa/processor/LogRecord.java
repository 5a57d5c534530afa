package io.kappa.processor;

import io.kappa.log.RecordView;
import io.kappa.processor.internal.StepRecord;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;

/**
 * A record read from the local log, as a {@link StepRecord}: either a view over the tailer's record (valid during
 * the tailer's callback) or, with {@link #copy}, a copy the task holds while it merges several inputs. One per
 * task input, reused for every record.
 */
final class LogRecord implements StepRecord {
    private final String topic;
    private final ExpandableArrayBuffer copy = new ExpandableArrayBuffer(256);
    private DirectBuffer buffer;
    private int partition;
    private long offset;
    private long eventTime;
    private long appendTime;
    private long producerId;
    private long producerSequence;
    private int keyOffset;
    private int keyLength;
    private int idOffset;
    private int idLength;
    private int valueOffset;
    private int valueLength;

    LogRecord(String topic) {
        this.topic = topic;
    }

    /** Points at {@code v}'s bytes, valid while the tailer's callback runs. */
    LogRecord view(RecordView v) {
        return fill(v, v.buffer());
    }

    /** Copies {@code v}, to be held past the tailer's callback. */
    LogRecord copy(RecordView v) {
        copy.putBytes(0, v.buffer(), 0, v.length());
        return fill(v, copy);
    }

    private LogRecord fill(RecordView v, DirectBuffer b) {
        buffer = b;
        partition = v.partition();
        offset = v.offset();
        eventTime = v.eventTime();
        appendTime = v.appendTime();
        producerId = v.producerId();
        producerSequence = v.producerSequence();
        keyOffset = v.keyOffset();
        keyLength = v.keyLength();
        idOffset = v.idOffset();
        idLength = v.idLength();
        valueOffset = v.valueOffset();
        valueLength = v.valueLength();
        return this;
    }

    long producerSequence() {
        return producerSequence;
    }

    @Override
    public String topic() {
        return topic;
    }

    @Override
    public int partition() {
        return partition;
    }

    @Override
    public long offset() {
        return offset;
    }

    @Override
    public long eventTime() {
        return eventTime;
    }

    @Override
    public long appendTime() {
        return appendTime;
    }

    @Override
    public long producerId() {
        return producerId;
    }

    @Override
    public DirectBuffer keyBuffer() {
        return buffer;
    }

    @Override
    public int keyOffset() {
        return keyOffset;
    }

    @Override
    public int keyLength() {
        return keyLength;
    }

    @Override
    public DirectBuffer valueBuffer() {
        return buffer;
    }

    @Override
    public int valueOffset() {
        return valueOffset;
    }

    @Override
    public int valueLength() {
        return valueLength;
    }

    @Override
    public String id() {
        return idLength < 0 ? null : buffer.getStringWithoutLengthUtf8(idOffset, idLength);
    }
}
