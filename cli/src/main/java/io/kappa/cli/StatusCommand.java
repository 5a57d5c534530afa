package io.kappa.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.log.EventLog;
import io.kappa.processor.Groups;
import io.kappa.processor.TaskCheckpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code kappa status}: each group's offsets, lag, state size, rate and last checkpoint, from its checkpoint files. */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = {"Show processor groups: running or not, per input partition the committed offset, end offset and lag,",
        "state size, events/s between the last two checkpoints, when the last checkpoint was written, and the records sent",
        "to GROUP.dlq and GROUP.late (in total, per group and per task)."})
final class StatusCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    DataDirOptions data;
    @Parameters(arity = "0..1", paramLabel = "GROUP", description = "One group (default: all).")
    String group;
    @Option(names = "--json", description = "One JSON object per group.")
    boolean json;
    @Option(names = "--kafka", arity = "0..1", fallbackValue = "", paramLabel = "BOOTSTRAP",
        description = "A group run with `kappa run --kafka` (give GROUP): lag from its committed offsets on Kafka, members, state topics.")
    String kafka;
    @Option(names = "--kafka-timeout", defaultValue = "30s", paramLabel = "DURATION", description = "--kafka: how long to wait for the cluster.")
    String kafkaTimeout;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (kafka != null) {
            return onKafka(out);
        }
        Path dir = data.resolve();
        List<String> groups;
        if (group != null) {
            if (!Groups.exists(dir, group)) {
                throw Names.unknownGroup(group, dir);
            }
            groups = List.of(group);
        } else {
            groups = Groups.list(dir);
            if (groups.isEmpty() && !json) {
                out.println("no groups in " + dir);
                return 0;
            }
        }
        ObjectMapper mapper = new ObjectMapper();
        try (EventLog log = data.openExisting()) {
            for (String g : groups) {
                ObjectNode s = status(log, dir, g, mapper);
                if (json) {
                    out.println(s.toString());
                } else {
                    print(out, s, log.aliases());
                }
            }
        }
        out.flush();
        return 0;
    }

    private int onKafka(PrintWriter out) {
        if (group == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "with --kafka, give the GROUP");
        }
        ObjectMapper mapper = new ObjectMapper();
        try (io.kappa.kafka.KafkaGroups groups = new io.kappa.kafka.KafkaGroups(kafka, io.kappa.processor.Durations.parse(kafkaTimeout,
            "--kafka-timeout"))) {
            java.util.TreeSet<String> topics = new java.util.TreeSet<>();
            groups.committed(group).keySet().forEach(tp -> topics.add(tp.topic()));
            if (topics.isEmpty()) {
                throw new CommandFailure("group " + group + " has no committed offsets on Kafka " + kafka + " (never run there?)");
            }
            ObjectNode s = mapper.createObjectNode();
            s.put("group", group);
            s.put("kafka", kafka);
            int members = groups.members(group);
            s.put("running", members > 0);
            s.put("members", members);
            com.fasterxml.jackson.databind.node.ArrayNode parts = s.putArray("partitions");
            long lag = 0;
            for (io.kappa.kafka.KafkaGroups.PartitionLag l : groups.lag(group, List.copyOf(topics))) {
                ObjectNode n = parts.addObject();
                n.put("topic", l.topic());
                n.put("partition", l.partition());
                n.put("committed", l.committed());
                n.put("end", l.end());
                n.put("lag", l.lag());
                lag += l.lag();
            }
            s.put("lag", lag);
            com.fasterxml.jackson.databind.node.ArrayNode logs = s.putArray("stateTopics");
            groups.changelogs(group).forEach(logs::add);
            if (json) {
                out.println(s.toString());
            } else {
                out.printf("group %s on Kafka %s: %s, lag %,d%n", group, kafka, members > 0 ? "running (" + members + " member"
                    + (members == 1 ? "" : "s") + ")" : "not running", lag);
                out.printf("  %-24s %9s %14s %14s %12s%n", "TOPIC", "PARTITION", "COMMITTED", "END", "LAG");
                for (JsonNode n : parts) {
                    out.printf("  %-24s %9d %14s %14d %12d%n", n.get("topic").asText(), n.get("partition").asInt(),
                        n.get("committed").asLong() < 0 ? "-" : n.get("committed").asText(), n.get("end").asLong(), n.get("lag").asLong());
                }
                out.printf("  state topics: %s%n", logs.isEmpty() ? "none" : String.join(", ", groups.changelogs(group)));
            }
            out.flush();
            return 0;
        }
    }

    private static ObjectNode status(EventLog log, Path dir, String g, ObjectMapper mapper) {
        ObjectNode s = mapper.createObjectNode();
        s.put("group", g);
        boolean running = Groups.isRunning(dir, g);
        s.put("running", running);
        JsonNode info = Groups.info(dir, g);
        if (info != null) {
            s.put("processor", info.path("description").asText(""));
            if (running) {
                s.put("pid", info.path("pid").asLong());
            }
        }
        long lastCheckpoint = Long.MIN_VALUE;
        long rate = 0;
        long stateEntries = 0;
        long stateBytes = 0;
        long records = 0;
        long dead = 0;
        long late = 0;
        long totalLag = 0;
        ArrayNode parts = s.putArray("partitions");
        List<TaskCheckpoint> checkpoints = Groups.checkpoints(dir, g);
        long drainedAt = Groups.drainedAt(checkpoints);
        if (drainedAt != Long.MIN_VALUE) {
            s.put("drained", Instant.ofEpochMilli(drainedAt).toString());
        }
        ArrayNode tasks = s.putArray("tasks");
        for (TaskCheckpoint c : checkpoints) {
            lastCheckpoint = Math.max(lastCheckpoint, c.wallTimeMs());
            rate += c.ratePerSecond();
            for (long n : c.storeSizes().values()) {
                stateEntries += n;
            }
            stateBytes += c.stateBytes();
            records += c.records();
            dead += c.deadLettered();
            late += c.late();
            ObjectNode t = tasks.addObject();
            t.put("stage", c.stage());
            t.put("task", c.task());
            t.put("records", c.records());
            t.put("deadLettered", c.deadLettered());
            t.put("late", c.late());
            for (TaskCheckpoint.Input in : c.inputs()) {
                ObjectNode p = parts.addObject();
                p.put("stage", c.stage());
                p.put("topic", in.topic());
                List<String> names = log.aliasesOf(in.topic());
                if (!names.isEmpty()) {
                    names.forEach(p.putArray("aliases")::add);
                }
                p.put("partition", in.partition());
                p.put("committed", in.nextOffset());
                if (c.watermark() != Long.MIN_VALUE) {
                    p.put("watermark", c.drained() ? "end (drained)" : io.kappa.processor.window.LateRecords.iso(c.watermark()));
                }
                if (log.exists(in.topic())) {
                    long end = log.topic(in.topic()).partition(in.partition()).endOffset();
                    p.put("end", end);
                    p.put("lag", Math.max(0, end - in.nextOffset()));
                    totalLag += Math.max(0, end - in.nextOffset());
                } else {
                    p.putNull("end");
                }
            }
        }
        s.put("lag", totalLag);
        s.put("records", records);
        s.put("deadLettered", dead);
        s.put("late", late);
        s.put("stateEntries", stateEntries);
        s.put("stateBytes", stateBytes);
        s.put("eventsPerSecond", rate);
        if (lastCheckpoint != Long.MIN_VALUE) {
            s.put("lastCheckpoint", Instant.ofEpochMilli(lastCheckpoint).toString());
        }
        return s;
    }

    private static void print(PrintWriter out, ObjectNode s, java.util.Map<String, String> aliases) {
        out.printf("group %s: %s%s%s%s%n", s.get("group").asText(), s.get("running").asBoolean() ? "running" : "stopped",
            s.has("pid") ? " (pid " + s.get("pid").asLong() + ")" : "",
            s.has("drained") ? ", drained at " + s.get("drained").asText() + " (rewind it to process again)" : "",
            s.has("processor") ? ", " + s.get("processor").asText() : "");
        String last = s.has("lastCheckpoint") ? s.get("lastCheckpoint").asText() + " ("
            + Math.max(0, (System.currentTimeMillis() - Instant.parse(s.get("lastCheckpoint").asText()).toEpochMilli()) / 1000) + " s ago)"
            : "none";
        out.printf("  last checkpoint %s, %,d events/s, %,d records processed, %,d dead-lettered, %,d late, state %,d entries (%s),"
                + " lag %,d%n", last, s.get("eventsPerSecond").asLong(), s.get("records").asLong(), s.get("deadLettered").asLong(),
            s.get("late").asLong(), s.get("stateEntries").asLong(), bytes(s.get("stateBytes").asLong()), s.get("lag").asLong());
        // a task's dead-letter and late counts stand on its first input's row
        java.util.Map<String, JsonNode> tasks = new java.util.HashMap<>();
        for (JsonNode t : s.get("tasks")) {
            tasks.put(t.get("stage").asText() + "/" + t.get("task").asInt(), t);
        }
        out.printf("  %-12s %-24s %9s %14s %14s %12s %10s %10s  %s%n", "STAGE", "TOPIC", "PARTITION", "COMMITTED", "END", "LAG", "DLQ",
            "LATE", "WATERMARK");
        for (JsonNode p : s.get("partitions")) {
            JsonNode t = tasks.remove(p.get("stage").asText() + "/" + p.get("partition").asInt());
            out.printf("  %-12s %-24s %9d %14d %14s %12s %10s %10s  %s%n", p.get("stage").asText(),
                TopicCommand.label(aliases, p.get("topic").asText()),
                p.get("partition").asInt(), p.get("committed").asLong(), p.get("end").isNull() ? "-" : p.get("end").asText(),
                p.has("lag") ? p.get("lag").asText() : "-", t == null ? "" : t.get("deadLettered").asText(),
                t == null ? "" : t.get("late").asText(), p.has("watermark") ? p.get("watermark").asText() : "-");
        }
    }

    private static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        if (n < 1024 * 1024) {
            return String.format("%.1f KiB", n / 1024.0);
        }
        return String.format("%.1f MiB", n / (1024.0 * 1024));
    }
}
