package io.kappa.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Who has a topic open, across processes, so that a topic is never deleted under a process that writes or reads it.
 * Layout, inside the topic's directory:
 * <pre>
 *   T/.lock            every process with T open holds a shared lock on it; deletion takes it exclusively.
 *                      A deleter writes "deleted" into it before releasing, so a process that opened the file
 *                      just before the directory moved away sees that and does not use the old directory.
 *   T/holders/PID      what that process is ("PID START_MS" on the first line, then one description a line),
 *                      only to name holders in a refusal; stale files are recognised by pid and start time.
 * </pre>
 * The locks are fcntl locks: the kernel drops them when a process dies, so a crash never blocks deletion. They
 * belong to the process, not to a channel, so the holds within one JVM (several {@link EventLog}s on one data
 * directory, as in tests) are counted here and share one OS lock; a deletion in the same JVM checks that count.
 */
final class TopicHolds {
    static final String LOCK = ".lock";
    static final String HOLDERS = "holders";
    private static final byte[] DELETED = "deleted\n".getBytes(StandardCharsets.US_ASCII);
    private static final long PID = ProcessHandle.current().pid();

    /** The topics this JVM holds, by real directory path; guarded by itself. */
    private static final Map<Path, Held> HELD = new HashMap<>();

    private TopicHolds() {
    }

    /** This JVM's hold on one topic directory: one OS shared lock, and who in this JVM holds it. */
    private static final class Held {
        final FileChannel channel;
        final Path dir;
        final Map<String, Integer> holders = new TreeMap<>();

        Held(FileChannel channel, Path dir) {
            this.channel = channel;
            this.dir = dir;
        }
    }

    /** One holder's hold; {@link #release} is idempotent. */
    static final class Hold {
        private final Path key;
        private final String holder;
        private boolean released;

        private Hold(Path key, String holder) {
            this.key = key;
            this.holder = holder;
        }

        void release() {
            synchronized (HELD) {
                if (released) {
                    return;
                }
                released = true;
                Held h = HELD.get(key);
                if (h == null) {
                    return;
                }
                if (h.holders.merge(holder, -1, Integer::sum) <= 0) {
                    h.holders.remove(holder);
                }
                if (h.holders.isEmpty()) {
                    HELD.remove(key);
                    try {
                        Files.deleteIfExists(holderFile(h.dir));
                    } catch (IOException e) {
                        // only a name; a stale one is recognised as such
                    }
                    closeQuietly(h.channel);
                } else {
                    writeHolderFile(h);
                }
            }
        }
    }

    /**
     * Holds the topic in {@code dir} for {@code holder} (a description such as "kappa serve") until the hold is
     * released. Waits while a deletion is under way; throws {@link LogException.UnknownTopic} when the topic is not
     * there (or was deleted meanwhile).
     */
    static Hold acquire(Path dir, String name, String holder) {
        synchronized (HELD) {
            Path key = key(dir, name);
            Held h = HELD.get(key);
            if (h == null) {
                h = new Held(lockShared(dir, name), dir);
                HELD.put(key, h);
            }
            if (h.holders.merge(holder, 1, Integer::sum) == 1) {
                writeHolderFile(h);
            }
            return new Hold(key, holder);
        }
    }

    /** An action on a topic's directory that is run while nobody holds the topic. */
    interface Removal {
        void run() throws IOException;
    }

    /**
     * Runs {@code removal} (which moves the topic's directory away) while the topic's lock is held exclusively, and
     * marks the lock file deleted after it; refuses with {@link LogException.TopicInUse} naming the holders if any
     * process, this one included, has the topic open.
     */
    static void exclusively(Path dir, String name, Removal removal) {
        synchronized (HELD) {
            Path key = key(dir, name);
            Held mine = HELD.get(key);
            if (mine != null) {
                List<String> holders = new ArrayList<>();
                mine.holders.keySet().forEach(d -> holders.add(d + " (pid " + PID + ", this process)"));
                throw new LogException.TopicInUse(name, holders);
            }
            FileChannel channel = open(dir, name);
            try {
                FileLock lock = channel.tryLock(0, Long.MAX_VALUE, false);
                if (lock == null) {
                    throw new LogException.TopicInUse(name, otherHolders(dir));
                }
                if (deleted(channel)) {
                    throw new LogException.UnknownTopic(name);
                }
                removal.run();
                channel.write(ByteBuffer.wrap(DELETED), 0);
            } catch (IOException e) {
                throw new LogException("cannot delete topic '" + name + "': " + e, e);
            } finally {
                closeQuietly(channel); // releases the lock
            }
        }
    }

