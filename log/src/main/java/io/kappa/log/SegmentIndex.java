package io.kappa.log;

import java.util.NavigableSet;
import java.util.concurrent.ConcurrentHashMap;

import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Maps dense offsets and append times to Chronicle indexes. A partition is a sequence of segments (one
 * Chronicle cycle file each); within a segment Chronicle's sequence numbers are dense, and each document holds a
 * batch of records with consecutive offsets ({@link RecordDescriptor}: one record in format 1, one or more in
 * format 2), so the document holding an offset is found by a search over the documents' base offsets, guided by
 * interpolation (offsets grow almost linearly with the sequence number; with one record per document the first
 * guess is exact). The first document of each segment is read once and cached (it never changes), and so is the
 * end offset for as long as the last segment's document count stays the same; nothing else is kept, so the index
 * is rebuilt from the files on every open rather than trusted after a crash.
 *
 * <p>Thread-safe: probing methods are synchronized and use one private tailer.
 */
final class SegmentIndex implements AutoCloseable {
    record Segment(int cycle, long firstOffset, long firstAppendTime) {
    }

    /** Below this many candidate documents a time lookup reads them in order instead of probing. */
    private static final int SCAN_BELOW = 128;
    /** The same for an offset lookup, whose interpolation is nearly exact. */
    private static final int SCAN_OFFSETS_BELOW = 8;

    private final SingleChronicleQueue queue;
    private final RollCycle rollCycle;
    private final String where;
    private final ConcurrentHashMap<Integer, Segment> firstRecords = new ConcurrentHashMap<>();
    private final RecordView view = new RecordView();
    private final RecordBatch batch = new RecordBatch();
    private final java.util.HashMap<Integer, Long> completeCounts = new java.util.HashMap<>();
    private ExcerptTailer probe;
    private ExcerptTailer endProbe;
    // The end offset as of the last segment's document count: valid while that cycle and count stay the same.
    private int endCycle = Integer.MIN_VALUE;
    private long endCount = -1;
    private long endOffset;
    private int[] cycles;
    private int listedFirst;
    private int listedLast;

    SegmentIndex(SingleChronicleQueue queue, String where) {
        this.queue = queue;
        this.rollCycle = queue.rollCycle();
        this.where = where;
    }

    /**
     * Cycles that have a file, oldest first. Listed again only when the first or last cycle changed (new
     * segments are appended at the end and retention removes from the start), or after {@link #forget}.
     */
    synchronized int[] cycles() {
        int first = queue.firstCycle();
        int last = queue.lastCycle();
        if (first == Integer.MAX_VALUE || last < first) {
            return new int[0];
        }
        if (cycles != null && first == listedFirst && last == listedLast) {
            return cycles;
        }
        NavigableSet<Long> set = queue.listCyclesBetween(first, last);
        int[] listed = new int[set.size()];
        int i = 0;
        for (Long c : set) {
            listed[i++] = c.intValue();
        }
        listedFirst = first;
        listedLast = last;
        cycles = listed;
        return listed;
    }

    /** The first record of a cycle, or null when the cycle holds no record yet. */
    synchronized Segment segment(int cycle) {
        Segment s = firstRecords.get(cycle);
        if (s != null) {
            return s;
        }
        ExcerptTailer t = probe();
        if (t.excerptsInCycle(cycle) <= 0 || !t.moveToIndex(rollCycle.toIndex(cycle, 0))) {
            return null;
        }
        try (DocumentContext dc = t.readingDocument()) {
            if (!dc.isPresent()) {
                return null;
            }
            wrap(dc);
            s = new Segment(cycle, batch.baseOffset(), batch.appendTime());
        }
        firstRecords.put(cycle, s);
        return s;
    }

    /** Remembers the first record of a cycle this process just wrote. */
    void learn(int cycle, long firstOffset, long firstAppendTime) {
        firstRecords.putIfAbsent(cycle, new Segment(cycle, firstOffset, firstAppendTime));
    }

    synchronized void forget(int cycle) {
        firstRecords.remove(cycle);
        completeCounts.remove(cycle);
        cycles = null;
        endCycle = Integer.MIN_VALUE;
    }

    /**
     * How many documents a cycle holds. A cycle before the last one is complete (appends go to the newest cycle), so
     * its count is kept; the last cycle's is asked of Chronicle each time, through a tailer of its own so that a
     * search in an older segment and a look at the end do not move one tailer between cycle files (each move
     * opens the other file's index).
     */
    synchronized long documentsInCycle(int cycle) {
        Long known = completeCounts.get(cycle);
        if (known != null) {
            return known;
        }
        long count = Math.max(0, endProbe().excerptsInCycle(cycle));
        int[] listed = cycles();
        if (listed.length > 0 && cycle < listed[listed.length - 1]) {
            completeCounts.put(cycle, count);
        }
        return count;
    }

    synchronized long startOffset() {
        for (int c : cycles()) {
            Segment s = segment(c);
            if (s != null) {
                return s.firstOffset();
            }
        }
        return 0;
    }

