package io.kappa.replay;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kappa.log.RecordView;
import io.kappa.processor.Serdes;

/**
 * Records as JSON out, as {@code kappa read} prints them and {@code kappa ui} serves them:
 * {@code {"partition":p,"offset":o,"time":"...","appendTime":"...","key":...,"id":...,"value":...}}, the value as JSON
 * when the stored bytes are JSON (read within {@link Serdes#READ_LIMITS}), else as a string.
 */
public final class RecordJson {
    /** A value is JSON only when the whole of it is: {@code 1|2} or {@code true story} stay strings. */
    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder().streamReadConstraints(Serdes.READ_LIMITS).build())
        .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final JsonFactory FACTORY = MAPPER.getFactory();
    private static final DateTimeFormatter ISO_MILLIS =
        DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(java.time.ZoneOffset.UTC);

    private RecordJson() {
    }

    /** An epoch-millisecond time as ISO-8601 UTC with milliseconds. */
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

    /** One record as a JSON object (the line {@link #write} writes, without the newline). */
    public static String toJson(RecordView r) {
        StringWriter w = new StringWriter();
        try {
            write(r, w);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        w.getBuffer().setLength(w.getBuffer().length() - 1);
        return w.toString();
    }

    /** The bytes as JSON when the whole of them is JSON, else null. */
    static JsonNode asJson(byte[] value) {
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
