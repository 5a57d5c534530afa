package io.kappa.server;

import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import io.kappa.log.Appended;
import io.kappa.log.Partition;
import io.kappa.log.PartitionTailer;
import io.kappa.log.Topic;

/**
 * What idempotent producers have appended recently: (producer id, sequence) to (topic, partition, offset), so
 * a retried event is acknowledged again instead of written twice. The log itself carries each record's
 * producer id and sequence, so after a restart the registry is rebuilt from the last {@code window} records
 * of each partition of a topic, the first time the server touches that topic.
 *
 * <p>Per producer, the newest {@code window} sequences are kept in primitive ring arrays indexed by
 * {@code sequence % capacity}, so remembering an event allocates nothing. A ring grows (up to {@code window}) only
 * when it is at least half full, so its memory follows the number of events remembered, not how far apart their
 * sequences are: sparse sequences overwrite each other instead. In all, at most {@code maxProducers} producers
 * and {@code maxEntries} ring slots (24 bytes each) are kept; past either, the producer idle longest is
 * forgotten first. A sequence older than the window is not recognised. Used by the server's single I/O thread only.
 */
final class ProducerRegistry {
    record Entry(String topic, Appended appended) {
    }

    private static final int FIRST_CAPACITY = 64;

    private final int window;
    private final int maxProducers;
    private final long maxEntries;
    /** Ring slots held by all producers. */
    private long entries;
    private final LinkedHashMap<Long, Window> producers = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<String, Integer> topicIds = new HashMap<>();
    private final java.util.List<String> topicNames = new java.util.ArrayList<>();

    /** Why a client's request with a producer id reserved for kappa's own writers is refused. */
    static String reservedIdMessage(long producerId) {
        return "producer id " + producerId + " is reserved: ids with the top bit set (negative) belong to kappa's own writers "
            + "(processor tasks, the Kafka mirror); a client's producer id is a positive integer";
    }

    ProducerRegistry(int window, int maxProducers, long maxEntries) {
        int w = Math.max(1024, window);
        this.window = Integer.bitCount(w) == 1 ? w : Integer.highestOneBit(w) << 1; // a power of two >= window
        this.maxProducers = maxProducers;
        this.maxEntries = Math.max(maxEntries, this.window);
    }

    ProducerRegistry(int window) {
        this(window, 1_000, 1L << 40);
    }

    /** Producers remembered now. */
    int producerCount() {
        return producers.size();
    }

    /** Ring slots held by all producers now. */
    long entryCount() {
        return entries;
    }

    /** Whether the registry remembers anything of this producer. */
    boolean knows(long producerId) {
        return producers.containsKey(producerId);
    }

    /** Loads the producer stamps of a topic's recent records, once per topic. */
    void load(Topic topic) {
        if (topicIds.containsKey(topic.name())) {
            return;
        }
        int topicId = topicId(topic.name());
        for (int p = 0; p < topic.partitionCount(); p++) {
            Partition partition = topic.partition(p);
            long end = partition.endOffset();
            long from = Math.max(partition.startOffset(), end - window);
            int id = p;
            try (PartitionTailer tailer = partition.newTailer().moveToOffset(from)) {
                while (tailer.offset() < end && tailer.poll(r -> {
                    if (r.hasProducer()) {
                        remember(r.producerId(), r.producerSequence(), topicId, id, r.offset());
                    }
                }, 4096) > 0) {
                    // scan on
                }
            }
        }
    }

    int topicId(String topic) {
        Integer id = topicIds.get(topic);
        if (id == null) {
            id = topicNames.size();
            topicNames.add(topic);
            topicIds.put(topic, id);
        }
        return id;
    }

    /** The producer looked up last: batches come from one producer at a time, so this skips the map. */
    private long lastProducer;
    private Window lastWindow;

    private int shortcutHits;

    private Window window(long producerId) {
        if (lastWindow != null && lastProducer == producerId && (++shortcutHits & 1023) != 0) {
            return lastWindow; // every 1024th hit goes through the map, so the producer stays recently used
        }
        Window w = producers.get(producerId);
        if (w != null) {
            lastProducer = producerId;
            lastWindow = w;
        }
        return w;
    }

    /**
     * Looks up one sequence without allocating: returns -1 when unknown, else the partition (and puts the
     * offset in {@code offsetOut[at]}); {@code topicOut[0]} gets the topic id it was appended to.
     */
    int find(long producerId, long sequence, long[] offsetOut, int at, int[] topicOut) {
        Window w = window(producerId);
        if (w == null) {
            return -1;
        }
        int slot = w.find(sequence);
        if (slot < 0) {
            return -1;
        }
        offsetOut[at] = w.offsets[slot];
        topicOut[0] = w.topics[slot];
        return w.partitions[slot];
    }

