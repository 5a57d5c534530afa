package io.kappa.replay;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
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
import io.kappa.log.PartitionTailer;
import io.kappa.processor.Groups;
import io.kappa.processor.ProcessorRunner;
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

    /** What a rewind does or would do, with the cost of reprocessing. */
    public record Plan(String group, List<Move> moves, long events, long bytes, long ratePerSecond, List<String> warnings) {
        /** Seconds to reprocess at the group's last measured rate, or -1 when no rate is known. */
        public double expectedSeconds() {
            return ratePerSecond > 0 ? events / (double) ratePerSecond : -1;
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
            Map<String, Boolean> internal = stagesInternal(dataDir, group);
            if (internal.containsValue(Boolean.TRUE) && (shift != 0 || partition != null || !"earliest".equals(targetText))) {
                throw new IllegalArgumentException("group '" + group + "' has " + internal.size() + " stages (a repartition): it can only be "
                    + "rewound to earliest for now; rebuilding a later stage's state at a middle point is not supported yet");
            }
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
            Plan plan = new Plan(group, moves, events, bytes, rate, warnings);
            if (!dryRun) {
                apply(log, group, checkpoints, plan, progress);
                audit(dataDir, group, "rewind", targetText, shift, partition, moves);
            }
            return plan;
        }
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

    private static void apply(EventLog log, String group, List<TaskCheckpoint> checkpoints, Plan plan, Consumer<String> progress) {
        Path dataDir = log.dataDir();
        saveUndo(dataDir, group);
        Map<String, TaskCheckpoint> rebuilt = needsRebuild(plan) ? rebuild(log, group, plan, progress) : Map.of();
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
            TaskCheckpoint moved = c.rewound(inputs, rebasedOutputs(log, group, c), state);
            moved.writeTo(Groups.checkpointPath(dataDir, group, c.stage(), c.task()));
        }
    }

    private static boolean needsRebuild(Plan plan) {
        for (Move m : plan.moves()) {
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
        long producer = Groups.producerId(group, c.stage(), c.task());
        List<TaskCheckpoint.Output> outs = new ArrayList<>();
        for (TaskCheckpoint.Output o : c.outputs()) {
            if (!log.exists(o.topic())) {
                continue;
            }
            Partition p = log.topic(o.topic()).partition(o.partition());
            long end = p.endOffset();
            long next = o.nextSequence();
            long from = Math.max(p.startOffset(), Math.min(o.endOffset(), end));
            if (from < end) {
                long[] max = {-1};
                try (PartitionTailer t = p.newTailer()) {
                    t.moveToOffset(from);
                    while (t.poll(v -> {
                        if (v.producerId() == producer) {
                            max[0] = Math.max(max[0], v.producerSequence());
                        }
                    }, 4096) > 0) {
                        // scan to the end
                    }
                }
                next = Math.max(next, max[0] + 1);
            }
            outs.add(new TaskCheckpoint.Output(o.topic(), o.partition(), next, end));
        }
        return outs;
    }

    /** Runs the group's processor from the start of its inputs to the new offsets, muted, under a scratch group. */
    private static Map<String, TaskCheckpoint> rebuild(EventLog log, String group, Plan plan, Consumer<String> progress) {
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
        ProcessorRunner runner = new ProcessorRunner(log, topology, new RunnerContext().group(scratch).muteOutputs(true).stopAt(stopAt)
            .replay(true).checkpointIntervalMs(Long.MAX_VALUE).checkpointRecords(Long.MAX_VALUE).description("rewind of " + group));
        try {
            runner.start();
            long started = System.nanoTime();
            while (!awaitCaughtUp(runner)) {
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

    private static void deleteRecursively(Path dir) {
        try {
            Dirs.deleteRecursively(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir + ": " + e.getMessage(), e);
        }
    }

    private static boolean awaitCaughtUp(ProcessorRunner runner) {
        try {
            return runner.awaitCaughtUp(1_000);
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
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the checkpoints of group '" + group + "' for --undo: " + e.getMessage(), e);
        }
    }

    /**
     * Puts back the input offsets and state from before the last rewind (outputs continue from where they are now).
     * Returns the moves it made.
     */
    public static List<Move> undo(EventLog log, String group) {
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
            Map<String, TaskCheckpoint> now = new HashMap<>();
            for (TaskCheckpoint c : Groups.checkpoints(dataDir, group)) {
                now.put(c.stage() + "-" + c.task(), c);
            }
            List<Move> moves = new ArrayList<>();
            for (Path f : files) {
                TaskCheckpoint before = TaskCheckpoint.read(f);
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
                    moves.add(new Move(before.stage(), in.topic(), in.partition(), cur, in.nextOffset(), p.startOffset(), p.endOffset(),
                        false, false));
                }
                TaskCheckpoint base = current != null ? current : before;
                TaskCheckpoint restored = before.rewound(before.inputs(), rebasedOutputs(log, group, base), before);
                restored.writeTo(Groups.checkpointPath(dataDir, group, before.stage(), before.task()));
            }
            deleteRecursively(undo);
            audit(dataDir, group, "undo", null, 0, null, moves);
            return moves;
        }
    }

    private static void audit(Path dataDir, String group, String action, String to, long shift, Integer partition, List<Move> moves) {
        ObjectNode n = JSON.createObjectNode();
        n.put("time", Instant.now().toString());
        n.put("action", action);
        if (to != null) {
            n.put("to", to);
        }
        if (shift != 0) {
            n.put("shift", shift);
        }
        if (partition != null) {
            n.put("partition", partition);
        }
        n.put("user", System.getProperty("user.name", "?"));
        n.put("pid", ProcessHandle.current().pid());
        ArrayNode ms = n.putArray("moves");
        for (Move m : moves) {
            ObjectNode o = ms.addObject();
            o.put("stage", m.stage());
            o.put("topic", m.topic());
            o.put("partition", m.partition());
            o.put("from", m.current());
            o.put("to", m.target());
        }
        try {
            Files.writeString(Groups.dir(dataDir, group).resolve("audit.log"), n + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the audit log of group '" + group + "': " + e.getMessage(), e);
        }
    }
}
