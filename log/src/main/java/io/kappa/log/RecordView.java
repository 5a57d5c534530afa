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

    void wrap(int partition, long address, int length) {
        this.partition = partition;
        buffer.wrap(address, length);
    }

    /** Checks version, lengths and (when asked) the CRC; {@code where} names the record in the error. */
    void verify(boolean checksum, String where, long expectedOffset) {
        UnsafeBuffer b = buffer;
        int length = b.capacity();
        if (length < HEADER_LENGTH) {
            throw new LogException.CorruptRecord(where + ": record at offset " + expectedOffset + " is " + length
                + " bytes, shorter than its " + HEADER_LENGTH + "-byte header");
        }
        int versionAndFlags = b.getShort(VERSION_OFFSET);
        int keyLength = b.getInt(KEY_LENGTH_OFFSET);
        int idLength = b.getInt(ID_LENGTH_OFFSET);
        int valueLength = b.getInt(VALUE_LENGTH_OFFSET);
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
        return buffer.getLong(OFFSET_OFFSET);
    }

    public long eventTime() {
        return buffer.getLong(EVENT_TIME_OFFSET);
    }

    public long appendTime() {
        return buffer.getLong(APPEND_TIME_OFFSET);
    }

    /** Whether the record was appended by an idempotent producer (see {@link #producerId()}). */
    public boolean hasProducer() {
        return (buffer.getByte(FLAGS_OFFSET) & FLAG_HAS_PRODUCER) != 0;
    }

    /** The producer id, or {@link RecordDescriptor#NO_PRODUCER}. */
    public long producerId() {
        return hasProducer() ? buffer.getLong(HEADER_LENGTH) : NO_PRODUCER;
    }

    /** The producer's sequence number of this record, or -1 without a producer. */
    public long producerSequence() {
        return hasProducer() ? buffer.getLong(HEADER_LENGTH + 8) : -1;
    }

    private int producerLength() {
        return hasProducer() ? PRODUCER_LENGTH : 0;
    }

    public boolean hasKey() {
        return buffer.getInt(KEY_LENGTH_OFFSET) >= 0;
    }

    /** Key length in bytes, or {@link RecordDescriptor#NO_BYTES} when the record has no key. */
    public int keyLength() {
        return buffer.getInt(KEY_LENGTH_OFFSET);
    }

    /** Where the key starts in {@link #buffer()}. */
    public int keyOffset() {
        return HEADER_LENGTH + producerLength();
    }

    public boolean hasId() {
        return buffer.getInt(ID_LENGTH_OFFSET) >= 0;
    }

    public int idLength() {
        return buffer.getInt(ID_LENGTH_OFFSET);
    }

    public int idOffset() {
        return keyOffset() + Math.max(0, keyLength());
    }

    public int valueLength() {
        return buffer.getInt(VALUE_LENGTH_OFFSET);
    }

    public int valueOffset() {
        return idOffset() + Math.max(0, idLength());
    }

    /** The whole record; fields sit at {@link #keyOffset()}, {@link #idOffset()} and {@link #valueOffset()}. */
    public DirectBuffer buffer() {
        return buffer;
    }

    /** Stored size of the record in bytes, header included. */
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
