package io.kappa.log;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;

/**
 * Reads the part of a segment file just ahead of where the appender writes, from a background thread, so
 * the page cache already holds those pages when the appender's memory-mapped writes reach them. Without it
 * the appending thread itself takes the page faults, and on this kind of machine (8 MiB read-ahead) one fault
 * now and then costs 10-15 ms: the tail of the append latency. Reading the region (zeros, or nothing past
 * the file's end) changes nothing in the file.
 */
final class SegmentPretoucher implements AutoCloseable {
    /** How far ahead of the write position pages are kept in the page cache. */
    static final long AHEAD = 16L << 20;
    /** Reads happen once the touched region is less than this far ahead. */
    static final long REFILL = 8L << 20;

    private final ByteBuffer scratch = ByteBuffer.allocateDirect(256 << 10);
    private File file;
    private FileChannel channel;
    private long touchedTo;
    private boolean closed;

    /** Touches pages of {@code segment} from the write position {@code writeEnd} up to {@link #AHEAD} beyond it. */
    synchronized void touch(File segment, long writeEnd) {
        if (closed || segment == null || writeEnd < 0) {
            return;
        }
        try {
            if (!segment.equals(file)) {
                closeChannel();
                channel = FileChannel.open(segment.toPath(), StandardOpenOption.READ);
                file = segment;
                touchedTo = 0;
            }
            long from = Math.max(touchedTo, writeEnd);
            long to = writeEnd + AHEAD;
            if (to - from < AHEAD - REFILL) {
                return;
            }
            long position = from;
            while (position < to) {
                scratch.clear();
                int n = channel.read(scratch, position);
                if (n <= 0) {
                    break; // past the end of the file as Chronicle has sized it so far
                }
                position += n;
            }
            touchedTo = position;
        } catch (IOException e) {
            closeChannel(); // the segment went away (retention, topic deleted); try again with the next one
        }
    }

    private void closeChannel() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // read-only, nothing to lose
            }
        }
        channel = null;
        file = null;
    }

    @Override
    public synchronized void close() {
        closed = true;
        closeChannel();
    }
}
