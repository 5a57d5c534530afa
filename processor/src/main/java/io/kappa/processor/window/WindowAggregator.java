package io.kappa.processor.window;

/**
 * A windowed aggregation: an initial value, one step per record, and (for session windows) how two partial
 * results merge when a record bridges two sessions. Aggregates are kept in state stores, which undo a failed
 * record's writes by keeping the previous value: {@code add} and {@code merge} must return a new value and never
 * change the one they are given.
 *
 * @param <R> what is added: the input record, or a value taken from it
 * @param <A> the aggregate
 */
public interface WindowAggregator<R, A> {
    A initial();

    A add(A aggregate, R record);

    /** The aggregate of two sessions that a record joined; {@code earlier} started first. */
    default A merge(A earlier, A later) {
        throw new UnsupportedOperationException("this aggregator cannot merge session windows");
    }
}
