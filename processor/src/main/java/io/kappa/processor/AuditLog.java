package io.kappa.processor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The audit logs: {@code groups/G/audit.log} (rewinds, undos, and what {@code kappa ui} did to the group) and
 * {@code DATA/audit.log} (promotes), one JSON object per line, appended, never rewritten. A group on Kafka keeps the
 * same entries in its topic {@code G-kappa-audit} (one entry a record; {@code KafkaGroups.audit}).
 */
public final class AuditLog {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AuditLog() {
    }

    /** A new entry with the time, the action, and who did it. */
    public static ObjectNode entry(String action) {
        ObjectNode n = JSON.createObjectNode();
        n.put("time", java.time.Instant.now().toString());
        n.put("action", action);
        n.put("user", System.getProperty("user.name", "?"));
        n.put("pid", ProcessHandle.current().pid());
        return n;
    }

    /** Adds one input partition's move to an entry's {@code moves} array (created if absent). */
    public static void addMove(ObjectNode entry, String stage, String topic, int partition, long from, long to) {
        com.fasterxml.jackson.databind.node.ArrayNode moves = entry.has("moves") ? (com.fasterxml.jackson.databind.node.ArrayNode) entry.get("moves")
            : entry.putArray("moves");
        ObjectNode o = moves.addObject();
        if (stage != null) {
            o.put("stage", stage);
        }
        o.put("topic", topic);
        o.put("partition", partition);
        o.put("from", from);
        o.put("to", to);
    }

    /** An entry read back from its JSON text, or null for a line torn by a crash. */
    public static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            return null;
        }
    }

    /** Appends an entry to the group's audit log. */
    public static void appendToGroup(Path dataDir, String group, ObjectNode entry) {
        append(Groups.dir(dataDir, group).resolve("audit.log"), entry, "the audit log of group '" + group + "'");
    }

    /** Appends an entry to the data directory's audit log (topic-wide actions such as promote). */
    public static void appendToDataDir(Path dataDir, ObjectNode entry) {
        append(dataDir.resolve("audit.log"), entry, dataDir.resolve("audit.log").toString());
    }

    /** The group's entries, oldest first (empty when it has none); a line that is not JSON is skipped. */
    public static List<JsonNode> ofGroup(Path dataDir, String group) {
        return read(Groups.dir(dataDir, group).resolve("audit.log"));
    }

    /** The data directory's entries (promotes), oldest first. */
    public static List<JsonNode> ofDataDir(Path dataDir) {
        return read(dataDir.resolve("audit.log"));
    }

    private static void append(Path file, ObjectNode entry, String what) {
        try {
            Files.writeString(file, entry + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + what + ": " + e.getMessage(), e);
        }
    }

    private static List<JsonNode> read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        List<JsonNode> out = new ArrayList<>();
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode n = parse(line);
            if (n != null) { // null: a line torn by a crash mid-append; the others still read
                out.add(n);
            }
        }
        return out;
    }
}
