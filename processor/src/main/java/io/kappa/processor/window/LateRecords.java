package io.kappa.processor.window;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Base64;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.processor.InputRecord;
import io.kappa.processor.ProcessorContext;
import io.kappa.processor.Serdes;

/**
 * Records that came too late for event-time processing go to the topic {@code GROUP.late}, never dropped
 * silently: the original key, and a JSON value with the reason, where the record was, its time, the watermark
 * at that moment and the original value (as JSON when it is JSON, else as text, else base64).
 */
public final class LateRecords {
    private LateRecords() {
    }

    public static String topic(String group) {
        return group + ".late";
    }

    /** The late record's description; add fields to it before {@link #send}. */
    public static ObjectNode describe(InputRecord<?, ?> r, ProcessorContext<?, ?> ctx, String reason) {
        ObjectNode v = Serdes.MAPPER.createObjectNode();
        v.put("reason", reason);
        v.put("topic", r.topic());
        v.put("partition", r.partition());
        v.put("offset", r.offset());
        v.put("eventTime", iso(r.eventTime()));
        v.put("watermark", iso(ctx.watermark()));
        byte[] value = r.valueBytes();
        JsonNode json = null;
        String text = Serdes.strictUtf8(value);
        if (text != null) {
            try {
                json = Serdes.MAPPER.readTree(text);
            } catch (IOException e) {
                json = null;
            }
        }
        if (json != null && !json.isMissingNode()) {
            v.set("value", json);
        } else if (text != null) {
            v.put("value", text);
        } else {
            v.put("valueBase64", Base64.getEncoder().encodeToString(value));
        }
        return v;
    }

    /** Writes the description to {@code GROUP.late} with the record's key and time. */
    public static void send(InputRecord<?, ?> r, ProcessorContext<?, ?> ctx, ObjectNode description) {
        try {
            ctx.forwardTo(topic(ctx.group()), r.keyBytes(), Serdes.MAPPER.writeValueAsBytes(description), r.eventTime());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** ISO-8601 UTC, or "-infinity" / "+infinity" at the ends of time. */
    public static String iso(long ms) {
        if (ms == Long.MIN_VALUE) {
            return "-infinity";
        }
        if (ms == Long.MAX_VALUE) {
            return "+infinity";
        }
        return Instant.ofEpochMilli(ms).toString();
    }
}
