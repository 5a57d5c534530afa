package io.kappa.processor;

import io.kappa.log.EventLog;
import io.kappa.log.TopicConfig;

/**
 * The topics a topology is built against: how many partitions each has, and how to create the helper topics a
 * built-in needs (a gather topic, say). The local log is one catalog; a Kafka cluster is another, so the same
 * built-ins compile into the same stages on both.
 */
public interface TopicCatalog {
    boolean exists(String topic);

    /** The partition count of an existing topic; throws with a clear message for an unknown one. */
    int partitionCount(String topic);

    /** Creates the topic with that many partitions. */
    void create(String topic, int partitions);

    /** Creates the topic if missing; an existing one must have {@code partitions} partitions. */
    default void require(String topic, int partitions) {
        if (!exists(topic)) {
            create(topic, partitions);
        } else if (partitionCount(topic) != partitions) {
            throw new IllegalArgumentException("topic " + topic + " must have " + partitions + " partition"
                + (partitions == 1 ? "" : "s") + ", it has " + partitionCount(topic));
        }
    }

    static TopicCatalog of(EventLog log) {
        return new TopicCatalog() {
            @Override
            public boolean exists(String topic) {
                return log.exists(topic);
            }

            @Override
            public int partitionCount(String topic) {
                return log.topic(topic).partitionCount();
            }

            @Override
            public void create(String topic, int partitions) {
                log.createTopic(topic, TopicConfig.partitions(partitions));
            }
        };
    }
}
