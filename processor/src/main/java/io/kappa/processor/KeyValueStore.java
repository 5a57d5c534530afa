package io.kappa.processor;

import java.util.function.BiConsumer;

/**
 * A task's keyed state, in memory, iterated in insertion order (so iteration is the same after a restore).
 * Null keys and values are refused. When a record fails, its writes are undone; a key it had deleted comes back
 * as the newest entry (the order stays deterministic: a replay fails the same record the same way).
 */
public interface KeyValueStore<K, V> {
    String name();

    V get(K key);

    void put(K key, V value);

    /**
     * Announces that {@code value}, the {@link InPlaceValue} held for {@code key}, is about to be changed in place: the
     * store keeps its state as it is now, so that a failed record's undo puts that state back, and counts the entry as
     * written by the record (a snapshot, a changelog take its state as it is when the record ends). {@code key} may be
     * a lookup key the caller goes on to reuse: the store does not keep it.
     *
     * @throws ClassCastException when {@code value} is not an {@link InPlaceValue}
     */
    void changing(K key, V value);

    /** Removes the key; returns the old value or null. */
    V delete(K key);

    long size();

    /** Every entry, oldest insertion first. Do not modify the store from the callback. */
    void forEach(BiConsumer<? super K, ? super V> action);

    /**
     * The oldest entry's key, or null when empty: with {@link #delete} it lets a processor expire entries that
     * were inserted in time order.
     */
    K firstKey();
}
