package io.kappa.server;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import io.kappa.log.BufferedEvents;
import io.kappa.log.Event;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * An APPEND request decoded in place: the events' fields stay in the connection's receive buffer and are
 * located by index, so the server appends them without copying them into objects first. One instance per
 * server thread, reused for every frame; its arrays grow to the largest batch seen.
 */
final class FrameEvents implements BufferedEvents {
    private final UnsafeBuffer buffer = new UnsafeBuffer(0, 0);
    long requestId;
    long producerId;
    long firstSequence;
    String topic;
    int count;
    int[] partitions = new int[1024];
    private int[] keyOffsets = new int[1024];
    private int[] keyLengths = new int[1024];
    private int[] idOffsets = new int[1024];
    private int[] idLengths = new int[1024];
    private int[] valueOffsets = new int[1024];
    private int[] valueLengths = new int[1024];
    private long[] eventTimes = new long[1024];
    private byte[] lastTopicBytes = new byte[0];

    /**
     * Decodes the request body at {@code in[start .. start + length)} (after the length prefix; heap or direct), or
     * throws {@link BinaryProtocol.MalformedFrame}. The layout is in {@link BinaryProtocol}.
     */
    void decode(ByteBuffer in, int start, int length) {
        buffer.wrap(in, start, length);
        int at = 0;
        need(at, BinaryProtocol.REQUEST_FIXED, length);
        if (buffer.getByte(at) != BinaryProtocol.APPEND) {
            throw new BinaryProtocol.MalformedFrame("unknown request type " + buffer.getByte(at));
        }
        requestId = buffer.getLong(at + 1, ByteOrder.BIG_ENDIAN);
        producerId = buffer.getLong(at + 9, ByteOrder.BIG_ENDIAN);
        firstSequence = buffer.getLong(at + 17, ByteOrder.BIG_ENDIAN);
        if (producerId != 0 && firstSequence < 0) {
            // a reserved (negative) producer id is refused by the server with an answer, not as a malformed frame
            throw new BinaryProtocol.MalformedFrame("with a producer, the first sequence must be >= 0");
        }
        int topicLength = buffer.getShort(at + 25, ByteOrder.BIG_ENDIAN);
        at += BinaryProtocol.REQUEST_FIXED;
        if (topicLength < 0) {
            throw new BinaryProtocol.MalformedFrame("negative topic length");
        }
        need(at, topicLength + 4, length);
        topic = topic(at, topicLength);
        at += topicLength;
        int n = buffer.getInt(at, ByteOrder.BIG_ENDIAN);
        at += 4;
        if (n < 0 || n > length / 24) {
            throw new BinaryProtocol.MalformedFrame("event count " + n + " does not fit a frame of " + length + " bytes");
        }
        if (producerId != 0 && firstSequence > Long.MAX_VALUE - n) {
            throw new BinaryProtocol.MalformedFrame("sequence numbers overflow");
        }
        ensureCapacity(n);
        for (int i = 0; i < n; i++) {
            need(at, 4 + 8 + 4, length);
            int partition = buffer.getInt(at, ByteOrder.BIG_ENDIAN);
            if (partition < Event.ANY_PARTITION) {
                throw new BinaryProtocol.MalformedFrame("event " + i + ": partition " + partition);
            }
            partitions[i] = partition;
            eventTimes[i] = buffer.getLong(at + 4, ByteOrder.BIG_ENDIAN);
            at += 12;
            at = field(at, length, i, "key", true, keyOffsets, keyLengths);
            need(at, 4, length);
            at = field(at, length, i, "id", true, idOffsets, idLengths);
            need(at, 4, length);
            at = field(at, length, i, "value", false, valueOffsets, valueLengths);
        }
        if (at != length) {
            throw new BinaryProtocol.MalformedFrame((length - at) + " bytes left over after " + n + " events");
        }
        count = n;
    }

    private int field(int at, int length, int event, String name, boolean nullable, int[] offsets, int[] lengths) {
        int n = buffer.getInt(at, ByteOrder.BIG_ENDIAN);
        at += 4;
        if (n == -1 && nullable) {
            offsets[event] = at;
            lengths[event] = -1;
            return at;
        }
        if (n < 0 || n > length - at) {
            throw new BinaryProtocol.MalformedFrame("event " + event + ": " + name + " length " + n + " runs past the frame");
        }
        offsets[event] = at;
        lengths[event] = n;
        return at + n;
    }

    /** The topic name at {@code [at, at + length)} of the frame: the same String as the last frame's when its bytes are. */
    private String topic(int at, int length) {
        if (topic != null && length == lastTopicBytes.length) {
            int i = 0;
            while (i < length && buffer.getByte(at + i) == lastTopicBytes[i]) {
                i++;
            }
            if (i == length) {
                return topic;
            }
        }
        lastTopicBytes = new byte[length];
        buffer.getBytes(at, lastTopicBytes);
        return new String(lastTopicBytes, StandardCharsets.UTF_8);
    }

    private static void need(int at, int bytes, int length) {
        if (length - at < bytes) {
            throw new BinaryProtocol.MalformedFrame("frame ends early");
        }
    }

    private void ensureCapacity(int n) {
        if (n <= partitions.length) {
            return;
        }
        int c = Math.max(n, partitions.length * 2);
        partitions = new int[c];
        keyOffsets = new int[c];
        keyLengths = new int[c];
        idOffsets = new int[c];
        idLengths = new int[c];
        valueOffsets = new int[c];
        valueLengths = new int[c];
        eventTimes = new long[c];
    }

    /** Key + id + value bytes of event i. */
    long payloadLength(int i) {
        return (long) Math.max(0, keyLengths[i]) + Math.max(0, idLengths[i]) + valueLengths[i];
    }

    @Override
    public DirectBuffer buffer() {
        return buffer;
    }

    @Override
    public int keyOffset(int i) {
        return keyOffsets[i];
    }

    @Override
    public int keyLength(int i) {
        return keyLengths[i];
    }

    @Override
    public int idOffset(int i) {
        return idOffsets[i];
    }

    @Override
    public int idLength(int i) {
        return idLengths[i];
    }

    @Override
    public int valueOffset(int i) {
        return valueOffsets[i];
    }

    @Override
    public int valueLength(int i) {
        return valueLengths[i];
    }

    @Override
    public long eventTime(int i) {
        return eventTimes[i];
    }
}
