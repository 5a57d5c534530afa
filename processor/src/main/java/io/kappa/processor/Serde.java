package io.kappa.processor;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/** Turns values into bytes and back, for records and for state snapshots. */
public interface Serde<T> {
    byte[] serialize(T value);

    /** Reads a value from {@code length} bytes at {@code offset}; throw on bytes that are not a valid value. */
    T deserialize(DirectBuffer buffer, int offset, int length);

    /** Writes the value's bytes at {@code offset} of an expandable buffer and returns their length. */
    default int serializeTo(T value, MutableDirectBuffer out, int offset) {
        byte[] bytes = serialize(value);
        out.putBytes(offset, bytes);
        return bytes.length;
    }

    /**
     * The instance a task uses: the runner calls this once per task and per use (key, value), so a serde that keeps
     * per-call state (as {@link Serdes#view()} does) returns a fresh instance here. Stateless serdes return this.
     */
    default Serde<T> forTask() {
        return this;
    }

    default T deserialize(byte[] bytes) {
        return deserialize(new org.agrona.concurrent.UnsafeBuffer(bytes), 0, bytes.length);
    }
}
