package io.kappa.log;

/**
 * The binary layout of one record, version 1. Each record is the payload of one Chronicle Queue document
 * (Chronicle's 4-byte document header, whose length is written last, is what makes a record visible).
 * All integers are little-endian.
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
 * Commit rule: a record is visible only when Chronicle has written its document length last, and it is
 * accepted only when its version is known, its lengths add up to the document length and its CRC matches.
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

    private RecordDescriptor() {
    }

    /** Whole record length for the given field lengths ({@link #NO_BYTES} counts as 0). */
    public static int recordLength(int keyLength, int idLength, int valueLength, boolean hasProducer) {
        return HEADER_LENGTH + (hasProducer ? PRODUCER_LENGTH : 0) + Math.max(0, keyLength) + Math.max(0, idLength) + valueLength;
    }
}
