package io.kappa.processor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.log.Dirs;

/**
 * A group's retained snapshots: copies of its task checkpoints taken together while it runs, kept so that a rewind
 * rebuilds its state from the nearest one instead of from the start of the inputs.
 *
 * <pre>
 *   groups/G/snapshots/
 *     00000007/                 one snapshot; ids count up, the highest is the newest
 *       STAGE-TASK.ckpt         a hard link to the task checkpoint current when it was taken (TaskCheckpoint format)
 *       manifest.json           id, timeMs, records, bytes, spec (the group's), positions [{stage, topic, partition, next}]
 *     00000008.tmp/             being written: never listed; removed by the next snapshot
 * </pre>
 *
 * A checkpoint is replaced by a rename, so a hard link keeps the complete file it named, never a half-written one;
 * the snapshot is complete once its directory has been renamed from {@code .tmp}. Every file keeps its CRC: a
 * damaged snapshot is found by {@link #load} like a damaged checkpoint.
 */
public final class Snapshots {
    private static final String TMP = ".tmp";

    /** One input partition's next offset in a snapshot. */
    public record Position(String stage, String topic, int partition, long next) {
    }

    /**
     * What {@code manifest.json} says: when the snapshot was taken, the records its tasks had processed in total, its
     * bytes on disk, the group's spec then, and where each task stood in each input.
     */
    public record Snapshot(String id, Path dir, long timeMs, long records, long bytes, Map<String, String> spec,
                           List<Position> positions) {
        /** The next offset of {@code stage}'s task for {@code topic}/{@code partition}, or -1 when it has none. */
        public long next(String stage, String topic, int partition) {
            for (Position p : positions) {
                if (p.stage().equals(stage) && p.topic().equals(topic) && p.partition() == partition) {
                    return p.next();
                }
            }
            return -1;
        }
    }

    private Snapshots() {
    }

    public static Path dir(Path dataDir, String group) {
        return Groups.dir(dataDir, group).resolve("snapshots");
    }

    /** The group's complete snapshots, newest first; an unreadable manifest is skipped (reported by {@code warn}). */
    public static List<Snapshot> list(Path dataDir, String group, java.util.function.Consumer<String> warn) {
        return list(dir(dataDir, group), warn);
    }

    static List<Snapshot> list(Path root, java.util.function.Consumer<String> warn) {
        List<Snapshot> out = new ArrayList<>();
        for (Path d : ids(root)) {
            Path manifest = d.resolve("manifest.json");
            try {
                out.add(manifest(d, Serdes.MAPPER.readTree(Files.readAllBytes(manifest))));
            } catch (IOException | RuntimeException e) {
                warn.accept("snapshot " + d + " has no readable manifest (" + e.getMessage() + "): skipped");
            }
        }
        out.sort((a, b) -> b.id().compareTo(a.id()));
        return out;
    }

    private static Snapshot manifest(Path dir, JsonNode m) {
        Map<String, String> spec = new TreeMap<>();
        m.path("spec").properties().forEach(e -> spec.put(e.getKey(), e.getValue().asText()));
        List<Position> positions = new ArrayList<>();
        for (JsonNode p : m.path("positions")) {
            positions.add(new Position(p.path("stage").asText(), p.path("topic").asText(), p.path("partition").asInt(),
                p.path("next").asLong()));
        }
        if (!m.has("id") || positions.isEmpty()) {
            throw new IllegalArgumentException("no id or no positions");
        }
        return new Snapshot(m.path("id").asText(), dir, m.path("timeMs").asLong(), m.path("records").asLong(), m.path("bytes").asLong(),
            spec, positions);
    }

