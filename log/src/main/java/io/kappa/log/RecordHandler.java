package io.kappa.log;

/** Receives records from {@link PartitionTailer#poll}; the view is valid only during the call. */
@FunctionalInterface
public interface RecordHandler {
    void onRecord(RecordView record);

    /** Called once after each poll that delivered at least one record. */
    default void onEndOfBatch(int count) {
    }
}
