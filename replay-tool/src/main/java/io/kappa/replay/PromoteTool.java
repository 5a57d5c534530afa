package io.kappa.replay;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.log.EventLog;
import io.kappa.log.TopicNames;
import io.kappa.processor.AuditLog;
import io.kappa.processor.Groups;
import io.kappa.processor.TaskCheckpoint;

/**
 * Makes a logical topic name mean a new version: {@code promote counts --to v2} points {@code counts} at
 * {@code counts.v2} (an alias: {@code kappa read counts}, {@code kappa append counts}, the server, and processors that
 * start reading or writing {@code counts}, get {@code counts.v2}). If {@code counts} is itself a topic (the first version), it stays readable as
 * {@code counts.v1}. Refused unless every group writing the new version has consumed its inputs (or forced).
 */
public final class PromoteTool {

    public record Result(String name, String target, String previous, List<String> writers, String oldName) {
    }

    private PromoteTool() {
    }

    public static Result promote(EventLog log, String name, String version, boolean force) {
        TopicNames.validate(name);
        String target = version.startsWith(name + ".") ? version : name + "." + version;
        TopicNames.validate(target);
        if (!log.exists(target)) {
            throw new IllegalArgumentException("cannot promote " + name + " to " + target + ": no such topic");
        }
        if (target.equals(name)) {
            throw new IllegalArgumentException("cannot promote " + name + " to itself");
        }
        List<String> writers = new ArrayList<>();
        List<String> behind = new ArrayList<>();
        for (String g : Groups.list(log.dataDir())) {
            JsonNode info = Groups.info(log.dataDir(), g);
            if (info == null) {
                continue;
            }
            boolean writes = false;
            for (JsonNode o : info.path("outputs")) {
                writes |= o.asText().equals(target);
            }
            if (!writes) {
                continue;
            }
            writers.add(g);
            long lag = 0;
            for (TaskCheckpoint c : Groups.checkpoints(log.dataDir(), g)) {
                for (TaskCheckpoint.Input in : c.inputs()) {
                    if (log.exists(in.topic())) {
                        lag += Math.max(0, log.topic(in.topic()).partition(in.partition()).endOffset() - in.nextOffset());
                    }
                }
            }
            if (lag > 0) {
                behind.add(g + " (lag " + lag + ")");
            }
        }
        if (!force) {
            if (writers.isEmpty()) {
                throw new IllegalArgumentException("no group writes " + target + ", so kappa cannot tell whether it is caught up; "
                    + "use --force to promote it anyway");
            }
            if (!behind.isEmpty()) {
                throw new IllegalArgumentException(target + " is not caught up: " + String.join(", ", behind)
                    + "; let the replay finish, or use --force");
            }
        }
        String previous = log.aliases().get(name);
        String oldName = null;
        if (previous == null && log.exists(name) && !log.exists(name + ".v1") && !log.aliases().containsKey(name + ".v1")) {
            log.alias(name + ".v1", name);
            oldName = name + ".v1";
        }
        log.alias(name, target);
        ObjectNode n = AuditLog.entry("promote");
        n.put("name", name);
        n.put("to", target);
        if (previous != null) {
            n.put("from", previous);
        }
        n.put("forced", force);
        AuditLog.appendToDataDir(log.dataDir(), n);
        return new Result(name, target, previous, writers, oldName);
    }
}
