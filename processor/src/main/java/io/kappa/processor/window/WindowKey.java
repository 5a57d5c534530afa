package io.kappa.processor.window;

import java.util.Objects;

import io.kappa.processor.Serde;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/** A group key and the start of one of its hopping windows: the key of a window's state. */
public record WindowKey<K>(K key, long start) {
    public WindowKey {
        Objects.requireNonNull(key, "key");
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
