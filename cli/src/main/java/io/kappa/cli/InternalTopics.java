package io.kappa.cli;

import java.nio.file.Path;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import io.kappa.processor.Groups;

/**
 * The topics groups keep for themselves, which listings hide unless asked: those a group writes in one stage and
 * reads in a later one ({@code G.repartition}, {@code G.gather}), and the scratch topics of a rewind's rebuild, a
 * verify or a {@code kappa state --at} ({@code G.rewind...}, {@code G.verify...}, {@code G.state-PID-N...}).
 */
final class InternalTopics {
    private InternalTopics() {
    }

    static Set<String> of(Path dataDir, Collection<String> topics) {
        Set<String> internal = new HashSet<>();
        List<String> groups = Groups.list(dataDir);
        for (String g : groups) {
            JsonNode info = Groups.info(dataDir, g);
            if (info == null) {
                continue;
            }
            Set<String> read = new HashSet<>();
            info.path("stages").forEach(s -> s.path("inputs").forEach(in -> read.add(in.asText())));
            info.path("outputs").forEach(o -> {
                if (read.contains(o.asText())) {
                    internal.add(o.asText());
                }
            });
        }
        for (String t : topics) {
            for (String g : groups) {
                if (t.startsWith(g + ".rewind") || t.startsWith(g + ".verify") || t.startsWith(g + ".state-")) {
                    internal.add(t);
                }
            }
        }
        return internal;
    }
}
