package io.kappa.log;

import java.util.NavigableSet;
import java.util.concurrent.ConcurrentHashMap;

import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Maps dense offsets and append times to Chronicle indexes. A partition is a sequence of segments (one
 * Chronicle cycle file each); within a segment Chronicle's sequence numbers are dense, and the first record
 * of each segment carries its offset, so {@code index(offset) = toIndex(cycle, offset - firstOffset(cycle))}.
 * The first record of each segment is read once and cached (it never changes); nothing else is kept, so
 * the index is rebuilt from the files on every open rather than trusted after a crash.
 *
 * <p>Thread-safe: probing methods are synchronized and use one private tailer.
 */
final class SegmentIndex implements AutoCloseable {
    record Segment(int cycle, long firstOffset, long firstAppendTime) {
    }

    /** Below this many candidates a time lookup reads records in order instead of probing. */
    private static final int SCAN_BELOW = 128;

    private final SingleChronicleQueue queue;
    private final RollCycle rollCycle;
    private final String where;
    private final ConcurrentHashMap<Integer, Segment> firstRecords = new ConcurrentHashMap<>();
    private final RecordView view = new RecordView();
    private ExcerptTailer probe;
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
            s = new Segment(cycle, view.offset(), view.appendTime());
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
        cycles = null;
    }

    synchronized long recordsInCycle(int cycle) {
        return Math.max(0, probe().excerptsInCycle(cycle));
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
            long count = recordsInCycle(cycles[i]);
            if (count > 0) {
                Segment s = segment(cycles[i]);
                if (s != null) {
                    return s.firstOffset() + count;
                }
            }
        }
        return 0;
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

    /** Chronicle index of an offset, or -1 when no stored segment starts at or before it. */
    long indexOf(long offset) {
        Segment s = segmentFor(offset);
        return s == null ? -1 : rollCycle.toIndex(s.cycle(), offset - s.firstOffset());
    }

    /**
     * The first offset whose append time is >= {@code time}, or the end offset when there is none: a binary
     * search over segments by their first append time, then over the records of one segment. Append times
     * never decrease within a partition, which is what makes the search valid.
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
        long count = recordsInCycle(before.cycle());
        return before.firstOffset() + firstAtOrAfter(before, count, time);
    }

    /**
     * The first sequence in {@code [0, count)} of a segment whose append time is >= {@code time}, or
     * {@code count}. Append times grow roughly linearly with the sequence, so guesses interpolate between the
     * bounds; every other step halves the range, which keeps the worst case logarithmic. The last few hundred
     * records are read in order, which is cheaper than more random probes.
     */
    private long firstAtOrAfter(Segment segment, long count, long time) {
        long loTime = segment.firstAppendTime();
        if (loTime >= time) {
            return 0;
        }
        long hiTime = appendTimeAt(segment.cycle(), count - 1);
        if (hiTime < time) {
            return count;
        }
        long lo = 1;              // appendTime(lo - 1) == loTime < time
        long hi = count - 1;      // appendTime(hi) == hiTime >= time
        boolean interpolate = true;
        while (hi - lo > SCAN_BELOW) {
            long mid;
            if (interpolate && hiTime > loTime) {
                double fraction = (double) (time - loTime) / (double) (hiTime - loTime);
                mid = lo + (long) (fraction * (hi - lo));
                mid = Math.max(lo, Math.min(hi - 1, mid));
            } else {
                mid = (lo + hi) >>> 1;
            }
            interpolate = !interpolate;
            long t = appendTimeAt(segment.cycle(), mid);
            if (t < time) {
                lo = mid + 1;
                loTime = t;
            } else {
                hi = mid;
                hiTime = t;
            }
        }
        return scanForward(segment.cycle(), lo, hi, time);
    }

    private long scanForward(int cycle, long from, long to, long time) {
        if (from >= to) {
            return to;
        }
        ExcerptTailer t = probe();
        if (!t.moveToIndex(rollCycle.toIndex(cycle, from))) {
            throw new LogException.CorruptRecord(where + ": cannot position on record " + from + " of segment " + cycle);
        }
        for (long seq = from; seq < to; seq++) {
            try (DocumentContext dc = t.readingDocument()) {
                if (!dc.isPresent()) {
                    throw new LogException.CorruptRecord(where + ": record " + seq + " of segment " + cycle + " is missing");
                }
                wrap(dc);
                if (view.appendTime() >= time) {
                    return seq;
                }
            }
        }
        return to;
    }

    private long appendTimeAt(int cycle, long sequence) {
        ExcerptTailer t = probe();
        if (!t.moveToIndex(rollCycle.toIndex(cycle, sequence))) {
            throw new LogException.CorruptRecord(where + ": cannot position on record " + sequence + " of segment " + cycle);
        }
        try (DocumentContext dc = t.readingDocument()) {
            if (!dc.isPresent()) {
                throw new LogException.CorruptRecord(where + ": record " + sequence + " of segment " + cycle + " is missing");
            }
            wrap(dc);
            return view.appendTime();
        }
    }

    private void wrap(DocumentContext dc) {
        var bytes = dc.wire().bytes();
        view.wrap(-1, bytes.addressForRead(bytes.readPosition()), (int) bytes.readRemaining());
        view.verify(false, where, -1);
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
    }
}
