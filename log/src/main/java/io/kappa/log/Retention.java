package io.kappa.log;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;

import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueStore;

/**
 * Removes whole old segments of a partition once they are past the topic's retention. The newest segment
 * is never removed (it holds the end offset), so a partition never loses its position.
 * <ul>
 *   <li>By time: a segment goes when every record in it is older than {@code now - retentionMs}, that is when
 *       the next segment's first append time is at or before that instant.</li>
 *   <li>By size: the oldest segments go while the bytes written to all segments exceed {@code retentionBytes}.</li>
 * </ul>
 */
final class Retention {
    private Retention() {
    }

    static int enforce(Partition partition, long retentionMs, long retentionBytes, long nowMs) {
        if (retentionMs < 0 && retentionBytes < 0) {
            return 0;
        }
        synchronized (partition) {
            SingleChronicleQueue queue = partition.queue();
            SegmentIndex segments = partition.segments();
            queue.refreshDirectoryListing();
            int[] cycles = segments.cycles();
            int removed = 0;
            long[] sizes = new long[cycles.length];
            long total = 0;
            for (int i = 0; i < cycles.length; i++) {
                sizes[i] = bytesWritten(queue, cycles[i]);
                total += sizes[i];
            }
            // Never remove the newest segment that holds records (it holds the end offset), even when an
            // empty segment file follows it.
            int keep = cycles.length - 1;
            while (keep > 0 && segments.documentsInCycle(cycles[keep]) == 0) {
                keep--;
            }
            for (int i = 0; i < keep; i++) {
                boolean expired = false;
                if (retentionMs > 0) {
                    SegmentIndex.Segment next = null;
                    for (int j = i + 1; j < cycles.length && next == null; j++) {
                        next = segments.segment(cycles[j]);
                    }
                    expired = next != null && next.firstAppendTime() <= nowMs - retentionMs;
                }
                if (!expired && retentionBytes > 0) {
                    expired = total > retentionBytes;
                }
                if (!expired) {
                    break;
                }
                delete(queue, cycles[i], partition.where());
                segments.forget(cycles[i]);
                total -= sizes[i];
                removed++;
            }
            if (removed > 0) {
                queue.refreshDirectoryListing();
            }
            return removed;
        }
    }

    /** Bytes written to a segment file (records, headers and Chronicle's index), not its sparse file size. */
    static long bytesWritten(SingleChronicleQueue queue, int cycle) {
        SingleChronicleQueueStore store = queue.storeForCycle(cycle, queue.epoch(), false, null);
        if (store == null) {
            return 0;
        }
        try {
            return store.writePosition();
        } finally {
            queue.closeStore(store);
        }
    }

    private static void delete(SingleChronicleQueue queue, int cycle, String where) {
        SingleChronicleQueueStore store = queue.storeForCycle(cycle, queue.epoch(), false, null);
        if (store == null) {
            return;
        }
        File file = store.file();
        queue.closeStore(store);
        try {
            Files.deleteIfExists(file.toPath());
        } catch (IOException e) {
            throw new LogException(where + ": cannot remove expired segment " + file + ": " + e.getMessage(), e);
        }
    }
}
