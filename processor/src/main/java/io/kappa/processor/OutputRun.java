package io.kappa.processor;

import io.kappa.log.Partition;
import io.kappa.log.PartitionTailer;
import io.kappa.log.RecordDescriptor;
import io.kappa.log.RecordHandler;
import io.kappa.log.RecordView;

/**
 * How a task recognises, in an output partition, what it wrote after its checkpoint: the run of records under its
 * producer id whose sequences continue the checkpoint's (used when a task restores, {@link TaskOutputs#recover}, and
 * when a rewind or status asks what a task wrote, {@link Groups}).
 */
final class OutputRun {
    private OutputRun() {
    }

    /**
     * The last sequence of the run of a task's records in {@code partition} at or after offset {@code from}: the
     * records stamped with {@code producerId} (or {@code legacyId}, unless it is {@link RecordDescriptor#NO_PRODUCER})
     * whose sequences are {@code first}, {@code first + 1}, ... in log order; {@code first - 1} if there are none.
     * This is all a task writes after a checkpoint, crash after crash. A record under the id that does not continue
     * the run (a gap, a jump, a repeat) was not written by the task and is ignored, reported once on stderr naming
     * {@code where}: a stray or forged record can never make the task take outputs it has not written for written.
     */
    static long endOfRun(Partition partition, long from, long producerId, long legacyId, long first, String where) {
        long start = Math.max(from, partition.startOffset());
        long[] run = {first - 1, 0, -1, 0}; // last in run, strays, first stray's offset, its sequence
        if (start < partition.endOffset()) {
            try (PartitionTailer tailer = partition.newTailer()) {
                tailer.moveToOffset(start);
                RecordHandler h = (RecordView v) -> {
                    long id = v.producerId();
                    if (id != producerId && (id != legacyId || legacyId == RecordDescriptor.NO_PRODUCER)) {
                        return;
                    }
                    long sequence = v.producerSequence();
                    if (sequence == run[0] + 1) {
                        run[0] = sequence;
                    } else if (run[1]++ == 0) {
                        run[2] = v.offset();
                        run[3] = sequence;
                    }
                };
                while (tailer.poll(h, 4096) > 0) {
                    // scan to the end
                }
            }
        }
        if (run[1] > 0) {
            System.err.println("kappa: " + where + " holds " + run[1] + " record(s) under producer id " + producerId
                + " that do not continue its sequence " + first + ".." + run[0] + " (the first at offset " + run[2] + ", sequence "
                + run[3] + "); they were not written by the task and are ignored");
        }
        return run[0];
    }
}
