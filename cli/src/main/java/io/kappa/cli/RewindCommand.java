package io.kappa.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

import io.kappa.log.EventLog;
import io.kappa.log.Position;
import io.kappa.processor.Groups;
import io.kappa.replay.RewindTool;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code kappa rewind}: moves a stopped group's offsets; its state follows (see RewindTool). */
@Command(name = "rewind", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Move a stopped group's input offsets back (or forward); its state follows: cleared at earliest,",
        "rebuilt by a muted replay from the start anywhere else. The next `kappa run` recomputes from there into",
        "new output records. --dry-run shows the moves and the cost; --undo restores the state before the last rewind."})
final class RewindCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    DataDirOptions data;
    @Option(names = "--group", required = true, paramLabel = "G", description = "The group to rewind (it must not be running).")
    String group;
    @Option(names = "--to", paramLabel = "POSITION", description = "earliest, latest, an offset, -N (N before the end), or an append time: ISO-8601, @epochMillis, now, now-5m.")
    String to;
    @Option(names = "--shift", paramLabel = "N", description = "Move each partition by N records from its committed offset (e.g. -1000).")
    Long shift;
    @Option(names = "--partition", paramLabel = "P", description = "Only this input partition.")
    Integer partition;
    @Option(names = "--dry-run", description = "Show what would change and what reprocessing would cost; change nothing.")
    boolean dryRun;
    @Option(names = "--kafka", arity = "0..1", fallbackValue = "", paramLabel = "BOOTSTRAP", description = {"A group run with `kappa run --kafka`: its committed offsets move",
        "(the group must have no running member) and its state (changelog topics) follows, rebuilt by a muted run of",
        "its processor up to the new offsets, as locally; audited in topic G-kappa-audit, undone with --undo."})
    String kafka;
    @Option(names = "--input", split = ",", paramLabel = "TOPIC",
        description = "--kafka: the input topics to move (default: those the group has committed, except its own GROUP.* topics).")
    List<String> inputs;
    @Option(names = "--kafka-timeout", defaultValue = "30s", paramLabel = "DURATION", description = "--kafka: how long to wait for the cluster.")
    String kafkaTimeout;
    @Option(names = "--undo", description = "Restore the offsets and state from before the last rewind.")
    boolean undo;
    @Option(names = "--json", description = "The plan as one JSON object: the moves, events and bytes to reprocess, the expected time.")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Groups.validateName(group);
        int chosen = (to != null ? 1 : 0) + (shift != null ? 1 : 0) + (undo ? 1 : 0);
        if (chosen != 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give exactly one of --to, --shift or --undo");
        }
        if (undo && partition != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--undo puts back every partition the last rewind moved; it takes "
                + "no --partition");
        }
        if (shift != null && shift == 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--shift 0 moves nothing");
        }
        if (kafka != null) {
            return onKafka(out, err);
        }
        if (!Groups.exists(data.resolve(), group)) {
            throw Names.unknownGroup(group, data.resolve());
        }
        try (EventLog log = data.open()) {
            Consumer<String> progress = line -> {
                err.println("kappa: " + line);
                err.flush();
            };
            RewindTool.Plan plan;
            if (undo) {
                plan = RewindTool.undo(log, group, dryRun, progress);
            } else {
                Position position = to == null ? null : Position.parse(to);
                plan = RewindTool.rewind(log, group, p -> position.resolve(p), to == null ? "shift " + shift : position.toString(),
                    shift == null ? 0 : shift, partition, dryRun, progress);
            }
            String what = undo ? "undo the last rewind" : to != null ? "rewind to " + to : "shift by " + shift;
            if (json) {
                com.fasterxml.jackson.databind.node.ObjectNode n = io.kappa.processor.Serdes.MAPPER.valueToTree(plan);
                n.put("action", what).put("dryRun", dryRun);
                n.put("expectedSeconds", plan.expectedSeconds());
                n.put("rebuildSeconds", plan.rebuildSeconds());
                if (plan.snapshot() != null) {
                    n.set("snapshot", io.kappa.processor.Snapshots.json(plan.snapshot()));
                }
                out.println(n.toString());
                out.flush();
                return 0;
            }
            out.printf("group %s: %s%s%n", group, what, dryRun ? " (dry run: nothing changed)" : "");
            table(out, plan.moves());
            for (String w : plan.warnings()) {
                out.println("  warning: " + w);
            }
            out.printf("  state: %s%n", plan.how());
            if (plan.rebuildEvents() > 0) {
                double rebuild = plan.rebuildSeconds();
                out.printf("  to rebuild the state: %,d events replayed with outputs muted%s%s%n", plan.rebuildEvents(),
                    plan.snapshot() == null ? "" : " from snapshot " + plan.snapshot().id(),
                    rebuild >= 0 ? String.format(", about %.1f s at the last measured %,d events/s", rebuild, plan.ratePerSecond()) : "");
            }
            double seconds = plan.expectedSeconds();
            out.printf("  to reprocess: %,d events, %,d bytes%s%n", plan.events(), plan.bytes(),
                seconds >= 0 ? String.format(", about %.1f s at the last measured %,d events/s", seconds, plan.ratePerSecond())
                    : " (no processing rate measured yet)");
            if (plan.rebuildEvents() > 0 && seconds >= 0) {
                out.printf("  in all: about %.1f s%n", seconds + plan.rebuildSeconds());
            }
            out.flush();
            return 0;
        }
    }

    /** {@code rewind --kafka}: offsets by Kafka's offset reset, state rebuilt, undone or cleared (KafkaRewind). */
    private int onKafka(PrintWriter out, PrintWriter err) {
        Consumer<String> progress = line -> {
            err.println("kappa: " + line);
            err.flush();
        };
        try (io.kappa.kafka.KafkaGroups groups = new io.kappa.kafka.KafkaGroups(kafka, io.kappa.log.Durations.parse(kafkaTimeout,
            "--kafka-timeout"))) {
            if (undo) {
                return print(out, "undo the last rewind", io.kappa.kafka.KafkaRewind.undo(groups, group, dryRun, progress));
            }
            java.util.Map<org.apache.kafka.common.TopicPartition, Long> committed = groups.committed(group);
            List<String> topics = inputs;
            if (topics == null) {
                java.util.TreeSet<String> found = new java.util.TreeSet<>();
                for (org.apache.kafka.common.TopicPartition tp : committed.keySet()) {
                    if (!tp.topic().startsWith(group + ".")) {
                        found.add(tp.topic());
                    }
                }
                if (found.isEmpty()) {
                    throw new CommandFailure("group " + group + " has no committed offsets on Kafka " + kafka
                        + " (never run there?); give --input to set its offsets anyway");
                }
                topics = List.copyOf(found);
            }
            List<org.apache.kafka.common.TopicPartition> parts = groups.partitions(topics);
            if (partition != null && parts.stream().noneMatch(tp -> tp.partition() == partition)) {
                throw new IllegalArgumentException("no partition " + partition + " in " + topics);
            }
            java.util.Map<org.apache.kafka.common.TopicPartition, Long> target = new java.util.LinkedHashMap<>();
            java.util.Map<org.apache.kafka.common.TopicPartition, Long> earliest = groups.offsets(parts,
                org.apache.kafka.clients.admin.OffsetSpec.earliest());
            java.util.Map<org.apache.kafka.common.TopicPartition, Long> ends = groups.offsets(parts,
                org.apache.kafka.clients.admin.OffsetSpec.latest());
            if (shift != null) {
                for (org.apache.kafka.common.TopicPartition tp : parts) {
                    long c = committed.getOrDefault(tp, earliest.get(tp));
                    target.put(tp, Math.max(earliest.get(tp), Math.min(ends.get(tp), c + shift)));
                }
            } else {
                Position position = Position.parse(to);
                org.apache.kafka.clients.admin.OffsetSpec specOf = switch (position.kind()) {
                    case EARLIEST -> org.apache.kafka.clients.admin.OffsetSpec.earliest();
                    case LATEST -> org.apache.kafka.clients.admin.OffsetSpec.latest();
                    // on Kafka a record's timestamp is its event time (docs/architecture.md): both kinds of time find it
                    case TIME, EVENT_TIME -> org.apache.kafka.clients.admin.OffsetSpec.forTimestamp(position.value());
                    case OFFSET, FROM_END -> null;
                };
                if (position.kind() == Position.Kind.FROM_END) {
                    for (org.apache.kafka.common.TopicPartition tp : parts) {
                        target.put(tp, Math.max(earliest.get(tp), ends.get(tp) - position.value()));
                    }
                } else if (specOf == null) {
                    for (org.apache.kafka.common.TopicPartition tp : parts) {
                        if (position.value() > ends.get(tp) || position.value() < earliest.get(tp)) {
                            throw new IllegalArgumentException("offset " + position.value() + " is outside " + tp + " (offsets "
                                + earliest.get(tp) + " to " + ends.get(tp) + ")");
                        }
                        target.put(tp, position.value());
                    }
                } else {
                    target.putAll(groups.offsets(parts, specOf));
                }
            }
            if (partition != null) {
                // the other partitions stay where the group is; the state is rebuilt for that combination
                for (org.apache.kafka.common.TopicPartition tp : parts) {
                    if (tp.partition() != partition) {
                        target.put(tp, committed.getOrDefault(tp, earliest.get(tp)));
                    }
                }
            }
            com.fasterxml.jackson.databind.JsonNode recorded = groups.spec(group);
            java.util.function.Function<String, io.kappa.processor.Topology> topology = recorded == null ? null
                : name -> io.kappa.replay.GroupSpecs.topology(groups.catalog(), name, io.kappa.replay.GroupSpecs.of(recorded));
            String what = to != null ? "rewind to " + to : "shift by " + shift;
            return print(out, what, io.kappa.kafka.KafkaRewind.rewind(groups, group, target, what + (partition == null ? ""
                : " (partition " + partition + ")"), topology, data.resolve().resolve("kafka-streams"), dryRun, progress));
        }
    }

    private int print(PrintWriter out, String what, io.kappa.kafka.KafkaRewind.Plan plan) {
        if (json) {
            com.fasterxml.jackson.databind.node.ObjectNode n = io.kappa.processor.Serdes.MAPPER.valueToTree(plan);
            n.put("action", what).put("dryRun", dryRun).put("kafka", kafka);
            out.println(n.toString());
            out.flush();
            return 0;
        }
        out.printf("group %s on Kafka: %s%s%n", group, what, dryRun ? " (dry run: nothing changed)" : "");
        out.printf("  %-24s %9s %14s %14s%n", "TOPIC", "PARTITION", "CURRENT", "NEW");
        for (io.kappa.kafka.KafkaRewind.Move m : plan.moves()) {
            out.printf("  %-24s %9d %14s %14d%s%n", m.topic(), m.partition(), m.current() < 0 ? "-" : Long.toString(m.current()), m.target(),
                m.own() ? "  (the group's own topic: to its end)" : "");
        }
        for (String w : plan.warnings()) {
            out.println("  warning: " + w);
        }
        out.printf("  state: %s%s%n", plan.how(), plan.changelogs().isEmpty() ? "" : " (" + String.join(", ", plan.changelogs()) + ")");
        if (plan.rebuildEvents() > 0) {
            out.printf("  to rebuild the state: %,d events replayed with outputs muted%n", plan.rebuildEvents());
        }
        out.printf("  to reprocess: %,d events%n", plan.events());
        out.printf("  recomputed: what the group had read is seen as replaying (isReplaying()); %s in consumer group %s%n",
            dryRun ? "would be noted" : "noted", io.kappa.kafka.KafkaGroups.recomputeGroup(group));
        out.printf("  audit: %s%s%n", io.kappa.kafka.KafkaGroups.auditTopic(group), dryRun ? " (nothing written)" : "");
        out.flush();
        return 0;
    }

    private static void table(PrintWriter out, List<RewindTool.Move> moves) {
        out.printf("  %-12s %-24s %9s %14s %14s%n", "STAGE", "TOPIC", "PARTITION", "CURRENT", "NEW");
        for (RewindTool.Move m : moves) {
            out.printf("  %-12s %-24s %9d %14d %14d%s%n", m.stage(), m.topic(), m.partition(), m.current(), m.target(),
                m.clamped() ? "  (clamped)" : "");
        }
    }
}
