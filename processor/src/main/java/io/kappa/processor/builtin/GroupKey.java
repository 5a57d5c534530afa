package io.kappa.processor.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import io.kappa.processor.InputRecord;
import io.kappa.processor.Serdes;
import org.agrona.DirectBuffer;

/**
 * What a built-in groups or deduplicates by: the record key, the record id, or a field of the JSON value
 * ({@code a.b} for nested fields). A record without it is an error (it goes to the dead-letter topic), never
 * skipped silently.
 */
public final class GroupKey {
    public enum Kind { KEY, ID, FIELD }

    private final Kind kind;
    private final JsonPath path;

    private GroupKey(Kind kind, JsonPath path) {
        this.kind = kind;
        this.path = path;
    }

    /** {@code key}, {@code id} (when {@code allowId}) or a field path. */
    public static GroupKey parse(String spec, boolean allowId) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("--by needs key" + (allowId ? ", id" : "") + " or a field name");
        }
        if (spec.equals("key")) {
            return new GroupKey(Kind.KEY, null);
        }
        if (allowId && spec.equals("id")) {
            return new GroupKey(Kind.ID, null);
        }
        return new GroupKey(Kind.FIELD, JsonPath.parse(spec));
    }

    public Kind kind() {
        return kind;
    }

    /** Whether records with equal group keys may sit in different partitions (so a repartition is needed). */
    public boolean needsRepartition() {
        return kind != Kind.KEY;
    }

    public String describe() {
        return kind == Kind.FIELD ? path.text() : kind.name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * The group key of a record whose value is {@code value} (parsed lazily, only for a field); a record unwrapped
     * after a repartition ({@link Envelope}) has it already.
     */
    String of(InputRecord<DirectBuffer, DirectBuffer> record, DirectBuffer key, DirectBuffer value) {
        return of(record, key, value, null);
    }

    /** As above; a record key is made a {@code String} through {@code strings} (a task's own), when given. */
    String of(InputRecord<DirectBuffer, DirectBuffer> record, DirectBuffer key, DirectBuffer value, KeyStrings strings) {
        if (record instanceof Envelope repartitioned) {
            return repartitioned.groupKey();
        }
        switch (kind) {
            case KEY -> {
                if (key == null) {
                    throw new IllegalArgumentException("the record has no key to group by");
                }
                return strings != null ? strings.of(key, key.capacity()) : key.getStringWithoutLengthUtf8(0, key.capacity());
            }
            case ID -> {
                String id = record.id();
                if (id == null) {
                    throw new IllegalArgumentException("the record has no id (dedup --by id needs events with an id)");
                }
                return id;
            }
            default -> {
                return text(field(Serdes.json().deserialize(value, 0, value.capacity()), path));
            }
        }
    }

    static JsonNode field(JsonNode root, JsonPath path) {
        JsonNode node = path.find(root);
        if (node == null) {
            throw new IllegalArgumentException("field '" + path.text() + "' is missing");
        }
        return node;
    }

    static String text(JsonNode node) {
        return node.isTextual() ? node.asText() : node.toString();
    }
}
