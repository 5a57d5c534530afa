package io.kappa.replay;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.log.Dirs;
import io.kappa.log.EventLog;
import io.kappa.log.Partition;
import io.kappa.log.PartitionStats;
import io.kappa.processor.AuditLog;
import io.kappa.processor.CheckpointException;
import io.kappa.processor.Groups;
import io.kappa.processor.ProcessorRunner;
import io.kappa.processor.Recomputation;
import io.kappa.processor.RunnerContext;
import io.kappa.processor.Snapshots;
import io.kappa.processor.TaskCheckpoint;
import io.kappa.processor.Topology;

/**
 * Moves a stopped group's input offsets (rewind) and makes its state follow: to the start of the inputs the state
 * is cleared; anywhere else it is rebuilt by running the group's own processor from the start of the inputs up to
 * the new offsets with its outputs muted, so it is exactly the state an uninterrupted run stopped there would
 * have had. Output sequence numbers continue and output positions move to the current ends, so what the group
 * computes after the rewind is appended as new output, never recognised as already written.
 *
 * <p>Before changing anything the group's checkpoints are copied to {@code groups/G/undo/}; {@link #undo} puts
 * them back. Every rewind and undo is recorded in {@code groups/G/audit.log} (one JSON object per line).
 */
public final class RewindTool {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One input partition's move. */
    public record Move(String stage, String topic, int partition, long current, long target, long start, long end, boolean clamped,
                       boolean downstream) {
    }

    /**
     * What a rewind (or undo) does or would do, with its cost: {@code rebuildEvents} records replayed with outputs muted
     * to rebuild the state at the new offsets (0 when the state is cleared or restored), then {@code events} records
     * reprocessed by the next run. {@code how} says in a sentence how the state follows; {@code snapshot} is the
     * retained snapshot the rebuild starts from (null: from the start of the inputs, or no rebuild).
     */
    public record Plan(String group, List<Move> moves, long events, long bytes, long rebuildEvents, long ratePerSecond,
                       List<String> warnings, String how, Snapshots.Snapshot snapshot) {
        /** Seconds to reprocess at the group's last measured rate, or -1 when no rate is known. */
        public double expectedSeconds() {
            return ratePerSecond > 0 ? events / (double) ratePerSecond : -1;
        }

        /** Seconds to rebuild the state at the group's last measured rate, or -1 when no rate is known. */
        public double rebuildSeconds() {
            return ratePerSecond > 0 ? rebuildEvents / (double) ratePerSecond : -1;
        }
    }

    private RewindTool() {
    }

    /**
     * Plans and, unless {@code dryRun}, applies a rewind. {@code target} gives the new offset of a partition (for
     * earliest, latest, an offset or a time); with {@code shift} != 0 each partition moves by that many records
     * from its committed offset instead. {@code partition} limits the move to one partition (null: all).
     */
    public static Plan rewind(EventLog log, String group, ToLongFunction<Partition> target, String targetText, long shift,
                              Integer partition, boolean dryRun, Consumer<String> progress) {
        Path dataDir = log.dataDir();
        try (Groups.GroupLock lock = Groups.lock(dataDir, group)) {
            List<TaskCheckpoint> checkpoints = Groups.checkpoints(dataDir, group);
            if (checkpoints.isEmpty()) {
                throw new IllegalArgumentException("group '" + group + "' has no checkpoint: it has never run");
            }
            Plan plan = plan(log, group, checkpoints, target, shift, partition);
            if (!dryRun) {
                apply(log, group, checkpoints, plan, false, progress);
                audit(dataDir, group, "rewind", targetText, shift, partition, plan.moves());
            }
            return plan;
        }
    }

