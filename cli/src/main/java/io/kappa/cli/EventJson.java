package io.kappa.cli;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.log.Event;
import io.kappa.log.RecordView;

/**
 * The JSON shape of events, shared by {@code kappa append}, {@code kappa read} and the TCP line protocol.
 * <p>In: {@code {"key": "u1", "value": <any JSON>, "time": "2026-11-21T10:00:00Z" or epoch ms, "id": "...",
 * "partition": 0, "topic": "..."}}; only {@code value} is required. A string value is stored as its UTF-8
 * text (no quotes); any other JSON value as its compact JSON text.
 * <p>Out: {@code {"partition":p,"offset":o,"time":"...","appendTime":"...","key":...,"id":...,"value":...}},
 * the value as JSON when the stored bytes are JSON, else as a string.
 */
public final class EventJson {
    public static final ObjectMapper MAPPER = new ObjectMapper()
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final JsonFactory FACTORY = MAPPER.getFactory();
    private static final DateTimeFormatter ISO_MILLIS =
        DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(java.time.ZoneOffset.UTC);

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
        JsonNode node;
        try {
            node = MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("malformed JSON: " + e.getOriginalMessage()
                + (e.getLocation() == null ? "" : " at column " + e.getLocation().getColumnNr()));
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("expected a JSON object like {\"value\": ...}");
        }
        ObjectNode o = (ObjectNode) node;
        var names = o.fieldNames();
        while (names.hasNext()) {
            String n = names.next();
            boolean known = n.equals("key") || n.equals("value") || n.equals("time") || n.equals("id") || n.equals("topic") || n.equals("partition")
                || (allowProducer && (n.equals("producer") || n.equals("sequence")));
            if (!known) {
                throw new IllegalArgumentException("unknown field '" + n + "' (expected key, value, time, id, partition, topic"
                    + (allowProducer ? ", producer, sequence)" : ")"));
            }
        }
        JsonNode value = o.get("value");
        if (value == null) {
            throw new IllegalArgumentException("missing \"value\"");
        }
        byte[] key = o.hasNonNull("key") ? text(o.get("key"), "key").getBytes(StandardCharsets.UTF_8) : null;
        byte[] id = o.hasNonNull("id") ? text(o.get("id"), "id").getBytes(StandardCharsets.UTF_8) : null;
        long time = Event.NO_TIME;
        JsonNode t = o.get("time");
        if (t != null && !t.isNull()) {
            if (t.isIntegralNumber()) {
                time = t.asLong();
            } else if (t.isTextual()) {
                time = Position.parseTime(t.asText(), "\"time\" '" + t.asText() + "'");
            } else {
                throw new IllegalArgumentException("\"time\" must be an ISO-8601 string or epoch milliseconds");
            }
        }
        int partition = Event.ANY_PARTITION;
        JsonNode p = o.get("partition");
        if (p != null && !p.isNull()) {
            if (!p.canConvertToInt() || p.asInt() < 0 || !p.isIntegralNumber()) {
                throw new IllegalArgumentException("\"partition\" must be a non-negative integer");
            }
            partition = p.asInt();
        }
        String topic = null;
        JsonNode tn = o.get("topic");
        if (tn != null && !tn.isNull()) {
            if (!tn.isTextual()) {
                throw new IllegalArgumentException("\"topic\" must be a string");
            }
            topic = tn.asText();
        }
        long producer = 0;
        long sequence = -1;
        if (o.has("producer") || o.has("sequence")) {
            JsonNode pr = o.get("producer");
            JsonNode sq = o.get("sequence");
            if (pr == null || sq == null || !pr.isIntegralNumber() || !sq.isIntegralNumber() || pr.asLong() <= 0 || sq.asLong() < 0) {
                throw new IllegalArgumentException("\"producer\" (a positive integer) and \"sequence\" (>= 0) go together");
            }
            producer = pr.asLong();
            sequence = sq.asLong();
        }
        return new Parsed(topic, new Event(key, valueBytes(value), time, id, partition), producer, sequence);
    }

    /** Stored bytes of a JSON value: a string as its text, anything else as compact JSON. */
    public static byte[] valueBytes(JsonNode value) {
        if (value.isTextual()) {
            return value.asText().getBytes(StandardCharsets.UTF_8);
        }
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot encode value: " + e.getOriginalMessage());
        }
    }

    private static String text(JsonNode n, String field) {
        if (n.isTextual() || n.isNumber() || n.isBoolean()) {
            return n.asText();
        }
        throw new IllegalArgumentException("\"" + field + "\" must be a string");
    }

    public static String formatTime(long epochMs) {
        return ISO_MILLIS.format(Instant.ofEpochMilli(epochMs));
    }

    /** Writes one record as a JSON line (with the newline). */
    public static void write(RecordView r, Writer out) throws IOException {
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.writeStartObject();
            g.writeNumberField("partition", r.partition());
            g.writeNumberField("offset", r.offset());
            g.writeStringField("time", formatTime(r.eventTime()));
            g.writeStringField("appendTime", formatTime(r.appendTime()));
            g.writeFieldName("key");
            if (r.hasKey()) {
                g.writeString(r.keyString());
            } else {
                g.writeNull();
            }
            if (r.hasId()) {
                g.writeStringField("id", new String(r.idBytes(), StandardCharsets.UTF_8));
            }
            g.writeFieldName("value");
            byte[] value = r.valueBytes();
            JsonNode parsed = asJson(value);
            if (parsed != null) {
                MAPPER.writeTree(g, parsed);
            } else {
                g.writeString(new String(value, StandardCharsets.UTF_8));
            }
            g.writeEndObject();
        }
        out.write('\n');
    }

    private static JsonNode asJson(byte[] value) {
        if (value.length == 0) {
            return null;
        }
        byte first = value[0];
        boolean plausible = first == '{' || first == '[' || first == '"' || first == '-' || (first >= '0' && first <= '9')
            || first == 't' || first == 'f' || first == 'n' || first == ' ' || first == '\t' || first == '\n' || first == '\r';
        if (!plausible) {
            return null;
        }
        try {
            return MAPPER.readTree(value);
        } catch (IOException e) {
            return null;
        }
    }
}
