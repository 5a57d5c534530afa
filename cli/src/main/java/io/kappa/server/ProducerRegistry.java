package io.kappa.server;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import io.kappa.log.Appended;
import io.kappa.log.Partition;
import io.kappa.log.PartitionTailer;
import io.kappa.log.Topic;

/**
 * What idempotent producers have appended recently: (producer id, sequence) to (topic, partition, offset), so
 * a retried event is acknowledged again instead of written twice. The log itself carries each record's
 * producer id and sequence, so after a restart the registry is rebuilt from the last {@code window} records
 * of each partition of a topic, the first time the server touches that topic. Per producer, the newest
 * {@code window} sequences are remembered, for at most {@link #MAX_PRODUCERS} producers. Used by the server's single I/O thread only.
 */
final class ProducerRegistry {
    record Entry(String topic, Appended appended) {
    }

    /** Producers remembered at once; the one silent longest is forgotten first. */
    static final int MAX_PRODUCERS = 10_000;

    private final int window;
    private final Map<Long, LinkedHashMap<Long, Entry>> producers = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, LinkedHashMap<Long, Entry>> eldest) {
            return size() > MAX_PRODUCERS;
        }
    };
    private final Set<String> loadedTopics = new HashSet<>();

    ProducerRegistry(int window) {
        this.window = window;
    }

    /** Loads the producer stamps of a topic's recent records, once per topic. */
    void load(Topic topic) {
        if (!loadedTopics.add(topic.name())) {
            return;
        }
        for (int p = 0; p < topic.partitionCount(); p++) {
            Partition partition = topic.partition(p);
            long end = partition.endOffset();
            long from = Math.max(partition.startOffset(), end - window);
            int id = p;
            try (PartitionTailer tailer = partition.newTailer().moveToOffset(from)) {
                while (tailer.offset() < end && tailer.poll(r -> {
                    if (r.hasProducer()) {
                        remember(r.producerId(), r.producerSequence(), topic.name(), new Appended(id, r.offset()));
                    }
                }, 4096) > 0) {
                    // scan on
                }
            }
        }
    }

    Entry lookup(long producerId, long sequence) {
        LinkedHashMap<Long, Entry> seen = producers.get(producerId);
        return seen == null ? null : seen.get(sequence);
    }

    void remember(long producerId, long sequence, String topic, Appended appended) {
        producers.computeIfAbsent(producerId, id -> new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Entry> eldest) {
                return size() > window;
            }
        }).put(sequence, new Entry(topic, appended));
    }
}
