package io.kappa.processor.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A dotted path of object field names, such as {@code user.country}, that picks one node out of a JSON
 * value. Each segment is a field name taken literally: there is no escaping, no array indexing and no
 * wildcard, so a segment may hold any character except {@code '.'} and whitespace, and may not be empty.
 * The path is split once when parsed, so looking it up costs only Jackson's own field lookups.
 */
public final class JsonPath {

    private final String text;
    private final String[] segments;

    private JsonPath(String text, String[] segments) {
        this.text = text;
        this.segments = segments;
    }

    /**
     * Parses a dotted path.
     *
     * @throws IllegalArgumentException if the path is empty, has an empty segment ({@code a..b},
     *     {@code .a}, {@code a.}) or contains whitespace; the message names the path and the position
     */
    public static JsonPath parse(String path) {
        if (path == null) {
            throw new IllegalArgumentException("invalid field path: null");
        }
        int bad = invalidIndex(path);
        if (bad >= 0) {
            throw new IllegalArgumentException(
                    "invalid field path \"" + path + "\": " + problemAt(path, bad) + " at position " + bad);
        }
        List<String> parts = new ArrayList<>();
        int start = 0;
        for (int dot = path.indexOf('.'); dot >= 0; dot = path.indexOf('.', start)) {
            parts.add(path.substring(start, dot));
            start = dot + 1;
        }
        parts.add(path.substring(start));
        return new JsonPath(path, parts.toArray(new String[0]));
    }

    /**
     * Returns the node at this path, which may be a JSON null node, or {@code null} when a field along the
     * way is missing or {@code root} or an intermediate node is not an object.
     */
    public JsonNode find(JsonNode root) {
        JsonNode node = root;
        for (String segment : segments) {
            if (node == null || !node.isObject()) {
                return null;
            }
            node = node.get(segment);
        }
        return node;
    }

    /** The path as it was written. */
    public String text() {
        return text;
    }

    @Override
    public String toString() {
        return text;
    }

    /**
     * Index of the first problem in {@code path} (where an empty segment starts, or a whitespace character),
     * or -1 when the path is valid.
     */
    static int invalidIndex(String path) {
        int segmentStart = 0;
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (Character.isWhitespace(c)) {
                return i;
            }
            if (c == '.') {
                if (i == segmentStart) {
                    return i;
                }
                segmentStart = i + 1;
            }
        }
        return segmentStart == path.length() ? segmentStart : -1;
    }

    /** Describes the problem that {@link #invalidIndex} found at {@code index}. */
    static String problemAt(String path, int index) {
        if (path.isEmpty()) {
            return "empty path";
        }
        if (index < path.length() && Character.isWhitespace(path.charAt(index))) {
            return "whitespace in field name";
        }
        return "empty field name";
    }
}
