package io.kappa.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kappa.log.Event;
import io.kappa.log.Position;
import io.kappa.processor.Serdes;

/**
 * Events as JSON in, shared by {@code kappa append} and the TCP line protocol (out: {@code io.kappa.replay.RecordJson}).
 * <p>{@code {"key": "u1", "value": <any JSON>, "time": "2026-11-21T10:00:00Z" or epoch ms, "id": "...",
 * "partition": 0, "topic": "..."}}; only {@code value} is required. A string value is stored as its UTF-8
 * text (no quotes); any other JSON value as its JSON text, as sent.
 */
public final class EventJson {
    /** Parses with {@link Serdes#READ_LIMITS}, as the server's line protocol does through {@link #parse}. */
    public static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder().streamReadConstraints(Serdes.READ_LIMITS).build())
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final JsonFactory FACTORY = MAPPER.getFactory();

    private EventJson() {
    }

    /**
     * An event parsed from one line, the topic it names (null when none), and an idempotent producer's id and
     * sequence (0 and -1 when none; only the TCP line protocol accepts them).
     */
    public record Parsed(String topic, Event event, long producerId, long sequence) {
    }

    /** Parses one JSON line; throws {@link IllegalArgumentException} with the reason when it is not a valid event. */
    public static Parsed parse(String line) {
        return parse(line, false);
    }

    /** As {@link #parse(String)}; with {@code allowProducer}, also reads "producer" and "sequence". */
    public static Parsed parse(String line, boolean allowProducer) {
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        return parse(bytes, 0, bytes.length, allowProducer);
    }

    /**
     * Parses one JSON event from {@code bytes[offset .. offset + length)} with a streaming parser (no tree):
     * a string value is kept as its text, any other value as its JSON text exactly as sent.
     */
    public static Parsed parse(byte[] bytes, int offset, int length, boolean allowProducer) {
        int bad = invalidUtf8At(bytes, offset, length);
        if (bad >= 0) {
            throw new IllegalArgumentException(notUtf8(bad));
        }
        try (JsonParser p = FACTORY.createParser(bytes, offset, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("expected a JSON object like {\"value\": ...}");
            }
            byte[] key = null;
            byte[] id = null;
            byte[] value = null;
            String topic = null;
            long time = Event.NO_TIME;
            int partition = Event.ANY_PARTITION;
            Long producer = null;
            Long sequence = null;
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                switch (name) {
                    case "value":
                        if (v == JsonToken.VALUE_STRING) {
                            value = p.getText().getBytes(StandardCharsets.UTF_8);
                        } else {
                            int start = (int) p.currentTokenLocation().getByteOffset();
                            p.skipChildren();
                            int end = (int) p.currentLocation().getByteOffset();
                            value = java.util.Arrays.copyOfRange(bytes, offset + start, offset + end);
                        }
                        break;
                    case "key":
                        key = v == JsonToken.VALUE_NULL ? null : scalar(p, v, "key").getBytes(StandardCharsets.UTF_8);
                        break;
                    case "id":
                        id = v == JsonToken.VALUE_NULL ? null : scalar(p, v, "id").getBytes(StandardCharsets.UTF_8);
                        break;
                    case "topic":
                        if (v != JsonToken.VALUE_NULL) {
                            if (v != JsonToken.VALUE_STRING) {
                                throw new IllegalArgumentException("\"topic\" must be a string");
                            }
                            topic = p.getText();
                        }
                        break;
                    case "time":
                        if (v == JsonToken.VALUE_NUMBER_INT) {
                            time = p.getLongValue();
                        } else if (v == JsonToken.VALUE_STRING) {
                            time = Position.parseTime(p.getText(), "\"time\" '" + p.getText() + "'");
                        } else if (v != JsonToken.VALUE_NULL) {
                            throw new IllegalArgumentException("\"time\" must be an ISO-8601 string or epoch milliseconds");
                        }
                        break;
                    case "partition":
                        if (v != JsonToken.VALUE_NULL) {
                            if (v != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT || p.getIntValue() < 0) {
                                throw new IllegalArgumentException("\"partition\" must be a non-negative integer");
                            }
                            partition = p.getIntValue();
                        }
                        break;
                    case "producer":
                    case "sequence":
                        if (!allowProducer) {
                            throw unknownField(name, false);
                        }
                        if (v != JsonToken.VALUE_NUMBER_INT) {
                            throw new IllegalArgumentException(PRODUCER_RULE);
                        }
                        if (name.equals("producer")) {
                            producer = p.getLongValue();
                        } else {
                            sequence = p.getLongValue();
                        }
                        break;
                    default:
                        throw unknownField(name, allowProducer);
                }
            }
            if (t != JsonToken.END_OBJECT) {
                throw new IllegalArgumentException("expected a JSON object like {\"value\": ...}");
            }
            if (p.nextToken() != null) {
                throw new IllegalArgumentException("malformed JSON: trailing content after the object at column "
                    + p.currentTokenLocation().getColumnNr());
            }
            if (value == null) {
                throw new IllegalArgumentException("missing \"value\"");
            }
            long producerId = 0;
            long seq = -1;
            if (producer != null || sequence != null) {
                if (producer != null && producer < 0) {
                    throw new IllegalArgumentException("\"producer\" " + producer + " is reserved: ids with the top bit set (negative) "
                        + "belong to kappa's own writers (processor tasks, the Kafka mirror); a client's producer id is a positive integer");
                }
                if (producer == null || sequence == null || producer <= 0 || sequence < 0) {
                    throw new IllegalArgumentException(PRODUCER_RULE);
                }
                producerId = producer;
                seq = sequence;
            }
            return new Parsed(topic, new Event(key, value, time, id, partition), producerId, seq);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("malformed JSON: " + e.getOriginalMessage()
                + (e.getLocation() == null ? "" : " at column " + e.getLocation().getColumnNr()));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read JSON: " + e.getMessage());
        }
    }

    /** The reason for a line that is not UTF-8, naming the first bad byte (counted from 0). */
    static String notUtf8(int at) {
        return "not valid UTF-8 (byte " + at + " of the line)";
    }

    /**
     * The index (from {@code offset}) of the first byte that is not part of well-formed UTF-8 (RFC 3629: no
     * overlong forms, no surrogates, nothing above U+10FFFF), or -1 when all of {@code bytes[offset ..
     * offset + length)} is. Every path that takes events as text (append, the line protocol) refuses such
     * input rather than storing it with replacement characters.
     */
    public static int invalidUtf8At(byte[] bytes, int offset, int length) {
        int end = offset + length;
        int i = offset;
        while (i < end) {
            int b = bytes[i] & 0xff;
            if (b < 0x80) {
                i++;
                continue;
            }
            int more;
            int low = 0x80;
            int high = 0xbf;
            if (b >= 0xc2 && b <= 0xdf) {
                more = 1;
            } else if (b >= 0xe0 && b <= 0xef) {
                more = 2;
                if (b == 0xe0) {
                    low = 0xa0; // overlong
                } else if (b == 0xed) {
                    high = 0x9f; // surrogates
                }
            } else if (b >= 0xf0 && b <= 0xf4) {
                more = 3;
                if (b == 0xf0) {
                    low = 0x90; // overlong
                } else if (b == 0xf4) {
                    high = 0x8f; // above U+10FFFF
                }
            } else {
                return i - offset;
            }
            for (int k = 1; k <= more; k++) {
                if (i + k >= end) {
                    return i - offset;
                }
                int c = bytes[i + k] & 0xff;
                if (k == 1 ? c < low || c > high : c < 0x80 || c > 0xbf) {
                    return i - offset;
                }
            }
            i += more + 1;
        }
        return -1;
    }

    private static final String PRODUCER_RULE = "\"producer\" (a positive integer) and \"sequence\" (>= 0) go together";

    private static IllegalArgumentException unknownField(String name, boolean allowProducer) {
        return new IllegalArgumentException("unknown field '" + name + "' (expected key, value, time, id, partition, topic"
            + (allowProducer ? ", producer, sequence)" : ")"));
    }

    private static String scalar(JsonParser p, JsonToken v, String field) throws IOException {
        if (v == JsonToken.VALUE_STRING || v == JsonToken.VALUE_NUMBER_INT || v == JsonToken.VALUE_NUMBER_FLOAT
            || v == JsonToken.VALUE_TRUE || v == JsonToken.VALUE_FALSE) {
            return p.getText();
        }
        throw new IllegalArgumentException("\"" + field + "\" must be a string");
    }
}
