package io.kappa.kafka;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.kappa.processor.TopicCatalog;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Topics of a Kafka cluster as a {@link TopicCatalog}, through the admin client. Topics it creates get the
 * cluster's default replication factor and keep every record ({@code retention.ms=-1}), as kappa's log does: Kafka
 * deletes by record timestamp, and kappa's records carry event times, so history (a replay, a mirror of last
 * year's events) would otherwise be deleted on arrival under the default seven-day retention. Every call waits at most the timeout given, so an unreachable cluster is
 * an error, not a hang.
 */
public final class KafkaTopicCatalog implements TopicCatalog {
    private final Admin admin;
    private final long timeoutMs;
    private final Map<String, Integer> known = new ConcurrentHashMap<>();

    public KafkaTopicCatalog(Admin admin, long timeoutMs) {
        this.admin = admin;
        this.timeoutMs = timeoutMs;
    }

    @Override
    public boolean exists(String topic) {
        if (known.containsKey(topic)) {
            return true;
        }
        try {
            describe(topic);
            return true;
        } catch (UnknownTopicOrPartitionException e) {
            return false;
        }
    }

    @Override
    public int partitionCount(String topic) {
        Integer n = known.get(topic);
        if (n != null) {
            return n;
        }
        try {
            return describe(topic);
        } catch (UnknownTopicOrPartitionException e) {
            throw new IllegalArgumentException("no topic '" + topic + "' on the Kafka cluster");
        }
    }

    private int describe(String topic) {
        TopicDescription d = get(admin.describeTopics(Set.of(topic)).allTopicNames(), "describe topic " + topic).get(topic);
        known.put(topic, d.partitions().size());
        return d.partitions().size();
    }

    @Override
    public void create(String topic, int partitions) {
        try {
            get(admin.createTopics(List.of(new NewTopic(topic, java.util.Optional.of(partitions), java.util.Optional.empty())
                .configs(Map.of("retention.ms", "-1")))).all(),
                "create topic " + topic);
        } catch (TopicExistsException e) {
            // created a moment ago by another process: fine if the partition count matches (checked by callers)
        }
        awaitVisible(topic);
    }

    /** Waits until a topic just created is described with its partitions (creation is asynchronous on the brokers). */
    void awaitVisible(String topic) {
        known.remove(topic);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true) {
            try {
                describe(topic);
                return;
            } catch (UnknownTopicOrPartitionException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("topic " + topic + " was created but is not visible after " + timeoutMs + " ms");
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", ie);
                }
            }
        }
    }

    private <T> T get(org.apache.kafka.common.KafkaFuture<T> f, String what) {
        return await(f, what, timeoutMs);
    }

    /**
     * The future's value within the timeout. A timeout (ours or the client's) is one clear "is the cluster
     * reachable?" error; Kafka's own exceptions (unknown topic, topic exists...) come out as they are.
     */
    static <T> T await(org.apache.kafka.common.KafkaFuture<T> f, String what, long timeoutMs) {
        try {
            return f.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw unreachable(what, timeoutMs);
            }
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("Kafka: cannot " + what + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw unreachable(what, timeoutMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static IllegalStateException unreachable(String what, long timeoutMs) {
        return new IllegalStateException("Kafka: cannot " + what + ": no answer within " + timeoutMs + " ms (is the cluster reachable?)");
    }
}
