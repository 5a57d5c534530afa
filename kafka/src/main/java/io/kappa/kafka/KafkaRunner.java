package io.kappa.kafka;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import io.kappa.processor.OnError;
import io.kappa.processor.Stage;
import io.kappa.processor.Topology;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;

/**
 * Runs a kappa topology on Kafka Streams: the group's name is the application id, so several processes running
 * the same group (on one machine or many) share its partitions, and Kafka does the assignment, rebalancing,
 * state migration (changelogs) and exactly-once (exactly_once_v2). What kappa adds is the processor runtime
 * ({@link StageProcessor}) and the same stages as on the local log ({@link KafkaTopologies}).
 */
public final class KafkaRunner implements AutoCloseable {
    /**
     * @param config extra Kafka Streams / client settings (e.g. {@code consumer.session.timeout.ms}); they override
     *               kappa's
     * @param replay processors see {@code isReplaying()} true throughout ({@code kappa replay}); otherwise for what the
     *               group recomputes after a rewind
     * @param rebuild a run that rebuilds state for a rewind (stops at its offsets, outputs muted), or null; it is caught
     *               up when it has read to those offsets
     */
    public record Options(String bootstrap, String group, int threads, OnError onError, KafkaTopologies.Start start, Path stateDir,
                          long timeoutMs, Map<String, String> config, boolean replay, KafkaTopologies.Rebuild rebuild) {
        public Options(String bootstrap, String group, int threads, OnError onError, KafkaTopologies.Start start, Path stateDir,
                       long timeoutMs, Map<String, String> config, boolean replay) {
            this(bootstrap, group, threads, onError, start, stateDir, timeoutMs, config, replay, null);
        }

        public Options(String bootstrap, String group, int threads, OnError onError, KafkaTopologies.Start start, Path stateDir,
                       long timeoutMs, Map<String, String> config) {
            this(bootstrap, group, threads, onError, start, stateDir, timeoutMs, config, false);
        }
    }

    private final Options options;
    private final KafkaGroups groups;
    private final KafkaStreams streams;
    private final LongAdder processed = new LongAdder();
    private final List<String> external;
    private final List<String> internal = new ArrayList<>();
    private final List<String> inputs = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile Throwable failure;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private Map<TopicPartition, Long> targets;

