package io.kappa.processor;

import java.util.concurrent.atomic.AtomicLong;

/**
 * For one input partition written by the group's earlier stage: per upstream task, where its recomputed records
 * end ({@link Recomputation#boundary}), looked up by producer id without allocating.
 */
final class UpstreamBoundaries {
    private final long[] producers;
    private final AtomicLong[] boundaries;

    private UpstreamBoundaries(long[] producers, AtomicLong[] boundaries) {
        this.producers = producers;
        this.boundaries = boundaries;
    }

    /** Null when none of the upstream tasks has anything recomputed in this partition. */
    static UpstreamBoundaries of(Recomputation r, long[] producers, String topic, int partition) {
        AtomicLong[] b = new AtomicLong[producers.length];
        boolean any = false;
        for (int i = 0; i < producers.length; i++) {
            b[i] = r.boundary(producers[i], topic, partition);
            any |= b[i] != null;
        }
        return any ? new UpstreamBoundaries(producers.clone(), b) : null;
    }

    /** Whether the record this upstream task wrote with this sequence was recomputed after the rewind. */
    boolean recomputed(long producer, long sequence) {
        for (int i = 0; i < producers.length; i++) {
            if (producers[i] == producer) {
                AtomicLong b = boundaries[i];
                if (b == null) {
                    return false;
                }
                long at = b.get();
                return at < 0 || sequence < at;
            }
        }
        return false;
    }
}
