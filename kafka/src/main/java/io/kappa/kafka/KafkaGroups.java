package io.kappa.kafka;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * A kappa group on Kafka, seen through the admin client: a group is a Kafka Streams application whose
 * application id is the group's name, so its input offsets are that consumer group's committed offsets and its
 * state is in the changelog topics {@code G-kappa-STAGE-changelog}. Lag, the note of what a rewound group
 * recomputes, and the group's topics beside its changelogs ({@code G-kappa-spec}, {@code G-kappa-audit},
 * {@code G-kappa-undo}) are here; {@link KafkaRewind} moves offsets and state. Every call waits at most the timeout.
 */
public final class KafkaGroups implements AutoCloseable {
    /** One input partition of a group: committed offset (-1: none yet) and end offset. */
    public record PartitionLag(String topic, int partition, long committed, long end) {
        public long lag() {
            return end - Math.max(0, committed);
        }
    }

    private final Admin admin;
    private final long timeoutMs;
    private final String bootstrap;

    public KafkaGroups(String bootstrap, long timeoutMs) {
        this.timeoutMs = timeoutMs;
        this.bootstrap = bootstrap;
        Map<String, Object> p = new HashMap<>();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE, timeoutMs));
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE, timeoutMs));
        this.admin = Admin.create(p);
    }

    public Admin admin() {
        return admin;
    }

    /** The cluster's bootstrap address, as given. */
    public String bootstrap() {
        return bootstrap;
    }

    public KafkaTopicCatalog catalog() {
        return new KafkaTopicCatalog(admin, timeoutMs);
    }

    /** Every partition of the topics with its end offset (latest), in topic then partition order. */
    public Map<TopicPartition, Long> ends(List<String> topics) {
        return offsets(partitions(topics), OffsetSpec.latest());
    }

    public List<TopicPartition> partitions(List<String> topics) {
        KafkaTopicCatalog catalog = catalog();
        List<TopicPartition> out = new ArrayList<>();
        for (String t : topics) {
            int n = catalog.partitionCount(t);
            for (int p = 0; p < n; p++) {
                out.add(new TopicPartition(t, p));
            }
        }
        return out;
    }

    /** The offset for that spec in each partition (for a time with no record at or after it: the end). */
    public Map<TopicPartition, Long> offsets(List<TopicPartition> parts, OffsetSpec spec) {
        Map<TopicPartition, OffsetSpec> req = new LinkedHashMap<>();
        for (TopicPartition tp : parts) {
            req.put(tp, spec);
        }
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> res = get(admin.listOffsets(req).all(), "list offsets");
        Map<TopicPartition, Long> out = new LinkedHashMap<>();
        Map<TopicPartition, Long> ends = null;
        for (TopicPartition tp : parts) {
            long o = res.get(tp).offset();
            if (o < 0) { // no record at or after that time
                if (ends == null) {
                    ends = offsets(parts, OffsetSpec.latest());
                }
                o = ends.get(tp);
            }
            out.put(tp, o);
        }
        return out;
    }

    /** The group's committed offsets (absent partitions have none). */
    public Map<TopicPartition, Long> committed(String group) {
        try {
            Map<TopicPartition, OffsetAndMetadata> m = get(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata(),
                "read the committed offsets of group " + group);
            Map<TopicPartition, Long> out = new HashMap<>();
            m.forEach((tp, om) -> {
                if (om != null) {
                    out.put(tp, om.offset());
                }
            });
            return out;
        } catch (GroupIdNotFoundException e) {
            return Map.of();
        }
    }

    /** The group's committed offsets with their metadata (absent partitions have none). */
    public Map<TopicPartition, OffsetAndMetadata> committedWithMetadata(String group) {
        try {
            // requireStable: an offset commit still inside an open transaction is waited for, not skipped
            Map<TopicPartition, OffsetAndMetadata> m = get(admin.listConsumerGroupOffsets(group,
                    new org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions().requireStable(true)).partitionsToOffsetAndMetadata(),
                "read the committed offsets of group " + group);
            Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
            m.forEach((tp, om) -> {
                if (om != null) {
                    out.put(tp, om);
                }
            });
            return out;
        } catch (GroupIdNotFoundException e) {
            return Map.of();
        }
    }

    /**
     * The member-less consumer group whose committed offsets say how far group {@code group} had read each external
     * input partition before its rewinds (the highest over them): what it reads below that again it recomputes, so
     * {@code isReplaying()} is true for it. Written by {@link #noteRecomputation}, read by every task at init.
     */
    public static String recomputeGroup(String group) {
        return "kappa-recompute." + group;
    }

    /** How far the group had read each input partition before its rewinds ({@link #recomputeGroup}); empty if never rewound. */
    public Map<TopicPartition, Long> recomputed(String group) {
        return committed(recomputeGroup(group));
    }

    /**
     * Notes, before a rewind moves them back, how far the group had read: {@code reached} is merged into
     * {@link #recomputeGroup} by keeping the higher offset per partition, so what any run had read stays recomputed.
     */
    public void noteRecomputation(String group, Map<TopicPartition, Long> reached) {
        Map<TopicPartition, Long> before = recomputed(group);
        Map<TopicPartition, OffsetAndMetadata> m = new LinkedHashMap<>();
        reached.forEach((tp, o) -> {
            if (o > before.getOrDefault(tp, 0L)) {
                m.put(tp, new OffsetAndMetadata(o));
            }
        });
        if (!m.isEmpty()) {
            get(admin.alterConsumerGroupOffsets(recomputeGroup(group), m).all(), "note how far group " + group + " had read in group "
                + recomputeGroup(group));
        }
    }

    /** The topic holding the processor spec a group last ran with on Kafka ({@code kappa rewind --kafka} rebuilds state with it). */
    public static String specTopic(String group) {
        return group + "-kappa-spec";
    }

    /** The group's audit log on Kafka: one {@code AuditLog} entry (JSON) a record, appended by rewinds and undos. */
    public static String auditTopic(String group) {
        return group + "-kappa-audit";
    }

    /** What {@code kappa rewind --kafka --undo} needs to undo the group's last rewind ({@link KafkaRewind}). */
    public static String undoTopic(String group) {
        return group + "-kappa-undo";
    }

    /**
     * Records what the group runs ({@code {"description":..,"spec":{..}}}, as {@code group.json} locally) on the cluster,
     * where any machine that rewinds it finds it; written only when it changed.
     */
    public void recordSpec(String group, com.fasterxml.jackson.databind.node.ObjectNode spec) {
        if (spec.equals(spec(group))) {
            return;
        }
        ensureTopic(specTopic(group), 1, Map.of("cleanup.policy", "compact"));
        try (org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> p = producer(Map.of())) {
            p.send(new org.apache.kafka.clients.producer.ProducerRecord<>(specTopic(group), 0,
                "spec".getBytes(java.nio.charset.StandardCharsets.UTF_8), spec.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("Kafka: cannot record the spec of group " + group + " in " + specTopic(group) + ": "
                + (e.getCause() == null ? e : e.getCause()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The spec the group last ran with ({@link #recordSpec}), or null when none is recorded. */
    public com.fasterxml.jackson.databind.JsonNode spec(String group) {
        com.fasterxml.jackson.databind.JsonNode[] last = {null};
        if (topicExists(specTopic(group))) {
            readToEnd(List.of(new TopicPartition(specTopic(group), 0)), r -> last[0] = io.kappa.processor.AuditLog.parse(
                new String(r.value(), java.nio.charset.StandardCharsets.UTF_8)));
        }
        return last[0];
    }

    /** The group's audit entries on Kafka, oldest first (empty when it has none). */
    public List<com.fasterxml.jackson.databind.JsonNode> audit(String group) {
        List<com.fasterxml.jackson.databind.JsonNode> out = new ArrayList<>();
        if (topicExists(auditTopic(group))) {
            readToEnd(List.of(new TopicPartition(auditTopic(group), 0)), r -> {
                com.fasterxml.jackson.databind.JsonNode n = io.kappa.processor.AuditLog.parse(new String(r.value(),
                    java.nio.charset.StandardCharsets.UTF_8));
                if (n != null) {
                    out.add(n);
                }
            });
        }
        return out;
    }

    /** How long every call waits for the cluster. */
    public long timeoutMs() {
        return timeoutMs;
    }

    Set<String> topics() {
        return get(admin.listTopics().names(), "list topics");
    }

    void deleteTopics(List<String> topics) {
        if (!topics.isEmpty()) {
            get(admin.deleteTopics(topics).all(), "delete the topics " + topics);
        }
    }

    /** Deletes a consumer group that has no member; nothing when it does not exist. */
    void deleteGroup(String group) {
        try {
            get(admin.deleteConsumerGroups(List.of(group)).all(), "delete consumer group " + group);
        } catch (GroupIdNotFoundException e) {
            // none
        } catch (IllegalStateException e) {
            if (!(e.getCause() instanceof org.apache.kafka.common.errors.GroupIdNotFoundException)) {
                throw e;
            }
        }
    }

    /** Deletes the records of a partition before {@code offset} (its log start moves there). */
    void deleteRecordsBefore(TopicPartition tp, long offset) {
        if (offset > 0) {
            get(admin.deleteRecords(Map.of(tp, org.apache.kafka.clients.admin.RecordsToDelete.beforeOffset(offset))).all(),
                "delete the records of " + tp + " before offset " + offset);
        }
    }

    boolean topicExists(String topic) {
        return topics().contains(topic);
    }

    /** Creates the topic (keeping every record, plus {@code configs}) unless it exists, and waits until it is visible. */
    void ensureTopic(String topic, int partitions, Map<String, String> configs) {
        if (topicExists(topic)) {
            return;
        }
        Map<String, String> c = new HashMap<>(configs);
        c.putIfAbsent("retention.ms", "-1");
        try {
            get(admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic, java.util.Optional.of(partitions),
                java.util.Optional.empty()).configs(c))).all(), "create topic " + topic);
        } catch (IllegalStateException e) {
            if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                throw e;
            }
        }
        catalog().awaitVisible(topic);
    }

    /** A producer of this cluster (acks=all), with {@code extra} settings (a transactional id, say). */
    org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> producer(Map<String, Object> extra) {
        Map<String, Object> p = new HashMap<>(extra);
        p.put(org.apache.kafka.clients.producer.ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(org.apache.kafka.clients.producer.ProducerConfig.ACKS_CONFIG, "all");
        p.put(org.apache.kafka.clients.producer.ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE, timeoutMs));
        return new org.apache.kafka.clients.producer.KafkaProducer<>(p, new org.apache.kafka.common.serialization.ByteArraySerializer(),
            new org.apache.kafka.common.serialization.ByteArraySerializer());
    }

    private org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> consumer() {
        Map<String, Object> p = new HashMap<>();
        p.put(org.apache.kafka.clients.consumer.ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(org.apache.kafka.clients.consumer.ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(org.apache.kafka.clients.consumer.ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(org.apache.kafka.clients.consumer.ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        return new org.apache.kafka.clients.consumer.KafkaConsumer<>(p, new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
            new org.apache.kafka.common.serialization.ByteArrayDeserializer());
    }

    /**
     * Every committed record of the partitions from their start to their end now, each partition in offset order; an
     * error after the timeout. The end is the high watermark, not the last stable offset a read_committed consumer
     * reports: a transaction just committed may not have its markers written yet, and its records must not be missed,
     * so this waits until every transaction before the end is resolved.
     */
    void readToEnd(java.util.Collection<TopicPartition> parts,
                   java.util.function.Consumer<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> each) {
        try (org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> c = consumer()) {
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = offsets(List.copyOf(parts), OffsetSpec.latest());
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            while (true) {
                boolean done = true;
                for (TopicPartition tp : parts) {
                    done &= c.position(tp) >= end.get(tp);
                }
                if (done) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Kafka: cannot read " + parts + " to its end " + end + " within " + timeoutMs + " ms");
                }
                for (var r : c.poll(java.time.Duration.ofMillis(100))) {
                    if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                        each.accept(r);
                    }
                }
            }
        }
    }

    /** Committed and end offsets of every partition of {@code topics} for the group. */
    public List<PartitionLag> lag(String group, List<String> topics) {
        Map<TopicPartition, Long> committed = committed(group);
        List<PartitionLag> out = new ArrayList<>();
        ends(topics).forEach((tp, end) -> out.add(new PartitionLag(tp.topic(), tp.partition(), committed.getOrDefault(tp, -1L), end)));
        return out;
    }

    /**
     * True when no committed record lies in {@code [from, to)} of each partition (read with read_committed from the
     * committed offset, or 0): only transaction markers or aborted records are left.
     */
    public boolean noRecordsBefore(Map<TopicPartition, Long> from, Map<TopicPartition, Long> to) {
        try (org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> c = consumer()) {
            c.assign(to.keySet());
            Map<TopicPartition, Long> beginning = c.beginningOffsets(to.keySet());
            for (TopicPartition tp : to.keySet()) {
                c.seek(tp, Math.max(beginning.get(tp), from.getOrDefault(tp, 0L)));
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.min(timeoutMs, 5_000));
            while (System.nanoTime() < deadline) {
                for (var r : c.poll(java.time.Duration.ofMillis(100))) {
                    if (r.offset() < to.get(new TopicPartition(r.topic(), r.partition()))) {
                        return false;
                    }
                }
                boolean all = true;
                for (TopicPartition tp : to.keySet()) {
                    // the position passes markers and aborted records once fetched; short of the LSO it waits for open transactions
                    all &= c.position(tp) >= to.get(tp);
                }
                if (all) {
                    return true;
                }
            }
            return false;
        }
    }

    /** How many members the group has now (processes running it); 0 when it is not running or unknown. */
    public int members(String group) {
        try {
            ConsumerGroupDescription d = get(admin.describeConsumerGroups(List.of(group)).describedGroups().get(group),
                "describe group " + group);
            return d.members().size();
        } catch (GroupIdNotFoundException e) {
            return 0;
        }
    }

    /**
     * The kappa groups on the cluster: the names {@code G} of the changelog topics {@code G-kappa-STAGE-changelog} that
     * every stage of a group run with {@code kappa run --kafka} has, sorted.
     */
    public List<String> kappaGroups() {
        java.util.TreeSet<String> groups = new java.util.TreeSet<>();
        for (String t : get(admin.listTopics().names(), "list topics")) {
            int at = t.lastIndexOf("-kappa-");
            if (at > 0 && t.endsWith("-changelog")) {
                groups.add(t.substring(0, at));
            }
        }
        return List.copyOf(groups);
    }

    /**
     * The group's status on Kafka, as {@code kappa status G --kafka --json} prints it and {@code kappa ui --kafka} serves
     * it: {@code group}, {@code kafka} (the bootstrap), {@code running} and {@code members} (processes running it now),
     * {@code partitions} (per input partition it has committed: topic, partition, committed (-1: none), end, lag),
     * {@code lag} in all, and {@code stateTopics} (its changelog topics).
     */
    public com.fasterxml.jackson.databind.node.ObjectNode status(String group) {
        java.util.TreeSet<String> topics = new java.util.TreeSet<>();
        committed(group).keySet().forEach(tp -> topics.add(tp.topic()));
        com.fasterxml.jackson.databind.node.ObjectNode s = io.kappa.processor.Serdes.MAPPER.createObjectNode();
        s.put("group", group);
        s.put("kafka", bootstrap);
        int members = members(group);
        s.put("running", members > 0);
        s.put("members", members);
        com.fasterxml.jackson.databind.node.ArrayNode parts = s.putArray("partitions");
        long lag = 0;
        for (PartitionLag l : topics.isEmpty() ? List.<PartitionLag>of() : lag(group, List.copyOf(topics))) {
            com.fasterxml.jackson.databind.node.ObjectNode n = parts.addObject();
            n.put("topic", l.topic());
            n.put("partition", l.partition());
            n.put("committed", l.committed());
            n.put("end", l.end());
            n.put("lag", l.lag());
            lag += l.lag();
        }
        s.put("lag", lag);
        changelogs(group).forEach(s.putArray("stateTopics")::add);
        return s;
    }

    /** The group's changelog topics (one per stage), those that exist. */
    public List<String> changelogs(String group) {
        Set<String> all = get(admin.listTopics().names(), "list topics");
        List<String> out = new ArrayList<>();
        for (String t : all) {
            if (t.startsWith(group + "-kappa-") && t.endsWith("-changelog")) {
                out.add(t);
            }
        }
        out.sort(null);
        return out;
    }

    private <T> T get(KafkaFuture<T> f, String what) {
        try {
            return KafkaTopicCatalog.await(f, what, timeoutMs);
        } catch (UnknownTopicOrPartitionException u) {
            throw new IllegalArgumentException("Kafka: cannot " + what + ": " + u.getMessage());
        } catch (GroupIdNotFoundException g) {
            throw g;
        } catch (org.apache.kafka.common.KafkaException k) {
            throw new IllegalStateException("Kafka: cannot " + what + ": " + k.getMessage(), k);
        }
    }

    @Override
    public void close() {
        admin.close(java.time.Duration.ofSeconds(5));
    }
}
