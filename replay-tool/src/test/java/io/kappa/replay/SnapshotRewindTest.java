package io.kappa.replay;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

import io.kappa.log.Event;
import io.kappa.log.EventLog;
import io.kappa.log.LogContext;
import io.kappa.log.PartitionTailer;
import io.kappa.log.Topic;
import io.kappa.log.TopicConfig;
import io.kappa.processor.Groups;
import io.kappa.processor.ProcessorRunner;
import io.kappa.processor.RunnerContext;
import io.kappa.processor.Snapshots;
import io.kappa.processor.TaskCheckpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.*;

/** Rewinds that rebuild the state from a retained snapshot ({@link Snapshots}) instead of from the start of the inputs. */
class SnapshotRewindTest {
    private static final long BASE = 1_700_000_000_000L;
    private static final int PER_PARTITION = 3000;

    @TempDir
    Path dir;
    EventLog log;
    final List<String> progress = new ArrayList<>();

    @BeforeEach
    void open() {
        log = EventLog.open(new LogContext().dataDir(dir).pretouch(false));
    }

    @AfterEach
    void close() {
        log.close();
    }

    /** Two partitions of keyed events, event time 100 ms apart per partition. */
    private void append() {
        Topic in = log.createTopic("in", TopicConfig.partitions(2));
        Random random = new Random(7);
        for (int p = 0; p < 2; p++) {
            List<Event> batch = new ArrayList<>();
            for (int i = 0; i < PER_PARTITION; i++) {
                batch.add(new Event(("k" + random.nextInt(7)).getBytes(StandardCharsets.UTF_8),
                    ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8), BASE + i * 100L, null, p));
            }
            in.appendBatch(batch);
        }
    }

    private static Map<String, String> spec(String processor, String output) {
        Map<String, String> spec = new TreeMap<>(Map.of("processor", processor, "inputs", "in", "output", output, "from", "earliest"));
        spec.put("by", "key");
        if (processor.equals("window-count")) {
            spec.put("size", "2m");
        }
        return spec;
    }

    /** Runs a group as `kappa run` would (its spec in group.json), taking a snapshot every 400 records, to its end or stops. */
    private void run(String group, Map<String, String> spec, int keep, Map<String, long[]> stopAt) throws InterruptedException {
        RunnerContext context = new RunnerContext().group(group).spec(spec).batch(50).checkpointRecords(100).snapshotRecords(400)
            .snapshotsKept(keep).stopAt(stopAt);
        try (ProcessorRunner r = new ProcessorRunner(log, GroupSpecs.topology(log, group, spec), context)) {
            r.start();
            assertTrue(r.awaitCaughtUp(60_000));
        }
    }

    private RewindTool.Plan rewind(String group, long to, boolean dryRun) {
        return RewindTool.rewind(log, group, p -> to, Long.toString(to), 0, null, dryRun, progress::add);
    }

    private Map<String, TaskCheckpoint> checkpoints(String group) {
        Map<String, TaskCheckpoint> m = new TreeMap<>();
        Groups.checkpoints(dir, group).forEach(c -> m.put(c.stage() + "-" + c.task(), c));
        return m;
    }

    private long[] ends(String topic) {
        Topic t = log.topic(topic);
        long[] ends = new long[t.partitionCount()];
        for (int p = 0; p < ends.length; p++) {
            ends[p] = t.partition(p).endOffset();
        }
        return ends;
    }

    /** Per key, the values written to {@code topic} from {@code from} on. */
    private Map<String, List<String>> outputs(String topic, long[] from) {
        Map<String, List<String>> m = new TreeMap<>();
        Topic t = log.topic(topic);
        for (int p = 0; p < t.partitionCount(); p++) {
            try (PartitionTailer tailer = t.partition(p).newTailer()) {
                tailer.moveToOffset(from[p]);
                while (tailer.poll(v -> m.computeIfAbsent(v.keyString(), k -> new ArrayList<>()).add(v.valueString()), 1000) > 0) {
                    // drain
                }
            }
        }
        return m;
    }

    @ParameterizedTest
    @ValueSource(strings = {"count", "window-count"})
    void aRewindToTheMiddleRebuildsFromTheNearestSnapshotTheStateOfARunStoppedThere(String processor) throws Exception {
        append();
        run("g", spec(processor, "out"), 20, Map.of());
        List<Snapshots.Snapshot> snapshots = Snapshots.list(dir, "g", w -> fail(w));
        assertTrue(snapshots.size() >= 3, "snapshots taken: " + snapshots.size());
        long target = 1100;
        Snapshots.Snapshot nearest = null;
        for (Snapshots.Snapshot s : snapshots) {
            if (s.positions().stream().allMatch(p -> p.next() <= target)
                && (nearest == null || distance(s, target) < distance(nearest, target))) {
                nearest = s;
            }
        }
        assertNotNull(nearest, "a snapshot below " + target);
        assertTrue(distance(nearest, target) < 2 * target, "the nearest snapshot is past the start");

        // the reference: a group that reads the same input from the start and stops at the target
        run("stop", spec(processor, "ref"), 0, Map.of("in", new long[] {target, target}));

        RewindTool.Plan plan = rewind("g", target, false);
        assertNotNull(plan.snapshot(), plan.how());
        assertEquals(nearest.id(), plan.snapshot().id());
        assertEquals(distance(nearest, target), plan.rebuildEvents(), "the rebuild replays from the snapshot");
        assertTrue(plan.how().contains("snapshot " + nearest.id()), plan.how());
        Map<String, TaskCheckpoint> rewound = checkpoints("g");
        Map<String, TaskCheckpoint> stopped = checkpoints("stop");
        assertEquals(stopped.keySet(), rewound.keySet());
        for (String task : stopped.keySet()) {
            assertEquals(target, rewound.get(task).inputs().get(0).nextOffset());
            assertNull(rewound.get(task).stateDifference(stopped.get(task)), task + ": state as a run stopped at " + target);
        }

        // what each computes from there on is the same
        long[] outEnd = ends("out");
        long[] refEnd = ends("ref");
        run("g", spec(processor, "out"), 20, Map.of());
        run("stop", spec(processor, "ref"), 0, Map.of());
        Map<String, List<String>> after = outputs("out", outEnd);
        assertFalse(after.isEmpty());
        assertEquals(outputs("ref", refEnd), after);
    }

    private static long distance(Snapshots.Snapshot s, long target) {
        return s.positions().stream().mapToLong(p -> target - p.next()).sum();
    }

    @Test
    void retentionKeepsTheNewestSnapshots() throws Exception {
        append();
        run("g", spec("count", "out"), 3, Map.of());
        List<Snapshots.Snapshot> kept = Snapshots.list(dir, "g", w -> fail(w));
        assertEquals(3, kept.size());
        long newest = Long.parseLong(kept.get(0).id());
        assertTrue(newest > 3, "more were taken than kept: " + newest);
        assertEquals(List.of(newest, newest - 1, newest - 2), kept.stream().map(s -> Long.parseLong(s.id())).toList());
        assertTrue(kept.get(0).records() > kept.get(2).records());
        assertTrue(kept.get(0).bytes() > 0);
        try (Stream<Path> files = Files.list(Snapshots.dir(dir, "g"))) {
            assertEquals(3, files.count(), "no partial or removed snapshot is left");
        }
    }

    @Test
    void aDamagedSnapshotIsSkippedForTheNextOlderOne() throws Exception {
        append();
        run("g", spec("count", "out"), 20, Map.of());
        long target = 1100;
        RewindTool.Plan first = rewind("g", target, true);
        assertNotNull(first.snapshot());
        Path file;
        try (Stream<Path> files = Files.list(first.snapshot().dir())) {
            file = files.filter(f -> f.toString().endsWith(".ckpt")).findFirst().orElseThrow();
        }
        // a hard link shares its bytes with the checkpoint it was: damage a copy, as a disk would damage one file
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x5A;
        Files.delete(file);
        Files.write(file, bytes);

        run("stop", spec("count", "ref"), 0, Map.of("in", new long[] {target, target}));
        RewindTool.Plan plan = rewind("g", target, false);
        assertTrue(plan.warnings().stream().anyMatch(w -> w.contains("snapshot " + first.snapshot().id() + " is damaged")),
            plan.warnings().toString());
        assertTrue(plan.snapshot() == null || plan.snapshot().id().compareTo(first.snapshot().id()) < 0, "an older one, or the start");
        assertTrue(plan.rebuildEvents() > first.rebuildEvents());
        Map<String, TaskCheckpoint> stopped = checkpoints("stop");
        checkpoints("g").forEach((task, c) -> assertNull(c.stateDifference(stopped.get(task)), task));
    }

    @Test
    void aDryRunChangesNoSnapshot() throws Exception {
        append();
        run("g", spec("count", "out"), 20, Map.of());
        Map<String, byte[]> before = files(Groups.dir(dir, "g"));
        RewindTool.Plan plan = rewind("g", 1100, true);
        assertNotNull(plan.snapshot());
        Map<String, byte[]> after = files(Groups.dir(dir, "g"));
        assertEquals(before.keySet(), after.keySet());
        before.forEach((name, bytes) -> assertArrayEquals(bytes, after.get(name), name));
        assertFalse(Files.exists(Groups.dir(dir, "g.rewind")));
    }

    @Test
    void aSnapshotOfAnotherProcessorIsNotUsed() throws Exception {
        append();
        run("g", spec("window-count", "out"), 20, Map.of());
        Map<String, String> other = spec("window-count", "out");
        other.put("size", "3m");
        // the group's spec changes (kappa run --force with other options): its snapshots hold another processor's state
        try (ProcessorRunner r = new ProcessorRunner(log, GroupSpecs.topology(log, "g", other),
            new RunnerContext().group("g").spec(other).snapshotsKept(0))) {
            r.start();
            assertTrue(r.awaitCaughtUp(60_000));
        }
        RewindTool.Plan plan = rewind("g", 1100, true);
        assertNull(plan.snapshot(), plan.how());
        assertEquals(2 * 1100, plan.rebuildEvents());
        assertTrue(plan.warnings().stream().anyMatch(w -> w.contains("another processor")), plan.warnings().toString());
    }

    @Test
    void aGroupWithALaterStageTakesNoSnapshotAndIsRebuiltFromTheStart() throws Exception {
        append();
        Map<String, String> byField = spec("count", "out");
        byField.put("by", "n"); // a field: a repartition stage before the count
        run("g", byField, 20, Map.of());
        assertEquals(List.of(), Snapshots.list(dir, "g", w -> fail(w)));
        assertFalse(Files.exists(Snapshots.dir(dir, "g")));
        RewindTool.Plan plan = rewind("g", 1100, true);
        assertNull(plan.snapshot());
        assertEquals(2 * 1100, plan.rebuildEvents());
        assertTrue(plan.how().contains("snapshots are not used for a group with later stages"), plan.how());
    }

    private static Map<String, byte[]> files(Path root) throws IOException {
        Map<String, byte[]> m = new HashMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().equals("lock")).toList()) {
                m.put(root.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return m;
    }
}
