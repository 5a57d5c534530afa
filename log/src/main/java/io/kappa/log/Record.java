package io.kappa.log;

import java.nio.charset.StandardCharsets;

/** An immutable copy of a stored record; {@link RecordView} is the allocation-free way to read. */
public record Record(int partition, long offset, long eventTime, long appendTime, byte[] key, byte[] id, byte[] value) {
    public String valueString() {
        return new String(value, StandardCharsets.UTF_8);
    }

    public String keyString() {
        return key == null ? null : new String(key, StandardCharsets.UTF_8);
    }

    public String idString() {
        return id == null ? null : new String(id, StandardCharsets.UTF_8);
    }
}
