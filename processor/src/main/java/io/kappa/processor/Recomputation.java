package io.kappa.processor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.log.Dirs;

/**
 * What a group recomputes after a rewind, so that {@link ProcessorContext#isReplaying()} is true for it (a
 * processor with side effects must not repeat them). Kept in {@code groups/G/recompute.json}:
 * <pre>
 *   {"version":1,
 *    "inputs":{"clicks/0":1234,...},            how far the group had read each input partition before a rewind
 *    "producers":{"7f3a..:G.repartition/2":-1}} per upstream task and internal partition: the first sequence it
 *                                               wrote after it finished recomputing (-1: not finished yet)
 * </pre>
 * A record of an input is recomputed when its offset is below how far the group had read; a record of an internal
 * topic (written by the group's earlier stage) when the upstream task wrote it while it was recomputing, which its
 * sequence number tells. Offsets only grow ({@link #afterRewind} keeps the highest), so the file may be written
 * before the rewound checkpoints: a crash in between leaves nothing wrong, as every offset it names was read before.
 */
public final class Recomputation {
    private static final String FILE = "recompute.json";

    private final Path file;
    private final Map<String, Long> inputs = new ConcurrentHashMap<>();
    private final Map<String, java.util.concurrent.atomic.AtomicLong> producers = new ConcurrentHashMap<>();

    private Recomputation(Path file) {
        this.file = file;
    }

    /** The group's record (empty when it was never rewound). */
    public static Recomputation load(Path dataDir, String group) {
        Recomputation r = new Recomputation(Groups.dir(dataDir, group).resolve(FILE));
        if (Files.exists(r.file)) {
            try {
                JsonNode root = Serdes.MAPPER.readTree(r.file.toFile());
                if (root.path("version").asInt() != 1) {
                    throw new CheckpointException(r.file + ": unknown version " + root.path("version") + " (this kappa reads version 1)");
                }
                root.path("inputs").fields().forEachRemaining(e -> r.inputs.put(e.getKey(), e.getValue().asLong()));
                root.path("producers").fields().forEachRemaining(e -> r.producers.put(e.getKey(),
                    new java.util.concurrent.atomic.AtomicLong(e.getValue().asLong())));
            } catch (IOException e) {
                throw new CheckpointException(r.file + " cannot be read: " + e.getMessage());
            }
        }
        return r;
    }

    /**
     * Notes a rewind: {@code reached} holds how far the group had read each input partition ({@code topic/p}), and
     * {@code upstream} the (producer id, internal topic, partition) triples whose records are recomputed until the
     * upstream task has caught up with where it had been.
     */
    public static void afterRewind(Path dataDir, String group, Map<String, Long> reached, Iterable<String> upstream) {
        Recomputation r = load(dataDir, group);
        reached.forEach((k, v) -> r.inputs.merge(k, v, Math::max));
        for (String u : upstream) {
            r.producers.put(u, new java.util.concurrent.atomic.AtomicLong(-1));
        }
        r.write();
    }

    /** The key of an upstream task's internal partition in {@link #afterRewind}'s {@code upstream}. */
    public static String producerKey(long producer, String topic, int partition) {
        return Long.toHexString(producer) + ":" + topic + "/" + partition;
    }

    /** How far the group had read this input partition before its last rewind (0: nothing to recompute). */
    long reached(String topic, int partition) {
        return inputs.getOrDefault(topic + "/" + partition, 0L);
    }

    /**
     * Where an upstream task's recomputed records end in an internal partition: the first sequence it wrote after it
     * caught up, -1 while it has not, null when nothing it writes there is recomputed. Shared, so a reader sees the
     * upstream task's {@link #caughtUp} at once.
     */
    java.util.concurrent.atomic.AtomicLong boundary(long producer, String topic, int partition) {
        return producers.isEmpty() ? null : producers.get(producerKey(producer, topic, partition));
    }

    /** An upstream task caught up: its records from {@code boundary} on in {@code topic/partition} are new. */
    synchronized void caughtUp(java.util.concurrent.atomic.AtomicLong entry, long boundary) {
        entry.set(boundary);
        write();
    }

    private synchronized void write() {
        ObjectNode root = Serdes.MAPPER.createObjectNode();
        root.put("version", 1);
        ObjectNode in = root.putObject("inputs");
        new java.util.TreeMap<>(inputs).forEach(in::put);
        ObjectNode pr = root.putObject("producers");
        new java.util.TreeMap<>(producers).forEach((k, v) -> pr.put(k, v.get()));
        try {
            Files.createDirectories(file.getParent());
            Dirs.writeAtomically(file, Serdes.MAPPER.writeValueAsBytes(root));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
