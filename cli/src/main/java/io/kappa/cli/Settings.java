package io.kappa.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import io.kappa.processor.Serdes;

/**
 * The config file, {@code $XDG_CONFIG_HOME/kappa/config.json} (else {@code ~/.config/kappa/config.json}; {@code
 * $KAPPA_CONFIG} names another): named profiles and named Kafka clusters.
 * <pre>
 * {
 *   "profile": "dev",                                       the default profile (else none)
 *   "profiles": {
 *     "dev":  {"dataDir": "~/kappa/dev"},
 *     "prod": {"dataDir": "/var/lib/kappa", "kafka": "prod"}  kafka: a cluster below, or a bootstrap list
 *   },
 *   "kafka": {
 *     "prod": {"bootstrap": "b1:9092,b2:9092", "config": {"security.protocol": "SSL"}}
 *   }
 * }
 * </pre>
 * {@code kappa --profile prod ...} uses a profile's data directory; {@code --kafka prod} a cluster's bootstrap servers
 * (its config goes under the command's {@code --kafka-config}, which wins); a bare {@code --kafka} the profile's cluster.
 * A missing file is no settings; a malformed one is an error naming the file.
 */
final class Settings {
    record Profile(String name, Optional<Path> dataDir, Optional<String> kafka) {
    }

    record Cluster(String bootstrap, Map<String, String> config) {
    }

    private static Settings loaded;

    private final Path file;
    private final JsonNode root;

    private Settings(Path file, JsonNode root) {
        this.file = file;
        this.root = root;
    }

    /** The config file's settings (read once per process). */
    static synchronized Settings load() {
        if (loaded == null) {
            Path file = location();
            JsonNode root = Serdes.MAPPER.createObjectNode();
            if (Files.isRegularFile(file)) {
                try {
                    root = Serdes.MAPPER.readTree(file.toFile());
                } catch (IOException e) {
                    throw new CommandFailure("cannot read the config file " + file + ": " + e.getMessage().lines().findFirst().orElse(""));
                }
                if (root == null || !root.isObject()) {
                    throw new CommandFailure("the config file " + file + " must hold a JSON object");
                }
            }
            loaded = new Settings(file, root);
        }
        return loaded;
    }

    static Path location() {
        String explicit = System.getenv("KAPPA_CONFIG");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String xdg = System.getenv("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config");
        return base.resolve("kappa").resolve("config.json");
    }

    Path file() {
        return file;
    }

    /** The named profile; an unknown name is a usage error listing the known ones. */
    Profile profile(String name) {
        JsonNode p = root.path("profiles").path(name);
        if (!p.isObject()) {
            List<String> names = new java.util.ArrayList<>();
            root.path("profiles").fieldNames().forEachRemaining(names::add);
            throw new IllegalArgumentException("unknown profile '" + name + "' in " + file + (names.isEmpty() ? " (it defines none)"
                : " (profiles: " + String.join(", ", names) + ")" + Names.didYouMean(name, names)));
        }
        Optional<Path> dir = text(p, "dataDir").map(Settings::expandHome);
        return new Profile(name, dir, text(p, "kafka"));
    }

    /** The profile {@code "profile"} names, if any ({@code $KAPPA_PROFILE} overrides it). */
    Optional<Profile> defaultProfile() {
        String env = System.getenv("KAPPA_PROFILE");
        String name = env != null && !env.isBlank() ? env : text(root, "profile").orElse(null);
        return name == null ? Optional.empty() : Optional.of(profile(name));
    }

    /** The named Kafka cluster, if the file defines one by that name. */
    Optional<Cluster> cluster(String name) {
        JsonNode c = root.path("kafka").path(name);
        if (!c.isObject()) {
            return Optional.empty();
        }
        String bootstrap = text(c, "bootstrap").orElseThrow(() -> new IllegalArgumentException("Kafka cluster '" + name + "' in " + file
            + " has no bootstrap"));
        Map<String, String> config = new LinkedHashMap<>();
        c.path("config").fields().forEachRemaining(e -> config.put(e.getKey(), e.getValue().asText()));
        return Optional.of(new Cluster(bootstrap, config));
    }

    private static Optional<String> text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? Optional.empty() : Optional.of(v.asText());
    }

    private static Path expandHome(String path) {
        return path.equals("~") || path.startsWith("~/") ? Path.of(System.getProperty("user.home") + path.substring(1)) : Path.of(path);
    }
}
