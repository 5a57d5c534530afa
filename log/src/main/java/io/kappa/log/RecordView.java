package io.kappa.log;

import java.nio.charset.StandardCharsets;

import org.agrona.DirectBuffer;
import org.agrona.checksum.Crc32c;
import org.agrona.concurrent.UnsafeBuffer;

import static io.kappa.log.RecordDescriptor.*;

/**
 * A reusable, read-only view of one stored record (layout in {@link RecordDescriptor}). A tailer wraps it
 * over the mapped bytes of the current record and hands it to a {@link RecordHandler}; it is valid only
 * during that call. Nothing here allocates except the {@code *Bytes()}, {@code *String()} and
 * {@link #toRecord()} conveniences.
 */
public final class RecordView {
    private final UnsafeBuffer buffer = new UnsafeBuffer(0, 0);
    private int partition;
    private long offset;
    private long appendTime;
    private long eventTime;
    private int flags;
    private int keyLength;
    private int idLength;
    private int valueLength;
    private int keyOffset;

    /** Wraps a whole format-1 document: the record is the document. Call {@link #verify} before reading it. */
    void wrap(int partition, long address, int length) {
        this.partition = partition;
        buffer.wrap(address, length);
        if (length >= HEADER_LENGTH) {
            UnsafeBuffer b = buffer;
            offset = b.getLong(OFFSET_OFFSET);
            appendTime = b.getLong(APPEND_TIME_OFFSET);
            eventTime = b.getLong(EVENT_TIME_OFFSET);
            flags = b.getByte(FLAGS_OFFSET);
            keyLength = b.getInt(KEY_LENGTH_OFFSET);
            idLength = b.getInt(ID_LENGTH_OFFSET);
            valueLength = b.getInt(VALUE_LENGTH_OFFSET);
            keyOffset = HEADER_LENGTH + ((flags & FLAG_HAS_PRODUCER) != 0 ? PRODUCER_LENGTH : 0);
        }
    }

    /**
     * Wraps one record of a format-2 batch whose bytes {@link RecordBatch} has already checked: {@code address} is
     * where the record starts, {@code length} its length.
     */
    void wrapBatched(int partition, long address, int length, long offset, long appendTime) {
        this.partition = partition;
        UnsafeBuffer b = buffer;
        b.wrap(address, length);
        this.offset = offset;
        this.appendTime = appendTime;
        eventTime = b.getLong(REC_EVENT_TIME_OFFSET);
        flags = b.getByte(REC_FLAGS_OFFSET);
        keyLength = b.getInt(REC_KEY_LENGTH_OFFSET);
        idLength = b.getInt(REC_ID_LENGTH_OFFSET);
        valueLength = b.getInt(REC_VALUE_LENGTH_OFFSET);
        keyOffset = REC_HEADER_LENGTH + ((flags & FLAG_HAS_PRODUCER) != 0 ? PRODUCER_LENGTH : 0);
    }

    /** Checks a format-1 record's version, lengths and (when asked) CRC; {@code where} names the record in the error. */
    void verify(boolean checksum, String where, long expectedOffset) {
        UnsafeBuffer b = buffer;
        int length = b.capacity();
        if (length < HEADER_LENGTH) {
            throw new LogException.CorruptRecord(where + ": record at offset " + expectedOffset + " is " + length
                + " bytes, shorter than its " + HEADER_LENGTH + "-byte header");
        }
        int versionAndFlags = b.getShort(VERSION_OFFSET);
        if ((byte) versionAndFlags != VERSION) {
            throw new LogException.CorruptRecord(where + ": record at offset " + expectedOffset + " has unknown format version "
                + (byte) versionAndFlags);
        }
        int producer = ((versionAndFlags >> 8) & FLAG_HAS_PRODUCER) != 0 ? PRODUCER_LENGTH : 0;
        long expectedLength = (long) HEADER_LENGTH + producer + Math.max(0, keyLength) + Math.max(0, idLength) + valueLength;
        if (keyLength < NO_BYTES || idLength < NO_BYTES || valueLength < 0 || expectedLength != length) {
            throw new LogException.CorruptRecord(where + ": record at offset " + expectedOffset + " has field lengths (key "
                + keyLength + ", id " + idLength + ", value " + valueLength + ") that do not add up to its length " + length);
        }
        if (checksum) {
            int stored = b.getInt(CHECKSUM_OFFSET);
            int actual = Crc32c.INSTANCE.compute(b.addressOffset(), CHECKSUMMED_FROM, length - CHECKSUMMED_FROM);
            if (stored != actual) {
                throw new LogException.CorruptRecord(where + ": record at offset " + expectedOffset + " fails its checksum (stored "
                    + Integer.toHexString(stored) + ", computed " + Integer.toHexString(actual) + ")");
            }
        }
    }

    public int partition() {
        return partition;
    }

    public long offset() {
        return offset;
    }

    public long eventTime() {
        return eventTime;
    }

    public long appendTime() {
        return appendTime;
    }

    /** Whether the record was appended by an idempotent producer (see {@link #producerId()}). */
    public boolean hasProducer() {
        return (flags & FLAG_HAS_PRODUCER) != 0;
    }

    /** The producer id, or {@link RecordDescriptor#NO_PRODUCER}. */
    public long producerId() {
        return hasProducer() ? buffer.getLong(keyOffset - PRODUCER_LENGTH) : NO_PRODUCER;
    }

    /** The producer's sequence number of this record, or -1 without a producer. */
    public long producerSequence() {
        return hasProducer() ? buffer.getLong(keyOffset - 8) : -1;
    }

    public boolean hasKey() {
        return keyLength >= 0;
    }

    /** Key length in bytes, or {@link RecordDescriptor#NO_BYTES} when the record has no key. */
    public int keyLength() {
        return keyLength;
    }

    /** Where the key starts in {@link #buffer()}. */
    public int keyOffset() {
        return keyOffset;
    }

    public boolean hasId() {
        return idLength >= 0;
    }

    public int idLength() {
        return idLength;
    }

    public int idOffset() {
        return keyOffset + Math.max(0, keyLength);
    }

    public int valueLength() {
        return valueLength;
    }

    public int valueOffset() {
        return idOffset() + Math.max(0, idLength());
    }

    /**
     * The bytes of this record alone (its header, in whichever stored format, then key, id and value); fields sit at
     * {@link #keyOffset()}, {@link #idOffset()} and {@link #valueOffset()}.
     */
    public DirectBuffer buffer() {
        return buffer;
    }

    /** Stored size of the record in bytes, its own header included (not its share of a batch header). */
    public int length() {
        return buffer.capacity();
    }

    public byte[] keyBytes() {
        return hasKey() ? copy(keyOffset(), keyLength()) : null;
    }

    public byte[] idBytes() {
        return hasId() ? copy(idOffset(), idLength()) : null;
    }

    public byte[] valueBytes() {
        return copy(valueOffset(), valueLength());
    }

    public String valueString() {
        return buffer.getStringWithoutLengthUtf8(valueOffset(), valueLength());
    }

    public String keyString() {
        return hasKey() ? new String(keyBytes(), StandardCharsets.UTF_8) : null;
    }

    /** An immutable copy that outlives the callback. */
    public Record toRecord() {
        return new Record(partition, offset(), eventTime(), appendTime(), keyBytes(), idBytes(), valueBytes());
    }

    private byte[] copy(int offset, int length) {
        byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        return bytes;
    }
}