    synchronized long endOffset() {
        int[] cycles = cycles();
        for (int i = cycles.length - 1; i >= 0; i--) {
            long count = documentsInCycle(cycles[i]);
            if (count > 0) {
                return endOfCycle(cycles[i], count);
            }
        }
        return 0;
    }

    /**
     * One past the last offset of a cycle's first {@code count > 0} documents: the next segment's first offset for a
     * complete cycle, else read from its last document (kept while the count stays the same).
     */
    private long endOfCycle(int cycle, long count) {
        int[] cycles = cycles();
        if (cycles.length > 0 && cycle < cycles[cycles.length - 1]) {
            for (int c : cycles) {
                if (c > cycle) {
                    Segment next = segment(c);
                    if (next != null) {
                        return next.firstOffset();
                    }
                }
            }
        }
        if (cycle == endCycle && count == endCount) {
            return endOffset;
        }
        long end = documentAt(endProbe(), cycle, count - 1).endOffset();
        endCycle = cycle;
        endCount = count;
        endOffset = end;
        return end;
    }

    /** The segment holding {@code offset} (the last segment starting at or before it), or null. */
    synchronized Segment segmentFor(long offset) {
        int[] cycles = cycles();
        int lo = 0;
        int hi = cycles.length - 1;
        Segment best = null;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int j = mid;
            Segment s = null;
            while (j <= hi && (s = segment(cycles[j])) == null) {
                j++;
            }
            if (s == null) {
                hi = mid - 1;
            } else if (s.firstOffset() <= offset) {
                best = s;
                lo = j + 1;
            } else {
                hi = mid - 1;
            }
        }
        return best;
    }

    /**
     * A guess, read from nothing but what is cached, of the Chronicle index of the document holding an offset: exact
     * when the segment's documents hold one record each, close when they hold batches of similar size. The caller
     * must check the document it finds there ({@link PartitionTailer} does) and fall back to {@link #indexOf}.
     * Returns -1 when there is nothing to guess from.
     */
    synchronized long guessIndexOf(long offset) {
        Segment s = segmentFor(offset);
        if (s == null) {
            return -1;
        }
        int cycle = s.cycle();
        long count;
        long end;
        if (cycle == endCycle) {
            count = endCount;
            end = endOffset;
        } else {
            Long complete = completeCounts.get(cycle);
            if (complete == null) {
                return indexOf(offset);
            }
            count = complete;
            end = endOfCycle(cycle, count);
        }
        if (count <= 0 || end <= s.firstOffset()) {
            return indexOf(offset);
        }
        long guess = (long) ((double) (offset - s.firstOffset()) * count / (end - s.firstOffset()));
        return rollCycle.toIndex(cycle, Math.max(0, Math.min(count - 1, guess)));
    }

    /** Chronicle index of the document holding an offset, or -1 when no stored segment starts at or before it. */
    synchronized long indexOf(long offset) {
        Segment s = segmentFor(offset);
        if (s == null) {
            return -1;
        }
        int cycle = s.cycle();
        long count = documentsInCycle(cycle);
        if (count <= 0) {
            return -1;
        }
        // Documents lo..hi may hold the offset; loKey is lo's base offset, hiEnd one past hi's last offset. A guess
        // interpolates between them (exact at once with a record per document, and within a probe or two for
        // batches of even size); after a miss, every other guess halves the range, which bounds the probes.
        long lo = 0;
        long hi = count - 1;
        long loKey = s.firstOffset();
        long hiEnd = endOfCycle(cycle, count);
        boolean interpolate = true;
        while (lo <= hi) {
            long guess = interpolate && hiEnd > loKey
                ? lo + (long) ((double) (offset - loKey) * (hi - lo + 1) / (hiEnd - loKey))
                : (lo + hi) >>> 1;
            guess = Math.max(lo, Math.min(hi, guess));
            RecordBatch d = documentAt(cycle, guess);
            if (offset < d.baseOffset()) {
                hi = guess - 1;
                hiEnd = d.baseOffset();
            } else if (offset >= d.endOffset()) {
                lo = guess + 1;
                loKey = d.endOffset();
            } else {
                return rollCycle.toIndex(cycle, guess);
            }
            interpolate = !interpolate;
        }
        if (lo < count) {
            return -1; // a gap between two documents: the caller reports the offset as not found
        }
        // Chronicle's count of documents may lag a writer: an offset past the counted ones is in a later document.
        ExcerptTailer t = probe();
        if (!t.moveToIndex(rollCycle.toIndex(cycle, count - 1))) {
            return -1;
        }
        while (true) {
            try (DocumentContext dc = t.readingDocument()) {
                if (!dc.isPresent()) {
                    return -1;
                }
                wrap(dc);
                if (batch.endOffset() > offset) {
                    return batch.baseOffset() <= offset ? dc.index() : -1;
                }
            }
        }
    }

    /**
     * The first offset whose append time is >= {@code time}, or the end offset when there is none: a binary
     * search over segments by their first append time, then over the documents of one segment. Append times
     * never decrease within a partition, which is what makes the search valid; the records of a batch share
     * their append time.
     */
    synchronized long offsetForTime(long time) {
        int[] cycles = cycles();
        int lo = 0;
        int hi = cycles.length - 1;
        Segment before = null;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int j = mid;
            Segment s = null;
            while (j <= hi && (s = segment(cycles[j])) == null) {
                j++;
            }
            if (s == null) {
                hi = mid - 1;
            } else if (s.firstAppendTime() < time) {
                before = s;
                lo = j + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (before == null) {
            return startOffset();
        }
        long count = documentsInCycle(before.cycle());
        if (count == 0) {
            return endOffset(); // the segment's first document is being written: nothing at or after the time yet
        }
        long sequence = firstAbove(before.cycle(), count, before.firstAppendTime(), time - 1, true);
        return sequence == count ? endOfCycle(before.cycle(), count) : documentAt(before.cycle(), sequence).baseOffset();
    }

    /**
     * The first document sequence in {@code [0, count)} of a cycle whose key is above {@code target}, or {@code count};
     * the key is the document's append time ({@code byTime}) or its base offset, never decreasing with the sequence,
     * and {@code firstKey} is document 0's. Keys grow roughly linearly with the sequence, so guesses interpolate
     * between the bounds; every other step halves the range, which keeps the worst case logarithmic. The last few
     * documents are read in order, which is cheaper than more random probes.
     */
    private long firstAbove(int cycle, long count, long firstKey, long target, boolean byTime) {
        long loKey = firstKey;
        if (loKey > target) {
            return 0;
        }
        long hiKey = keyAt(cycle, count - 1, byTime);
        if (hiKey <= target) {
            return count;
        }
        long lo = 1;              // key(lo - 1) == loKey <= target
        long hi = count - 1;      // key(hi) == hiKey > target
        boolean interpolate = true;
        int scanBelow = byTime ? SCAN_BELOW : SCAN_OFFSETS_BELOW;
        while (hi - lo > scanBelow) {
            long mid;
            if (interpolate && hiKey > loKey) {
                double fraction = (double) (target - loKey) / (double) (hiKey - loKey);
                mid = lo + (long) (fraction * (hi - lo));
                mid = Math.max(lo, Math.min(hi - 1, mid));
            } else {
                mid = (lo + hi) >>> 1;
            }
            interpolate = !interpolate;
            long k = keyAt(cycle, mid, byTime);
            if (k <= target) {
                lo = mid + 1;
                loKey = k;
            } else {
                hi = mid;
                hiKey = k;
            }
        }
        return scanForward(cycle, lo, hi, target, byTime);
    }

    private long scanForward(int cycle, long from, long to, long target, boolean byTime) {
        if (from >= to) {
            return to;
        }
        ExcerptTailer t = probe();
        if (!t.moveToIndex(rollCycle.toIndex(cycle, from))) {
            throw new LogException.CorruptRecord(where + ": cannot position on document " + from + " of segment " + cycle);
        }
        for (long seq = from; seq < to; seq++) {
            try (DocumentContext dc = t.readingDocument()) {
                if (!dc.isPresent()) {
                    throw new LogException.CorruptRecord(where + ": document " + seq + " of segment " + cycle + " is missing");
                }
                wrap(dc);
                if ((byTime ? batch.appendTime() : batch.baseOffset()) > target) {
                    return seq;
                }
            }
        }
        return to;
    }

    private long keyAt(int cycle, long sequence, boolean byTime) {
        RecordBatch b = documentAt(cycle, sequence);
        return byTime ? b.appendTime() : b.baseOffset();
    }

    /** Reads the header of document {@code sequence} of a cycle into {@link #batch}. */
    private RecordBatch documentAt(int cycle, long sequence) {
        return documentAt(probe(), cycle, sequence);
    }

    private RecordBatch documentAt(ExcerptTailer t, int cycle, long sequence) {
        if (!t.moveToIndex(rollCycle.toIndex(cycle, sequence))) {
            throw new LogException.CorruptRecord(where + ": cannot position on document " + sequence + " of segment " + cycle);
        }
        try (DocumentContext dc = t.readingDocument()) {
            if (!dc.isPresent()) {
                throw new LogException.CorruptRecord(where + ": document " + sequence + " of segment " + cycle + " is missing");
            }
            wrap(dc);
            return batch;
        }
    }

    private void wrap(DocumentContext dc) {
        var bytes = dc.wire().bytes();
        batch.wrap(-1, bytes.addressForRead(bytes.readPosition()), (int) bytes.readRemaining());
        batch.readHeader(where, view);
    }

    private ExcerptTailer endProbe() {
        if (endProbe == null) {
            endProbe = queue.createTailer();
            endProbe.singleThreadedCheckDisabled(true);
        }
        return endProbe;
    }

    private ExcerptTailer probe() {
        if (probe == null) {
            probe = queue.createTailer();
            probe.singleThreadedCheckDisabled(true); // used by many threads, always under this object's lock
        }
        return probe;
    }

    @Override
    public synchronized void close() {
        if (probe != null) {
            probe.close();
            probe = null;
        }
        if (endProbe != null) {
            endProbe.close();
            endProbe = null;
        }
    }
}
