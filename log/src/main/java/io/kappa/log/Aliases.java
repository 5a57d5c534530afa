package io.kappa.log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Logical topic names that readers resolve to a physical topic ({@code DATA/aliases.json}): {@code kappa promote}
 * points {@code counts} at {@code counts.v2}. Read from the file on every lookup, so another process's promote is
 * seen at once; written atomically. Writers always use physical names.
 * <pre>
 *   {"version":1,"aliases":{"counts":"counts.v2"}}
 * </pre>
 */
final class Aliases {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Aliases() {
    }

    static Map<String, String> read(Path dataDir) {
        Path f = dataDir.resolve("aliases.json");
        Map<String, String> m = new TreeMap<>();
        try {
            JsonNode root = JSON.readTree(Files.readAllBytes(f));
            if (root == null || root.path("version").asInt() != 1) {
                throw new LogException.CorruptMetadata(f + ": unknown or missing version (this kappa reads version 1)");
            }
            root.path("aliases").fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
            return m;
        } catch (NoSuchFileException e) {
            return m;
        } catch (IOException e) {
            throw new LogException.CorruptMetadata(f + " cannot be read: " + e.getMessage());
        }
    }

    static synchronized void write(Path dataDir, Map<String, String> aliases) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", 1);
        ObjectNode a = root.putObject("aliases");
        aliases.forEach(a::put);
        Path tmp = dataDir.resolve("aliases.json.tmp");
        try {
            Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
            try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                c.force(true);
            }
            Files.move(tmp, dataDir.resolve("aliases.json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new LogException("cannot write " + dataDir.resolve("aliases.json") + ": " + e.getMessage(), e);
        }
    }
}