    private static Plan plan(EventLog log, String group, List<TaskCheckpoint> checkpoints, ToLongFunction<Partition> target, long shift,
                             Integer partition) {
        Path dataDir = log.dataDir();
        Map<String, Boolean> internal = stagesInternal(dataDir, group);
        List<Move> moves = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        long events = 0;
        long bytes = 0;
        long rate = 0;
        for (TaskCheckpoint c : checkpoints) {
            rate += c.ratePerSecond();
            boolean downstream = internal.getOrDefault(c.stage(), false);
            for (TaskCheckpoint.Input in : c.inputs()) {
                Partition p = log.topic(in.topic()).partition(in.partition());
                long start = p.startOffset();
                long end = p.endOffset();
                long wanted;
                if (downstream) {
                    wanted = end; // re-emitted records of the first stage arrive after the current end
                } else if (partition != null && partition != in.partition()) {
                    wanted = in.nextOffset();
                } else if (shift != 0) {
                    wanted = in.nextOffset() + shift;
                } else {
                    wanted = target.applyAsLong(p);
                }
                long clampedTo = Math.max(start, Math.min(end, wanted));
                boolean clamped = clampedTo != wanted;
                if (clamped) {
                    warnings.add(in.topic() + "/" + in.partition() + ": offset " + wanted + " is outside [" + start + ", " + end
                        + "], using " + clampedTo);
                }
                moves.add(new Move(c.stage(), in.topic(), in.partition(), in.nextOffset(), clampedTo, start, end, clamped, downstream));
                if (!downstream) {
                    long n = end - clampedTo;
                    events += n;
                    PartitionStats stats = p.stats();
                    bytes += stats.records() == 0 ? 0 : n * stats.bytesUsed() / stats.records();
                }
            }
        }
        long rebuild = 0;
        String how = "cleared: every input moves to its start";
        Snapshots.Snapshot snapshot = null;
        if (needsRebuild(moves)) {
            Start start = start(log, group, targets(log, moves), warnings);
            rebuild = start.events();
            snapshot = start.snapshot();
            how = snapshot != null
                ? "rebuilt from snapshot " + snapshot.id() + " (taken " + java.time.Instant.ofEpochMilli(snapshot.timeMs()) + ", at "
                    + positions(snapshot) + ") by a replay to the new offsets, outputs muted"
                : "rebuilt by a replay from the start of the inputs to the new offsets, outputs muted"
                    + (start.stages() ? " (every stage, through scratch internal topics; snapshots are not used for a group with "
                    + "later stages)" : "");
        }
        return new Plan(group, moves, events, bytes, rebuild, rate, warnings, how, snapshot);
    }

    /** A snapshot's positions in a few words: {@code t/0@120, t/1@98}. */
    private static String positions(Snapshots.Snapshot s) {
        StringBuilder b = new StringBuilder();
        for (Snapshots.Position p : s.positions()) {
            b.append(b.isEmpty() ? "" : ", ").append(p.topic()).append('/').append(p.partition()).append('@').append(p.next());
        }
        return b.toString();
    }

    /** The offsets the state is rebuilt at: per first-stage input topic, the target of each partition (-1: none). */
    private static Map<String, long[]> targets(EventLog log, List<Move> moves) {
        Map<String, long[]> targets = new HashMap<>();
        for (Move m : moves) {
            if (!m.downstream()) {
                targets.computeIfAbsent(m.topic(), t -> {
                    long[] a = new long[log.topic(t).partitionCount()];
                    java.util.Arrays.fill(a, -1);
                    return a;
                })[m.partition()] = m.target();
            }
        }
        return targets;
    }

    private static Map<String, Boolean> stagesInternal(Path dataDir, String group) {
        JsonNode info = Groups.info(dataDir, group);
        Map<String, Boolean> m = new HashMap<>();
        if (info != null) {
            for (JsonNode s : info.path("stages")) {
                m.put(s.path("name").asText(), s.path("internal").asBoolean());
            }
        }
        return m;
    }

    /** {@code drain}: the rebuilt state is drained too (an undo back to a drained group). */
    private static void apply(EventLog log, String group, List<TaskCheckpoint> checkpoints, Plan plan, boolean drain,
                              Consumer<String> progress) {
        Path dataDir = log.dataDir();
        boolean stages = plan.moves().stream().anyMatch(Move::downstream);
        saveUndo(dataDir, group);
        Map<String, TaskCheckpoint> rebuilt = !needsRebuild(plan) && !drain ? Map.of()
            : rebuild(log, group, targets(log, plan.moves()), group + ".rewind", drain, progress).checkpoints();
        if (stages) {
            // a later stage goes on after the current end of what the earlier one wrote: a new epoch starts there
            ObjectNode e = JSON.createObjectNode();
            for (Move m : plan.moves()) {
                if (m.downstream()) {
                    e.put(m.topic() + "/" + m.partition(), m.target());
                }
            }
            writeEpochs(dataDir, group, e);
        }
        noteRecomputation(dataDir, group, checkpoints, plan);
        for (TaskCheckpoint c : checkpoints) {
            List<TaskCheckpoint.Input> inputs = new ArrayList<>();
            for (TaskCheckpoint.Input in : c.inputs()) {
                long to = in.nextOffset();
                for (Move m : plan.moves()) {
                    if (m.stage().equals(c.stage()) && m.topic().equals(in.topic()) && m.partition() == in.partition()) {
                        to = m.target();
                    }
                }
                inputs.add(new TaskCheckpoint.Input(in.topic(), in.partition(), to));
            }
            TaskCheckpoint state = rebuilt.get(c.stage() + "-" + c.task());
            TaskCheckpoint moved = c.rewound(inputs, rebasedOutputs(log, group, c), state).withIdleClocksReset();
            moved.writeTo(Groups.checkpointPath(dataDir, group, c.stage(), c.task()));
        }
    }

