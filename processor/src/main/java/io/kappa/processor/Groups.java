package io.kappa.processor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.log.LogException;
import io.kappa.log.TopicNames;

/**
 * Where groups live: {@code DATA_DIR/groups/GROUP/} holds {@code group.json} (what the group runs), one
 * checkpoint per task ({@code STAGE-TASK.ckpt}, see {@link TaskCheckpoint}) and a {@code lock} file. The lock is
 * an OS file lock held while a runner is up: the kernel drops it when the process dies, even by kill -9, so a
 * crash never leaves a group stuck.
 */
public final class Groups {
    // Locks this JVM holds, by lock file. Linux drops a process's file lock when ANY channel of that process on the
    // file is closed, so a lock held here must never be probed by opening and closing another channel.
    private static final java.util.Set<Path> HELD = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private Groups() {
    }

    public static String validateName(String group) {
        try {
            return TopicNames.validate(group);
        } catch (LogException.InvalidTopicName e) {
            throw new IllegalArgumentException(e.getMessage().replace("topic name", "group name"));
        }
    }

    public static Path dir(Path dataDir, String group) {
        return dataDir.resolve("groups").resolve(validateName(group));
    }

    /** The checkpoint file of a task. */
    public static Path checkpointPath(Path dataDir, String group, String stage, int task) {
        return checkpointFile(dir(dataDir, group), stage, task);
    }

    /** The producer id a task of a group stamps on its outputs. */
    public static long producerId(String group, String stage, int task) {
        return Task.producerId(group, stage, task);
    }

    /**
     * The producer ids of the tasks of the stages before {@code reader} in {@code stages} that write {@code topic} (a
     * stage has a task per partition of its widest input), or null when no such stage does (the topic comes from
     * outside): the watermark sources of a task reading {@code topic}, on every runtime.
     */
    public static long[] upstreamProducers(String group, List<Stage<?, ?, ?, ?>> stages, Stage<?, ?, ?, ?> reader, String topic,
                                           TopicCatalog topics) {
        List<Long> ids = new ArrayList<>();
        for (Stage<?, ?, ?, ?> stage : stages) {
            if (stage == reader) {
                break;
            }
            if (topic.equals(stage.output())) {
                int partitions = 0;
                for (String in : stage.inputs()) {
                    partitions = Math.max(partitions, topics.partitionCount(in));
                }
                for (int t = 0; t < partitions; t++) {
                    ids.add(producerId(group, stage.name(), t));
                }
            }
        }
        return ids.isEmpty() ? null : ids.stream().mapToLong(Long::longValue).toArray();
    }

    /**
     * The last sequence a task wrote to output {@code partition} after its checkpoint {@code c}, which recorded
     * {@code o} for that partition: the end of the contiguous run of the task's sequences from
     * {@code o.nextSequence()} at or after {@code from}, or {@code o.nextSequence() - 1}. Records under the task's
     * id that do not continue the run are ignored (see {@code docs/architecture.md}, exactly-once).
     */
    public static long lastWrittenSequence(io.kappa.log.Partition partition, long from, String group, TaskCheckpoint c,
                                           TaskCheckpoint.Output o) {
        long legacy = c.legacyProducerIds() ? Task.legacyProducerId(group, c.stage(), c.task()) : io.kappa.log.RecordDescriptor.NO_PRODUCER;
        return OutputRun.endOfRun(partition, from, producerId(group, c.stage(), c.task()), legacy, o.nextSequence(),
            o.topic() + "/" + o.partition());
    }

    static Path checkpointFile(Path groupDir, String stage, int task) {
        return groupDir.resolve(stage + "-" + task + ".ckpt");
    }

    public static boolean exists(Path dataDir, String group) {
        return Files.isDirectory(dir(dataDir, group));
    }

