package io.kappa.log;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * A read cursor over one partition. Seeks fail loudly ({@link LogException.OffsetOutOfRange}); {@link #poll}
 * hands each record to a handler through one reusable {@link RecordView}, so reading allocates nothing per
 * record. A tailer only ever sees whole documents (one CRC check per stored batch), and checks that offsets follow
 * one another. A position inside a batch (after a seek, or when a poll stops at {@code maxRecords} inside one) is
 * kept as the next offset: the document is read again and the records before it skipped.
 *
 * <p>Not thread-safe: one thread at a time.
 */
public final class PartitionTailer implements AutoCloseable {
    private final Partition partition;
    private final ExcerptTailer tailer;
    private final boolean verifyChecksums;
    private final RecordView view = new RecordView();
    private final RecordBatch batch = new RecordBatch();
    private long nextOffset;
    // Chronicle index of the document `batch` last checked: a document is read again after a poll stopped inside
    // it, and stored bytes never change, so it is not checked twice.
    private long checkedIndex = -1;
    // Whether the tailer stands on a document guessed by moveToOffset's fast path, not yet seen to hold nextOffset.
    private boolean guessed;
    // Whether the next document read may hold nextOffset somewhere inside it (after a seek, or a stop inside a batch)
    // rather than start with it.
    private boolean mayStartInside = true;

    PartitionTailer(Partition partition, ExcerptTailer tailer, boolean verifyChecksums) {
        this.partition = partition;
        this.tailer = tailer;
        this.verifyChecksums = verifyChecksums;
    }

    public Partition partition() {
        return partition;
    }

    /** The offset of the next record {@link #poll} delivers. */
    public long offset() {
        return nextOffset;
    }

    /**
     * Positions so that the next record read is {@code offset}. Any offset from the start offset up to and
     * including the end offset is valid (the end offset waits for the next append).
     */
    public PartitionTailer moveToOffset(long offset) {
        // Fast path: an offset below an end offset seen before, in a segment still listed. Offsets never
        // move, so the guessed document is taken without reading it: poll checks that it holds the offset, and
        // searches for the right one when it does not.
        if (offset >= 0 && offset < partition.knownEndOffset()) {
            long index = partition.segments().guessIndexOf(offset);
            if (index >= 0 && tailer.moveToIndex(index)) {
                nextOffset = offset;
                guessed = true;
                mayStartInside = true;
                return this;
            }
        }
        return moveExactly(offset);
    }

    /** The slow path of {@link #moveToOffset}: the range checked, the document holding the offset searched for. */
    private PartitionTailer moveExactly(long offset) {
        guessed = false;
        mayStartInside = true;
        long start = partition.startOffset();
        long end = partition.endOffset();
        if (offset < start || offset > end) {
            throw new LogException.OffsetOutOfRange(partition.where(), offset, start, end);
        }
        if (offset == end) {
            positionAtEnd(end);
        } else {
            long index = partition.segments().indexOf(offset);
            if (index < 0 || !tailer.moveToIndex(index)) {
                throw new LogException.CorruptRecord(partition.where() + ": cannot position on offset " + offset
                    + " (Chronicle index " + Long.toHexString(index) + ")");
            }
        }
        nextOffset = offset;
        return this;
    }

    /** Positions on the first record still stored. */
    public PartitionTailer toStart() {
        return moveToOffset(partition.startOffset());
    }

    /** Positions after the last record, to read only records appended from now on. */
    public PartitionTailer toEnd() {
        return moveToOffset(partition.endOffset());
    }

    /** Positions on the first record whose append time is >= {@code epochMs} (or at the end if none). */
    public PartitionTailer moveToTime(long epochMs) {
        return moveToOffset(partition.offsetForTime(epochMs));
    }

    private void positionAtEnd(long end) {
        if (end == 0) {
            tailer.toStart();
            return;
        }
        // Step onto the last record and read past it, so a record appended meanwhile is not skipped.
        long last = end - 1;
        long index = partition.segments().indexOf(last);
        if (index < 0 || !tailer.moveToIndex(index)) {
            throw new LogException.CorruptRecord(partition.where() + ": cannot position on offset " + last);
        }
        try (DocumentContext dc = tailer.readingDocument()) {
            if (!dc.isPresent()) {
                throw new LogException.CorruptRecord(partition.where() + ": record at offset " + last + " is missing");
            }
        }
    }

    /**
     * Delivers up to {@code maxRecords} available records to {@code handler}, in offset order, and returns how
     * many. Returns 0 at once when no record is available. If the handler throws, the record it was given is
     * not consumed: the next poll delivers it again.
     */
    public int poll(RecordHandler handler, int maxRecords) {
        int count = 0;
        while (count < maxRecords) {
            int delivered;
            try (DocumentContext dc = tailer.readingDocument()) {
                if (!dc.isPresent()) {
                    break;
                }
                try {
                    delivered = deliver(dc, handler, maxRecords - count);
                } catch (RuntimeException | Error e) {
                    dc.rollbackOnClose();
                    throw e;
                }
                if (delivered <= 0 || batch.endOffset() != nextOffset) {
                    // Stopped inside the batch (or guessed the wrong document): the document is read again from its
                    // start next time, and records before nextOffset are skipped.
                    dc.rollbackOnClose();
                }
            }
            if (delivered < 0) {
                moveExactly(nextOffset); // the guessed document was the wrong one
            } else {
                count += delivered;
            }
        }
        if (count > 0) {
            handler.onEndOfBatch(count);
        }
        return count;
    }

    /**
     * Hands the records of the current document from {@link #nextOffset} on to the handler, at most {@code max};
     * returns how many, or -1 when a guessed position turned out to be the wrong document.
     */
    private int deliver(DocumentContext dc, RecordHandler handler, int max) {
        Bytes<?> bytes = dc.wire().bytes();
        RecordBatch b = batch;
        long index = dc.index();
        long address = bytes.addressForRead(bytes.readPosition());
        int length = (int) bytes.readRemaining();
        if (index == checkedIndex) {
            b.rewrap(address, length);
        } else {
            checkedIndex = -1;
            b.wrap(partition.id(), address, length);
            b.verify(verifyChecksums, partition.where(), nextOffset, view);
            checkedIndex = index;
        }
        long base = b.baseOffset();
        // After a whole document, the next one must start at the next offset; only after a seek or a stop inside a
        // batch may the tailer stand inside a document. Anything else is a corrupt log (documents that overlap or
        // leave a gap), not a position.
        if (nextOffset < base || nextOffset >= b.endOffset() || (base != nextOffset && !mayStartInside)) {
            if (!guessed) {
                throw notExpected(b);
            }
            return -1;
        }
        guessed = false;
        int from = (int) (nextOffset - base);
        int to = (int) Math.min(b.count(), (long) from + max);
        RecordView v = view;
        mayStartInside = true; // a failing handler or a stop inside leaves the tailer inside this document
        for (int i = from; i < to; i++) {
            b.record(i, v);
            handler.onRecord(v);
            nextOffset++;
        }
        mayStartInside = to < b.count();
        return to - from;
    }

    private LogException.CorruptRecord notExpected(RecordBatch b) {
        return new LogException.CorruptRecord(partition.where() + ": expected offset " + nextOffset
            + " but the document there holds offsets " + b.baseOffset() + " to " + b.lastOffset());
    }

    @Override
    public void close() {
        tailer.close();
    }
}
