package io.kappa.log;

/**
 * The binary layouts of stored records. All integers are little-endian. Each Chronicle Queue document holds either
 * one record in format 1 (written by releases before record batches) or a batch of records in format 2 (written
 * now). A reader tells them apart by the byte at offset 4 and reads both, also within one segment, so a data
 * directory written by an older release stays readable and is appended to in format 2. Chronicle's 4-byte document
 * header, whose length is written last, is what makes a document, and so every record in it, visible at once.
 *
 * <h2>Format 1: one record per document</h2>
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                  CRC-32C of bytes 4 .. end                    |  0
 *  +---------------+---------------+-------------------------------+
 *  |  version (1)  |     flags     |          reserved (0)         |  4
 *  +---------------+---------------+-------------------------------+
 *  |                        offset (int64)                         |  8
 *  +---------------------------------------------------------------+
 *  |                 event time, epoch ms (int64)                  | 16
 *  +---------------------------------------------------------------+
 *  |                 append time, epoch ms (int64)                 | 24
 *  +---------------------------------------------------------------+
 *  |                    key length (int32, -1 = no key)            | 32
 *  +---------------------------------------------------------------+
 *  |                     id length (int32, -1 = no id)             | 36
 *  +---------------------------------------------------------------+
 *  |                      value length (int32)                     | 40
 *  +---------------------------------------------------------------+
 *  |                         reserved (0)                          | 44
 *  +---------------------------------------------------------------+
 *  | [producer id (int64), producer sequence (int64)] if flag 4   | 48
 *  +---------------------------------------------------------------+
 *  |  key bytes ... | id bytes ... | value bytes ...               | 48 or 64
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * Flags: 1 = has key, 2 = has id, 4 = has producer (id and sequence of an idempotent producer, used to
 * recognise a retried append).
 *
 * <h2>Format 2: a batch of records per document</h2>
 *
 * A batch is written by one append call (one record, or as many of an append's records as fit in
 * {@link #BATCH_TARGET_BYTES}); its records have consecutive offsets from the base offset and share one append time.
 * <pre>
 *  batch header, 32 bytes:
 *   0  CRC-32C of bytes 4 .. end of the document (int32): one checksum for all records
 *   4  version (2, byte), batch flags (0, byte), reserved (0, int16)
 *   8  base offset: offset of the first record (int64)
 *  16  append time, epoch ms (int64), shared by the records
 *  24  record count (int32, >= 1)
 *  28  reserved (0, int32)
 *  then count records, each:
 *   0  record length, this header included (int32)
 *   4  flags (byte: 1 has key, 2 has id, 4 has producer), reserved (0, 3 bytes)
 *   8  event time, epoch ms (int64)
 *  16  key length (int32, -1 = no key)
 *  20  id length (int32, -1 = no id)
 *  24  value length (int32)
 *  28  [producer id (int64), producer sequence (int64)] if flag 4
 *  then key bytes, id bytes, value bytes
 * </pre>
 *
 * Commit rule: a document is visible only when Chronicle has written its length last, and it is accepted only when
 * its version is known, its lengths add up to the document length and its CRC matches.
 */
public final class RecordDescriptor {
    public static final byte VERSION = 1;

    public static final int CHECKSUM_OFFSET = 0;
    public static final int VERSION_OFFSET = 4;
    public static final int FLAGS_OFFSET = 5;
    public static final int OFFSET_OFFSET = 8;
    public static final int EVENT_TIME_OFFSET = 16;
    public static final int APPEND_TIME_OFFSET = 24;
    public static final int KEY_LENGTH_OFFSET = 32;
    public static final int ID_LENGTH_OFFSET = 36;
    public static final int VALUE_LENGTH_OFFSET = 40;
    public static final int HEADER_LENGTH = 48;
    /** Bytes covered by the checksum start here. */
    public static final int CHECKSUMMED_FROM = 4;

    public static final byte FLAG_HAS_KEY = 1;
    public static final byte FLAG_HAS_ID = 2;
    public static final byte FLAG_HAS_PRODUCER = 4;
    public static final int PRODUCER_LENGTH = 16;
    /** Producer id meaning "no producer": the record has no producer section. */
    public static final long NO_PRODUCER = 0;

    /**
     * Whether a producer id is reserved for kappa's own writers (processor tasks, the Kafka mirror): those with the
     * top bit set, i.e. negative. A server refuses them from clients, so no client can write under a task's id.
     */
    public static boolean isInternalProducer(long producerId) {
        return producerId < 0;
    }

    public static final int NO_BYTES = -1;

    /** Format 2: one document holds a batch of records. */
    public static final byte BATCH_VERSION = 2;
    public static final int BATCH_BASE_OFFSET_OFFSET = 8;
    public static final int BATCH_APPEND_TIME_OFFSET = 16;
    public static final int BATCH_COUNT_OFFSET = 24;
    public static final int BATCH_HEADER_LENGTH = 32;
    /** Within a format-2 record, from the record's start. */
    public static final int REC_LENGTH_OFFSET = 0;
    public static final int REC_FLAGS_OFFSET = 4;
    public static final int REC_EVENT_TIME_OFFSET = 8;
    public static final int REC_KEY_LENGTH_OFFSET = 16;
    public static final int REC_ID_LENGTH_OFFSET = 20;
    public static final int REC_VALUE_LENGTH_OFFSET = 24;
    public static final int REC_HEADER_LENGTH = 28;
    /**
     * An append of several records closes a batch before it grows past this many bytes (a record larger than this
     * gets a batch of its own). Large enough that the per-document cost disappears, small enough that a reader's
     * batch is in cache and a batch is visible soon.
     */
    public static final int BATCH_TARGET_BYTES = 16 * 1024;

    private RecordDescriptor() {
    }

    /** Whole format-1 record length for the given field lengths ({@link #NO_BYTES} counts as 0). */
    public static int recordLength(int keyLength, int idLength, int valueLength, boolean hasProducer) {
        return HEADER_LENGTH + (hasProducer ? PRODUCER_LENGTH : 0) + Math.max(0, keyLength) + Math.max(0, idLength) + valueLength;
    }

    /** Length of one record inside a format-2 batch ({@link #NO_BYTES} counts as 0). */
    public static int batchedRecordLength(int keyLength, int idLength, int valueLength, boolean hasProducer) {
        return REC_HEADER_LENGTH + (hasProducer ? PRODUCER_LENGTH : 0) + Math.max(0, keyLength) + Math.max(0, idLength) + valueLength;
    }
}
