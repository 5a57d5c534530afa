package io.kappa.log;

import org.agrona.checksum.Crc32c;
import org.agrona.concurrent.UnsafeBuffer;

import static io.kappa.log.RecordDescriptor.*;

/**
 * A reusable reader of one stored document, in either format of {@link RecordDescriptor}: a format-1 document is a
 * batch of one record. {@link #wrap} then {@link #verify} checks the whole document once (version, every length, one
 * CRC), after which {@link #record} positions a {@link RecordView} on any of its records without further checks.
 *
 * <p>Not thread-safe; valid while the document it wraps is.
 */
final class RecordBatch {
    private final UnsafeBuffer buffer = new UnsafeBuffer(0, 0);
    private int partition;
    private boolean batched;
    private long baseOffset;
    private long appendTime;
    private int count;
    // Where record i starts, for the record most recently positioned: records are visited in order, so a walk
    // resumes from the last one instead of the batch start.
    private int cursorIndex;
    private int cursorPosition;

    void wrap(int partition, long address, int length) {
        this.partition = partition;
        buffer.wrap(address, length);
        batched = false;
        count = 0;
    }

    /** Wraps the same document as before, already checked, at {@code address} (where it is mapped now). */
    void rewrap(long address, int length) {
        // The cursor is relative to the document's start, so it stays valid: a tailer that reads a batch a record
        // per poll goes on from where it was instead of walking from the first record each time.
        buffer.wrap(address, length);
    }

    /**
     * Reads only the header (base offset, count, append time) and checks what that needs, for an index probe: the
     * records themselves are checked when a tailer reads them.
     */
    void readHeader(String where, RecordView scratch) {
        UnsafeBuffer b = buffer;
        int length = b.capacity();
        if (length >= 5 && b.getByte(VERSION_OFFSET) == VERSION) {
            verify(false, where, -1, scratch);
            return;
        }
        if (length < BATCH_HEADER_LENGTH || b.getByte(VERSION_OFFSET) != BATCH_VERSION || b.getInt(BATCH_COUNT_OFFSET) < 1) {
            throw new LogException.CorruptRecord(where + ": a document of " + length + " bytes is neither a record nor a batch"
                + " (version byte " + (length >= 5 ? b.getByte(VERSION_OFFSET) : -1) + ")");
        }
        batched = true;
        baseOffset = b.getLong(BATCH_BASE_OFFSET_OFFSET);
        appendTime = b.getLong(BATCH_APPEND_TIME_OFFSET);
        count = b.getInt(BATCH_COUNT_OFFSET);
        cursorIndex = 0;
        cursorPosition = BATCH_HEADER_LENGTH;
    }

    /**
     * Checks the document and reads its header. {@code expectedOffset} only names the document in an error (-1 when
     * unknown). A format-1 document is checked as one record. The checks that pass are kept small for the compiler;
     * what went wrong is worked out again, off the hot path, when one fails.
     */
    void verify(boolean checksum, String where, long expectedOffset, RecordView scratch) {
        UnsafeBuffer b = buffer;
        int length = b.capacity();
        if (length < BATCH_HEADER_LENGTH || b.getByte(VERSION_OFFSET) != BATCH_VERSION) {
            verifyFormat1(checksum, where, expectedOffset, scratch);
            return;
        }
        int n = b.getInt(BATCH_COUNT_OFFSET);
        if (n < 1 || walk(b, n, length) != length) {
            throw malformed(where);
        }
        if (checksum && b.getInt(CHECKSUM_OFFSET) != Crc32c.INSTANCE.compute(b.addressOffset(), CHECKSUMMED_FROM, length - CHECKSUMMED_FROM)) {
            throw checksumFailure(where);
        }
        batched = true;
        baseOffset = b.getLong(BATCH_BASE_OFFSET_OFFSET);
        appendTime = b.getLong(BATCH_APPEND_TIME_OFFSET);
        count = n;
        cursorIndex = 0;
        cursorPosition = BATCH_HEADER_LENGTH;
    }

    /** The position after {@code n} well-formed records from the batch header, or -1 at the first malformed one. */
    private static int walk(UnsafeBuffer b, int n, int length) {
        int at = BATCH_HEADER_LENGTH;
        for (int i = 0; i < n; i++) {
            int recordLength = walkOne(b, at, length);
            if (recordLength < 0) {
                return -1;
            }
            at += recordLength;
        }
        return at;
    }

    private void verifyFormat1(boolean checksum, String where, long expectedOffset, RecordView scratch) {
        UnsafeBuffer b = buffer;
        int length = b.capacity();
        if (length < 5 || b.getByte(VERSION_OFFSET) != VERSION) {
            throw new LogException.CorruptRecord(where + ": document near offset " + expectedOffset + " (" + length
                + " bytes) has unknown format version " + (length < 5 ? "(none)" : String.valueOf(b.getByte(VERSION_OFFSET))));
        }
        scratch.wrap(partition, b.addressOffset(), length);
        scratch.verify(checksum, where, expectedOffset);
        batched = false;
        baseOffset = scratch.offset();
        appendTime = scratch.appendTime();
        count = 1;
        cursorIndex = 0;
        cursorPosition = 0;
    }

