package io.kappa.kafka;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.processor.AuditLog;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * A Kafka group's state as the contents of its changelog topics (the latest value of every key, per partition), the
 * writes that turn one such content into another, and the undo of a rewind in {@code G-kappa-undo}. The undo topic
 * (one partition) holds, per rewind, in the rewind's transaction and each marked by a {@code kappa.undo} header:
 * <pre>
 *   offsets  value: {"offsets": {"TOPIC/P": committed offset before}, "ownEnds": {"TOPIC/P": end of an own topic then}}
 *   state    key and value: a changelog entry before the rewind; headers kappa.topic (its changelog), kappa.partition
 *   ...
 *   undone   (written by the undo: the rewind before it cannot be undone again)
 * </pre>
 * The last {@code offsets} record and the {@code state} records after it are the undo; older ones are deleted.
 */
final class GroupState {
    private static final String KIND = "kappa.undo";
    private static final String PARTITION = "kappa.partition";

    private GroupState() {
    }

    /** A changelog record's key, comparable by content. */
    record Key(byte[] bytes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && java.util.Arrays.equals(bytes, k.bytes);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(bytes);
        }
    }

    /** The latest value of every key of each partition of the changelog topics (tombstones remove keys). */
    static Map<TopicPartition, Map<Key, byte[]>> read(KafkaGroups groups, List<String> changelogs) {
        Map<TopicPartition, Map<Key, byte[]>> out = new LinkedHashMap<>();
        if (changelogs.isEmpty()) {
            return out;
        }
        List<TopicPartition> parts = groups.partitions(changelogs);
        parts.forEach(tp -> out.put(tp, new LinkedHashMap<>()));
        groups.readToEnd(parts, r -> {
            Map<Key, byte[]> m = out.get(new TopicPartition(r.topic(), r.partition()));
            if (r.value() == null) {
                m.remove(new Key(r.key()));
            } else {
                m.put(new Key(r.key()), r.value());
            }
        });
        return out;
    }

    /** Sends (inside the producer's transaction) the tombstones and entries that turn {@code before} into {@code after}. */
    static void writeChanges(KafkaProducer<byte[], byte[]> p, Map<TopicPartition, Map<Key, byte[]>> before,
                             Map<TopicPartition, Map<Key, byte[]>> after) {
        java.util.Set<TopicPartition> all = new java.util.LinkedHashSet<>(before.keySet());
        all.addAll(after.keySet());
        for (TopicPartition tp : all) {
            Map<Key, byte[]> was = before.getOrDefault(tp, Map.of());
            Map<Key, byte[]> now = after.getOrDefault(tp, Map.of());
            for (Key k : was.keySet()) {
                if (!now.containsKey(k)) {
                    p.send(new ProducerRecord<>(tp.topic(), tp.partition(), k.bytes(), null));
                }
            }
            now.forEach((k, v) -> {
                if (!java.util.Arrays.equals(was.get(k), v)) {
                    p.send(new ProducerRecord<>(tp.topic(), tp.partition(), k.bytes(), v));
                }
            });
        }
    }

    /** Sends the undo of a rewind: {@code saved} (offsets and own topics' ends), then the changelog contents before it. */
    static void writeUndo(KafkaProducer<byte[], byte[]> p, String topic, ObjectNode saved, Map<TopicPartition, Map<Key, byte[]>> before) {
        p.send(new ProducerRecord<>(topic, 0, null, null, saved.toString().getBytes(StandardCharsets.UTF_8), kind("offsets")));
        before.forEach((tp, m) -> m.forEach((k, v) -> {
            RecordHeaders h = kind("state");
            h.add(KappaHeaders.TOPIC, tp.topic().getBytes(StandardCharsets.UTF_8));
            h.add(PARTITION, KappaHeaders.encodeLong(tp.partition()));
            p.send(new ProducerRecord<>(topic, 0, null, k.bytes(), v, h));
        }));
    }

    /** Sends the marker that the last rewind was undone. */
    static void writeUndone(KafkaProducer<byte[], byte[]> p, String topic) {
        p.send(new ProducerRecord<>(topic, 0, null, null, new byte[0], kind("undone")));
    }

    private static RecordHeaders kind(String kind) {
        RecordHeaders h = new RecordHeaders();
        h.add(KIND, kind.getBytes(StandardCharsets.UTF_8));
        return h;
    }

    /** What the last rewind saved: offsets, the ends its own topics had, the changelog contents before it. */
    record Undo(Map<TopicPartition, Long> offsets, Map<TopicPartition, Long> ownEnds,
               Map<TopicPartition, Map<Key, byte[]>> state) {
    }

    /** The undo of the last rewind, or null when there is none or it was undone. */
    static Undo readUndo(KafkaGroups groups, String group) {
        String topic = KafkaGroups.undoTopic(group);
        if (!groups.topicExists(topic)) {
            return null;
        }
        Undo[] last = {null};
        groups.readToEnd(List.of(new TopicPartition(topic, 0)), r -> {
            String kind = KappaHeaders.getString(r.headers(), KIND);
            if ("offsets".equals(kind)) {
                JsonNode n = AuditLog.parse(new String(r.value(), StandardCharsets.UTF_8));
                last[0] = new Undo(partitions(n.path("offsets")), partitions(n.path("ownEnds")), new LinkedHashMap<>());
            } else if ("undone".equals(kind)) {
                last[0] = null;
            } else if ("state".equals(kind) && last[0] != null) {
                TopicPartition tp = new TopicPartition(KappaHeaders.getString(r.headers(), KappaHeaders.TOPIC),
                    (int) KappaHeaders.getLong(r.headers(), PARTITION, 0));
                last[0].state().computeIfAbsent(tp, x -> new LinkedHashMap<>()).put(new Key(r.key()), r.value());
            }
        });
        return last[0];
    }

    private static Map<TopicPartition, Long> partitions(JsonNode n) {
        Map<TopicPartition, Long> m = new LinkedHashMap<>();
        n.fields().forEachRemaining(e -> {
            int slash = e.getKey().lastIndexOf('/');
            m.put(new TopicPartition(e.getKey().substring(0, slash), Integer.parseInt(e.getKey().substring(slash + 1))), e.getValue().asLong());
        });
        return m;
    }
}
