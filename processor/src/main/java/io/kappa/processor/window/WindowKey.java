package io.kappa.processor.window;

import java.util.Objects;

import io.kappa.processor.Serde;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A group key and the start of one of its hopping windows: the key of a window's state. Immutable, except for a
 * lookup key ({@link #lookup}), which a window aggregation reuses to look entries up and never puts in a store.
 */
public final class WindowKey<K> {
    private K key;
    private long start;
    private final boolean lookup;

    public WindowKey(K key, long start) {
        this.key = Objects.requireNonNull(key, "key");
        this.start = start;
        this.lookup = false;
    }

    /** A key to look entries up with, set by {@link #set}. */
    static <K> WindowKey<K> lookup() {
        return new WindowKey<>();
    }

    private WindowKey() {
        this.lookup = true;
    }

    /** Makes this lookup key mean (key, start). */
    WindowKey<K> set(K key, long start) {
        if (!lookup) {
            throw new IllegalStateException("only a lookup key changes");
        }
        this.key = Objects.requireNonNull(key, "key");
        this.start = start;
        return this;
    }

    public K key() {
        return key;
    }

    public long start() {
        return start;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WindowKey<?> w && start == w.start && key.equals(w.key);
    }

    @Override
    public int hashCode() {
        return 31 * key.hashCode() + Long.hashCode(start);
    }

    @Override
    public String toString() {
        return "WindowKey[key=" + key + ", start=" + start + "]";
    }

    /** As {@code [long start][key bytes]}; described (for {@code kappa state}) with the window's bounds in {@code spec}. */
    static <K> Serde<WindowKey<K>> serde(Serde<K> keySerde, WindowSpec spec) {
        return new Serde<>() {
            @Override
            public Object describe(WindowKey<K> value) {
                java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
                m.put("key", io.kappa.processor.Serdes.described(keySerde, value.key()));
                m.put("windowStart", spec.format(spec.windowStart(value.start())));
                m.put("windowEnd", spec.format(spec.windowEnd(value.start())));
                return m;
            }

            @Override
            public byte[] serialize(WindowKey<K> value) {
                byte[] k = keySerde.serialize(value.key());
                byte[] b = new byte[8 + k.length];
                UnsafeBuffer u = new UnsafeBuffer(b);
                u.putLong(0, value.start());
                u.putBytes(8, k);
                return b;
            }

            @Override
            public int serializeTo(WindowKey<K> value, MutableDirectBuffer out, int offset) {
                out.putLong(offset, value.start());
                return 8 + keySerde.serializeTo(value.key(), out, offset + 8);
            }

            @Override
            public WindowKey<K> deserialize(DirectBuffer buffer, int offset, int length) {
                if (length < 8) {
                    throw new IllegalArgumentException("a window key takes at least 8 bytes, got " + length);
                }
                return new WindowKey<>(keySerde.deserialize(buffer, offset + 8, length - 8), buffer.getLong(offset));
            }
        };
    }
}
