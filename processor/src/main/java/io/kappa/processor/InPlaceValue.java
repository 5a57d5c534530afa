package io.kappa.processor;

/**
 * A store value that a processor changes in place rather than replacing it with a new one, so that updating an entry
 * allocates nothing. Its state fits a fixed number of longs: before changing a value it holds, the processor calls
 * {@link KeyValueStore#changing}, and the store copies that state aside (into an array it reuses) so that the undo of
 * a failed record can write it back. Values that are not changed this way stay immutable once put.
 */
public interface InPlaceValue {
    /** How many longs {@link #saveTo} writes; the same for every call on one value. */
    int stateLongs();

    /** Writes the state to {@code to[at]} and on. */
    void saveTo(long[] to, int at);

    /** Takes back a state {@link #saveTo} wrote. */
    void restoreFrom(long[] from, int at);
}
