package io.kappa.log;

/**
 * A summary of one partition for {@code describe}: offsets, record count, segment files and the bytes written
 * to them (records, headers and index; the files themselves are sparse and look larger), and the append
 * times of the first and last record (-1 when empty).
 */
public record PartitionStats(int partition, long startOffset, long endOffset, int segments, long bytesUsed,
                             long firstAppendTime, long lastAppendTime) {
    public long records() {
        return endOffset - startOffset;
    }
}
