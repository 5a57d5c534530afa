package io.kappa.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.log.EventLog;
import io.kappa.processor.Groups;
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
    @Option(names = "--snapshots", description = {"Also list the group's retained snapshots: id, time, records, bytes, and each input",
        "partition's offset (--json: `snapshots`, with the policy from `kappa run`)."})
    boolean snapshots;
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
        try (EventLog log = data.openForReading()) {
            for (String g : groups) {
                ObjectNode s = io.kappa.replay.StatusTool.group(log, g);
                if (snapshots) {
                    s.set("snapshots", io.kappa.replay.StatusTool.snapshots(dir, g, w -> err().println("kappa: warning: " + w)));
                }
                if (json) {
                    out.println(s.toString());
                } else {
                    print(out, s, log.aliases());
                    if (snapshots) {
                        printSnapshots(out, s.get("snapshots"));
                    }
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
        try (io.kappa.kafka.KafkaGroups groups = new io.kappa.kafka.KafkaGroups(kafka, io.kappa.log.Durations.parse(kafkaTimeout,
            "--kafka-timeout"))) {
            if (groups.committed(group).isEmpty()) {
                throw new CommandFailure("group " + group + " has no committed offsets on Kafka " + kafka + " (never run there?)");
            }
            ObjectNode s = groups.status(group);
            JsonNode parts = s.get("partitions");
            JsonNode logs = s.get("stateTopics");
            int members = s.get("members").asInt();
            long lag = s.get("lag").asLong();
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
                java.util.List<String> names = new java.util.ArrayList<>();
                logs.forEach(n -> names.add(n.asText()));
                out.printf("  state topics: %s%n", names.isEmpty() ? "none" : String.join(", ", names));
            }
            out.flush();
            return 0;
        }
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

    private PrintWriter err() {
        return spec.commandLine().getErr();
    }

    private static void printSnapshots(PrintWriter out, JsonNode n) {
        JsonNode policy = n.path("policy");
        out.printf("  snapshots: %d kept%s%n", n.get("list").size(), policy.isMissingNode() ? "" : String.format(
            " (one every %,d records or %d s, keep %d)", policy.path("everyRecords").asLong(), policy.path("everyMs").asLong() / 1000,
            policy.path("keep").asInt()));
        if (!n.get("list").isEmpty()) {
            out.printf("  %-10s %-26s %14s %12s  %s%n", "SNAPSHOT", "TIME", "RECORDS", "BYTES", "POSITIONS (topic/partition@offset)");
        }
        for (JsonNode s : n.get("list")) {
            StringBuilder positions = new StringBuilder();
            for (JsonNode p : s.get("positions")) {
                positions.append(positions.isEmpty() ? "" : " ").append(p.get("topic").asText()).append('/').append(p.get("partition").asInt())
                    .append('@').append(p.get("next").asLong());
            }
            out.printf("  %-10s %-26s %,14d %12s  %s%n", s.get("id").asText(), s.get("time").asText(), s.get("records").asLong(),
                bytes(s.get("bytes").asLong()), positions);
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
