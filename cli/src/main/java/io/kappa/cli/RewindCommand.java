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
    @Option(names = "--kafka", arity = "0..1", fallbackValue = "", paramLabel = "BOOTSTRAP", description = {"A group run with `kappa run --kafka`: Kafka's own offset reset",
        "(the group must have no running member); its state (changelog topics) is cleared, so it restarts empty at",
        "the new offsets, as Kafka's application reset does; what it had read it recomputes with isReplaying() true."})
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
            return onKafka(out);
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

    /** {@code rewind --kafka}: offsets by Kafka's offset reset, state cleared. */
    private int onKafka(PrintWriter out) {
        if (undo) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--undo is for the local log (on Kafka, rewind again)");
        }
        if (partition != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--partition is for the local log: on Kafka a rewind clears the"
                + " whole group's state, so every input partition moves");
        }
        try (io.kappa.kafka.KafkaGroups groups = new io.kappa.kafka.KafkaGroups(kafka, io.kappa.log.Durations.parse(kafkaTimeout,
            "--kafka-timeout"))) {
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
            List<org.apache.kafka.common.TopicPartition> parts = new java.util.ArrayList<>();
            for (org.apache.kafka.common.TopicPartition tp : groups.partitions(topics)) {
                if (partition == null || tp.partition() == partition) {
                    parts.add(tp);
                }
            }
            if (parts.isEmpty()) {
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
            out.printf("group %s on Kafka: %s%s%n", group, to != null ? "rewind to " + to : "shift by " + shift,
                dryRun ? " (dry run: nothing changed)" : "");
            out.printf("  %-24s %9s %14s %14s%n", "TOPIC", "PARTITION", "CURRENT", "NEW");
            long events = 0;
            for (java.util.Map.Entry<org.apache.kafka.common.TopicPartition, Long> e : target.entrySet()) {
                long current = committed.getOrDefault(e.getKey(), -1L);
                out.printf("  %-24s %9d %14s %14d%n", e.getKey().topic(), e.getKey().partition(), current < 0 ? "-" : Long.toString(current),
                    e.getValue());
                events += ends.get(e.getKey()) - e.getValue();
            }
            // the group's own topics (G.repartition, ...) move to their ends: what earlier stages wrote before the
            // rewind must not reach the emptied state again (it is written anew from the rewound inputs)
            java.util.Map<org.apache.kafka.common.TopicPartition, Long> reset = new java.util.LinkedHashMap<>(target);
            java.util.TreeSet<String> own = new java.util.TreeSet<>();
            for (org.apache.kafka.common.TopicPartition tp : committed.keySet()) {
                if (tp.topic().startsWith(group + ".")) {
                    own.add(tp.topic());
                }
            }
            if (!own.isEmpty()) {
                java.util.Map<org.apache.kafka.common.TopicPartition, Long> ownEnds = groups.ends(List.copyOf(own));
                reset.putAll(ownEnds);
                for (java.util.Map.Entry<org.apache.kafka.common.TopicPartition, Long> e : ownEnds.entrySet()) {
                    long current = committed.getOrDefault(e.getKey(), -1L);
                    out.printf("  %-24s %9d %14s %14d  (the group's own topic: to its end)%n", e.getKey().topic(), e.getKey().partition(),
                        current < 0 ? "-" : Long.toString(current), e.getValue());
                }
            }
            List<String> changelogs = groups.changelogs(group);
            if (!dryRun) {
                // what the group had read of its inputs is recomputed (isReplaying()), on whatever machine runs it
                java.util.Map<org.apache.kafka.common.TopicPartition, Long> reached = new java.util.LinkedHashMap<>();
                for (org.apache.kafka.common.TopicPartition tp : target.keySet()) {
                    if (committed.containsKey(tp)) {
                        reached.put(tp, committed.get(tp));
                    }
                }
                groups.reset(group, reset, reached, true);
            }
            out.printf("  state: %s%n", changelogs.isEmpty() ? "none kept on Kafka" : (dryRun ? "would clear " : "cleared ")
                + String.join(", ", changelogs) + " (the group restarts with empty state at the new offsets)");
            out.printf("  to reprocess: %,d events%n", events);
            out.printf("  recomputed: what the group had read is seen as replaying (isReplaying()); %s in consumer group %s%n",
                dryRun ? "would be noted" : "noted", io.kappa.kafka.KafkaGroups.recomputeGroup(group));
            out.flush();
            return 0;
        }
    }

    private static void table(PrintWriter out, List<RewindTool.Move> moves) {
        out.printf("  %-12s %-24s %9s %14s %14s%n", "STAGE", "TOPIC", "PARTITION", "CURRENT", "NEW");
        for (RewindTool.Move m : moves) {
            out.printf("  %-12s %-24s %9d %14d %14d%s%n", m.stage(), m.topic(), m.partition(), m.current(), m.target(),
                m.clamped() ? "  (clamped)" : "");
        }
    }
}
