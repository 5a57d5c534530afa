package io.kappa.processor.dsl;

import java.util.Objects;

/** A key and the window its aggregate belongs to: [start, end) in epoch milliseconds. */
public record Windowed<K>(K key, long start, long end) {
    public Windowed {
        Objects.requireNonNull(key, "key");
    }
}
