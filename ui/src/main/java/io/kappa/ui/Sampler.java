package io.kappa.ui;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.log.EventLog;

/**
 * Looks at the data directory once an interval, on its own thread: every topic and group, as the API shows them,
 * plus what only a series of looks can tell (topics' append rates, each group's lag and rate over the last minutes).
 * Each look is published as one snapshot that the event streams of all open pages send; {@link #await} lets them wait
 * for the next one.
 */
final class Sampler implements AutoCloseable {
    private final EventLog log;
    private final long intervalMs;
    private final int historySize;
    private final ScheduledExecutorService thread;
    /** Per group, the last samples {time, lag, eventsPerSecond, records}; guarded by this. */
    private final Map<String, ArrayDeque<ObjectNode>> history = new HashMap<>();
    /** Per topic, the total end offset and the time of the previous look, for append rates; sampler thread only. */
    private final Map<String, long[]> lastEnds = new HashMap<>();
    private volatile Map<String, Double> rates = Map.of();
    /** The last whole look at topics and groups; sampler thread only. */
    private ObjectNode lastTopics;
    private ArrayNode lastGroups;
    /** The Kafka cluster's groups, looked at on a thread of their own (a slow cluster must not hold up the local view). */
    private final io.kappa.kafka.KafkaGroups kafka;
    private final ScheduledExecutorService kafkaThread;
    private volatile ObjectNode kafkaView;
    private Snapshot latest = new Snapshot(0, null);
    private boolean closed;

    Sampler(EventLog log, long intervalMs, long historyMs, io.kappa.kafka.KafkaGroups kafka) {
        this.log = log;
        this.kafka = kafka;
        this.kafkaThread = kafka == null ? null : Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kappa-ui-kafka");
            t.setDaemon(true);
            return t;
        });
        this.intervalMs = intervalMs;
        this.historySize = (int) Math.max(1, historyMs / intervalMs);
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kappa-ui-sampler");
            t.setDaemon(true);
            return t;
        });
    }

    void start() {
        thread.scheduleAtFixedRate(this::look, 0, intervalMs, TimeUnit.MILLISECONDS);
        if (kafkaThread != null) {
            kafkaThread.scheduleWithFixedDelay(this::lookAtKafka, 0, intervalMs, TimeUnit.MILLISECONDS);
        }
    }

    private void lookAtKafka() {
        ObjectNode view;
        try {
            view = Api.kafkaGroups(kafka);
        } catch (RuntimeException e) {
            view = Api.JSON.createObjectNode();
            view.put("bootstrap", kafka.bootstrap());
            view.put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        kafkaView = view;
    }

    /** The append rates measured at the last look, per topic, in records per second. */
    Map<String, Double> rates() {
        return rates;
    }

    private void look() {
        ObjectNode s = Api.JSON.createObjectNode();
        long now = System.currentTimeMillis();
        s.put("time", java.time.Instant.ofEpochMilli(now).toString());
        s.put("intervalMs", intervalMs);
        try {
            measureRates(log, now);
            ObjectNode topics = Api.topics(log, rates);
            ArrayNode groups = Api.groups(log);
            lastTopics = topics;
            lastGroups = groups;
            record(groups, now);
        } catch (RuntimeException e) {
            // a look can meet a topic or group half created by another process; the page keeps the last whole look, says
            // why it is not newer, and the next look sees it whole
            s.put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        if (lastTopics != null) {
            s.set("topics", lastTopics);
            s.set("groups", lastGroups);
        }
        if (kafkaView != null) {
            s.set("kafka", kafkaView);
        }
        publish(s.toString());
    }

    private void measureRates(EventLog log, long now) {
        Map<String, Double> measured = new HashMap<>();
        Map<String, long[]> seen = new HashMap<>();
        for (String name : log.topicNames()) {
            var t = log.topic(name);
            long end = 0;
            for (int p = 0; p < t.partitionCount(); p++) {
                end += t.partition(p).endOffset();
            }
            long[] before = lastEnds.get(name);
            if (before != null && now > before[1]) {
                measured.put(name, Math.max(0, end - before[0]) * 1000.0 / (now - before[1]));
            }
            seen.put(name, new long[] {end, now});
        }
        lastEnds.clear();
        lastEnds.putAll(seen);
        rates = Map.copyOf(measured);
    }

    private synchronized void record(ArrayNode groups, long now) {
        java.util.Set<String> present = new java.util.HashSet<>();
        for (JsonNode g : groups) {
            String name = g.path("group").asText();
            present.add(name);
            ObjectNode sample = Api.JSON.createObjectNode();
            sample.put("time", now);
            sample.put("lag", g.path("lag").asLong());
            sample.put("eventsPerSecond", g.path("eventsPerSecond").asLong());
            sample.put("records", g.path("records").asLong());
            ArrayDeque<ObjectNode> h = history.computeIfAbsent(name, k -> new ArrayDeque<>());
            h.addLast(sample);
            while (h.size() > historySize) {
                h.removeFirst();
            }
        }
        history.keySet().retainAll(present);
    }

    /** {@code /api/groups/G/history}: the group's samples, oldest first (times in epoch milliseconds). */
    synchronized ObjectNode history(String group) {
        ObjectNode n = Api.JSON.createObjectNode();
        n.put("group", group);
        n.put("intervalMs", intervalMs);
        ArrayNode a = n.putArray("samples");
        history.getOrDefault(group, new ArrayDeque<>()).forEach(a::add);
        return n;
    }

    /** One look, numbered from 1, as the JSON text the event stream sends. */
    record Snapshot(long version, String json) {
    }

    private synchronized void publish(String s) {
        latest = new Snapshot(latest.version() + 1, s);
        notifyAll();
    }

    /**
     * Waits up to {@code timeoutMs} for a snapshot newer than version {@code seen}; returns it, or null on timeout or
     * close.
     */
    synchronized Snapshot await(long seen, long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!closed && latest.version() <= seen) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return null;
            }
            wait(left);
        }
        return closed ? null : latest;
    }

    synchronized boolean closed() {
        return closed;
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        thread.shutdownNow();
        if (kafkaThread != null) {
            kafkaThread.shutdownNow();
        }
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
