package io.kappa.processor;

/**
 * Decides which input records a runner's tasks process ({@link RunnerContext#inputFilter}); a record it rejects is
 * passed over as if it were not there (no processing, no watermark, no count). A rewind uses it to rebuild a later
 * stage's state from exactly the records the earlier stage had written before the rewind point. Called on the
 * task's thread, in offset order.
 */
@FunctionalInterface
public interface InputFilter {
    boolean accept(String stage, int task, String topic, int partition, long offset, long producerId);
}
