package io.kappa.processor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/** The serdes kappa ships: raw bytes, a zero-copy buffer view, UTF-8 strings, longs, doubles and JSON. */
public final class Serdes {
    /**
     * The limits on every JSON text kappa parses from records, lines and clients (see docs/security.md, "Parsing
     * limits"): nesting at most 500 deep, numbers at most 1,000 characters, strings at most 20,000,000
     * characters, field names at most 50,000. A value beyond them is refused at once with a message naming
     * the limit, never parsed at length, and deep nesting never reaches a StackOverflowError.
     */
    public static final StreamReadConstraints READ_LIMITS = StreamReadConstraints.builder()
        .maxNestingDepth(500)
        .maxNumberLength(1_000)
        .maxStringLength(20_000_000)
        .maxNameLength(50_000)
        .build();

    /** The JSON mapper the serdes use, with {@link #READ_LIMITS}; configure nothing on it. */
    public static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder().streamReadConstraints(READ_LIMITS).build())
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
        .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Serdes() {
    }

    /**
     * What {@code kappa state} shows of a value: {@link Serde#describe} when that is plain data (a number, string,
     * boolean, {@code byte[]}, JSON, {@code Map} or {@code List}), else the value's serialized bytes.
     */
    public static <T> Object described(Serde<T> serde, T value) {
        Object d = serde.describe(value);
        if (d == null || d instanceof Number || d instanceof CharSequence || d instanceof Boolean || d instanceof byte[]
            || d instanceof JsonNode || d instanceof java.util.Map || d instanceof java.util.List) {
            return d;
        }
        return serde.serialize(value);
    }

    public static Serde<byte[]> bytes() {
        return BYTES;
    }

    /**
     * A view over the record's bytes in the log, valid only during the call (no copy, no allocation): the fastest
     * way to pass records through. Use one instance for keys and another for values.
     */
    public static Serde<DirectBuffer> view() {
        return new ViewSerde();
    }

    public static Serde<String> string() {
        return STRING;
    }

    /** A long as 8 big-endian bytes. */
    public static Serde<Long> longs() {
        return LONG;
    }

    /** A long written as its decimal text, so that it reads well in {@code kappa read}. */
    public static Serde<Long> longText() {
        return LONG_TEXT;
    }

    public static Serde<Double> doubles() {
        return DOUBLE;
    }

    /** Any JSON value as a Jackson tree. */
    public static Serde<JsonNode> json() {
        return JSON;
    }

    /** JSON mapped to and from a class by Jackson's data binding. */
    public static <T> Serde<T> json(Class<T> type) {
        return new Serde<>() {
            @Override
            public byte[] serialize(T value) {
                try {
                    return MAPPER.writeValueAsBytes(value);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public T deserialize(DirectBuffer buffer, int offset, int length) {
                try {
                    return MAPPER.readValue(new DirectBufferInput(buffer, offset, length), type);
                } catch (IOException e) {
                    throw new IllegalArgumentException("not a valid JSON " + type.getSimpleName() + ": " + jsonMessage(e), e);
                }
            }
        };
    }

    private static final Serde<byte[]> BYTES = new Serde<>() {
        @Override
        public byte[] serialize(byte[] value) {
            return value;
        }

        @Override
        public byte[] deserialize(DirectBuffer buffer, int offset, int length) {
            byte[] b = new byte[length];
            buffer.getBytes(offset, b);
            return b;
        }

        @Override
        public byte[] deserialize(byte[] bytes) {
            return bytes;
        }
    };

    private static final class ViewSerde implements Serde<DirectBuffer> {
        // each task gets its own instance through forTask(); a shared instance falls back to one view per thread
        private final ThreadLocal<UnsafeBuffer> views;
        private final UnsafeBuffer own;

        ViewSerde() {
            this.views = ThreadLocal.withInitial(() -> new UnsafeBuffer(0, 0));
            this.own = null;
        }

        private ViewSerde(UnsafeBuffer own) {
            this.views = null;
            this.own = own;
        }

        @Override
        public Serde<DirectBuffer> forTask() {
            return new ViewSerde(new UnsafeBuffer(0, 0));
        }

        @Override
        public byte[] serialize(DirectBuffer value) {
            byte[] b = new byte[value.capacity()];
            value.getBytes(0, b);
            return b;
        }

        @Override
        public DirectBuffer deserialize(DirectBuffer buffer, int offset, int length) {
            UnsafeBuffer view = own != null ? own : views.get();
            if (length == 0) {
                view.wrap(EMPTY);
            } else {
                view.wrap(buffer, offset, length);
            }
            return view;
        }

        @Override
        public int serializeTo(DirectBuffer value, MutableDirectBuffer out, int offset) {
            int length = value.capacity();
            out.putBytes(offset, value, 0, length);
            return length;
        }
    }

    private static final byte[] EMPTY = new byte[0];

    private static final Serde<String> STRING = new Serde<>() {
        @Override
        public byte[] serialize(String value) {
            return value.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String deserialize(DirectBuffer buffer, int offset, int length) {
            return buffer.getStringWithoutLengthUtf8(offset, length);
        }

        @Override
        public int serializeTo(String value, MutableDirectBuffer out, int offset) {
            int n = value.length();
            if (n == 0) {
                out.putBytes(offset, EMPTY); // as the default would: an expandable buffer grows to the offset
                return 0;
            }
            for (int i = 0; i < n; i++) {
                char c = value.charAt(i);
                if (c >= 0x80) {
                    byte[] b = value.getBytes(StandardCharsets.UTF_8);
                    out.putBytes(offset, b);
                    return b.length;
                }
                out.putByte(offset + i, (byte) c);
            }
            return n;
        }
    };

    private static final Serde<Long> LONG = new Serde<>() {
        @Override
        public byte[] serialize(Long value) {
            byte[] b = new byte[8];
            new UnsafeBuffer(b).putLong(0, value, java.nio.ByteOrder.BIG_ENDIAN);
            return b;
        }

        @Override
        public Long deserialize(DirectBuffer buffer, int offset, int length) {
            if (length != 8) {
                throw new IllegalArgumentException("a long takes 8 bytes, got " + length);
            }
            return buffer.getLong(offset, java.nio.ByteOrder.BIG_ENDIAN);
        }

        @Override
        public int serializeTo(Long value, MutableDirectBuffer out, int offset) {
            out.putLong(offset, value, java.nio.ByteOrder.BIG_ENDIAN);
            return 8;
        }
    };

    private static final Serde<Long> LONG_TEXT = new Serde<>() {
        @Override
        public byte[] serialize(Long value) {
            return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
        }

        @Override
        public Long deserialize(DirectBuffer buffer, int offset, int length) {
            if (length == 0) {
                throw new IllegalArgumentException("an empty value is not a number");
            }
            try {
                return buffer.parseLongAscii(offset, length);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("not a decimal long: '" + buffer.getStringWithoutLengthAscii(offset, Math.min(length, 40)) + "'");
            }
        }

        @Override
        public int serializeTo(Long value, MutableDirectBuffer out, int offset) {
            return out.putLongAscii(offset, value);
        }
    };

    private static final Serde<Double> DOUBLE = new Serde<>() {
        @Override
        public byte[] serialize(Double value) {
            byte[] b = new byte[8];
            new UnsafeBuffer(b).putDouble(0, value, java.nio.ByteOrder.BIG_ENDIAN);
            return b;
        }

        @Override
        public Double deserialize(DirectBuffer buffer, int offset, int length) {
            if (length != 8) {
                throw new IllegalArgumentException("a double takes 8 bytes, got " + length);
            }
            return buffer.getDouble(offset, java.nio.ByteOrder.BIG_ENDIAN);
        }
    };

    private static final Serde<JsonNode> JSON = new Serde<>() {
        @Override
        public byte[] serialize(JsonNode value) {
            try {
                return MAPPER.writeValueAsBytes(value);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public JsonNode deserialize(DirectBuffer buffer, int offset, int length) {
            try {
                JsonNode node = MAPPER.readTree(new DirectBufferInput(buffer, offset, length));
                if (node == null || node.isMissingNode()) {
                    throw new IllegalArgumentException("not JSON: the value is empty");
                }
                return node;
            } catch (IOException e) {
                throw new IllegalArgumentException("not valid JSON: " + jsonMessage(e), e);
            }
        }
    };

    /** Jackson's message without its source dump, with the column where parsing stopped. */
    static String jsonMessage(IOException e) {
        if (e instanceof com.fasterxml.jackson.core.JsonProcessingException jpe) {
            String m = jpe.getOriginalMessage();
            return jpe.getLocation() == null ? m : m + " (at column " + jpe.getLocation().getColumnNr() + ")";
        }
        return e.getMessage();
    }

    /** An InputStream over a buffer slice, so Jackson parses record bytes without copying them to an array. */
    static final class DirectBufferInput extends java.io.InputStream {
        private final DirectBuffer buffer;
        private int position;
        private final int end;

        DirectBufferInput(DirectBuffer buffer, int offset, int length) {
            this.buffer = buffer;
            this.position = offset;
            this.end = offset + length;
        }

        @Override
        public int read() {
            return position < end ? buffer.getByte(position++) & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (position >= end) {
                return -1;
            }
            int n = Math.min(len, end - position);
            buffer.getBytes(position, b, off, n);
            position += n;
            return n;
        }

        @Override
        public int available() {
            return end - position;
        }
    }

    /** The bytes as text when they are valid UTF-8, else null (for messages that embed a value as text or base64). */
    public static String strictUtf8(byte[] bytes) {
        try {
            return java.nio.charset.StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            return null;
        }
    }
}
