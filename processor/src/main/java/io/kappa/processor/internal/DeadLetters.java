package io.kappa.processor.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Base64;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.processor.InputRecord;
import io.kappa.processor.Serdes;

/**
 * The dead letter of a record a processor failed on, as every runtime writes it to {@code GROUP.dlq}: key the
 * original key; value JSON with the error, group, stage, topic, partition, offset, event time and the original
 * value (as text when it is UTF-8, else base64), cut so that the letter fits in a record of the runtime's size
 * limit ({@code valueTruncated}, {@code valueLength}).
 */
public final class DeadLetters {
    /** Room kept for the letter's other fields and the record's framing. */
    static final int OVERHEAD = 2048;

    private DeadLetters() {
    }

    public static String topic(String group) {
        return group + ".dlq";
    }

    /** The letter's value for record {@code r} (its key is {@code r.keyBytes()}). */
    static byte[] letter(String group, String stage, InputRecord<?, ?> r, byte[] key, Throwable e, int maxRecordBytes) {
        ObjectNode v = Serdes.MAPPER.createObjectNode();
        v.put("error", RecordStep.describe(e));
        v.put("group", group);
        v.put("stage", stage);
        v.put("topic", r.topic());
        v.put("partition", r.partition());
        v.put("offset", r.offset());
        v.put("eventTime", Instant.ofEpochMilli(r.eventTime()).toString());
        byte[] value = r.valueBytes();
        int room = Math.max(0, maxRecordBytes - (key == null ? 0 : key.length) - OVERHEAD);
        String text = Serdes.strictUtf8(value);
        String field = text != null ? "value" : "valueBase64";
        String embedded = text != null ? text : Base64.getEncoder().encodeToString(value);
        int limit = text != null ? room / 6 : room; // JSON escaping may take 6 bytes per character
        if (embedded.length() > limit) {
            embedded = embedded.substring(0, limit);
            v.put("valueTruncated", true);
            v.put("valueLength", value.length);
        }
        v.put(field, embedded);
        try {
            return Serdes.MAPPER.writeValueAsBytes(v);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