    /** The directories of complete snapshots (not {@code .tmp}), in no particular order. */
    private static List<Path> ids(Path root) {
        List<Path> dirs = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path p : ds) {
                if (Files.isDirectory(p) && !p.getFileName().toString().endsWith(TMP)) {
                    dirs.add(p);
                }
            }
        } catch (NoSuchFileException e) {
            return dirs;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root + ": " + e.getMessage(), e);
        }
        return dirs;
    }

    /**
     * Reads every task checkpoint of a snapshot, each checked as a checkpoint is (magic, version, length, CRC), and
     * checks that they hold the positions the manifest lists; a damaged snapshot is a {@link CheckpointException}.
     */
    public static List<TaskCheckpoint> load(Snapshot s) {
        List<TaskCheckpoint> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(s.dir(), "*.ckpt")) {
            for (Path f : ds) {
                out.add(TaskCheckpoint.read(f));
            }
        } catch (IOException e) {
            throw new CheckpointException("snapshot " + s.dir() + " cannot be read: " + e.getMessage());
        }
        int positions = 0;
        for (TaskCheckpoint c : out) {
            for (TaskCheckpoint.Input in : c.inputs()) {
                positions++;
                if (s.next(c.stage(), in.topic(), in.partition()) != in.nextOffset()) {
                    throw new CheckpointException("snapshot " + s.dir() + ": " + c.stage() + "-" + c.task() + " is at " + in.topic() + "/"
                        + in.partition() + " offset " + in.nextOffset() + ", its manifest says " + s.next(c.stage(), in.topic(),
                        in.partition()));
                }
            }
        }
        if (positions != s.positions().size()) {
            throw new CheckpointException("snapshot " + s.dir() + " holds " + positions + " input positions, its manifest lists "
                + s.positions().size() + " (a checkpoint file is missing)");
        }
        return out;
    }

    /**
     * Takes a snapshot of the checkpoints now in {@code groupDir} (hard links, or copies where the file system has
     * none), writes its manifest, makes it durable and complete, then removes the oldest beyond {@code keep}.
     * Returns it, or null when the group has no checkpoint or one is drained (its state fits no other position).
     */
    static Snapshot take(Path groupDir, Map<String, String> spec, long nowMs, int keep) throws IOException {
        Path root = groupDir.resolve("snapshots");
        Files.createDirectories(root);
        long last = 0;
        for (Path d : ids(root)) {
            try {
                last = Math.max(last, Long.parseLong(d.getFileName().toString()));
            } catch (NumberFormatException e) {
                // not ours
            }
        }
        String id = String.format("%08d", last + 1);
        Path tmp = root.resolve(id + TMP);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, "*" + TMP)) {
            for (Path stale : ds) {
                Dirs.deleteRecursively(stale); // left by a crash in the middle of a snapshot
            }
        }
        Files.createDirectories(tmp);
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(groupDir, "*.ckpt")) {
            ds.forEach(files::add);
        }
        ObjectNode m = Serdes.MAPPER.createObjectNode();
        ArrayNode positions = Serdes.MAPPER.createArrayNode();
        long records = 0;
        long bytes = 0;
        for (Path f : files) {
            Path link = tmp.resolve(f.getFileName());
            try {
                Files.createLink(link, f);
            } catch (UnsupportedOperationException | IOException e) {
                Files.copy(f, link, StandardCopyOption.REPLACE_EXISTING);
            }
            TaskCheckpoint c = TaskCheckpoint.read(link);
            if (c == null || c.drained()) {
                Dirs.deleteRecursively(tmp);
                return null;
            }
            records += c.records();
            bytes += c.fileBytes();
            for (TaskCheckpoint.Input in : c.inputs()) {
                ObjectNode p = positions.addObject();
                p.put("stage", c.stage());
                p.put("topic", in.topic());
                p.put("partition", in.partition());
                p.put("next", in.nextOffset());
            }
        }
        if (positions.isEmpty()) {
            Dirs.deleteRecursively(tmp);
            return null;
        }
        m.put("id", id);
        m.put("time", Instant.ofEpochMilli(nowMs).toString());
        m.put("timeMs", nowMs);
        m.put("records", records);
        m.put("bytes", bytes);
        ObjectNode specNode = m.putObject("spec");
        new TreeMap<>(spec).forEach(specNode::put);
        m.set("positions", positions);
        Dirs.writeAtomically(tmp.resolve("manifest.json"), Serdes.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
        TaskCheckpointFile.syncDirectory(tmp);
        Path done = root.resolve(id);
        Files.move(tmp, done, StandardCopyOption.ATOMIC_MOVE);
        TaskCheckpointFile.syncDirectory(root);
        prune(root, keep);
        return manifest(done, m);
    }

    /** A snapshot as {@code kappa status --snapshots --json} and {@code kappa rewind --json} show it. */
    public static ObjectNode json(Snapshot s) {
        ObjectNode n = Serdes.MAPPER.createObjectNode();
        n.put("id", s.id());
        n.put("time", Instant.ofEpochMilli(s.timeMs()).toString());
        n.put("records", s.records());
        n.put("bytes", s.bytes());
        ArrayNode ps = n.putArray("positions");
        for (Position p : s.positions()) {
            ps.addObject().put("stage", p.stage()).put("topic", p.topic()).put("partition", p.partition()).put("next", p.next());
        }
        return n;
    }

    /** Removes the oldest complete snapshots (lowest ids) beyond the newest {@code keep}. */
    static void prune(Path root, int keep) throws IOException {
        List<Path> dirs = ids(root);
        dirs.sort((a, b) -> b.getFileName().toString().compareTo(a.getFileName().toString()));
        for (int i = keep; i < dirs.size(); i++) {
            Dirs.deleteRecursively(dirs.get(i));
        }
    }
}