    /**
     * Records how far the group had read, so that what it reads again is seen as recomputed ({@code isReplaying()});
     * for a later stage, what the earlier stage's tasks write until they are back where they were.
     */
    private static void noteRecomputation(Path dataDir, String group, List<TaskCheckpoint> checkpoints, Plan plan) {
        Map<String, Long> reached = new HashMap<>();
        List<String> upstream = new ArrayList<>();
        Map<String, Boolean> internal = stagesInternal(dataDir, group);
        for (Move m : plan.moves()) {
            if (!m.downstream()) {
                reached.merge(m.topic() + "/" + m.partition(), m.current(), Math::max);
            }
        }
        for (TaskCheckpoint c : checkpoints) {
            if (!internal.getOrDefault(c.stage(), false)) {
                long producer = Groups.producerId(group, c.stage(), c.task());
                for (Move m : plan.moves()) {
                    if (m.downstream()) {
                        upstream.add(Recomputation.producerKey(producer, m.topic(), m.partition()));
                    }
                }
            }
        }
        Recomputation.afterRewind(dataDir, group, reached, upstream);
    }

    private static boolean needsRebuild(Plan plan) {
        return needsRebuild(plan.moves());
    }

    private static boolean needsRebuild(List<Move> moves) {
        for (Move m : moves) {
            if (!m.downstream() && m.target() > m.start()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Output positions at the current ends, and sequence numbers past anything the task ever wrote there, so that
     * outputs computed after the rewind are appended as new records.
     */
    static List<TaskCheckpoint.Output> rebasedOutputs(EventLog log, String group, TaskCheckpoint c) {
        List<TaskCheckpoint.Output> outs = new ArrayList<>();
        for (TaskCheckpoint.Output o : c.outputs()) {
            if (!log.exists(o.topic())) {
                continue;
            }
            Partition p = log.topic(o.topic()).partition(o.partition());
            long end = p.endOffset();
            // only the task's own run counts: a stray record with a huge sequence cannot push the next run's sequences
            long next = Groups.lastWrittenSequence(p, Math.min(o.endOffset(), end), group, c, o) + 1;
            outs.add(new TaskCheckpoint.Output(o.topic(), o.partition(), next, end));
        }
        return outs;
    }

    /**
     * The plan of a move of every input partition of {@code group} to {@code target}, clamped as a rewind clamps it,
     * read without the group's lock and changing nothing: what {@code kappa state --at} rebuilds the state at.
     */
    public static Plan planAt(EventLog log, String group, ToLongFunction<Partition> target) {
        List<TaskCheckpoint> checkpoints = Groups.checkpoints(log.dataDir(), group);
        if (checkpoints.isEmpty()) {
            throw new IllegalArgumentException("group '" + group + "' has no checkpoint: it has never run");
        }
        return plan(log, group, checkpoints, target, 0, null);
    }

    /**
     * The state of every task of {@code group} at {@code plan}'s offsets, as a run stopped there would have had it,
     * rebuilt as a rewind rebuilds it (empty when every input is at its start) under the scratch group {@code scratch}
     * (state directory, and for a group with later stages its own internal topics), which is removed afterwards, also
     * when the rebuild fails or is interrupted. Only the scratch group is written: never the group's checkpoints,
     * outputs or internal topics, so it may run while the group runs. Keyed by {@code stage-task}.
     */
    public static Map<String, TaskCheckpoint> rebuildState(EventLog log, String group, Plan plan, String scratch, Consumer<String> progress) {
        if (!needsRebuild(plan)) {
            return Map.of();
        }
        try {
            return rebuild(log, group, targets(log, plan.moves()), scratch, false, progress).checkpoints();
        } finally {
            deleteRecursively(Groups.dir(log.dataDir(), scratch));
        }
    }

    /**
     * The state a group's tasks rebuilt at some offsets ({@code checkpoints}, by {@code STAGE-TASK}; their inputs at the
     * targets, their outputs not meaningful), the snapshot the rebuild started from (null: the start of the inputs),
     * and the {@code events} it replayed.
     */
    public record Rebuilt(Map<String, TaskCheckpoint> checkpoints, Snapshots.Snapshot snapshot, long events) {
    }

    /** Where a rebuild starts: a snapshot (or null, the start of the inputs), the events it replays, whether it runs every stage. */
    record Start(Snapshots.Snapshot snapshot, long events, boolean stages) {
    }

    /**
     * Rebuilds the state group {@code group} would have at {@code targets} (per first-stage input topic, the offset of
     * each partition; -1: the partition's end) by running its processor, as the group, muted, in the scratch group
     * {@code scratch} ({@code G.rewind} for a rewind, a name of its own for {@code kappa state}): from the retained
     * snapshot nearest below the targets ({@link #start}), or from the start of the inputs; a group with later stages
     * always from the start, through scratch internal topics ({@link #rebuildStages}). A rewind holds the group's lock;
     * {@code kappa state} does not (a snapshot is read whole before it is used, so its removal by retention meanwhile
     * only makes it skipped). The result is what an uninterrupted run stopped at the targets would have had.
     */
    public static Rebuilt rebuild(EventLog log, String group, Map<String, long[]> targets, String scratch, boolean drain,
                                  Consumer<String> progress) {
        Map<String, long[]> stops = new HashMap<>();
        targets.forEach((t, offsets) -> {
            long[] a = offsets.clone();
            for (int p = 0; p < a.length; p++) {
                a[p] = a[p] < 0 ? log.topic(t).partition(p).endOffset() : a[p];
            }
            stops.put(t, a);
        });
        Start start = start(log, group, stops, new ArrayList<>(), progress);
        if (start.stages()) {
            return new Rebuilt(rebuildStages(log, group, stops, scratch, drain, progress), null, start.events());
        }
        Path dataDir = log.dataDir();
        Topology topology = GroupSpecs.topology(log, group, GroupSpecs.spec(dataDir, group));
        List<TaskCheckpoint> seed = new ArrayList<>();
        if (start.snapshot() != null) {
            for (TaskCheckpoint c : Snapshots.load(start.snapshot())) {
                // muted outputs: nothing to recognise after the snapshot's output positions, so recovery scans from the ends
                seed.add(c.rewound(c.inputs(), outputsAtEnd(log, c), c));
            }
            progress.accept(String.format("rebuilding the state at the new offsets from snapshot %s: replaying %,d records with outputs "
                + "muted", start.snapshot().id(), start.events()));
        } else {
            progress.accept(String.format("rebuilding the state at the new offsets: replaying %,d records with outputs muted",
                start.events()));
        }
        Map<String, TaskCheckpoint> state = runMuted(log, topology, new RunnerContext().group(group).stateGroup(scratch).stopAt(stops)
            .drain(drain), seed, start.events(), progress);
        return new Rebuilt(state, start.snapshot(), start.events());
    }

    /** {@code c}'s outputs with their positions at the partitions' current ends. */
    private static List<TaskCheckpoint.Output> outputsAtEnd(EventLog log, TaskCheckpoint c) {
        List<TaskCheckpoint.Output> outs = new ArrayList<>();
        for (TaskCheckpoint.Output o : c.outputs()) {
            if (log.exists(o.topic())) {
                outs.add(new TaskCheckpoint.Output(o.topic(), o.partition(), o.nextSequence(),
                    log.topic(o.topic()).partition(o.partition()).endOffset()));
            }
        }
        return outs;
    }

    /** {@link #start(EventLog, String, Map, List, Consumer)} with the skipped snapshots only noted in {@code warnings}. */
    private static Start start(EventLog log, String group, Map<String, long[]> targets, List<String> warnings) {
        return start(log, group, targets, warnings, line -> { });
    }

    /**
     * Where a rebuild at {@code targets} starts: of the group's snapshots taken by its current processor (the spec in
     * {@code group.json}) whose every position is at or before its target and still retained, the one with the fewest
     * records to replay (the newest of equals); a damaged one is skipped with a warning and the next is tried. None: the
     * start of the inputs. A group with later stages never starts from a snapshot.
     */
    private static Start start(EventLog log, String group, Map<String, long[]> targets, List<String> warnings, Consumer<String> progress) {
        Path dataDir = log.dataDir();
        long fromStart = 0;
        JsonNode info = Groups.info(dataDir, group);
        for (JsonNode stage : info == null ? JSON.createArrayNode() : info.path("stages")) {
            if (stage.path("internal").asBoolean()) {
                continue;
            }
            for (JsonNode topic : stage.path("inputs")) {
                long[] t = targets.getOrDefault(topic.asText(), new long[0]);
                for (int p = 0; p < t.length; p++) {
                    if (t[p] >= 0) {
                        fromStart += t[p] - log.topic(topic.asText()).partition(p).startOffset();
                    }
                }
            }
        }
        if (stagesInternal(dataDir, group).containsValue(true)) {
            return new Start(null, fromStart, true);
        }
        Map<String, String> spec = new java.util.TreeMap<>(GroupSpecs.spec(dataDir, group));
        List<Snapshots.Snapshot> usable = new ArrayList<>();
        Map<String, Long> cost = new HashMap<>();
        for (Snapshots.Snapshot s : Snapshots.list(dataDir, group, warnings::add)) {
            long events = 0;
            java.util.Set<String> covered = new java.util.HashSet<>();
            for (Snapshots.Position pos : s.positions()) {
                long[] t = targets.get(pos.topic());
                if (t == null || pos.partition() >= t.length || t[pos.partition()] < 0 || pos.next() > t[pos.partition()]
                    || !log.exists(pos.topic()) || pos.next() < log.topic(pos.topic()).partition(pos.partition()).startOffset()) {
                    events = -1;
                    break;
                }
                covered.add(pos.topic() + "/" + pos.partition());
                events += t[pos.partition()] - pos.next();
            }
            if (events < 0 || covered.size() != countTargets(targets)) {
                continue;
            }
            if (!s.spec().equals(spec)) {
                warnings.add("snapshot " + s.id() + " was taken with another processor or options: not used");
                continue;
            }
            cost.put(s.id(), events);
            usable.add(s);
        }
        usable.sort((a, b) -> Long.compare(cost.get(a.id()), cost.get(b.id()))); // stable: the newest of equals first
        for (Snapshots.Snapshot s : usable) {
            try {
                Snapshots.load(s);
                return new Start(s, cost.get(s.id()), false);
            } catch (CheckpointException | UncheckedIOException e) {
                String w = "snapshot " + s.id() + " is damaged, skipped: " + e.getMessage();
                warnings.add(w);
                progress.accept("kappa: warning: " + w);
            }
        }
        return new Start(null, fromStart, false);
    }

    private static int countTargets(Map<String, long[]> targets) {
        int n = 0;
        for (long[] t : targets.values()) {
            for (long o : t) {
                n += o >= 0 ? 1 : 0;
            }
        }
        return n;
    }

    /**
     * Runs {@code topology} as the group (its producer ids, so later stages see the same sources) with its state in
     * the scratch directory {@code context.stateGroup()}, outputs muted; returns the checkpoints it ends with.
     */
    private static Map<String, TaskCheckpoint> runMuted(EventLog log, Topology topology, RunnerContext context, List<TaskCheckpoint> seed,
                                                        long total, Consumer<String> progress) {
        Path dataDir = log.dataDir();
        String scratch = context.stateGroup();
        Path scratchDir = Groups.dir(dataDir, scratch);
        deleteRecursively(scratchDir);
        try {
            Files.createDirectories(scratchDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + scratchDir + ": " + e.getMessage(), e);
        }
        for (TaskCheckpoint c : seed) {
            c.writeTo(Groups.checkpointPath(dataDir, scratch, c.stage(), c.task()));
        }
        ProcessorRunner runner = new ProcessorRunner(log, topology, context.muteOutputs(true).replay(true)
            .checkpointIntervalMs(Long.MAX_VALUE).checkpointRecords(Long.MAX_VALUE).description("rewind of " + context.group()));
        try {
            runner.start();
            long started = System.nanoTime();
            long before = runner.recordsProcessed(); // a seeded task starts from its snapshot's count
            while (!await(runner, context.drain())) {
                long done = runner.recordsProcessed() - before;
                double seconds = (System.nanoTime() - started) / 1e9;
                double r = done / Math.max(seconds, 1e-9);
                progress.accept(String.format("  %,d / %,d records (%,.0f/s, ETA %.0f s)", done, total, r,
                    r > 0 ? (total - done) / r : 0.0));
            }
        } finally {
            runner.close();
        }
        if (runner.failure() != null) {
            throw new IllegalStateException("rebuilding the state failed: " + runner.failure().getMessage(), runner.failure());
        }
        Map<String, TaskCheckpoint> out = new HashMap<>();
        for (TaskCheckpoint c : Groups.checkpoints(dataDir, scratch)) {
            out.put(c.stage() + "-" + c.task(), c);
        }
        deleteRecursively(scratchDir);
        return out;
    }

    /**
     * A group whose later stages read what its earlier stages write (a repartition or gather topic), moved to a middle
     * point: a scratch copy of the group ({@code G.rewind}, its own internal topics and producer ids) runs every stage,
     * the first ones from the start of their inputs to the new offsets, the later ones over everything the earlier
     * ones write into the scratch internal topics; only those are written, every other output is muted. Its state is
     * the state a run of the group stopped at the new offsets would have had, whatever the group's earlier rewinds
     * left in its own internal topics; the watermark sources of the later stages are renamed from the scratch
     * producers to the group's. The later stages then go on from the current end of the group's internal topics, where
     * the first stages' recomputed records will arrive. The scratch topics and state are removed afterwards.
     */
    private static Map<String, TaskCheckpoint> rebuildStages(EventLog log, String group, Map<String, long[]> stopAt, String scratch, boolean drain,
                                                             Consumer<String> progress) {
        Path dataDir = log.dataDir();
        Topology own = GroupSpecs.topology(log, group, GroupSpecs.spec(dataDir, group));
        Topology copy = GroupSpecs.topology(log, scratch, GroupSpecs.spec(dataDir, group));
        java.util.Set<String> internal = internalTopics(copy);
        java.util.Set<String> ownInternal = internalTopics(own);
        for (String t : internal) {
            deleteScratchTopic(log, t);
        }
        // built again now that a last rebuild's topics are gone: building may create an internal topic with its own
        // partition count (top's one-partition G.gather), which the runner would otherwise create like any output
        copy = GroupSpecs.topology(log, scratch, GroupSpecs.spec(dataDir, group));
        Map<String, long[]> startAt = new HashMap<>();
        long first = 0;
        for (Map.Entry<String, long[]> e : stopAt.entrySet()) {
            long[] start = new long[e.getValue().length];
            for (int p = 0; p < start.length; p++) {
                start[p] = log.topic(e.getKey()).partition(p).startOffset();
                first += Math.max(0, e.getValue()[p] - start[p]);
            }
            startAt.put(e.getKey(), start);
        }
        progress.accept(String.format("rebuilding the state at the new offsets: replaying %,d records through every stage of a scratch "
            + "copy of the group, outputs muted", first));
        Map<String, TaskCheckpoint> out = new HashMap<>();
        try {
            Map<String, TaskCheckpoint> rebuilt = runMuted(log, copy, new RunnerContext().group(scratch).stateGroup(scratch)
                .startAt(startAt).stopAt(stopAt).writtenWhenMuted(internal).drain(drain), List.of(), first, progress);
            Map<Long, Long> renamed = new HashMap<>();
            for (TaskCheckpoint c : rebuilt.values()) {
                renamed.put(Groups.producerId(scratch, c.stage(), c.task()), Groups.producerId(group, c.stage(), c.task()));
            }
            rebuilt.forEach((k, c) -> out.put(k, c.withSourcesRenamed(renamed)));
        } finally {
            for (String t : internal) {
                if (!ownInternal.contains(t)) {
                    deleteScratchTopic(log, t);
                }
            }
        }
        return out;
    }

    /** The topics a topology's later stages read from its earlier ones. */
    static java.util.Set<String> internalTopics(Topology topology) {
        java.util.Set<String> written = new java.util.HashSet<>();
        java.util.Set<String> internal = new java.util.TreeSet<>();
        for (io.kappa.processor.Stage<?, ?, ?, ?> s : topology.stages()) {
            for (String in : s.inputs()) {
                if (written.contains(in)) {
                    internal.add(in);
                }
            }
            if (s.output() != null) {
                written.add(s.output());
            }
        }
        return internal;
    }

    private static void deleteScratchTopic(EventLog log, String topic) {
        if (log.exists(topic)) {
            log.deleteTopic(topic, true);
        }
    }

    private static Path epochsFile(Path dataDir, String group) {
        return Groups.dir(dataDir, group).resolve("epochs.json");
    }

    /** Where the group's later stages began reading each internal topic partition after the last rewind. */
    private static Map<String, Long> epochStarts(EventLog log, String group) {
        Path file = epochsFile(log.dataDir(), group);
        Map<String, Long> m = new HashMap<>();
        try {
            if (Files.exists(file)) {
                JSON.readTree(file.toFile()).fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asLong()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return m;
    }

    private static void writeEpochs(Path dataDir, String group, ObjectNode epochs) {
        Path file = epochsFile(dataDir, group);
        try {
            Dirs.writeAtomically(file, JSON.writeValueAsBytes(epochs));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static void deleteRecursively(Path dir) {
        try {
            Dirs.deleteRecursively(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Waits up to a second for the runner to catch up (or, with {@code drain}, to drain). */
    private static boolean await(ProcessorRunner runner, boolean drain) {
        try {
            return drain ? runner.awaitDrained(1_000) : runner.awaitCaughtUp(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while rebuilding the state", e);
        }
    }

    private static void saveUndo(Path dataDir, String group) {
        Path dir = Groups.dir(dataDir, group);
        Path undo = dir.resolve("undo");
        try {
            deleteRecursively(undo);
            Files.createDirectories(undo);
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.ckpt")) {
                for (Path f : ds) {
                    Files.copy(f, undo.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Path epochs = epochsFile(dataDir, group);
            if (Files.exists(epochs)) {
                Files.copy(epochs, undo.resolve("epochs.json"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the checkpoints of group '" + group + "' for --undo: " + e.getMessage(), e);
        }
    }

    /**
     * Puts back the input offsets and state from before the last rewind (outputs continue from where they are now);
     * with {@code dryRun}, only says what it would do. A group with a later stage whose earlier stage has written to
     * the internal topic since the rewind cannot simply take its old checkpoints back: the later stage would read
     * those records on top of its restored state. There the undo is a rewind to the saved offsets (state rebuilt,
     * the later stage going on after the internal topic's end), which leaves every stage as a run stopped at those
     * offsets would have.
     */
    public static Plan undo(EventLog log, String group, boolean dryRun, Consumer<String> progress) {
        Path dataDir = log.dataDir();
        try (Groups.GroupLock lock = Groups.lock(dataDir, group)) {
            Path undo = Groups.dir(dataDir, group).resolve("undo");
            List<Path> files = new ArrayList<>();
            if (Files.isDirectory(undo)) {
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(undo, "*.ckpt")) {
                    ds.forEach(files::add);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            if (files.isEmpty()) {
                throw new IllegalArgumentException("group '" + group + "' has no rewind to undo");
            }
            files.sort(null);
            List<TaskCheckpoint> checkpoints = Groups.checkpoints(dataDir, group);
            Map<String, TaskCheckpoint> now = new HashMap<>();
            for (TaskCheckpoint c : checkpoints) {
                now.put(c.stage() + "-" + c.task(), c);
            }
            List<TaskCheckpoint> saved = new ArrayList<>();
            for (Path f : files) {
                saved.add(TaskCheckpoint.read(f));
            }
            String moved = writtenSinceRewind(log, group);
            if (moved != null) {
                // the later stage cannot take its old offset back: rewind every stage to the saved offsets instead
                Map<String, Long> targets = new HashMap<>();
                for (TaskCheckpoint before : saved) {
                    for (TaskCheckpoint.Input in : before.inputs()) {
                        targets.put(in.topic() + "/" + in.partition(), in.nextOffset());
                    }
                }
                Plan p = plan(log, group, checkpoints, part -> targets.getOrDefault(part.topic() + "/" + part.id(), part.endOffset()), 0, null);
                Plan plan = new Plan(p.group(), p.moves(), p.events(), p.bytes(), p.rebuildEvents(), p.ratePerSecond(), p.warnings(),
                    "rebuilt at the offsets from before the rewind (" + moved + " was written since the rewind, so the later stage "
                        + "cannot take its old offset back)", null);
                if (!dryRun) {
                    // the state before the rewind may have been drained (kappa run --drain): so is the rebuilt one
                    apply(log, group, checkpoints, plan, Groups.drainedAt(saved) != Long.MIN_VALUE, progress);
                    deleteRecursively(undo);
                    audit(dataDir, group, "undo", "rebuilt", 0, null, plan.moves());
                }
                return plan;
            }
            List<Move> moves = new ArrayList<>();
            Map<String, Boolean> internal = stagesInternal(dataDir, group);
            long events = 0;
            for (TaskCheckpoint before : saved) {
                TaskCheckpoint current = now.get(before.stage() + "-" + before.task());
                for (TaskCheckpoint.Input in : before.inputs()) {
                    long cur = -1;
                    if (current != null) {
                        for (TaskCheckpoint.Input ci : current.inputs()) {
                            if (ci.topic().equals(in.topic()) && ci.partition() == in.partition()) {
                                cur = ci.nextOffset();
                            }
                        }
                    }
                    Partition p = log.topic(in.topic()).partition(in.partition());
                    boolean downstream = internal.getOrDefault(before.stage(), false);
                    moves.add(new Move(before.stage(), in.topic(), in.partition(), cur, in.nextOffset(), p.startOffset(), p.endOffset(),
                        false, downstream));
                    if (!downstream) {
                        events += Math.max(0, p.endOffset() - in.nextOffset());
                    }
                }
            }
            Plan plan = new Plan(group, moves, events, 0, 0, 0, List.of(), "restored from the checkpoints saved by the rewind",
                null);
            if (dryRun) {
                return plan;
            }
            // what the group read since the rewind is read again: recomputed, as after any move back
            noteRecomputation(dataDir, group, checkpoints, plan);
            for (TaskCheckpoint before : saved) {
                TaskCheckpoint current = now.get(before.stage() + "-" + before.task());
                TaskCheckpoint base = current != null ? current : before;
                // the counts of records processed and sent aside stay as they are now, as those records stay in the log
                TaskCheckpoint restored = base.rewound(before.inputs(), rebasedOutputs(log, group, base), before);
                restored.writeTo(Groups.checkpointPath(dataDir, group, before.stage(), before.task()));
            }
            try {
                Path epochs = undo.resolve("epochs.json");
                if (Files.exists(epochs)) {
                    Files.copy(epochs, epochsFile(dataDir, group), StandardCopyOption.REPLACE_EXISTING);
                } else if (moves.stream().anyMatch(Move::downstream)) {
                    // back before the first rewind: the later stage's current run began at the start of the internal topics
                    ObjectNode e = JSON.createObjectNode();
                    for (Move m : moves) {
                        if (m.downstream()) {
                            e.put(m.topic() + "/" + m.partition(), 0L);
                        }
                    }
                    writeEpochs(dataDir, group, e);
                } else {
                    Files.deleteIfExists(epochsFile(dataDir, group));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot restore the epochs of group '" + group + "': " + e.getMessage(), e);
            }
            deleteRecursively(undo);
            audit(dataDir, group, "undo", null, 0, null, moves);
            return plan;
        }
    }

    /**
     * An internal topic partition the group's earlier stage has written to since the last rewind (its end is past
     * the epoch the rewind started there), or null.
     */
    private static String writtenSinceRewind(EventLog log, String group) {
        for (Map.Entry<String, Long> e : epochStarts(log, group).entrySet()) {
            int slash = e.getKey().lastIndexOf('/');
            String topic = e.getKey().substring(0, slash);
            int partition = Integer.parseInt(e.getKey().substring(slash + 1));
            if (log.exists(topic) && log.topic(topic).partition(partition).endOffset() > e.getValue()) {
                return topic + "/" + partition;
            }
        }
        return null;
    }

    private static void audit(Path dataDir, String group, String action, String to, long shift, Integer partition, List<Move> moves) {
        ObjectNode n = AuditLog.entry(action);
        if (to != null) {
            n.put("to", to);
        }
        if (shift != 0) {
            n.put("shift", shift);
        }
        if (partition != null) {
            n.put("partition", partition);
        }
        n.putArray("moves");
        for (Move m : moves) {
            AuditLog.addMove(n, m.stage(), m.topic(), m.partition(), m.current(), m.target());
        }
        AuditLog.appendToGroup(dataDir, group, n);
    }
}
