package io.kappa.replay;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import io.kappa.log.Dirs;
import io.kappa.log.EventLog;
import io.kappa.log.Partition;
import io.kappa.log.PartitionTailer;
import io.kappa.log.RecordView;
import io.kappa.log.Topic;
import io.kappa.processor.Groups;
import io.kappa.processor.OutputTap;
import io.kappa.processor.ProcessorRunner;
import io.kappa.processor.RunnerContext;
import io.kappa.processor.Serdes;
import io.kappa.processor.TaskCheckpoint;
import io.kappa.processor.Topology;
import org.agrona.DirectBuffer;

/**
 * {@code kappa replay --verify}: runs a group's processor (or a changed one) again over the input the group has
 * processed, beside the group, and checks record by record that it produces what the group recorded, and that it
 * ends with the same state. Reports, per input partition, the first offset where they diverge.
 *
 * <p>How: the processor runs as the group itself (same producer ids, same side-topic names) with its own state
 * directory ({@code GROUP.verify}) and muted outputs; every record it would write goes to an {@link OutputTap}
 * with the input offset that produced it, and is compared with the next record the group's task wrote to the same
 * output partition (its producer id picks it out). The replay stops at the group's checkpointed offsets, where its
 * state must equal the group's checkpoint (stores byte for byte, timers, watermark). Per input partition, outputs
 * are also folded into a hash per block of offsets, so equal histories can be stated block by block.
 *
 * <p>It needs the group's whole history: a group that started later than the earliest offset, was rewound, or
 * whose inputs lost records to retention is refused.
 */
public final class VerifyTool {
    /**
     * The first point where the replay and the recorded output differ, for one task's input partition: the replay's
     * output for {@code inputOffset} is not the next recorded one. A record the replay does not produce is noticed at
     * its next output, so the difference lies after {@code lastEqualOffset} (the input offset of the last output that
     * matched, -1 for none) and at or before {@code inputOffset}.
     */
    public record Divergence(String stage, int task, String inputTopic, long inputOffset, long lastEqualOffset, String outputTopic,
                             int outputPartition, String recorded, String replayed) {
    }

    /** What was compared for one task's input partition. */
    public record PartitionReport(String stage, int task, String inputTopic, long endOffset, long outputs, long blocks,
                                  long hash) {
    }

    public record Result(String group, long blockSize, List<PartitionReport> partitions, List<Divergence> divergences,
                         List<String> stateDifferences, long records) {
        public boolean equal() {
            return divergences.isEmpty() && stateDifferences.isEmpty();
        }
    }

    private VerifyTool() {
    }

    /** Refuses groups whose recorded output cannot be compared with a replay from the start. */
    static void requireWholeHistory(EventLog log, String group, Map<String, String> spec, List<TaskCheckpoint> checkpoints) {
        if (checkpoints.isEmpty()) {
            throw new IllegalArgumentException("group '" + group + "' has no checkpoint: nothing recorded to verify");
        }
        String from = spec.get("from");
        if (from != null && !from.equals("earliest")) {
            throw new IllegalArgumentException("group '" + group + "' started at --from " + from + ", not earliest: a replay from the "
                + "start cannot be compared with its output");
        }
        Path audit = Groups.dir(log.dataDir(), group).resolve("audit.log");
        try {
            if (Files.exists(audit) && Files.readString(audit).contains("\"action\":\"rewind\"")) {
                throw new IllegalArgumentException("group '" + group + "' has been rewound (" + audit + "): its output holds more than "
                    + "one run, so it cannot be compared with one replay; verify a group that has run once from the start");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + audit + ": " + e.getMessage(), e);
        }
        for (TaskCheckpoint c : checkpoints) {
            if (c.emitCacheUsed()) {
                throw new IllegalArgumentException("group '" + group + "' has run with --emit latest-per-commit: which changes reach its "
                    + "output depends on when checkpoints happened, so a replay cannot be compared with it record by record; diff "
                    + "the latest value per key instead (kappa diff)");
            }
            for (TaskCheckpoint.Input in : c.inputs()) {
                Partition p = log.topic(in.topic()).partition(in.partition());
                if (p.startOffset() > 0) {
                    throw new IllegalArgumentException(in.topic() + "/" + in.partition() + " starts at offset " + p.startOffset()
                        + " (retention removed older records): the group's history cannot be replayed");
                }
            }
        }
    }

