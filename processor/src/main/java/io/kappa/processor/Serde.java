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

    /**
     * The value as {@code kappa state} shows it: a number, string, boolean, {@code byte[]} (shown as JSON when it is
     * JSON, else as text), a {@code Map} or {@code List} of those, or the value itself, which is then shown by its
     * serialized bytes. A serde whose values mean more than their bytes (a window's bounds) says so here.
     */
    default Object describe(T value) {
        return value;
    }

    default T deserialize(byte[] bytes) {
        return deserialize(new org.agrona.concurrent.UnsafeBuffer(bytes), 0, bytes.length);
    }
}
