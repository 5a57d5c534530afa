package io.kappa.processor.window;

/**
 * A windowed aggregation: an initial value, one step per record, and (for session windows) how two partial
 * results merge when a record bridges two sessions. Aggregates are kept in state stores, which undo a failed
 * record's writes by keeping the previous value: {@code add} and {@code merge} must return a new value and never
 * change the one they are given. An aggregator whose aggregates are {@link io.kappa.processor.InPlaceValue}s may
 * also add in place ({@link #addsInPlace}), which hopping windows then use for a window already in state.
 *
 * @param <R> what is added: the input record, or a value taken from it
 * @param <A> the aggregate
 */
public interface WindowAggregator<R, A> {
    A initial();

    A add(A aggregate, R record);

    /**
     * True when aggregates that {@code add} returned are {@link io.kappa.processor.InPlaceValue}s that
     * {@link #addInPlace} may change (never the one {@code initial} returns).
     */
    default boolean addsInPlace() {
        return false;
    }

    /**
     * Adds {@code record} to {@code aggregate}, changing it: the same result as {@code add}, without a new value.
     * Called only when {@link #addsInPlace}, on an aggregate {@code add} returned, after the store was told.
     */
    default void addInPlace(A aggregate, R record) {
        throw new UnsupportedOperationException("this aggregator does not add in place");
    }

    /** The aggregate of two sessions that a record joined; {@code earlier} started first. */
    default A merge(A earlier, A later) {
        throw new UnsupportedOperationException("this aggregator cannot merge session windows");
    }
}
