package io.kappa.processor.builtin;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import io.kappa.processor.InputRecord;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The value of a record in a built-in's repartition topic: the original record (where it was, its key and its
 * value), so the stage after the repartition sees the record as it was. Little-endian, layout 2:
 * <pre>
 *   int   -2 (layout 2; layout 1 starts with the key length, never below -1)
 *   int   partition of the original record
 *   long  offset of the original record
 *   short topic length, then the topic's name (UTF-8)
 *   int   key length, or -1 for no key
 *   bytes key
 *   bytes value (to the end)
 * </pre>
 * Layout 1, written before, is still read: {@code int key length or -1, bytes key, bytes value}; it does not say
 * where the record was, so its origin is the repartition record itself.
 *
 * <p>Wrapped around a repartition record ({@link #wrap(InputRecord)}), this is a view of the original record:
 * its topic, partition, offset, key and value are the original's, its times and id the repartition record's (which
 * carry the original's time under the stage's clock), and its group key is the repartition record's key. Reading and
 * writing allocate nothing but the topic's name, decoded only when asked for.
 */
final class Envelope implements InputRecord<DirectBuffer, DirectBuffer> {
    static final int LAYOUT_2 = -2;
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    private static final byte[] EMPTY = new byte[0];

    private final UnsafeBuffer key = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer value = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer topicBytes = new UnsafeBuffer(0, 0);
    private boolean hasKey;
    private boolean hasOrigin;
    private int partition;
    private long offset;
    private InputRecord<DirectBuffer, DirectBuffer> outer;
    // the writer's topic name, encoded once per input topic
    private String writtenTopic;
    private byte[] writtenTopicBytes;

    /** Writes {@code r} as an envelope (layout 2) at {@code offset}; returns the bytes written. */
    int write(MutableDirectBuffer out, int offset, InputRecord<DirectBuffer, DirectBuffer> r) {
        if (!r.topic().equals(writtenTopic)) {
            byte[] name = r.topic().getBytes(StandardCharsets.UTF_8);
            if (name.length > Short.MAX_VALUE) {
                throw new IllegalArgumentException("topic name of " + name.length + " bytes is too long for a repartition record");
            }
            writtenTopic = r.topic();
            writtenTopicBytes = name;
        }
        int at = offset;
        out.putInt(at, LAYOUT_2, ORDER);
        out.putInt(at + 4, r.partition(), ORDER);
        out.putLong(at + 8, r.offset(), ORDER);
        out.putShort(at + 16, (short) writtenTopicBytes.length, ORDER);
        at += 18;
        out.putBytes(at, writtenTopicBytes);
        at += writtenTopicBytes.length;
        DirectBuffer k = r.key();
        if (k == null) {
            out.putInt(at, -1, ORDER);
            at += 4;
        } else {
            out.putInt(at, k.capacity(), ORDER);
            at += 4;
            out.putBytes(at, k, 0, k.capacity());
            at += k.capacity();
        }
        DirectBuffer v = r.value();
        out.putBytes(at, v, 0, v.capacity());
        return at + v.capacity() - offset;
    }

    /** A view of the original record inside the repartition record {@code repartitioned}. */
    Envelope wrap(InputRecord<DirectBuffer, DirectBuffer> repartitioned) {
        wrap(repartitioned.value());
        outer = repartitioned;
        return this;
    }

    /** Reads the envelope {@code envelope} (either layout); only {@link #key()} and {@link #value()} are then valid. */
    Envelope wrap(DirectBuffer envelope) {
        outer = null;
        int length = envelope.capacity();
        if (length < 4) {
            throw new IllegalArgumentException("a repartition record of " + length + " bytes is too short");
        }
        int at = 0;
        int first = envelope.getInt(0, ORDER);
        hasOrigin = first == LAYOUT_2;
        if (hasOrigin) {
            if (length < 22) {
                throw new IllegalArgumentException("a repartition record of " + length + " bytes is too short");
            }
            partition = envelope.getInt(4, ORDER);
            offset = envelope.getLong(8, ORDER);
            int topicLength = envelope.getShort(16, ORDER);
            if (topicLength <= 0 || 18 + topicLength + 4 > length) {
                throw new IllegalArgumentException("a repartition record has a bad topic length " + topicLength);
            }
            topicBytes.wrap(envelope, 18, topicLength);
            at = 18 + topicLength;
        } else if (first < -1) {
            throw new IllegalArgumentException("a repartition record has an unknown layout " + first
                + " (written by a newer kappa?)");
        }
        int keyLength = envelope.getInt(at, ORDER);
        at += 4;
        if (keyLength < -1 || at + Math.max(0, keyLength) > length) {
            throw new IllegalArgumentException("a repartition record has a bad key length " + keyLength);
        }
        hasKey = keyLength >= 0;
        int k = Math.max(0, keyLength);
        if (k == 0) {
            key.wrap(EMPTY);
        } else {
            key.wrap(envelope, at, k);
        }
        at += k;
        if (length == at) {
            value.wrap(EMPTY);
        } else {
            value.wrap(envelope, at, length - at);
        }
        return this;
    }

    /** The key the repartition stage chose: what the record is grouped by. */
    String groupKey() {
        DirectBuffer k = outer.key();
        return k.getStringWithoutLengthUtf8(0, k.capacity());
    }

    @Override
    public String topic() {
        return hasOrigin ? topicBytes.getStringWithoutLengthUtf8(0, topicBytes.capacity()) : outer.topic();
    }

    @Override
    public int partition() {
        return hasOrigin ? partition : outer.partition();
    }

    @Override
    public long offset() {
        return hasOrigin ? offset : outer.offset();
    }

    @Override
    public long eventTime() {
        return outer.eventTime();
    }

    @Override
    public long appendTime() {
        return outer.appendTime();
    }

    @Override
    public DirectBuffer key() {
        return hasKey ? key : null;
    }

    @Override
    public DirectBuffer value() {
        return value;
    }

    @Override
    public String id() {
        return outer.id();
    }

    @Override
    public byte[] keyBytes() {
        if (!hasKey) {
            return null;
        }
        byte[] b = new byte[key.capacity()];
        key.getBytes(0, b);
        return b;
    }

    @Override
    public byte[] valueBytes() {
        byte[] b = new byte[value.capacity()];
        value.getBytes(0, b);
        return b;
    }
}
