package io.kappa.kafka;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

import io.kappa.log.Partitioner;
import io.kappa.processor.Groups;
import io.kappa.processor.OnError;
import io.kappa.processor.Stage;
import io.kappa.processor.TopicCatalog;
import io.kappa.processor.internal.DeadLetters;
import io.kappa.processor.internal.FreshProcessors;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.AutoOffsetReset;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.processor.TopicNameExtractor;
import org.apache.kafka.streams.state.Stores;

/**
 * Compiles a kappa {@link io.kappa.processor.Topology} into a Kafka Streams {@link Topology}, stage for stage: a
 * source node over the stage's inputs, a {@link StageProcessor} running the kappa processor with one changelogged
 * store for all of the task's state, a sink to the stage's output and a sink for side outputs
 * ({@code forwardTo}: the dead-letter and late topics, say). A later stage reads the topic an earlier one writes
 * (the repartition topic), as on the local log, so the stages, partitions and outputs are the same on both.
 *
 * <p>Records are placed as kappa places them: {@code murmur2(key) % partitions} (Kafka's own default, so a key
 * lands in the same partition on both), keyless records in the writing task's partition.
 */
public final class KafkaTopologies {
    /** Where a new group starts on a partition with no committed offset. */
    public enum Start { EARLIEST, LATEST }

    /**
     * What the group recomputes, for {@code isReplaying()}: everything ({@code replay}, as {@code kappa replay}), or what
     * a task reads below how far the group had read before its rewinds, which each task asks {@code reached} for
     * (once, at init; {@link KafkaGroups#recomputed}), and what an earlier stage wrote while it recomputed.
     */
    public record Recompute(boolean replay, Supplier<Map<TopicPartition, Long>> reached) {
        /** A group never rewound. */
        public static final Recompute NONE = new Recompute(false, Map::of);
    }

    /**
     * A run that rebuilds a group's state for a rewind ({@link KafkaRewind}): records of an external input partition at or
     * past its offset in {@code stopAt} are skipped, so the state stops where a run stopped there would have left it,
     * and outputs are muted (the topics a later stage reads are written, as the later stage needs them).
     */
    public record Rebuild(Map<TopicPartition, Long> stopAt) {
    }

    private KafkaTopologies() {
    }

    /** The name of the Kafka Streams store holding a stage's task state (its changelog is {@code APP-kappa-STAGE-changelog}). */
    public static String storeName(String stage) {
        return "kappa-" + stage;
    }

    /**
     * Builds the Kafka Streams topology of a kappa topology. Output topics that do not exist are created in
     * {@code topics} with the stage's input partition count, as the local runner does.
     */
    public static Topology build(io.kappa.processor.Topology topology, String group, TopicCatalog topics, OnError onError, Start start) {
        return build(topology, group, topics, onError, start, new LongAdder());
    }

    /** The same, counting the records processed (by every stage) in {@code processed}. */
    public static Topology build(io.kappa.processor.Topology topology, String group, TopicCatalog topics, OnError onError, Start start,
                                 LongAdder processed) {
        return build(topology, group, topics, onError, start, processed, Recompute.NONE);
    }

    /** The same, telling processors what the group recomputes ({@code isReplaying()}). */
    public static Topology build(io.kappa.processor.Topology topology, String group, TopicCatalog topics, OnError onError, Start start,
                                 LongAdder processed, Recompute recompute) {
        return build(topology, group, topics, onError, start, processed, recompute, null);
    }