    public KafkaRunner(Topology topology, Options options) {
        this.options = options;
        this.groups = new KafkaGroups(options.bootstrap(), options.timeoutMs());
        try {
            KafkaTopicCatalog catalog = groups.catalog();
            this.external = topology.externalInputs();
            for (String t : external) {
                catalog.partitionCount(t); // a clear error for an unknown input
            }
            for (Stage<?, ?, ?, ?> s : topology.stages()) {
                for (String in : s.inputs()) {
                    if (!inputs.contains(in)) {
                        inputs.add(in);
                        if (!external.contains(in)) {
                            internal.add(in);
                        }
                    }
                }
            }
            org.apache.kafka.streams.Topology ks = KafkaTopologies.build(topology, options.group(), catalog, options.onError(),
                options.start(), processed, new KafkaTopologies.Recompute(options.replay(), () -> groups.recomputed(options.group())),
                options.rebuild());
            this.streams = new KafkaStreams(ks, properties(options));
        } catch (RuntimeException e) {
            groups.close();
            throw e;
        }
        streams.setUncaughtExceptionHandler(e -> {
            failure = e instanceof org.apache.kafka.streams.errors.StreamsException && e.getCause() != null ? e.getCause() : e;
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING || now == KafkaStreams.State.PENDING_ERROR) {
                stopped.countDown();
            }
        });
    }

    public static Properties properties(Options o) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, o.group());
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, o.bootstrap());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, o.threads());
        p.put(StreamsConfig.STATE_DIR_CONFIG, o.stateDir().toString());
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, -1); // the brokers' default
        p.putAll(o.config());
        return p;
    }

    public void start() {
        targets = options.rebuild() != null ? options.rebuild().stopAt() : groups.ends(external);
        streams.start();
    }

    public String group() {
        return options.group();
    }

    /** Records processed by this process, all stages. */
    public long recordsProcessed() {
        return processed.sum();
    }

    /** True once {@link #close} was called (a signal, say): a stop then is not a failure. */
    public boolean stopRequested() {
        return closed.get();
    }

    /** Why the runner stopped by itself, or null. */
    public Throwable failure() {
        return failure;
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    /** Records of the inputs (all stages) the group has not committed yet. */
    public long lag() {
        long lag = 0;
        for (KafkaGroups.PartitionLag l : groups.lag(options.group(), inputs)) {
            lag += l.lag();
        }
        return lag;
    }

    /** Records of the external inputs to reach the ends they had at start. */
    public long lagAtStart() {
        Map<TopicPartition, Long> committed = groups.committed(options.group());
        long lag = 0;
        for (Map.Entry<TopicPartition, Long> e : targets.entrySet()) {
            lag += Math.max(0, e.getValue() - committed.getOrDefault(e.getKey(), 0L));
        }
        return lag;
    }

    /**
     * Waits until the group has committed every external input up to its end at start, and every topic one of its
     * stages writes for another up to its current end; false on timeout. Throws when the runner failed.
     */
    public boolean awaitCaughtUp(long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() < deadline) {
            if (failure != null || stopped.getCount() == 0) {
                throw new IllegalStateException("group " + options.group() + " stopped: " + (failure == null ? streams.state() : failure));
            }
            try {
                if (streams.state() == KafkaStreams.State.RUNNING && caughtUp()) {
                    return true;
                }
            } catch (IllegalStateException | org.apache.kafka.common.KafkaException e) {
                // an admin call failed (a broker restarting, a timeout): the runner goes on, so ask again
            }
            Thread.sleep(200);
        }
        return false;
    }

    /**
     * Caught up when no committed record is left before the targets. Offsets alone cannot tell: the end of a
     * partition written in transactions may hold only commit/abort markers or aborted records, which a consumer skips
     * without the group committing past them. So a partition whose committed offset is short of its target is read
     * (read_committed) from there: caught up if no record before the target comes back.
     */
    private boolean caughtUp() {
        Map<TopicPartition, Long> committed = groups.committed(options.group());
        Map<TopicPartition, Long> behind = new java.util.HashMap<>();
        // with --from latest a partition that got nothing new is never committed: it has nothing to catch up
        long[] none = {options.start() == KafkaTopologies.Start.LATEST ? -1 : 0};
        for (Map.Entry<TopicPartition, Long> e : targets.entrySet()) {
            long c = committed.getOrDefault(e.getKey(), none[0] < 0 ? e.getValue() : 0L);
            if (e.getValue() > 0 && c < e.getValue()) {
                behind.put(e.getKey(), e.getValue());
            }
        }
        if (!internal.isEmpty()) {
            for (Map.Entry<TopicPartition, Long> e : groups.ends(internal).entrySet()) {
                if (e.getValue() > 0 && committed.getOrDefault(e.getKey(), 0L) < e.getValue()) {
                    behind.put(e.getKey(), e.getValue());
                }
            }
        }
        if (behind.isEmpty()) {
            return true;
        }
        if (behind.size() > 0 && ++checksBehind % 5 != 0) {
            return false; // reading is dearer than listing offsets: look only every fifth time
        }
        return groups.noRecordsBefore(committed, behind);
    }

    private int checksBehind;

    /** Waits until the runner stops by itself (a failure); false on timeout. */
    public boolean awaitStopped(long timeoutMs) throws InterruptedException {
        return stopped.await(timeoutMs, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        // leave the group: a stopped group can be rewound at once, and the others take over its partitions at once
        streams.close(new KafkaStreams.CloseOptions().timeout(Duration.ofSeconds(30)).leaveGroup(true));
        groups.close();
        stopped.countDown();
    }
}
