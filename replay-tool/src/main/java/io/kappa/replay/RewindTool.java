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
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.log.Dirs;
import io.kappa.log.EventLog;
import io.kappa.log.Partition;
import io.kappa.log.PartitionStats;
import io.kappa.processor.Groups;
import io.kappa.processor.ProcessorRunner;
import io.kappa.processor.Recomputation;
import io.kappa.processor.RunnerContext;
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
     * reprocessed by the next run. {@code how} says in a sentence how the state follows.
     */
    public record Plan(String group, List<Move> moves, long events, long bytes, long rebuildEvents, long ratePerSecond,
                       List<String> warnings, String how) {
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
        if (needsRebuild(moves)) {
            boolean stages = moves.stream().anyMatch(Move::downstream);
            for (Move m : moves) {
                if (!m.downstream()) {
                    rebuild += m.target() - m.start();
                }
            }
            how = "rebuilt by a replay from the start of the inputs to the new offsets, outputs muted"
                + (stages ? " (every stage, through scratch internal topics)" : "");
        }
        return new Plan(group, moves, events, bytes, rebuild, rate, warnings, how);
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
            : stages ? rebuildStages(log, group, plan, drain, progress) : rebuild(log, group, plan, drain, progress);
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

    /** Runs the group's processor from the start of its inputs to the new offsets, muted, under a scratch group. */
    private static Map<String, TaskCheckpoint> rebuild(EventLog log, String group, Plan plan, boolean drain, Consumer<String> progress) {
        Path dataDir = log.dataDir();
        String scratch = group + ".rewind";
        Path scratchDir = Groups.dir(dataDir, scratch);
        deleteRecursively(scratchDir);
        Topology topology = GroupSpecs.topology(log, group, GroupSpecs.spec(dataDir, group));
        Map<String, long[]> stopAt = new HashMap<>();
        long total = 0;
        for (Move m : plan.moves()) {
            long[] stops = stopAt.computeIfAbsent(m.topic(), t -> {
                long[] a = new long[log.topic(t).partitionCount()];
                java.util.Arrays.fill(a, -1);
                return a;
            });
            stops[m.partition()] = m.target();
            total += m.target() - m.start();
        }
        progress.accept(String.format("rebuilding the state at the new offsets: replaying %,d records with outputs muted", total));
        return runMuted(log, topology, new RunnerContext().group(group).stateGroup(scratch).stopAt(stopAt).drain(drain), total, progress);
    }

    /**
     * Runs {@code topology} as the group (its producer ids, so later stages see the same sources) with its state in
     * the scratch directory {@code context.stateGroup()}, outputs muted; returns the checkpoints it ends with.
     */
    private static Map<String, TaskCheckpoint> runMuted(EventLog log, Topology topology, RunnerContext context, long total,
                                                        Consumer<String> progress) {
        Path dataDir = log.dataDir();
        String scratch = context.stateGroup();
        Path scratchDir = Groups.dir(dataDir, scratch);
        deleteRecursively(scratchDir);
        ProcessorRunner runner = new ProcessorRunner(log, topology, context.muteOutputs(true).replay(true)
            .checkpointIntervalMs(Long.MAX_VALUE).checkpointRecords(Long.MAX_VALUE).description("rewind of " + context.group()));
        try {
            runner.start();
            long started = System.nanoTime();
            while (!await(runner, context.drain())) {
                long done = runner.recordsProcessed();
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
    private static Map<String, TaskCheckpoint> rebuildStages(EventLog log, String group, Plan plan, boolean drain,
                                                             Consumer<String> progress) {
        Path dataDir = log.dataDir();
        String scratch = group + ".rewind";
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
        Map<String, long[]> stopAt = new HashMap<>();
        Map<String, long[]> startAt = new HashMap<>();
        long first = 0;
        for (Move m : plan.moves()) {
            if (m.downstream()) {
                continue;
            }
            int n = log.topic(m.topic()).partitionCount();
            long[] stop = stopAt.computeIfAbsent(m.topic(), t -> {
                long[] a = new long[n];
                java.util.Arrays.fill(a, -1);
                return a;
            });
            long[] start = startAt.computeIfAbsent(m.topic(), t -> new long[n]);
            stop[m.partition()] = m.target();
            start[m.partition()] = m.start();
            first += m.target() - m.start();
        }
        progress.accept(String.format("rebuilding the state at the new offsets: replaying %,d records through every stage of a scratch "
            + "copy of the group, outputs muted", first));
        Map<String, TaskCheckpoint> out = new HashMap<>();
        try {
            Map<String, TaskCheckpoint> rebuilt = runMuted(log, copy, new RunnerContext().group(scratch).stateGroup(scratch)
                .startAt(startAt).stopAt(stopAt).writtenWhenMuted(internal).drain(drain), first, progress);
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
                        + "cannot take its old offset back)");
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
            Plan plan = new Plan(group, moves, events, 0, 0, 0, List.of(), "restored from the checkpoints saved by the rewind");
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
        ArrayNode ms = n.putArray("moves");
        for (Move m : moves) {
            ObjectNode o = ms.addObject();
            o.put("stage", m.stage());
            o.put("topic", m.topic());
            o.put("partition", m.partition());
            o.put("from", m.current());
            o.put("to", m.target());
        }
        AuditLog.appendToGroup(dataDir, group, n);
    }
}
