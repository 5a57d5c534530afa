package io.kappa.processor.dsl;

/** A key and a value, as {@link KStream#map} and {@link KStream#flatMap} return them. */
public record KeyValue<K, V>(K key, V value) {
    public static <K, V> KeyValue<K, V> of(K key, V value) {
        return new KeyValue<>(key, value);
    }
}