    /**
     * Replays {@code topology} (the group's processor, or a changed one with the same stages) as {@code group} over
     * what the group has processed, and compares.
     */
    public static Result verify(EventLog log, String group, Map<String, String> spec, Topology topology, long blockSize,
                                Consumer<ProcessorRunner> whileRunning) throws InterruptedException {
        if (blockSize < 1) {
            throw new IllegalArgumentException("the block size must be positive, got " + blockSize);
        }
        List<TaskCheckpoint> recorded = Groups.checkpoints(log.dataDir(), group);
        requireWholeHistory(log, group, spec, recorded);
        String scratch = group + ".verify";
        if (Groups.isRunning(log.dataDir(), scratch)) {
            throw new IllegalStateException("a verification of group '" + group + "' is already running");
        }
        deleteScratch(log, scratch);

        Map<String, long[]> stopAt = new LinkedHashMap<>();
        Map<String, TaskCheckpoint> byTask = new LinkedHashMap<>();
        for (TaskCheckpoint c : recorded) {
            byTask.put(c.stage() + "/" + c.task(), c);
            for (TaskCheckpoint.Input in : c.inputs()) {
                long[] a = stopAt.computeIfAbsent(in.topic(), t -> {
                    long[] x = new long[log.topic(t).partitionCount()];
                    Arrays.fill(x, 0);
                    return x;
                });
                a[in.partition()] = in.nextOffset();
            }
        }
        Comparer comparer = new Comparer(log, group, byTask, blockSize);
        // a drained group's last windows and timers fired at the end: the replay drains at the same offsets too
        boolean drained = Groups.drainedAt(recorded) != Long.MIN_VALUE;
        RunnerContext context = new RunnerContext().group(group).stateGroup(scratch).muteOutputs(true).outputTap(comparer)
            .replay(true).stopAt(stopAt).startAt(zeros(log, stopAt)).threads(2).drain(drained)
            .description("verify " + group);
        long records;
        List<String> stateDifferences = new ArrayList<>();
        try (ProcessorRunner runner = new ProcessorRunner(log, topology, context)) {
            runner.start();
            if (whileRunning != null) {
                whileRunning.accept(runner);
            }
            while (!(drained ? runner.awaitDrained(60_000) : runner.awaitCaughtUp(60_000))) {
                // a long history takes a while
            }
            runner.close();
            if (runner.failure() != null) {
                throw new IllegalStateException("the replay failed: " + runner.failure().getMessage(), runner.failure());
            }
            records = runner.recordsProcessed();
        } finally {
            comparer.close();
        }
        comparer.finish();
        for (TaskCheckpoint mine : Groups.checkpoints(log.dataDir(), scratch)) {
            TaskCheckpoint theirs = byTask.get(mine.stage() + "/" + mine.task());
            if (theirs == null) {
                stateDifferences.add("stage '" + mine.stage() + "' task " + mine.task() + " exists in the replay, not in the group");
                continue;
            }
            String d = theirs.stateDifference(mine);
            if (d != null) {
                stateDifferences.add("stage '" + mine.stage() + "' task " + mine.task() + " at " + offsets(mine) + ": " + d);
            }
        }
        deleteScratch(log, scratch);
        return new Result(group, blockSize, comparer.reports(), comparer.divergences(), stateDifferences, records);
    }

