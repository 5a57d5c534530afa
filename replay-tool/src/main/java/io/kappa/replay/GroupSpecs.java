package io.kappa.replay;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.kappa.log.EventLog;
import io.kappa.processor.Groups;
import io.kappa.processor.TopicCatalog;
import io.kappa.processor.Topology;
import io.kappa.processor.UserClasses;
import io.kappa.processor.builtin.BuiltinSpec;

/** Rebuilds a group's topology from the spec {@code kappa run} kept in its {@code group.json} (on Kafka: {@code KafkaGroups.spec}). */
public final class GroupSpecs {
    private GroupSpecs() {
    }

    public static Map<String, String> spec(Path dataDir, String group) {
        JsonNode info = Groups.info(dataDir, group);
        if (info == null) {
            throw new IllegalArgumentException("unknown group '" + group + "' in " + dataDir + " (it has never run)");
        }
        Map<String, String> spec = of(info);
        if (spec.isEmpty()) {
            throw new IllegalArgumentException("group '" + group + "' was not started by `kappa run`: its group.json holds no "
                + "processor spec, so its state cannot be rebuilt here");
        }
        return spec;
    }

    /** The input topics of a spec. */
    public static List<String> inputs(Map<String, String> spec) {
        return Arrays.asList(spec.getOrDefault("inputs", "").split(","));
    }

    /** The {@code -o KEY=VALUE} options of a user class in a spec (kept as {@code option.KEY}). */
    public static Map<String, String> userOptions(Map<String, String> spec) {
        Map<String, String> options = new LinkedHashMap<>();
        spec.forEach((k, v) -> {
            if (k.startsWith("option.")) {
                options.put(k.substring(7), v);
            }
        });
        return options;
    }

    /** The {@code spec} of a group's description ({@code group.json}, or {@code KafkaGroups.spec} on Kafka); empty if none. */
    public static Map<String, String> of(JsonNode info) {
        Map<String, String> spec = new LinkedHashMap<>();
        info.path("spec").fields().forEachRemaining(e -> spec.put(e.getKey(), e.getValue().asText()));
        return spec;
    }

    public static Topology topology(EventLog log, String group, Map<String, String> spec) {
        return topology(TopicCatalog.of(log), group, spec);
    }

    /** The topology of a spec over a local log's or a Kafka cluster's topics ({@code kappa rewind --kafka}). */
    public static Topology topology(TopicCatalog log, String group, Map<String, String> spec) {
        List<String> inputs = inputs(spec);
        String output = spec.get("output");
        if (spec.containsKey("class")) {
            String jar = spec.get("jar");
            return UserClasses.topology(spec.get("class"), jar == null ? null : Path.of(jar), group, inputs, output, userOptions(spec));
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (String o : BuiltinSpec.OPTIONS) {
            if (spec.containsKey(o)) {
                options.put(o, spec.get(o));
            }
        }
        BuiltinSpec b = new BuiltinSpec(spec.get("processor"), options);
        return b.topology(log, group, inputs, output);
    }
}
