package io.kappa.kafka;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The record headers kappa puts on Kafka records, so that what the local log keeps beside key and value (event id,
 * append time, which upstream task wrote a record) survives a trip through Kafka. Longs are 8 bytes big-endian,
 * strings UTF-8. The Kafka timestamp carries the event time.
 */
public final class KappaHeaders {
    /** The producer's event id. */
    public static final String ID = "kappa.id";
    /** When the local log appended the record (a mirrored record keeps its original append time). */
    public static final String APPEND_TIME = "kappa.append-time";
    /** The kappa task that wrote the record: a later stage tracks one watermark source per upstream task. */
    public static final String PRODUCER = "kappa.producer";
    /** The topic a side output ({@code ProcessorContext.forwardTo}) goes to. */
    public static final String TOPIC = "kappa.topic";
    /**
     * Present (empty value) on a record a stage wrote while it recomputed ({@code isReplaying()} was true): the later
     * stage of the group that reads it is recomputing too.
     */
    public static final String RECOMPUTED = "kappa.recomputed";

    private KappaHeaders() {
    }

    public static byte[] encodeLong(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }

    /** The header's value as a long, or {@code absent} when the header is missing or not 8 bytes long. */
    public static long getLong(Headers headers, String name, long absent) {
        Header h = headers.lastHeader(name);
        if (h == null || h.value() == null || h.value().length != 8) {
            return absent;
        }
        return ByteBuffer.wrap(h.value()).getLong();
    }

    /** The header's value as a string, or null when missing. */
    public static String getString(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
