package io.kappa.processor.dsl;

/** Folds one value into a key's aggregate; must not modify {@code aggregate} in place if it is shared. */
@FunctionalInterface
public interface Aggregator<K, V, A> {
    A apply(K key, V value, A aggregate);
}
