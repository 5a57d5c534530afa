package io.kappa.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.log.EventLog;
import io.kappa.log.LogContext;
import io.kappa.log.Partition;
import io.kappa.log.TopicConfig;
import io.kappa.processor.Groups;
import io.kappa.processor.ProcessorRunner;
import io.kappa.processor.RunnerContext;
import io.kappa.processor.Snapshots;
import io.kappa.processor.TaskCheckpoint;
import io.kappa.replay.GroupSpecs;
import io.kappa.replay.RewindTool;

/**
 * The {@code rewind} scenario of {@code kappa bench}: a rewind of a group with many events to an offset near the end,
 * its state rebuilt from the nearest retained snapshot, against the same rewind rebuilt from offset 0. On one fresh log:
 * a one-partition topic of {@code N} events (8-digit keys over {@link #KEYS}, 100-byte values) is counted by key by a
 * group run as {@code kappa run} with a snapshot (and a checkpoint) every {@code N/10} records, keep 5 (at 10 M events:
 * kappa run's defaults); then
 * <ol>
 *   <li>an untimed warm-up: the rewind below and its undo;</li>
 *   <li>{@code RewindTool.rewind} to {@code N - N/100}: rebuilt from the snapshot nearest below (timed, whole rewind);</li>
 *   <li>{@code RewindTool.undo}; the snapshots moved aside; the same rewind again, rebuilt from offset 0 (timed);</li>
 *   <li>both rebuilt states are checked equal (stores, timers, watermark).</li>
 * </ol>
 * Each figure's events are the events its rebuild replayed, over the whole rewind's wall time, so the ratio of their
 * rates is about 1 when the time is proportional to the events replayed; the speed-up is in {@code targets}.
 */
final class RewindBench {
    /** Events of the scenario when {@code --events} is not given: the group of 10 M events. */
    static final long DEFAULT_EVENTS = 10_000_000;
    static final long KEYS = 10_000;

    private RewindBench() {
    }