    private static Path key(Path dir, String name) {
        try {
            return dir.toRealPath();
        } catch (NoSuchFileException e) {
            throw new LogException.UnknownTopic(name);
        } catch (IOException e) {
            throw new LogException("cannot open topic '" + name + "' in " + dir + ": " + e, e);
        }
    }

    private static FileChannel open(Path dir, String name) {
        try {
            return FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (NoSuchFileException e) {
            throw new LogException.UnknownTopic(name);
        } catch (IOException e) {
            throw new LogException("cannot open the lock of topic '" + name + "' in " + dir + ": " + e, e);
        }
    }

    /** A shared lock on a lock file that is not marked deleted: the topic now at {@code dir}, held. */
    private static FileChannel lockShared(Path dir, String name) {
        for (int attempt = 0; attempt < 100; attempt++) {
            FileChannel channel = open(dir, name);
            try {
                channel.lock(0, Long.MAX_VALUE, true); // waits while a deleter holds it
                if (!deleted(channel)) {
                    return channel;
                }
            } catch (IOException e) {
                closeQuietly(channel);
                throw new LogException("cannot lock topic '" + name + "' in " + dir + ": " + e, e);
            }
            closeQuietly(channel); // the directory we opened was deleted; look again at what the name means now
        }
        throw new LogException("topic '" + name + "' is deleted and created again faster than it can be opened");
    }

    private static boolean deleted(FileChannel channel) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(DELETED.length);
        while (b.hasRemaining() && channel.read(b, b.position()) > 0) {
            // read on
        }
        return b.position() > 0 && b.get(0) == DELETED[0];
    }

    private static Path holderFile(Path dir) {
        return dir.resolve(HOLDERS).resolve(Long.toString(PID));
    }

    private static void writeHolderFile(Held h) {
        StringBuilder s = new StringBuilder().append(PID).append(' ').append(startMillis(ProcessHandle.current())).append('\n');
        h.holders.keySet().forEach(d -> s.append(d.replace('\n', ' ')).append('\n'));
        Path file = holderFile(h.dir);
        Path tmp = file.resolveSibling(PID + ".tmp");
        try {
            Files.createDirectories(file.getParent());
            Files.write(tmp, s.toString().getBytes(StandardCharsets.UTF_8));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            // only a name: a refusal then says "another process"
        }
    }

    /** The live holders that other processes named in {@code dir/holders}, as "DESCRIPTION (pid N)". */
    private static List<String> otherHolders(Path dir) {
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir.resolve(HOLDERS))) {
            for (Path f : ds) {
                List<String> lines;
                long pid;
                try {
                    pid = Long.parseLong(f.getFileName().toString());
                    lines = Files.readAllLines(f, StandardCharsets.UTF_8);
                } catch (NumberFormatException | IOException e) {
                    continue; // a temporary file, or one removed meanwhile
                }
                if (pid == PID || !alive(pid, lines)) {
                    continue;
                }
                for (String d : lines.subList(Math.min(1, lines.size()), lines.size())) {
                    out.add(d + " (pid " + pid + ")");
                }
            }
        } catch (IOException e) {
            // no names to give
        }
        return out;
    }

    /** Whether the process that wrote a holder file runs still (the same process: a reused pid starts later). */
    private static boolean alive(long pid, List<String> lines) {
        Optional<ProcessHandle> p = ProcessHandle.of(pid);
        if (p.isEmpty() || !p.get().isAlive()) {
            return false;
        }
        String[] first = lines.isEmpty() ? new String[0] : lines.get(0).split(" ");
        long written = first.length > 1 ? parseOr(first[1], -1) : -1;
        long now = startMillis(p.get());
        return written < 0 || now < 0 || Math.abs(written - now) < 1_000;
    }

    private static long startMillis(ProcessHandle p) {
        return p.info().startInstant().map(Instant::toEpochMilli).orElse(-1L);
    }

    private static long parseOr(String s, long otherwise) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // closing releases the lock either way
        }
    }
}
