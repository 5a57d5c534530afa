package io.kappa.server;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

import io.kappa.log.Appended;
import io.kappa.log.Event;

/**
 * The binary protocol, version 1. A connection that starts with the 4 bytes {@code KAP1} speaks it; any other
 * first byte means the line protocol. Then each side sends frames; integers are big-endian.
 *
 * <pre>
 * frame    = length:int32 (bytes after this field) body
 * request  = type:int8 (1 = APPEND) requestId:int64 producerId:int64 (0 = none; negative = reserved, refused)
 *            firstSequence:int64
 *            topicLength:int16 topic:UTF-8 count:int32 event{count}
 * event    = partition:int32 (-1 = by key) eventTime:int64 (Long.MIN_VALUE = append time)
 *            keyLength:int32 (-1 = none) key idLength:int32 (-1 = none) id valueLength:int32 value
 * ack      = type:int8 (1 = ACK) requestId:int64 count:int32 (partition:int32 offset:int64){count}
 * error    = type:int8 (2 = ERROR) requestId:int64 code:int16 messageLength:int16 message:UTF-8
 * auth     = type:int8 (3 = AUTH) requestId:int64 tokenLength:int16 token:UTF-8
 * </pre>
 *
 * A server started with tokens ({@code kappa serve --token-file}) takes an AUTH request as the first frame and
 * answers it with an ACK of no events; a wrong token, or any other first frame, is answered with
 * {@link #ERR_UNAUTHORIZED} and the connection is closed.
 *
 * Requests are answered in order. Event i of a request with a producer id carries sequence
 * {@code firstSequence + i}; an event whose (producer, sequence) the server has already appended is not
 * appended again but acknowledged with its original partition and offset. A request is validated whole
 * before anything is appended; an ERROR means none of its events were appended. A producer id with the top bit
 * set belongs to kappa's own writers: such a request is answered with {@link #ERR_INVALID}. A malformed frame is
 * answered with an ERROR (request id 0 when it cannot be read) and the connection is closed.
 */
public final class BinaryProtocol {
    public static final byte[] MAGIC = {'K', 'A', 'P', '1'};
    public static final byte APPEND = 1;
    public static final byte ACK = 1;
    public static final byte ERROR = 2;

    public static final short ERR_MALFORMED = 1;
    public static final short ERR_UNKNOWN_TOPIC = 2;
    public static final short ERR_INVALID = 3;
    public static final short ERR_TOO_LARGE = 4;
    public static final short ERR_SERVER = 5;
    public static final short ERR_UNAUTHORIZED = 6;
    public static final byte AUTH = 3;
    /** The longest token an AUTH request may carry, in bytes. */
    public static final int MAX_TOKEN_BYTES = 1024;
    /** Size of an AUTH request body before the token. */
    static final int AUTH_FIXED = 1 + 8 + 2;

    /** Fixed part of an APPEND request body before the topic bytes. */
    static final int REQUEST_FIXED = 1 + 8 + 8 + 8 + 2;
    /** Smallest APPEND request body: the fixed part, an empty topic and the event count. */
    static final int MIN_REQUEST = REQUEST_FIXED + 4;

    private BinaryProtocol() {
    }

    /** Thrown for a frame that does not follow the layout; the connection cannot be trusted after it. */
    public static final class MalformedFrame extends RuntimeException {
        public MalformedFrame(String message) {
            super(message);
        }
    }

    /**
     * Encoded size of an APPEND request frame, length prefix included.
     *
     * @throws IllegalArgumentException if the topic name is over 32,767 bytes or the frame over 2 GiB
     */
    public static int requestSize(String topic, List<Event> events) {
        int topicBytes = topic.getBytes(StandardCharsets.UTF_8).length;
        if (topicBytes > Short.MAX_VALUE) {
            throw new IllegalArgumentException("a topic name of " + topicBytes + " bytes is over 32767");
        }
        long size = 4 + REQUEST_FIXED + topicBytes + 4;
        for (Event e : events) {
            size += 4 + 8 + 4 + len(e.key()) + 4 + len(e.id()) + 4 + e.value().length;
        }
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a batch of " + size + " bytes cannot be one frame");
        }
        return (int) size;
    }

    private static int len(byte[] b) {
        return b == null ? 0 : b.length;
    }

    public static void writeRequest(ByteBuffer out, long requestId, long producerId, long firstSequence, String topic, List<Event> events) {
        int start = out.position();
        out.putInt(0);
        out.put(APPEND).putLong(requestId).putLong(producerId).putLong(firstSequence);
        byte[] t = topic.getBytes(StandardCharsets.UTF_8);
        out.putShort((short) t.length).put(t);
        out.putInt(events.size());
        for (Event e : events) {
            out.putInt(e.partition()).putLong(e.eventTime());
            putBytes(out, e.key());
            putBytes(out, e.id());
            out.putInt(e.value().length).put(e.value());
        }
        out.putInt(start, out.position() - start - 4);
    }

    private static void putBytes(ByteBuffer out, byte[] b) {
        if (b == null) {
            out.putInt(-1);
        } else {
            out.putInt(b.length).put(b);
        }
    }

    /** An AUTH request frame, length prefix included. */
    public static byte[] authFrame(long requestId, String token) {
        byte[] t = token.getBytes(StandardCharsets.UTF_8);
        if (t.length > MAX_TOKEN_BYTES) {
            throw new IllegalArgumentException("a token of " + t.length + " bytes is over " + MAX_TOKEN_BYTES);
        }
        ByteBuffer out = ByteBuffer.allocate(4 + AUTH_FIXED + t.length);
        out.putInt(AUTH_FIXED + t.length).put(AUTH).putLong(requestId).putShort((short) t.length).put(t);
        return out.array();
    }

    public static void writeAck(ByteBuffer out, long requestId, List<Appended> appended) {
        out.putInt(1 + 8 + 4 + appended.size() * 12);
        out.put(ACK).putLong(requestId).putInt(appended.size());
        for (Appended a : appended) {
            out.putInt(a.partition()).putLong(a.offset());
        }
    }

    public static int ackSize(int count) {
        return 4 + 1 + 8 + 4 + count * 12;
    }

    public static byte[] errorFrame(long requestId, short code, String message) {
        byte[] m = message.getBytes(StandardCharsets.UTF_8);
        if (m.length > 4000) {
            m = java.util.Arrays.copyOf(m, 4000);
        }
        ByteBuffer b = ByteBuffer.allocate(4 + 1 + 8 + 2 + 2 + m.length);
        b.putInt(1 + 8 + 2 + 2 + m.length).put(ERROR).putLong(requestId).putShort(code).putShort((short) m.length).put(m);
        return b.array();
    }
}