    /** Says what is wrong with a format-2 document whose count or lengths do not add up. */
    private LogException.CorruptRecord malformed(String where) {
        UnsafeBuffer b = buffer;
        int length = b.capacity();
        long base = b.getLong(BATCH_BASE_OFFSET_OFFSET);
        int n = b.getInt(BATCH_COUNT_OFFSET);
        if (n < 1) {
            return new LogException.CorruptRecord(where + ": batch at offset " + base + " claims " + n + " records");
        }
        int at = BATCH_HEADER_LENGTH;
        for (int i = 0; i < n; i++) {
            if (length - at < REC_HEADER_LENGTH) {
                return new LogException.CorruptRecord(where + ": record " + (base + i) + " of the batch at offset " + base
                    + " runs past the end of its document (" + length + " bytes)");
            }
            int recordLength = b.getInt(at + REC_LENGTH_OFFSET);
            if (walkOne(b, at, length) < 0) {
                return new LogException.CorruptRecord(where + ": record at offset " + (base + i) + " has field lengths (key "
                    + b.getInt(at + REC_KEY_LENGTH_OFFSET) + ", id " + b.getInt(at + REC_ID_LENGTH_OFFSET) + ", value "
                    + b.getInt(at + REC_VALUE_LENGTH_OFFSET) + ") that do not add up to its length " + recordLength + " ("
                    + (length - at) + " bytes left in its batch)");
            }
            at += recordLength;
        }
        return new LogException.CorruptRecord(where + ": batch at offset " + base + " holds " + n + " records in " + at
            + " bytes but its document is " + length + " bytes");
    }

    /** The length of the well-formed record at {@code at}, or -1. */
    private static int walkOne(UnsafeBuffer b, int at, int length) {
        if (length - at < REC_HEADER_LENGTH) {
            return -1;
        }
        int recordLength = b.getInt(at + REC_LENGTH_OFFSET);
        int keyLength = b.getInt(at + REC_KEY_LENGTH_OFFSET);
        int idLength = b.getInt(at + REC_ID_LENGTH_OFFSET);
        int valueLength = b.getInt(at + REC_VALUE_LENGTH_OFFSET);
        int producer = (b.getByte(at + REC_FLAGS_OFFSET) & FLAG_HAS_PRODUCER) != 0 ? PRODUCER_LENGTH : 0;
        long expected = (long) REC_HEADER_LENGTH + producer + Math.max(0, keyLength) + Math.max(0, idLength) + valueLength;
        return keyLength < NO_BYTES || idLength < NO_BYTES || valueLength < 0 || expected != recordLength
            || recordLength > length - at ? -1 : recordLength;
    }

    private LogException.CorruptRecord checksumFailure(String where) {
        UnsafeBuffer b = buffer;
        int length = b.capacity();
        int stored = b.getInt(CHECKSUM_OFFSET);
        int actual = Crc32c.INSTANCE.compute(b.addressOffset(), CHECKSUMMED_FROM, length - CHECKSUMMED_FROM);
        return new LogException.CorruptRecord(where + ": batch at offset " + b.getLong(BATCH_BASE_OFFSET_OFFSET) + " ("
            + b.getInt(BATCH_COUNT_OFFSET) + " records) fails its checksum (stored " + Integer.toHexString(stored)
            + ", computed " + Integer.toHexString(actual) + ")");
    }

    long baseOffset() {
        return baseOffset;
    }

    /** Offset of the last record. */
    long lastOffset() {
        return baseOffset + count - 1;
    }

    /** One past the last record's offset. */
    long endOffset() {
        return baseOffset + count;
    }

    long appendTime() {
        return appendTime;
    }

    int count() {
        return count;
    }

    /** Positions {@code view} on record {@code i} ({@code 0 <= i < count}); cheapest when records are visited in order. */
    void record(int i, RecordView view) {
        if (!batched) {
            view.wrap(partition, buffer.addressOffset(), buffer.capacity());
            return;
        }
        UnsafeBuffer b = buffer;
        if (i < cursorIndex) {
            cursorIndex = 0;
            cursorPosition = BATCH_HEADER_LENGTH;
        }
        while (cursorIndex < i) {
            cursorPosition += b.getInt(cursorPosition + REC_LENGTH_OFFSET);
            cursorIndex++;
        }
        view.wrapBatched(partition, b.addressOffset() + cursorPosition, b.getInt(cursorPosition + REC_LENGTH_OFFSET),
            baseOffset + i, appendTime);
    }
}