    static ObjectNode run(BenchScenarios.Settings s) throws Exception {
        long n = s.rewindEvents();
        long keys = Math.min(KEYS, n);
        long back = Math.max(1, n / 100);
        long every = Math.max(1, n / 10);
        ObjectNode section = TcpIngestBench.JSON.createObjectNode().put("scenario", "rewind");
        section.put("events", n).put("keys", keys).put("rewoundBy", back).put("valueBytes", BenchSupport.VALUE_LENGTH)
            .put("snapshotEveryRecords", every).put("snapshotsKept", RunnerContext.DEFAULT_SNAPSHOTS_KEPT);
        Path dir = BenchSupport.newDirectory("rewind");
        try (EventLog log = EventLog.open(new LogContext().dataDir(dir.resolve("log")))) {
            Partition in = log.createTopic("in", TopicConfig.partitions(1)).partition(0);
            status(s, "rewind: " + n + " events over " + keys + " keys");
            ProcessorWorkloads.fill(in, n, keys, s.progress(), "fill");
            Map<String, String> spec = new TreeMap<>(Map.of("processor", "count", "by", "key", "inputs", "in", "output", "out",
                "from", "earliest"));
            long t0 = System.nanoTime();
            try (ProcessorRunner r = new ProcessorRunner(log, GroupSpecs.topology(log, "g", spec), new RunnerContext().group("g").spec(spec)
                .snapshotRecords(every).checkpointRecords(every))) {
                r.start();
                while (!r.awaitCaughtUp(1_000)) {
                    status(s, String.format(Locale.ROOT, "rewind: the group has processed %,d of %,d", r.recordsProcessed(), n));
                }
            }
            section.put("runSeconds", (System.nanoTime() - t0) / 1e9);
            List<Snapshots.Snapshot> snapshots = Snapshots.list(log.dataDir(), "g", w -> { });
            section.put("snapshotsTaken", snapshots.size());
            long target = n - back;

            // untimed: the same rewind once, so that the timed ones run compiled code (the muted runner, the restore)
            status(s, "rewind: warm-up rewind to offset " + target + " (not reported)");
            RewindTool.rewind(log, "g", p -> target, Long.toString(target), 0, null, false, line -> { });
            RewindTool.undo(log, "g", false, line -> { });

            status(s, "rewind: to offset " + target + ", from the nearest snapshot");
            long t1 = System.nanoTime();
            RewindTool.Plan fromSnapshot = RewindTool.rewind(log, "g", p -> target, Long.toString(target), 0, null, false, line -> { });
            long snapshotNanos = System.nanoTime() - t1;
            TaskCheckpoint stateFromSnapshot = Groups.checkpoints(log.dataDir(), "g").get(0);
            RewindTool.undo(log, "g", false, line -> { });
            Path snaps = Snapshots.dir(log.dataDir(), "g");
            Files.move(snaps, snaps.resolveSibling("snapshots.aside"));

            status(s, "rewind: to offset " + target + ", from offset 0");
            long t2 = System.nanoTime();
            RewindTool.Plan fromStart = RewindTool.rewind(log, "g", p -> target, Long.toString(target), 0, null, false, line -> { });
            long startNanos = System.nanoTime() - t2;
            TaskCheckpoint stateFromStart = Groups.checkpoints(log.dataDir(), "g").get(0);
            if (fromStart.snapshot() != null || fromSnapshot.snapshot() == null) {
                throw new IllegalStateException("rewind: expected a rebuild from a snapshot, then one from offset 0; got "
                    + fromSnapshot.how() + " and " + fromStart.how());
            }
            String difference = stateFromSnapshot.stateDifference(stateFromStart);
            if (difference != null) {
                throw new IllegalStateException("rewind: the state rebuilt from snapshot " + fromSnapshot.snapshot().id()
                    + " differs from the one rebuilt from offset 0: " + difference);
            }
            ProcessorWorkloads.check("rewind from offset 0: events replayed", target, fromStart.rebuildEvents());
            ObjectNode snapshotFigure = BenchScenarios.figure("rewind to N - N/100, state rebuilt from snapshot "
                + fromSnapshot.snapshot().id() + " at offset " + fromSnapshot.snapshot().positions().get(0).next()
                + " (events: replayed from it; time: the whole rewind)", fromSnapshot.rebuildEvents(), snapshotNanos, -1);
            ObjectNode startFigure = BenchScenarios.figure("the same rewind, state rebuilt from offset 0 (no snapshot)",
                fromStart.rebuildEvents(), startNanos, -1);
            section.putArray("comparisons").add(BenchScenarios.compare(
                "rewind near the end: events replayed per second, from a snapshot vs from offset 0", snapshotFigure, startFigure));
            double speedUp = startNanos / (double) snapshotNanos;
            double ideal = fromStart.rebuildEvents() / (double) Math.max(1, fromSnapshot.rebuildEvents());
            section.putArray("targets").addObject()
                .put("name", "issue 18: a rewind near the end takes time proportional to its distance from the snapshot (speed-up >= "
                    + "half the ratio of events replayed)")
                .put("value", speedUp).put("target", ideal / 2).put("unit", "ratio").put("met", speedUp >= ideal / 2)
                .put("note", String.format(Locale.ROOT, "%.2f s from snapshot %s (%,d events replayed) vs %.2f s from offset 0 (%,d events):"
                    + " %.1fx faster, %.1fx fewer events", snapshotNanos / 1e9, fromSnapshot.snapshot().id(), fromSnapshot.rebuildEvents(),
                    startNanos / 1e9, fromStart.rebuildEvents(), speedUp, ideal));
            if (s.progress()) {
                System.err.println("[rewind] " + section.get("targets").get(0).get("note").asText());
            }
        } finally {
            BenchSupport.delete(dir);
        }
        return section;
    }

    private static void status(BenchScenarios.Settings s, String message) {
        if (s.progress()) {
            System.err.println("== " + message);
        }
    }
}