    /** The same, as a rebuild of the group's state when {@code rebuild} is not null. */
    public static Topology build(io.kappa.processor.Topology topology, String group, TopicCatalog topics, OnError onError, Start start,
                                 LongAdder processed, Recompute recompute, Rebuild rebuild) {
        Topology t = new Topology();
        Set<String> read = new java.util.HashSet<>();
        topology.stages().forEach(s -> read.addAll(s.inputs()));
        List<Stage<?, ?, ?, ?>> stages = topology.stages();
        StreamPartitioner<byte[], byte[]> partitioner = (topic, key, value, n) -> Optional.of(Set.of(partition(key, n)));
        TopicNameExtractor<byte[], byte[]> side = (key, value, ctx) -> {
            String topic = KappaHeaders.getString(ctx.headers(), KappaHeaders.TOPIC);
            if (topic == null) {
                throw new IllegalStateException("a side output without its " + KappaHeaders.TOPIC + " header");
            }
            return topic;
        };
        Set<String> sideTopics = java.util.concurrent.ConcurrentHashMap.newKeySet();
        FreshProcessors processors = new FreshProcessors();
        if (onError == OnError.DEAD_LETTER) {
            // created up front, so a failing record never needs the admin client in the middle of processing
            String dlq = DeadLetters.topic(group);
            if (!topics.exists(dlq)) {
                topics.create(dlq, 1);
            }
            sideTopics.add(dlq);
        }
        for (int i = 0; i < stages.size(); i++) {
            Stage<?, ?, ?, ?> stage = stages.get(i);
            int partitions = 0;
            for (String in : stage.inputs()) {
                partitions = Math.max(partitions, topics.partitionCount(in));
            }
            if (stage.output() != null && !topics.exists(stage.output())) {
                topics.create(stage.output(), partitions);
            }
            long[][] upstream = new long[stage.inputs().size()][];
            for (int j = 0; j < upstream.length; j++) {
                upstream[j] = Groups.upstreamProducers(group, stages, stage, stage.inputs().get(j), topics);
            }
            String source = stage.name() + "-source";
            String node = stage.name();
            String out = stage.name() + "-out";
            String sideSink = stage.name() + "-side";
            String store = storeName(stage.name());
            int[] inputPartitions = new int[stage.inputs().size()];
            for (int j = 0; j < inputPartitions.length; j++) {
                inputPartitions[j] = topics.partitionCount(stage.inputs().get(j));
            }
            // a topic an earlier stage writes is read from its start whatever --from says: a task that takes over
            // a partition before it committed anything there must not skip what the earlier stage wrote
            t.addSource(start == Start.LATEST && !stage.internal() ? AutoOffsetReset.latest() : AutoOffsetReset.earliest(), source,
                new ByteArrayDeserializer(), new ByteArrayDeserializer(), stage.inputs().toArray(new String[0]));
            // a rebuild writes only what a later stage reads
            boolean muteOut = rebuild != null && !read.contains(stage.output());
            t.addProcessor(node, processorSupplier(group, stage, store, upstream, inputPartitions, onError, topics, sideTopics, out, sideSink,
                processed, recompute, processors, rebuild, muteOut), source);
            t.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(store), Serdes.Bytes(), Serdes.ByteArray())
                .withCachingEnabled().withLoggingEnabled(Map.of()), node);
            if (stage.output() != null) {
                t.addSink(out, stage.output(), new ByteArraySerializer(), new ByteArraySerializer(), partitioner, node);
            }
            t.addSink(sideSink, side, new ByteArraySerializer(), new ByteArraySerializer(), partitioner, node);
        }
        return t;
    }

    private static <KIn, VIn, KOut, VOut> org.apache.kafka.streams.processor.api.ProcessorSupplier<byte[], byte[], byte[], byte[]> processorSupplier(
        String group, Stage<KIn, VIn, KOut, VOut> stage, String store, long[][] upstream, int[] inputPartitions, OnError onError,
        TopicCatalog topics,
        Set<String> sideTopics, String out, String sideSink, LongAdder processed, Recompute recompute, FreshProcessors processors,
        Rebuild rebuild, boolean muteOut) {
        return () -> new StageProcessor<>(group, stage, store, upstream, inputPartitions, onError, topics, sideTopics,
            stage.output() == null || muteOut ? null : out, rebuild == null ? sideSink : null, processed, recompute, processors,
            rebuild == null ? null : rebuild.stopAt());
    }

    /** Keyed: Kafka's and kappa's murmur2; keyless: the writing task's partition. */
    static int partition(byte[] key, int partitions) {
        if (key == null) {
            return StageProcessor.CURRENT_TASK.get()[0] % partitions;
        }
        return (Partitioner.murmur2(key) & 0x7fffffff) % partitions;
    }
}
