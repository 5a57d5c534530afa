package io.kappa.replay;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.log.EventLog;
import io.kappa.log.Partition;
import io.kappa.log.PartitionTailer;
import io.kappa.processor.Groups;
import io.kappa.processor.Snapshots;
import io.kappa.processor.TaskCheckpoint;
import io.kappa.processor.window.LateRecords;

/**
 * A group's status from its files alone (lock, {@code group.json}, checkpoints) and its inputs' ends: what
 * {@code kappa status --json} prints and {@code kappa ui} serves. Fields: {@code group}, {@code running}, {@code pid},
 * {@code processor}, {@code replay} (started by {@code kappa replay}), {@code drained}, {@code partitions} (per input
 * partition: stage, topic, aliases, partition, committed, end, lag in records, {@code lagMs} (how much earlier the
 * oldest unprocessed record was appended than the newest), watermark, and for a replay with {@code --to} its
 * {@code stopAt}), {@code tasks}, totals ({@code lag}, {@code records}, {@code deadLettered}, {@code late},
 * {@code stateEntries}, {@code stateBytes}, {@code eventsPerSecond}), {@code lastCheckpoint}, and for a replay
 * {@code remaining} (records until its stop, or its inputs' ends) and {@code etaSeconds} at the last rate.
 */
public final class StatusTool {
    private static final ObjectMapper JSON = new ObjectMapper();

    private StatusTool() {
    }

    /** The status of one group of the log's data directory. */
    public static ObjectNode group(EventLog log, String g) {
        Path dir = log.dataDir();
        ObjectNode s = JSON.createObjectNode();
        s.put("group", g);
        boolean running = Groups.isRunning(dir, g);
        s.put("running", running);
        JsonNode info = Groups.info(dir, g);
        JsonNode stopAt = info == null ? null : info.get("stopAt");
        if (info != null) {
            s.put("processor", info.path("description").asText(""));
            if (running) {
                s.put("pid", info.path("pid").asLong());
            }
            s.put("replay", info.path("replay").asBoolean(false));
        }
        long lastCheckpoint = Long.MIN_VALUE;
        long rate = 0;
        long stateEntries = 0;
        long stateBytes = 0;
        long records = 0;
        long dead = 0;
        long late = 0;
        long totalLag = 0;
        long remaining = 0;
        ArrayNode parts = s.putArray("partitions");
        List<TaskCheckpoint> checkpoints = Groups.checkpoints(dir, g);
        long drainedAt = Groups.drainedAt(checkpoints);
        if (drainedAt != Long.MIN_VALUE) {
            s.put("drained", Instant.ofEpochMilli(drainedAt).toString());
        }
        ArrayNode tasks = s.putArray("tasks");
        for (TaskCheckpoint c : checkpoints) {
            lastCheckpoint = Math.max(lastCheckpoint, c.wallTimeMs());
            rate += c.ratePerSecond();
            for (long n : c.storeSizes().values()) {
                stateEntries += n;
            }
            stateBytes += c.stateBytes();
            records += c.records();
            dead += c.deadLettered();
            late += c.late();
            ObjectNode t = tasks.addObject();
            t.put("stage", c.stage());
            t.put("task", c.task());
            t.put("records", c.records());
            t.put("deadLettered", c.deadLettered());
            t.put("late", c.late());
            for (TaskCheckpoint.Input in : c.inputs()) {
                ObjectNode p = parts.addObject();
                p.put("stage", c.stage());
                p.put("topic", in.topic());
                List<String> names = log.aliasesOf(in.topic());
                if (!names.isEmpty()) {
                    names.forEach(p.putArray("aliases")::add);
                }
                p.put("partition", in.partition());
                p.put("committed", in.nextOffset());
                if (c.watermark() != Long.MIN_VALUE) {
                    p.put("watermark", c.drained() ? "end (drained)" : LateRecords.iso(c.watermark()));
                }
                if (log.exists(in.topic())) {
                    Partition partition = log.topic(in.topic()).partition(in.partition());
                    long end = partition.endOffset();
                    long lag = Math.max(0, end - in.nextOffset());
                    p.put("end", end);
                    p.put("lag", lag);
                    p.put("lagMs", lag == 0 ? 0 : lagMillis(partition, Math.max(in.nextOffset(), partition.startOffset()), end));
                    totalLag += lag;
                    long stop = end;
                    JsonNode stops = stopAt == null ? null : stopAt.get(in.topic());
                    if (stops != null && stops.has(in.partition())) {
                        stop = Math.min(end, stops.get(in.partition()).asLong());
                        p.put("stopAt", stops.get(in.partition()).asLong());
                    }
                    remaining += Math.max(0, stop - in.nextOffset());
                } else {
                    p.putNull("end");
                }
            }
        }
        s.put("lag", totalLag);
        s.put("records", records);
        s.put("deadLettered", dead);
        s.put("late", late);
        s.put("stateEntries", stateEntries);
        s.put("stateBytes", stateBytes);
        s.put("eventsPerSecond", rate);
        if (lastCheckpoint != Long.MIN_VALUE) {
            s.put("lastCheckpoint", Instant.ofEpochMilli(lastCheckpoint).toString());
        }
        if (s.path("replay").asBoolean(false)) {
            s.put("remaining", remaining);
            if (remaining == 0) {
                s.put("etaSeconds", 0.0);
            } else if (rate > 0 && running) {
                s.put("etaSeconds", remaining / (double) rate);
            }
        }
        return s;
    }

    /**
     * The group's snapshots, newest first ({@link Snapshots#json}), and what {@code group.json} says about taking them
     * ({@code everyRecords}, {@code everyMs}, {@code keep}): {@code kappa status G --snapshots}.
     */
    public static ObjectNode snapshots(Path dataDir, String g, java.util.function.Consumer<String> warn) {
        ObjectNode n = JSON.createObjectNode();
        JsonNode info = Groups.info(dataDir, g);
        if (info != null && info.has("snapshots")) {
            n.set("policy", info.get("snapshots"));
        }
        ArrayNode list = n.putArray("list");
        for (Snapshots.Snapshot s : Snapshots.list(dataDir, g, warn)) {
            list.add(Snapshots.json(s));
        }
        return n;
    }

    /** Append time of the newest record minus that of the oldest unprocessed one ({@code next}), never below 0. */
    private static long lagMillis(Partition partition, long next, long end) {
        if (next >= end) {
            return 0;
        }
        long[] t = new long[2];
        try (PartitionTailer tailer = partition.newTailer()) {
            tailer.moveToOffset(next).poll(r -> t[0] = r.appendTime(), 1);
            tailer.moveToOffset(end - 1).poll(r -> t[1] = r.appendTime(), 1);
        }
        return Math.max(0, t[1] - t[0]);
    }
}
