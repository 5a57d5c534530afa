package io.kappa.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A data directory of topics. Layout:
 * <pre>
 *   DATA_DIR/topics/NAME/topic.json      metadata ({@link TopicMetadata})
 *   DATA_DIR/topics/NAME/P/              partition P: a Chronicle Queue directory (segment files *.cq4)
 *   DATA_DIR/topics/NAME/.lock, holders/ who has the topic open, so it is not deleted under them ({@link TopicHolds})
 *   DATA_DIR/.staging/                   topics being created or deleted (renamed atomically in or out)
 * </pre>
 * Thread-safe; several processes may open the same data directory and append to the same partitions.
 */
public final class EventLog implements AutoCloseable {
    static final String TOPICS = "topics";
    static final String STAGING = ".staging";

    private final LogContext context;
    private final Path topicsDir;
    private final Path stagingDir;
    private final Map<String, Topic> open = new ConcurrentHashMap<>();
    private final Aliases aliases;
    private final ScheduledExecutorService syncer;
    private final ScheduledExecutorService pretoucher;
    private volatile boolean closed;

    private EventLog(LogContext context) {
        this.context = context.conclude();
        this.topicsDir = context.dataDir().resolve(TOPICS);
        this.stagingDir = context.dataDir().resolve(STAGING);
        this.aliases = new Aliases(context.dataDir());
        try {
            Files.createDirectories(topicsDir);
            Files.createDirectories(stagingDir);
        } catch (IOException e) {
            throw new LogException("cannot use data directory " + context.dataDir() + ": " + e, e);
        }
        if (context.fsyncPolicy() == FsyncPolicy.INTERVAL) {
            syncer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "kappa-fsync");
                t.setDaemon(true);
                return t;
            });
            syncer.scheduleWithFixedDelay(this::syncAll, context.fsyncIntervalMs(), context.fsyncIntervalMs(), TimeUnit.MILLISECONDS);
        } else {
            syncer = null;
        }
        if (context.pretouch()) {
            pretoucher = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "kappa-pretouch");
                t.setDaemon(true);
                return t;
            });
            pretoucher.scheduleWithFixedDelay(this::pretouchAll, 10, 10, TimeUnit.MILLISECONDS);
        } else {
            pretoucher = null;
        }
    }

    private void pretouchAll() {
        for (Topic t : open.values()) {
            try {
                t.pretouch();
            } catch (RuntimeException e) {
                // a topic closed under us; the next round sees the current set
            }
        }
    }

    public static EventLog open(LogContext context) {
        return new EventLog(context);
    }

    public static EventLog open(Path dataDir) {
        return new EventLog(new LogContext().dataDir(dataDir));
    }

    public LogContext context() {
        return context;
    }

    public Path dataDir() {
        return context.dataDir();
    }

    /** Creates a topic; fails if it exists. The topic appears whole or not at all. */
    public Topic createTopic(String name, TopicConfig config) {
        ensureOpen();
        TopicNames.validate(name);
        Path target = topicsDir.resolve(name);
        if (Files.exists(target)) {
            throw new LogException.TopicExists(name);
        }
        String aliasTarget = aliases.current().get(name);
        if (aliasTarget != null) {
            throw new LogException("'" + name + "' is an alias of topic '" + aliasTarget + "' (kappa promote): a topic of that name "
                + "could not be read or written by its name");
        }
        Path staging = stagingDir.resolve("create-" + name + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try {
            Files.createDirectory(staging);
            for (int p = 0; p < config.partitions(); p++) {
                Files.createDirectory(staging.resolve(Integer.toString(p)));
            }
            TopicMetadata.create(name, config, context.clock().time()).write(staging);
            try {
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
                throw new LogException.TopicExists(name);
            }
        } catch (IOException e) {
            throw new LogException("cannot create topic '" + name + "' in " + topicsDir + ": " + e, e);
        } finally {
            deleteRecursively(staging);
        }
        return topic(name);
    }

    /** Opens an existing topic. */
    public Topic topic(String name) {
        ensureOpen();
        TopicNames.validate(name);
        Topic t = open.get(name);
        if (t != null) {
            return t;
        }
        synchronized (open) {
            t = open.get(name);
            if (t == null) {
                Path dir = topicsDir.resolve(name);
                if (!Files.isDirectory(dir)) {
                    throw new LogException.UnknownTopic(name);
                }
                TopicHolds.Hold hold = TopicHolds.acquire(dir, name, context.holder());
                try {
                    t = new Topic(TopicMetadata.read(dir, name), dir, context, hold);
                } catch (RuntimeException e) {
                    hold.release();
                    throw e;
                }
                open.put(name, t);
            }
            return t;
        }
    }

    /**
     * The topic a name means now: the topic an alias points at (see {@link #alias}), else the topic of that name.
     * Every reader and writer that takes a topic name from a user opens it here, so a promoted name means one topic
     * everywhere; {@link #topic} opens a physical topic (processors keep the topics their checkpoints belong to).
     * Looks at the alias file on every call: another process may promote.
     */
    public Topic resolveTopic(String name) {
        return topic(resolve(name));
    }

    /** The physical topic {@code name} means now: its alias target, else the name itself. */
    public String resolve(String name) {
        TopicNames.validate(name);
        return aliases.current().getOrDefault(name, name);
    }

    /** Every alias: logical name -> physical topic, sorted by name. */
    public Map<String, String> aliases() {
        return aliases.current();
    }

    /** The aliases that point at the physical topic {@code topic}, sorted. */
    public List<String> aliasesOf(String topic) {
        List<String> names = new ArrayList<>();
        aliases.current().forEach((name, target) -> {
            if (target.equals(topic)) {
                names.add(name);
            }
        });
        return names;
    }

    /** Points {@code name} at the existing topic {@code target}, for readers and writers alike. */
    public synchronized void alias(String name, String target) {
        ensureOpen();
        TopicNames.validate(name);
        if (!exists(target)) {
            throw new LogException.UnknownTopic(target);
        }
        Map<String, String> m = new java.util.TreeMap<>(aliases.current());
        m.put(name, target);
        aliases.write(m);
    }

    public boolean exists(String name) {
        TopicNames.validate(name);
        return Files.isDirectory(topicsDir.resolve(name));
    }

    /** Names of all topics, sorted. */
    public List<String> topicNames() {
        ensureOpen();
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(topicsDir)) {
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

    /**
     * Deletes a physical topic and its data; refused while an alias points at it, and while any process (another
     * {@link EventLog} in this one included) has it open: {@link LogException.TopicInUse} names them. This log's own
     * copy of the topic is closed first.
     */
    public void deleteTopic(String name) {
        deleteTopic(name, false);
    }

    /** As {@link #deleteTopic(String)}; with {@code dropAliases}, the aliases that point at the topic are removed first. */
    public void deleteTopic(String name, boolean dropAliases) {
        ensureOpen();
        TopicNames.validate(name);
        Path dir = topicsDir.resolve(name);
        if (!Files.isDirectory(dir)) {
            throw new LogException.UnknownTopic(name);
        }
        synchronized (open) {
            Topic t = open.remove(name);
            if (t != null) {
                t.close();
            }
        }
        Path trash = stagingDir.resolve("delete-" + name + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        TopicHolds.exclusively(dir, name, () -> {
            synchronized (this) {
                List<String> pointing = aliasesOf(name);
                if (!pointing.isEmpty()) {
                    if (!dropAliases) {
                        throw new LogException.TopicAliased(name, pointing);
                    }
                    Map<String, String> m = new java.util.TreeMap<>(aliases.current());
                    pointing.forEach(m::remove);
                    aliases.write(m);
                }
            }
            Files.move(dir, trash, StandardCopyOption.ATOMIC_MOVE);
        });
        deleteRecursively(trash);
    }

    /** Applies every open topic's retention now. */
    public int enforceRetention() {
        int removed = 0;
        for (String name : topicNames()) {
            removed += topic(name).enforceRetention();
        }
        return removed;
    }

    private void syncAll() {
        for (Topic t : open.values()) {
            try {
                t.syncIfNeeded();
            } catch (RuntimeException e) {
                // A topic closed or deleted under us; the next round sees the current set.
            }
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new LogException("the event log at " + context.dataDir() + " is closed");
        }
    }

    private static void deleteRecursively(Path dir) {
        try {
            Dirs.deleteRecursively(dir);
        } catch (IOException e) {
            throw new LogException("cannot remove " + dir + ": " + e, e);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (pretoucher != null) {
            pretoucher.shutdownNow();
            try {
                pretoucher.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (syncer != null) {
            syncer.shutdownNow();
            try {
                syncer.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (open) {
            for (Topic t : open.values()) {
                t.close();
            }
            open.clear();
        }
    }
}