    /**
     * Whether no sequence from {@code firstSequence} on is remembered for this producer: a batch of new events (the
     * usual case) then needs no look-up per event.
     */
    boolean noneFrom(long producerId, long firstSequence) {
        Window w = window(producerId);
        return w == null || w.highest < firstSequence;
    }

    String topicName(int topicId) {
        return topicNames.get(topicId);
    }

    Entry lookup(long producerId, long sequence) {
        Window w = window(producerId);
        if (w == null) {
            return null;
        }
        int slot = w.find(sequence);
        return slot < 0 ? null : new Entry(topicNames.get(w.topics[slot]), new Appended(w.partitions[slot], w.offsets[slot]));
    }

    void remember(long producerId, long sequence, String topic, Appended appended) {
        remember(producerId, sequence, topicId(topic), appended.partition(), appended.offset());
    }

    void remember(long producerId, long sequence, int topicId, int partition, long offset) {
        Window w = window(producerId);
        if (w == null) {
            makeRoom(FIRST_CAPACITY, null);
            while (producers.size() >= maxProducers) {
                forgetEldest(null);
            }
            w = new Window();
            entries += FIRST_CAPACITY;
            producers.put(producerId, w);
            lastProducer = producerId;
            lastWindow = w;
        }
        if (w.wantsToGrow(sequence, window)) {
            int capacity = Math.min(window, w.sequences.length * 4);
            if (makeRoom(capacity - w.sequences.length, w)) {
                entries += capacity - w.sequences.length;
                w.grow(capacity);
            }
        }
        w.put(sequence, topicId, partition, offset);
    }

    /** Forgets the producers idle longest (never {@code keep}) until {@code more} slots fit; false if they cannot. */
    private boolean makeRoom(int more, Window keep) {
        while (entries + more > maxEntries) {
            if (!forgetEldest(keep)) {
                return false;
            }
        }
        return true;
    }

    private boolean forgetEldest(Window keep) {
        Iterator<Map.Entry<Long, Window>> it = producers.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Long, Window> eldest = it.next();
            if (eldest.getValue() != keep) {
                entries -= eldest.getValue().sequences.length;
                if (eldest.getValue() == lastWindow) {
                    lastWindow = null;
                }
                it.remove();
                return true;
            }
        }
        return false;
    }

    /** A ring of the newest sequences of one producer. */
    private static final class Window {
        long[] sequences = filled(new long[64]);
        int[] topics = new int[64];
        int[] partitions = new int[64];
        long[] offsets = new long[64];
        int used;
        /** The highest sequence put so far (-1: none); kept when the ring grows and when older ones are overwritten. */
        long highest = -1;

        int find(long sequence) {
            if (sequence < 0) {
                return -1;
            }
            int slot = (int) (sequence & (sequences.length - 1));
            return sequences[slot] == sequence ? slot : -1;
        }

        /** Whether {@code sequence} would overwrite another one while the ring is at least half full. */
        boolean wantsToGrow(long sequence, int max) {
            int slot = (int) (sequence & (sequences.length - 1));
            return sequences.length < max && sequences[slot] != -1 && sequences[slot] != sequence && used * 2 >= sequences.length;
        }

        void put(long sequence, int topic, int partition, long offset) {
            int slot = (int) (sequence & (sequences.length - 1));
            if (sequences[slot] > sequence) {
                return; // the slot holds a newer sequence (records are loaded partition by partition, not in order)
            }
            if (sequences[slot] == -1) {
                used++;
            }
            highest = Math.max(highest, sequence);
            sequences[slot] = sequence;
            topics[slot] = topic;
            partitions[slot] = partition;
            offsets[slot] = offset;
        }

        private void grow(int capacity) {
            long[] oldSequences = sequences;
            int[] oldTopics = topics;
            int[] oldPartitions = partitions;
            long[] oldOffsets = offsets;
            sequences = filled(new long[capacity]);
            topics = new int[capacity];
            partitions = new int[capacity];
            offsets = new long[capacity];
            used = 0;
            for (int i = 0; i < oldSequences.length; i++) {
                int slot = (int) (oldSequences[i] & (capacity - 1));
                if (oldSequences[i] >= 0 && oldSequences[i] > sequences[slot]) {
                    if (sequences[slot] == -1) {
                        used++;
                    }
                    sequences[slot] = oldSequences[i];
                    topics[slot] = oldTopics[i];
                    partitions[slot] = oldPartitions[i];
                    offsets[slot] = oldOffsets[i];
                }
            }
        }

        private static long[] filled(long[] a) {
            java.util.Arrays.fill(a, -1);
            return a;
        }
    }
}
