package io.kappa.log;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A record to append: key (may be null), value, event time ({@link #NO_TIME} means "use the append
 * time"), an optional event id, and a partition ({@link #ANY_PARTITION} lets the topic choose by key).
 */
public record Event(byte[] key, byte[] value, long eventTime, byte[] id, int partition) {
    public static final long NO_TIME = Long.MIN_VALUE;
    public static final int ANY_PARTITION = -1;

    public Event {
        Objects.requireNonNull(value, "value");
        if (partition < ANY_PARTITION) {
            throw new IllegalArgumentException("partition must be >= 0, was " + partition);
        }
    }

    public Event(byte[] key, byte[] value, long eventTime, byte[] id) {
        this(key, value, eventTime, id, ANY_PARTITION);
    }

    public static Event of(byte[] value) {
        return new Event(null, value, NO_TIME, null);
    }

    public static Event of(String key, String value) {
        return new Event(key == null ? null : key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8), NO_TIME, null);
    }

    public Event withEventTime(long eventTime) {
        return new Event(key, value, eventTime, id, partition);
    }

    public Event withId(String id) {
        return new Event(key, value, eventTime, id == null ? null : id.getBytes(StandardCharsets.UTF_8), partition);
    }

    public Event withPartition(int partition) {
        return new Event(key, value, eventTime, id, partition);
    }

    /** Key + id + value bytes, the size that {@link LogContext#maxRecordBytes()} limits. */
    public long payloadLength() {
        return (key == null ? 0L : key.length) + (id == null ? 0L : id.length) + value.length;
    }
}