    private static void deleteScratch(EventLog log, String scratch) {
        try {
            Dirs.deleteRecursively(Groups.dir(log.dataDir(), scratch));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + Groups.dir(log.dataDir(), scratch) + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, long[]> zeros(EventLog log, Map<String, long[]> like) {
        Map<String, long[]> m = new LinkedHashMap<>();
        like.forEach((t, a) -> m.put(t, new long[a.length]));
        return m;
    }

    private static String offsets(TaskCheckpoint c) {
        List<String> s = new ArrayList<>();
        for (TaskCheckpoint.Input in : c.inputs()) {
            s.add(in.topic() + "/" + in.partition() + " offset " + in.nextOffset());
        }
        return String.join(", ", s);
    }

    static String text(byte[] key, byte[] value, long eventTime) {
        return (key == null ? "(no key)" : readable(key)) + " " + readable(value) + " @" + java.time.Instant.ofEpochMilli(eventTime);
    }

    private static String readable(byte[] b) {
        String s = Serdes.strictUtf8(b);
        if (s == null) {
            return "base64:" + Base64.getEncoder().encodeToString(b);
        }
        return s.length() > 300 ? s.substring(0, 297) + "..." : s;
    }

    /** The group's records in one output partition from one task, in order, up to where its checkpoint counted. */
    private static final class Cursor {
        final PartitionTailer tailer;
        final long producer;
        final long limit;
        private final io.kappa.log.RecordHandler take = this::take;
        byte[] key;
        byte[] value;
        long eventTime;
        boolean found;
        boolean past;
        long consumed;

        Cursor(Partition p, long producer, long limit) {
            this.tailer = p.newTailer();
            this.producer = producer;
            this.limit = limit;
        }

        /** Moves to the task's next record; false when there is none before the limit. */
        boolean next() {
            found = false;
            while (!found && !past) {
                if (tailer.poll(take, 1) == 0) {
                    return false;
                }
            }
            return found;
        }

        private void take(RecordView v) {
            if (v.offset() >= limit) {
                past = true; // written after the group's checkpoint: not part of what is verified
                return;
            }
            if (v.producerId() == producer) {
                key = v.hasKey() ? v.keyBytes() : null;
                value = v.valueBytes();
                eventTime = v.eventTime();
                found = true;
                consumed++;
            }
        }
    }

    /** Per task input partition: outputs compared, the block hash, and the first divergence. */
    private static final class Track {
        final String stage;
        final int task;
        final String input;
        long outputs;
        long block = -1;
        long blocks;
        long hash = 0xcbf29ce484222325L;
        long lastOffset = -1;
        long lastEqual = -1;
        Divergence divergence;

        Track(String stage, int task, String input) {
            this.stage = stage;
            this.task = task;
            this.input = input;
        }
    }

    private static final class Comparer implements OutputTap {
        private final EventLog log;
        private final String group;
        private final Map<String, TaskCheckpoint> recorded;
        private final long blockSize;
        private final Map<String, Cursor> cursors = new ConcurrentHashMap<>();
        private final Map<String, Track> tracks = new ConcurrentHashMap<>();
        private final List<Divergence> extra = Collections.synchronizedList(new ArrayList<>());

        Comparer(EventLog log, String group, Map<String, TaskCheckpoint> recorded, long blockSize) {
            this.log = log;
            this.group = group;
            this.recorded = recorded;
            this.blockSize = blockSize;
        }

        @Override
        public void onOutput(String stage, int task, String inputTopic, long inputOffset, String topic, int partition, DirectBuffer data,
                             int keyOffset, int keyLength, int valueOffset, int valueLength, long eventTime) {
            Track t = tracks.computeIfAbsent(stage + "/" + task + "/" + inputTopic, k -> new Track(stage, task, inputTopic));
            byte[] key = OutputTap.copy(data, keyOffset, keyLength);
            byte[] value = OutputTap.copy(data, valueOffset, valueLength);
            long block = inputOffset / blockSize;
            if (block != t.block) {
                t.block = block;
                t.blocks++;
            }
            t.outputs++;
            t.lastOffset = inputOffset;
            t.hash = fold(fold(fold(t.hash, key), value), eventTime);
            if (t.divergence != null) {
                return;
            }
            Cursor c = cursor(stage, task, topic, partition);
            if (c == null || !c.next()) {
                t.divergence = new Divergence(stage, task, inputTopic, inputOffset, t.lastEqual, topic, partition, "(nothing more)",
                    text(key, value, eventTime));
            } else if (!Arrays.equals(c.key, key) || !Arrays.equals(c.value, value) || c.eventTime != eventTime) {
                t.divergence = new Divergence(stage, task, inputTopic, inputOffset, t.lastEqual, topic, partition,
                    text(c.key, c.value, c.eventTime), text(key, value, eventTime));
            } else {
                t.lastEqual = inputOffset;
            }
        }

        private Cursor cursor(String stage, int task, String topic, int partition) {
            return cursors.computeIfAbsent(stage + "/" + task + "/" + topic + "/" + partition, k -> {
                if (!log.exists(topic)) {
                    return null;
                }
                TaskCheckpoint cp = recorded.get(stage + "/" + task);
                long limit = 0;
                if (cp != null) {
                    for (TaskCheckpoint.Output o : cp.outputs()) {
                        if (o.topic().equals(topic) && o.partition() == partition) {
                            limit = o.endOffset();
                        }
                    }
                }
                return new Cursor(log.topic(topic).partition(partition), Groups.producerId(group, stage, task), limit);
            });
        }

        private static long fold(long h, byte[] b) {
            if (b == null) {
                return fold(h, -1L);
            }
            for (byte x : b) {
                h ^= x & 0xff;
                h *= 0x100000001b3L;
            }
            return fold(h, b.length);
        }

        private static long fold(long h, long x) {
            for (int i = 0; i < 8; i++) {
                h ^= (x >>> (8 * i)) & 0xff;
                h *= 0x100000001b3L;
            }
            return h;
        }

        /**
         * After the run (on this thread; the task threads' tailers are closed): recorded records the replay did
         * not produce.
         */
        void finish() {
            for (TaskCheckpoint cp : recorded.values()) {
                long producer = Groups.producerId(group, cp.stage(), cp.task());
                for (TaskCheckpoint.Output o : cp.outputs()) {
                    if (!log.exists(o.topic()) || o.nextSequence() == 0) {
                        continue;
                    }
                    Cursor used = cursors.get(cp.stage() + "/" + cp.task() + "/" + o.topic() + "/" + o.partition());
                    Cursor c = new Cursor(log.topic(o.topic()).partition(o.partition()), producer, o.endOffset());
                    try {
                        for (long i = used == null ? 0 : used.consumed; i > 0; i--) {
                            c.next();
                        }
                        if (c.next() && !diverged(cp)) {
                            Track last = lastTrack(cp);
                            extra.add(new Divergence(cp.stage(), cp.task(), last == null ? cp.inputs().get(0).topic() : last.input,
                                last == null ? 0 : last.lastOffset + 1, last == null ? -1 : last.lastEqual, o.topic(), o.partition(),
                                text(c.key, c.value, c.eventTime), "(nothing more)"));
                        }
                    } finally {
                        c.tailer.close();
                    }
                }
            }
        }

        private boolean diverged(TaskCheckpoint cp) {
            for (Track t : tracks.values()) {
                if (t.stage.equals(cp.stage()) && t.task == cp.task() && t.divergence != null) {
                    return true;
                }
            }
            for (Divergence d : extra) {
                if (d.stage().equals(cp.stage()) && d.task() == cp.task()) {
                    return true;
                }
            }
            return false;
        }

        private Track lastTrack(TaskCheckpoint cp) {
            Track best = null;
            for (Track t : tracks.values()) {
                if (t.stage.equals(cp.stage()) && t.task == cp.task() && (best == null || t.lastOffset > best.lastOffset)) {
                    best = t;
                }
            }
            return best;
        }

        List<PartitionReport> reports() {
            Map<String, PartitionReport> out = new TreeMap<>();
            for (TaskCheckpoint cp : recorded.values()) {
                for (TaskCheckpoint.Input in : cp.inputs()) {
                    Track t = tracks.get(cp.stage() + "/" + cp.task() + "/" + in.topic());
                    out.put(cp.stage() + "/" + cp.task() + "/" + in.topic(), new PartitionReport(cp.stage(), cp.task(), in.topic(),
                        in.nextOffset(), t == null ? 0 : t.outputs, t == null ? 0 : t.blocks, t == null ? 0 : t.hash));
                }
            }
            return new ArrayList<>(out.values());
        }

        List<Divergence> divergences() {
            List<Divergence> out = new ArrayList<>();
            for (Track t : new TreeMap<>(tracks).values()) {
                if (t.divergence != null) {
                    out.add(t.divergence);
                }
            }
            out.addAll(extra);
            return out;
        }

        void close() {
            for (Cursor c : cursors.values()) {
                try {
                    c.tailer.close();
                } catch (RuntimeException e) {
                    // a tailer made on a task thread; the runner has stopped
                }
            }
        }
    }
}
