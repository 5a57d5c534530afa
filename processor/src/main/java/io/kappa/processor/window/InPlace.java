package io.kappa.processor.window;

/**
 * The shape of a window aggregate whose bulk (a histogram, a set, a sketch) is changed in place instead of copied
 * on every record, while it still looks immutable to the state store, whose undo of a failed record puts the
 * previous value back ({@link WindowAggregator} asks {@code add} never to change the value it is given).
 *
 * <p>An aggregate is a view: the bulk shared by one lineage of views, the number of values in the view
 * ({@code version}) and its last value, which may still be <i>pending</i>. The bulk always holds the first
 * {@code version - 1} values and holds the last one once it is folded in, which the bulk's own count tells. {@code add}
 * folds the view's pending value into the bulk (if not done yet) and returns a new view one version on with the new
 * value pending. The view it was given still means the same values, so when the record that added fails and the store
 * puts that view back, the next record continues from it: the failed record's value was only ever pending in a view
 * that is dropped. Reads never change the bulk; a read of a view with a pending value folds it into a copy, which
 * costs a copy of the bulk (once per window in append mode, on every change in update mode).
 *
 * <p>Only the newest view of a lineage, or the one before it, may be used; anything older fails loudly. One record
 * adds at most once to a lineage (one window, one key), so that is all a store's undo ever needs. Not thread-safe: a
 * task owns its stores.
 */
abstract class InPlace<B> {
    /** The mutable part one lineage of views shares. */
    static final class Bulk<B> {
        B value;
        long folded;

        Bulk(B value, long folded) {
            this.value = value;
            this.folded = folded;
        }
    }

    final Bulk<B> bulk;
    final long version;

    InPlace(Bulk<B> bulk, long version) {
        this.bulk = bulk;
        this.version = version;
    }

    /** True when this view's last value is not in the bulk yet. */
    final boolean pending() {
        if (bulk.folded == version) {
            return false;
        }
        if (bulk.folded == version - 1) {
            return true;
        }
        throw new IllegalStateException("a " + getClass().getSimpleName() + " aggregate of " + version
            + " values was used after its bulk had moved on to " + bulk.folded + " (an old copy kept past a record)");
    }

    /** The bulk with every value of this view in it, for {@code add}: folds the pending value. */
    final B forAdd() {
        if (pending()) {
            bulk.value = fold(bulk.value);
            bulk.folded = version;
        }
        return bulk.value;
    }

    /** The bulk with this view's values, for reading: the shared bulk, or a copy with the pending value folded in. */
    final B forRead() {
        return pending() ? fold(copy(bulk.value)) : bulk.value;
    }

    /** {@code value} with this view's pending value added; may change and return {@code value} or return a new bulk. */
    abstract B fold(B value);

    abstract B copy(B value);
}
