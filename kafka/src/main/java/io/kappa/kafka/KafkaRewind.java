package io.kappa.kafka;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.processor.AuditLog;
import io.kappa.processor.Groups;
import io.kappa.processor.OnError;
import io.kappa.processor.Serdes;
import io.kappa.processor.Topology;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Rewind and undo of a stopped group on Kafka, as the local {@code RewindTool} does them: the group's committed offsets
 * move to the targets (its own topics {@code G.*}, which earlier stages write for later ones, to their ends) and its
 * state follows. The state is rebuilt, not cleared: a scratch application {@code G.rewind} runs the group's topology
 * from the start of the inputs, stopping at the targets, outputs muted ({@link KafkaTopologies.Rebuild}); its changelog
 * topics then hold exactly the state an uninterrupted run stopped at the targets would have had. To the start of every
 * input the rebuilt state is simply empty.
 *
 * <p>One Kafka transaction then makes the group's changelog topics {@code G-kappa-STAGE-changelog} hold the rebuilt
 * state (a tombstone for every key it lacks, the rebuilt entries after), commits the new offsets for the consumer group
 * (a transactional offset commit, so offsets and state change together or not at all), writes what an undo needs into
 * {@code G-kappa-undo} (the offsets and the changelog contents before) and appends the audit entry to
 * {@code G-kappa-audit}. Kafka Streams restores the (in-memory) stores from the changelogs when the group starts, so
 * the next run starts from the rebuilt state on any machine. {@link #undo} puts the saved offsets and state back the
 * same way, once per rewind.
 */
public final class KafkaRewind {
    /** One partition's move: an input of the group, or one of its own topics (moved to its end). */
    public record Move(String topic, int partition, long current, long target, long start, long end, boolean own) {
    }

    /**
     * What a rewind or undo does or would do: the moves, the events the next run reprocesses, the events the rebuild
     * reads (0 when the state is cleared or restored), how the state follows, the changelog topics it changes.
     */
    public record Plan(String group, List<Move> moves, long events, long rebuildEvents, String how, List<String> changelogs,
                       List<String> warnings) {
    }

    private KafkaRewind() {
    }

    /**
     * Plans and, unless {@code dryRun}, applies a rewind of {@code group} to {@code targets} (its external input partitions;
     * every one the group reads must be given). {@code topology} builds the group's topology under a given group name
     * (it is asked only when the state must be rebuilt: the scratch copy runs under {@code G.rewind}); {@code stateDir}
     * holds the scratch copy's Kafka Streams state meanwhile. {@code what} ("to earliest", "shift -100") goes to the audit log.
     */
    public static Plan rewind(KafkaGroups groups, String group, Map<TopicPartition, Long> targets, String what,
                              Function<String, Topology> topology, Path stateDir, boolean dryRun, Consumer<String> progress) {
        Map<TopicPartition, Long> committed = groups.committed(group);
        List<TopicPartition> parts = new ArrayList<>(targets.keySet());
        Map<TopicPartition, Long> starts = groups.offsets(parts, org.apache.kafka.clients.admin.OffsetSpec.earliest());
        Map<TopicPartition, Long> ends = groups.offsets(parts, org.apache.kafka.clients.admin.OffsetSpec.latest());
        List<Move> moves = new ArrayList<>();
        long events = 0;
        long rebuild = 0;
        for (Map.Entry<TopicPartition, Long> e : targets.entrySet()) {
            TopicPartition tp = e.getKey();
            moves.add(new Move(tp.topic(), tp.partition(), committed.getOrDefault(tp, -1L), e.getValue(), starts.get(tp), ends.get(tp), false));
            events += ends.get(tp) - e.getValue();
            rebuild += e.getValue() - starts.get(tp);
        }
        // what earlier stages wrote before the rewind must not reach the rewound state: their topics move to their ends,
        // where the records recomputed from the rewound inputs will be written
        Map<TopicPartition, Long> ownEnds = ownEnds(groups, group, committed);
        ownEnds.forEach((tp, end) -> moves.add(new Move(tp.topic(), tp.partition(), committed.getOrDefault(tp, -1L), end, end, end, true)));
        List<String> changelogs = groups.changelogs(group);
        String how = rebuild == 0 ? "cleared: every input moves to its start"
            : "rebuilt by a run of the group's topology (scratch application " + scratch(group) + ") from the start of the inputs to "
                + "the new offsets, outputs muted";
        Plan plan = new Plan(group, moves, events, rebuild, how, changelogs, List.of());
        if (dryRun) {
            return plan;
        }
        requireStopped(groups, group);
        Map<TopicPartition, Map<GroupState.Key, byte[]>> before = GroupState.read(groups, changelogs);
        Map<TopicPartition, Map<GroupState.Key, byte[]>> after = rebuild == 0 ? Map.of()
            : rebuild(groups, group, targets, topology, stateDir, rebuild, progress);
        // what the group had read of its inputs is recomputed (isReplaying()); noted offsets only grow, so first
        Map<TopicPartition, Long> reached = new LinkedHashMap<>();
        targets.keySet().forEach(tp -> {
            if (committed.containsKey(tp)) {
                reached.put(tp, committed.get(tp));
            }
        });
        groups.noteRecomputation(group, reached);
        ObjectNode saved = Serdes.MAPPER.createObjectNode();
        ObjectNode savedOffsets = saved.putObject("offsets");
        for (Move m : moves) {
            if (m.current() >= 0) {
                savedOffsets.put(m.topic() + "/" + m.partition(), m.current());
            }
        }
        ObjectNode savedEnds = saved.putObject("ownEnds");
        ownEnds.forEach((tp, end) -> savedEnds.put(tp.topic() + "/" + tp.partition(), end));
        Map<TopicPartition, Long> offsets = new LinkedHashMap<>(targets);
        offsets.putAll(ownEnds);
        ObjectNode entry = audit("rewind", groups, moves, how);
        entry.put("to", what);
        commit(groups, group, before, after, offsets, entry, saved);
        progress.accept("rewound: offsets and state committed in one transaction; undo with `kappa rewind --kafka --undo`");
        return plan;
    }

    /**
     * Puts back the offsets and state from before the group's last rewind (once: a second undo is refused). A topic of
     * the group's own that an earlier stage has written since the rewind goes on from its end (the later stage must not
     * read what was recomputed after the rewind on top of the state from before it); the plan warns when that skips
     * records the later stage had not read before the rewind.
     */
    public static Plan undo(KafkaGroups groups, String group, boolean dryRun, Consumer<String> progress) {
        GroupState.Undo saved = GroupState.readUndo(groups, group);
        if (saved == null) {
            throw new IllegalArgumentException("group " + group + " has no rewind on Kafka to undo (none, or it was undone already)");
        }
        Map<TopicPartition, Long> committed = groups.committed(group);
        List<TopicPartition> parts = new ArrayList<>(saved.offsets().keySet());
        Map<TopicPartition, Long> starts = groups.offsets(parts, org.apache.kafka.clients.admin.OffsetSpec.earliest());
        Map<TopicPartition, Long> ends = groups.offsets(parts, org.apache.kafka.clients.admin.OffsetSpec.latest());
        List<Move> moves = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        Map<TopicPartition, Long> offsets = new LinkedHashMap<>();
        long events = 0;
        for (Map.Entry<TopicPartition, Long> e : saved.offsets().entrySet()) {
            TopicPartition tp = e.getKey();
            long target = e.getValue();
            Long endAtRewind = saved.ownEnds().get(tp);
            boolean own = endAtRewind != null;
            if (own && ends.get(tp) > endAtRewind) {
                if (target < endAtRewind) {
                    warnings.add(tp + ": written since the rewind, so it goes on from its end " + ends.get(tp) + "; records "
                        + target + " to " + endAtRewind + ", not read before the rewind, are skipped");
                }
                target = ends.get(tp);
            }
            offsets.put(tp, target);
            moves.add(new Move(tp.topic(), tp.partition(), committed.getOrDefault(tp, -1L), target, starts.get(tp), ends.get(tp), own));
            if (!own) {
                events += Math.max(0, ends.get(tp) - target);
            }
        }
        List<String> changelogs = groups.changelogs(group);
        Plan plan = new Plan(group, moves, events, 0, "restored from what the rewind saved in " + KafkaGroups.undoTopic(group), changelogs,
            warnings);
        if (dryRun) {
            return plan;
        }
        requireStopped(groups, group);
        Map<TopicPartition, Long> reached = new LinkedHashMap<>();
        for (Move m : moves) {
            if (!m.own() && m.current() >= 0) {
                reached.put(new TopicPartition(m.topic(), m.partition()), m.current());
            }
        }
        groups.noteRecomputation(group, reached);
        commit(groups, group, GroupState.read(groups, changelogs), saved.state(), offsets, audit("undo", groups, moves, plan.how()), null);
        progress.accept("undone: offsets and state from before the rewind committed in one transaction");
        return plan;
    }

    private static void awaitCommitted(KafkaGroups groups, String group, Map<TopicPartition, Long> offsets) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(groups.timeoutMs());
        while (!groups.committed(group).entrySet().containsAll(offsets.entrySet())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Kafka: the offsets of group " + group + " were committed but are not visible after "
                    + groups.timeoutMs() + " ms");
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    private static ObjectNode audit(String action, KafkaGroups groups, List<Move> moves, String how) {
        ObjectNode n = AuditLog.entry(action);
        n.put("kafka", groups.bootstrap());
        n.put("state", how);
        n.putArray("moves");
        for (Move m : moves) {
            AuditLog.addMove(n, null, m.topic(), m.partition(), m.current(), m.target());
        }
        return n;
    }

    private static void requireStopped(KafkaGroups groups, String group) {
        int members = groups.members(group);
        if (members > 0) {
            throw new IllegalStateException("group " + group + " is running on Kafka (" + members + " member(s)): stop every"
                + " `kappa run --kafka` of it first (a process that crashed stays a member until its session times out,"
                + " consumer.session.timeout.ms, 45 s by default)");
        }
    }

    /** The group's own topics ({@code G.*}) it has committed offsets in, at their ends. */
    private static Map<TopicPartition, Long> ownEnds(KafkaGroups groups, String group, Map<TopicPartition, Long> committed) {
        TreeSet<String> own = new TreeSet<>();
        committed.keySet().forEach(tp -> {
            if (tp.topic().startsWith(group + ".")) {
                own.add(tp.topic());
            }
        });
        return own.isEmpty() ? Map.of() : groups.ends(List.copyOf(own));
    }

    static String scratch(String group) {
        return group + ".rewind";
    }

    /**
     * Runs the group's topology as {@code G.rewind} from the start of the inputs to the targets, muted, and returns its
     * changelogs' contents under the group's changelog names (watermark sources renamed from the scratch tasks to the
     * group's). The scratch application's topics, consumer group and state are removed before and after.
     */
    private static Map<TopicPartition, Map<GroupState.Key, byte[]>> rebuild(KafkaGroups groups, String group, Map<TopicPartition, Long> targets,
                                                                          Function<String, Topology> topology, Path stateDir, long total,
                                                                          Consumer<String> progress) {
        if (topology == null) {
            throw new IllegalArgumentException("group " + group + " has no processor recorded on Kafka (" + KafkaGroups.specTopic(group)
                + "; run it once with this version of kappa), so its state cannot be rebuilt at a middle offset: rewind it to earliest");
        }
        String scratch = scratch(group);
        removeScratch(groups, scratch);
        Path dir;
        try {
            Files.createDirectories(stateDir);
            dir = Files.createTempDirectory(stateDir, "rewind-" + group + "-");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot create a state directory in " + stateDir + ": " + e.getMessage(), e);
        }
        try {
            Topology copy = topology.apply(scratch);
            Map<TopicPartition, Long> stops = new LinkedHashMap<>(targets);
            Map<TopicPartition, Long> committed = groups.committed(group);
            for (TopicPartition tp : groups.partitions(copy.externalInputs())) {
                stops.putIfAbsent(tp, committed.getOrDefault(tp, 0L)); // an input not moved stays where the group is
            }
            progress.accept(String.format("rebuilding the state at the new offsets: %,d records through the group's topology, outputs muted",
                total));
            // the rebuild dead-letters (muted) what fails: a group that stops on errors never got past such a record
            KafkaRunner runner = new KafkaRunner(copy, new KafkaRunner.Options(groups.bootstrap(), scratch, 1, OnError.DEAD_LETTER,
                KafkaTopologies.Start.EARLIEST, dir, groups.timeoutMs(), Map.of(), true, new KafkaTopologies.Rebuild(stops)));
            try {
                runner.start();
                while (!runner.awaitCaughtUp(1_000)) {
                    progress.accept(String.format("  %,d / %,d records", runner.recordsProcessed(), total));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while rebuilding the state", e);
            } finally {
                runner.close();
            }
            if (runner.failure() != null) {
                throw new IllegalStateException("rebuilding the state failed: " + runner.failure().getMessage(), runner.failure());
            }
            Map<Long, Long> renamed = new HashMap<>();
            for (io.kappa.processor.Stage<?, ?, ?, ?> s : copy.stages()) {
                int tasks = 0;
                for (String in : s.inputs()) {
                    tasks = Math.max(tasks, groups.catalog().partitionCount(in));
                }
                for (int t = 0; t < tasks; t++) {
                    renamed.put(Groups.producerId(scratch, s.name(), t), Groups.producerId(group, s.name(), t));
                }
            }
            Map<TopicPartition, Map<GroupState.Key, byte[]>> out = new LinkedHashMap<>();
            GroupState.read(groups, groups.changelogs(scratch)).forEach((tp, m) -> {
                m.replaceAll((k, v) -> TaskState.isMeta(k.bytes()) ? TaskState.withSourcesRenamed(v, renamed) : v);
                out.put(new TopicPartition(group + tp.topic().substring(scratch.length()), tp.partition()), m);
            });
            return out;
        } finally {
            removeScratch(groups, scratch);
            try {
                io.kappa.log.Dirs.deleteRecursively(dir);
            } catch (java.io.IOException e) {
                progress.accept("cannot delete " + dir + ": " + e.getMessage());
            }
        }
    }

    /** Deletes the scratch application's topics ({@code G.rewind.*}, {@code G.rewind-*}) and consumer group. */
    private static void removeScratch(KafkaGroups groups, String scratch) {
        List<String> topics = new ArrayList<>();
        for (String t : groups.topics()) {
            if (t.startsWith(scratch + ".") || t.startsWith(scratch + "-")) {
                topics.add(t);
            }
        }
        groups.deleteTopics(topics);
        groups.deleteGroup(scratch);
    }

    /**
     * One transaction: the changelogs go from {@code before} to {@code after}, the group's offsets to {@code offsets},
     * the audit entry to {@code G-kappa-audit}, and either the undo of this rewind ({@code saved}: the offsets, then
     * {@code before}) to {@code G-kappa-undo}, or (an undo: {@code saved} null) a marker that the last rewind was undone.
     */
    private static void commit(KafkaGroups groups, String group, Map<TopicPartition, Map<GroupState.Key, byte[]>> before,
                               Map<TopicPartition, Map<GroupState.Key, byte[]>> after, Map<TopicPartition, Long> offsets,
                               ObjectNode entry, ObjectNode saved) {
        String undo = KafkaGroups.undoTopic(group);
        groups.ensureTopic(undo, 1, Map.of());
        groups.ensureTopic(KafkaGroups.auditTopic(group), 1, Map.of());
        Map<String, Integer> partitions = new HashMap<>();
        after.keySet().forEach(tp -> partitions.merge(tp.topic(), tp.partition() + 1, Math::max));
        partitions.forEach((t, n) -> groups.ensureTopic(t, n, Map.of("cleanup.policy", "compact")));
        long undoEnd = groups.ends(List.of(undo)).get(new TopicPartition(undo, 0));
        try (KafkaProducer<byte[], byte[]> p = groups.producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "kappa-rewind." + group))) {
            p.initTransactions();
            p.beginTransaction();
            if (saved != null) {
                GroupState.writeUndo(p, undo, saved, before);
            } else {
                GroupState.writeUndone(p, undo);
            }
            GroupState.writeChanges(p, before, after);
            p.send(new ProducerRecord<>(KafkaGroups.auditTopic(group), 0, null, entry.toString().getBytes(StandardCharsets.UTF_8)));
            Map<TopicPartition, OffsetAndMetadata> commit = new LinkedHashMap<>();
            offsets.forEach((tp, o) -> commit.put(tp, new OffsetAndMetadata(o)));
            p.sendOffsetsToTransaction(commit, new ConsumerGroupMetadata(group));
            p.commitTransaction();
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new IllegalStateException("Kafka: the " + entry.path("action").asText() + " of group " + group
                + " was not committed (nothing changed): " + e.getMessage(), e);
        }
        // the commit returns before the transaction's markers are written: its offsets become visible to a reader that
        // does not wait for stable offsets (status, lag) a moment later. Wait for that, so what follows sees the rewind
        awaitCommitted(groups, group, offsets);
        // only the newest undo is kept
        groups.deleteRecordsBefore(new TopicPartition(undo, 0), undoEnd);
    }


}
