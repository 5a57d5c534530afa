package io.kappa.log;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A named set of partitions. Thread-safe. */
public final class Topic implements AutoCloseable {
    private final TopicMetadata metadata;
    private final Path dir;
    private final Partition[] partitions;
    private final Partitioner partitioner = new Partitioner();
    private final LogContext context;

    Topic(TopicMetadata metadata, Path dir, LogContext context) {
        this.metadata = metadata;
        this.dir = dir;
        this.context = context;
        this.partitions = new Partition[metadata.partitions()];
        try {
            for (int p = 0; p < partitions.length; p++) {
                Path pdir = dir.resolve(Integer.toString(p));
                if (!Files.isDirectory(pdir)) {
                    throw new LogException.CorruptMetadata("topic '" + metadata.name() + "': metadata says " + partitions.length
                        + " partitions but the directory of partition " + p + " (" + pdir + ") is missing");
                }
                partitions[p] = new Partition(metadata, p, pdir, context);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
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

    public Appended append(Event event) {
        int p = partitionFor(event.key());
        return new Appended(p, partitions[p].append(event));
    }

    public Appended append(int partition, Event event) {
        return new Appended(partition, partition(partition).append(event));
    }

    /** Appends events, each to the partition its key chooses; results come back in input order. */
    public List<Appended> appendBatch(List<Event> events) {
        for (Event e : events) {
            if (e.payloadLength() > context.maxRecordBytes()) {
                throw new LogException.RecordTooLarge("topic '" + name() + "'", e.payloadLength(), context.maxRecordBytes());
            }
        }
        int[] chosen = new int[events.size()];
        List<List<Event>> byPartition = new ArrayList<>(partitions.length);
        List<List<Integer>> positions = new ArrayList<>(partitions.length);
        for (int p = 0; p < partitions.length; p++) {
            byPartition.add(new ArrayList<>());
            positions.add(new ArrayList<>());
        }
        for (int i = 0; i < chosen.length; i++) {
            chosen[i] = partitionFor(events.get(i).key());
            byPartition.get(chosen[i]).add(events.get(i));
            positions.get(chosen[i]).add(i);
        }
        Appended[] result = new Appended[events.size()];
        for (int p = 0; p < partitions.length; p++) {
            if (byPartition.get(p).isEmpty()) {
                continue;
            }
            long[] offsets = partitions[p].appendBatch(byPartition.get(p));
            for (int j = 0; j < offsets.length; j++) {
                result[positions.get(p).get(j)] = new Appended(p, offsets[j]);
            }
        }
        return List.of(result);
    }

    /** Removes whole old segments beyond the topic's retention; returns how many segment files went. */
    public int enforceRetention() {
        int removed = 0;
        for (Partition p : partitions) {
            removed += p.enforceRetention();
        }
        return removed;
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
    }
}
