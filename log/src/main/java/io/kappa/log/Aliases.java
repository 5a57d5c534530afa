package io.kappa.log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Logical topic names that resolve to a physical topic ({@code DATA/aliases.json}): {@code kappa promote} points
 * {@code counts} at {@code counts.v2}, and readers and writers of {@code counts} then use {@code counts.v2}.
 * <pre>
 *   {"version":1,"aliases":{"counts":"counts.v2","counts.v1":"counts"}}
 * </pre>
 * Another process may promote at any time, so every lookup checks the file; the parsed map is kept while the
 * file's inode, size and modification time stay the same (one stat per lookup, not a read; without the file, no
 * exception either: the server looks up every request's topic). The file is
 * replaced by an atomic rename, which gives it a new inode. Thread-safe.
 */
final class Aliases {
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Snapshot(Object fileKey, long size, FileTime modified, Map<String, String> aliases) {
    }

    private static final Snapshot ABSENT = new Snapshot(null, -1, null, Map.of());

    private final Path file;
    private volatile Snapshot current = ABSENT;

    Aliases(Path dataDir) {
        this.file = dataDir.resolve("aliases.json");
    }

    /** Every alias as the file says now: logical name -> physical topic (unmodifiable, sorted). */
    Map<String, String> current() {
        if (current == ABSENT && !file.toFile().exists()) {
            return ABSENT.aliases(); // the usual case of a log without aliases: a stat, without an exception
        }
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            current = ABSENT;
            return ABSENT.aliases();
        } catch (IOException e) {
            throw new LogException.CorruptMetadata(file + " cannot be read: " + e.getMessage());
        }
        Snapshot s = current;
        if (a.fileKey() != null && a.fileKey().equals(s.fileKey()) && s.size() == a.size() && a.lastModifiedTime().equals(s.modified())) {
            return s.aliases();
        }
        s = new Snapshot(a.fileKey(), a.size(), a.lastModifiedTime(), read());
        current = s;
        return s.aliases();
    }

    private Map<String, String> read() {
        Map<String, String> m = new TreeMap<>();
        try {
            JsonNode root = JSON.readTree(Files.readAllBytes(file));
            if (root == null || root.path("version").asInt() != 1) {
                throw new LogException.CorruptMetadata(file + ": unknown or missing version (this kappa reads version 1)");
            }
            root.path("aliases").fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
            return Collections.unmodifiableMap(m);
        } catch (NoSuchFileException e) {
            return Map.of();
        } catch (IOException e) {
            throw new LogException.CorruptMetadata(file + " cannot be read: " + e.getMessage());
        }
    }

    /** Replaces the file atomically (callers hold the EventLog's lock and read {@link #current()} first). */
    void write(Map<String, String> aliases) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", 1);
        ObjectNode a = root.putObject("aliases");
        aliases.forEach(a::put);
        Path tmp = file.resolveSibling("aliases.json.tmp");
        try {
            Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
            try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                c.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new LogException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
