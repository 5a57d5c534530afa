package io.kappa.log;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A named set of partitions. Thread-safe. Holds the topic against deletion (see {@link TopicHolds}) until closed. */
public final class Topic implements AutoCloseable {
    private final TopicMetadata metadata;
    private final Path dir;
    private final Partition[] partitions;
    private final Partitioner partitioner = new Partitioner();
    private final LogContext context;
    private final TopicHolds.Hold hold;

    Topic(TopicMetadata metadata, Path dir, LogContext context, TopicHolds.Hold hold) {
        this.metadata = metadata;
        this.dir = dir;
        this.context = context;
        this.hold = hold;
        this.partitions = new Partition[metadata.partitions()];
        try {
            openPartitions();
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /**
     * Opens the partitions side by side, on as many threads as there are cores (this one included): opening a partition
     * is a few milliseconds of CPU each (Chronicle's metadata table store, its directory listing, the last segment), a
     * large share of a short command's start-up and of a server's with many partitions. The first failure is thrown.
     */
    private void openPartitions() {
        int threads = Math.min(partitions.length, Runtime.getRuntime().availableProcessors());
        if (threads <= 1) {
            for (int p = 0; p < partitions.length; p++) {
                partitions[p] = openPartition(p);
            }
            return;
        }
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Runnable opener = () -> {
            for (int p = next.getAndIncrement(); p < partitions.length && failure.get() == null; p = next.getAndIncrement()) {
                try {
                    partitions[p] = openPartition(p);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }
        };
        Thread[] helpers = new Thread[threads - 1];
        for (int i = 0; i < helpers.length; i++) {
            helpers[i] = new Thread(opener, "kappa-open-" + metadata.name());
            helpers[i].setDaemon(true);
            helpers[i].start();
        }
        opener.run();
        boolean interrupted = false;
        for (Thread helper : helpers) {
            while (true) {
                try {
                    helper.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Throwable e = failure.get();
        if (e instanceof RuntimeException r) {
            throw r;
        }
        if (e instanceof Error err) {
            throw err;
        }
        if (e != null) {
            throw new IllegalStateException(e);
        }
    }

    private Partition openPartition(int p) {
        Path pdir = dir.resolve(Integer.toString(p));
        if (!Files.isDirectory(pdir)) {
            throw new LogException.CorruptMetadata("topic '" + metadata.name() + "': metadata says " + partitions.length
                + " partitions but the directory of partition " + p + " (" + pdir + ") is missing");
        }
        return new Partition(metadata, p, pdir, context);
    }

    public String name() {
        return metadata.name();
    }

    public TopicMetadata metadata() {
        return metadata;
    }

    public int partitionCount() {
        return partitions.length;
    }

    public Path dir() {
        return dir;
    }

    public Partition partition(int partition) {
        if (partition < 0 || partition >= partitions.length) {
            throw new LogException.UnknownPartition(name(), partition, partitions.length);
        }
        return partitions[partition];
    }

    /** The partition a record with this key goes to when none is given (murmur2 for keys, round-robin without). */
    public int partitionFor(byte[] key) {
        return partitioner.partition(key, partitions.length);
    }

    /** Appends to the event's partition, or the one its key chooses when it names none. */
    /** The partition for a key held in a buffer (negative length: no key), as {@link #partitionFor(byte[])}. */
    public int partitionFor(org.agrona.DirectBuffer buffer, int offset, int length) {
        return partitioner.partition(buffer, offset, length, partitions.length);
    }

    public Appended append(Event event) {
        int p = event.partition() == Event.ANY_PARTITION ? partitionFor(event.key()) : partition(event.partition()).id();
        return new Appended(p, partitions[p].append(event));
    }

    public Appended append(int partition, Event event) {
        return new Appended(partition, partition(partition).append(event));
    }

    /**
     * Appends events, each to its partition or the one its key chooses; results come back in input order.
     * Every event is checked (size, partition) before anything is written.
     */
    public List<Appended> appendBatch(List<Event> events) {
        return appendBatch(events, RecordDescriptor.NO_PRODUCER, null);
    }

    /**
     * As {@link #appendBatch(List)}, with an idempotent producer's id: event i is stamped with sequence
     * {@code firstSequence + i}.
     */
    public List<Appended> appendBatch(List<Event> events, long producerId, long firstSequence) {
        long[] sequences = new long[events.size()];
        for (int i = 0; i < sequences.length; i++) {
            sequences[i] = firstSequence + i;
        }
        return appendBatch(events, producerId, sequences);
    }

    /** As {@link #appendBatch(List)}, stamping event i with the producer id and {@code sequences[i]}. */
    public List<Appended> appendBatch(List<Event> events, long producerId, long[] sequences) {
        int[] chosen = new int[events.size()];
        int[] counts = new int[partitions.length];
        for (int i = 0; i < chosen.length; i++) {
            Event e = events.get(i);
            if (e.payloadLength() > context.maxRecordBytes()) {
                throw new LogException.RecordTooLarge("topic '" + name() + "' (event " + i + " of the batch)", e.payloadLength(), context.maxRecordBytes());
            }
            chosen[i] = e.partition() == Event.ANY_PARTITION ? partitionFor(e.key()) : partition(e.partition()).id();
            counts[chosen[i]]++;
        }
        // Group the events by partition in one pass (a counting sort), keeping their order within each.
        int[] start = new int[partitions.length + 1];
        for (int p = 0; p < partitions.length; p++) {
            start[p + 1] = start[p] + counts[p];
        }
        int[] order = new int[chosen.length];
        int[] fill = java.util.Arrays.copyOf(start, partitions.length);
        for (int i = 0; i < chosen.length; i++) {
            order[fill[chosen[i]]++] = i;
        }
        Appended[] result = new Appended[events.size()];
        for (int p = 0; p < partitions.length; p++) {
            int n = counts[p];
            if (n == 0) {
                continue;
            }
            List<Event> mine;
            long[] mySequences = new long[n];
            if (n == chosen.length) {
                mine = events;
                for (int j = 0; j < n; j++) {
                    mySequences[j] = sequences == null ? -1 : sequences[j];
                }
            } else {
                Event[] picked = new Event[n];
                for (int j = 0; j < n; j++) {
                    int i = order[start[p] + j];
                    picked[j] = events.get(i);
                    mySequences[j] = sequences == null ? -1 : sequences[i];
                }
                mine = java.util.Arrays.asList(picked);
            }
            long[] offsets = producerId == RecordDescriptor.NO_PRODUCER
                ? partitions[p].appendBatch(mine)
                : partitions[p].appendBatch(mine, producerId, mySequences);
            for (int j = 0; j < n; j++) {
                result[order[start[p] + j]] = new Appended(p, offsets[j]);
            }
        }
        return java.util.Arrays.asList(result);
    }

    /** Removes whole old segments beyond the topic's retention; returns how many segment files went. */
    public int enforceRetention() {
        int removed = 0;
        for (Partition p : partitions) {
            removed += p.enforceRetention();
        }
        return removed;
    }

    void pretouch() {
        for (Partition p : partitions) {
            if (p != null) {
                p.pretouch();
            }
        }
    }

    void syncIfNeeded() {
        for (Partition p : partitions) {
            if (p != null) {
                p.syncIfNeeded();
            }
        }
    }

    @Override
    public void close() {
        for (Partition p : partitions) {
            if (p != null) {
                p.close();
            }
        }
        hold.release();
    }
}