    /** Group names, sorted. */
    public static List<String> list(Path dataDir) {
        Path root = dataDir.resolve("groups");
        List<String> names = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return names;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path p : ds) {
                if (Files.isDirectory(p)) {
                    names.add(p.getFileName().toString());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Collections.sort(names);
        return names;
    }

    /** Every task checkpoint of a group, by stage then task. */
    public static List<TaskCheckpoint> checkpoints(Path dataDir, String group) {
        Path dir = dir(dataDir, group);
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.ckpt")) {
            ds.forEach(files::add);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<TaskCheckpoint> out = new ArrayList<>();
        for (Path f : files) {
            TaskCheckpoint c = TaskCheckpoint.read(f);
            if (c != null) {
                out.add(c);
            }
        }
        out.sort((a, b) -> a.stage().equals(b.stage()) ? Integer.compare(a.task(), b.task()) : a.stage().compareTo(b.stage()));
        return out;
    }

    /**
     * When the group was drained (the latest checkpoint of a drained task, wall clock), or Long.MIN_VALUE when none
     * of these checkpoints is drained (see {@link TaskCheckpoint#drained()}).
     */
    public static long drainedAt(List<TaskCheckpoint> checkpoints) {
        long at = Long.MIN_VALUE;
        for (TaskCheckpoint c : checkpoints) {
            if (c.drained()) {
                at = Math.max(at, c.wallTimeMs());
            }
        }
        return at;
    }

    /** The group's metadata ({@code group.json}), or null if the group never ran. */
    public static JsonNode info(Path dataDir, String group) {
        Path f = dir(dataDir, group).resolve("group.json");
        try {
            return Serdes.MAPPER.readTree(Files.readAllBytes(f));
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new IllegalStateException("group '" + group + "': cannot read " + f + ": " + e.getMessage(), e);
        }
    }

    static void writeInfo(Path groupDir, ObjectNode info) {
        Path tmp = groupDir.resolve("group.json.tmp");
        try {
            Files.write(tmp, Serdes.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(info));
            try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                c.force(true);
            }
            Files.move(tmp, groupDir.resolve("group.json"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + groupDir.resolve("group.json") + ": " + e.getMessage(), e);
        }
    }

    /** Whether a runner (in any process) holds the group's lock now. */
    public static boolean isRunning(Path dataDir, String group) {
        Path lockFile = dir(dataDir, group).resolve("lock");
        if (HELD.contains(lockFile.toAbsolutePath().normalize())) {
            return true;
        }
        if (!Files.exists(lockFile)) {
            return false;
        }
        try (FileChannel c = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
            FileLock l = c.tryLock();
            if (l == null) {
                return true;
            }
            l.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Takes the group's lock or fails with a message saying the group is running. */
    public static GroupLock lock(Path dataDir, String group) {
        Path dir = dir(dataDir, group);
        Path lockFile = dir.resolve("lock").toAbsolutePath().normalize();
        if (!HELD.add(lockFile)) {
            throw busy(group, lockFile);
        }
        try {
            Files.createDirectories(dir);
            FileChannel c = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = c.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null;
            }
            if (l == null) {
                c.close();
                throw busy(group, lockFile);
            }
            return new GroupLock(dir, lockFile, c, l);
        } catch (IOException e) {
            HELD.remove(lockFile);
            throw new UncheckedIOException("cannot lock group '" + group + "' in " + dir + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            HELD.remove(lockFile);
            throw e;
        }
    }

    private static GroupBusyException busy(String group, Path lockFile) {
        return new GroupBusyException("group '" + group + "' is already running (another `kappa run` holds " + lockFile
            + "); stop it first");
    }

    /** Held while a runner (or a tool that changes checkpoints) works on a group. */
    public static final class GroupLock implements AutoCloseable {
        private final Path dir;
        private final Path file;
        private final FileChannel channel;
        private final FileLock lock;
        private boolean released;

        GroupLock(Path dir, Path file, FileChannel channel, FileLock lock) {
            this.dir = dir;
            this.file = file;
            this.channel = channel;
            this.lock = lock;
        }

        public Path dir() {
            return dir;
        }

        @Override
        public synchronized void close() {
            if (released) {
                return;
            }
            released = true;
            try {
                lock.release();
                channel.close();
            } catch (IOException e) {
                // the process is going away or the lock is already gone with the channel
            } finally {
                HELD.remove(file);
            }
        }
    }

    /** A run of a group whose windows a bounded run closed for good ({@code --drain}); a rewind opens it again. */
    public static final class GroupDrainedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        GroupDrainedException(String group, long drainedAt) {
            super("group " + group + " was drained at " + java.time.Instant.ofEpochMilli(drainedAt) + ": its windows are closed "
                + "(its watermark is at the end of time, so every new record would be late); rewind it (kappa rewind --group "
                + group + " --to earliest, or another position) to process again");
        }
    }

    /** A second runner for a group that is running. */
    public static final class GroupBusyException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public GroupBusyException(String message) {
            super(message);
        }
    }
}
