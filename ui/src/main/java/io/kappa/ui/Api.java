package io.kappa.ui;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.log.EventLog;
import io.kappa.log.Partition;
import io.kappa.log.PartitionStats;
import io.kappa.log.PartitionTailer;
import io.kappa.log.Position;
import io.kappa.log.Topic;
import io.kappa.log.TopicMetadata;
import io.kappa.processor.Groups;
import io.kappa.processor.AuditLog;
import io.kappa.replay.RecordJson;
import io.kappa.replay.RewindTool;
import io.kappa.replay.StatusTool;

/**
 * The JSON documents of the console's API, each built from one freshly opened look at the data directory. Groups are
 * {@link StatusTool}'s objects, the ones {@code kappa status --json} prints; records are {@link RecordJson}'s lines, the
 * ones {@code kappa read} prints. The paths and fields are listed in {@code docs/ui.md}.
 */
final class Api {
    static final ObjectMapper JSON = new ObjectMapper();
    /** The most records one request of {@code /api/topics/T/records} returns. */
    static final int MAX_RECORDS = 1_000;

    /** A request the API refuses, with its HTTP status and a one-line reason. */
    static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;

        Refused(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private Api() {
    }

    /** {@code /api/topics}: every topic and every alias; {@code rates} holds the append rates the sampler measured. */
    static ObjectNode topics(EventLog log, Map<String, Double> rates) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode topics = root.putArray("topics");
        for (String name : new TreeSet<>(log.topicNames())) {
            topics.add(topic(log, log.topic(name), rates.get(name)));
        }
        ObjectNode aliases = root.putObject("aliases");
        log.aliases().forEach(aliases::put);
        return root;
    }

    /** {@code /api/topics/T}: settings, per partition offsets, sizes and append times, the aliases, the append rate. */
    static ObjectNode topic(EventLog log, Topic t, Double rate) {
        TopicMetadata m = t.metadata();
        ObjectNode n = JSON.createObjectNode();
        n.put("name", t.name());
        List<String> names = log.aliasesOf(t.name());
        if (!names.isEmpty()) {
            names.forEach(n.putArray("aliases")::add);
        }
        String hiddenBy = log.aliases().get(t.name());
        if (hiddenBy != null) {
            n.put("nameMeans", hiddenBy); // after promote T, the physical T is read as T.v1
        }
        n.put("partitionCount", m.partitions());
        n.put("segment", m.segment());
        n.put("retentionMs", m.retentionMs());
        n.put("retentionBytes", m.retentionBytes());
        n.put("created", m.createdTime());
        long records = 0;
        long bytes = 0;
        long last = -1;
        ArrayNode parts = n.putArray("partitions");
        for (int p = 0; p < t.partitionCount(); p++) {
            PartitionStats s = t.partition(p).stats();
            ObjectNode o = parts.addObject();
            o.put("partition", p);
            o.put("start", s.startOffset());
            o.put("end", s.endOffset());
            o.put("records", s.records());
            o.put("segments", s.segments());
            o.put("bytes", s.bytesUsed());
            putTime(o, "firstAppendTime", s.firstAppendTime());
            putTime(o, "lastAppendTime", s.lastAppendTime());
            records += s.records();
            bytes += s.bytesUsed();
            last = Math.max(last, s.lastAppendTime());
        }
        n.put("records", records);
        n.put("bytes", bytes);
        putTime(n, "lastAppendTime", last);
        if (rate != null) {
            n.put("appendRate", Math.round(rate * 10) / 10.0);
        }
        return n;
    }

    private static void putTime(ObjectNode n, String field, long epochMs) {
        if (epochMs < 0) {
            n.putNull(field);
        } else {
            n.put(field, RecordJson.formatTime(epochMs));
        }
    }

    /**
     * {@code /api/topics/T/records}: up to {@code limit} records from a position, partitions read in turns as
     * {@code kappa read} does, and {@code next}, each partition's offset after the last record returned.
     */
    static ObjectNode records(EventLog log, String name, String from, Integer partition, int limit) {
        if (limit < 0 || limit > MAX_RECORDS) {
            throw new Refused(400, "limit must be in 0.." + MAX_RECORDS + ", was " + limit);
        }
        Position position = Position.parse(from == null ? "earliest" : from);
        Topic t = log.resolveTopic(name);
        if (partition != null && (partition < 0 || partition >= t.partitionCount())) {
            throw new Refused(400, "topic " + t.name() + " has partitions 0.." + (t.partitionCount() - 1) + ", not " + partition);
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("topic", t.name());
        root.put("from", position.toString());
        StringBuilder lines = new StringBuilder("[");
        ObjectNode next = JSON.createObjectNode();
        List<PartitionTailer> tailers = new ArrayList<>();
        try {
            for (int p = 0; p < t.partitionCount(); p++) {
                if (partition == null || partition == p) {
                    Partition part = t.partition(p);
                    PartitionTailer tailer = part.newTailer();
                    tailers.add(tailer);
                    tailer.moveToOffset(position.resolve(part));
                }
            }
            int[] left = {limit};
            boolean more = true;
            while (left[0] > 0 && more) {
                more = false;
                for (PartitionTailer tailer : tailers) {
                    if (left[0] == 0) {
                        break;
                    }
                    int n = tailer.poll(r -> {
                        lines.append(lines.length() == 1 ? "" : ",").append(RecordJson.toJson(r));
                        left[0]--;
                    }, Math.min(left[0], 64));
                    more |= n > 0;
                }
            }
            for (PartitionTailer tailer : tailers) {
                next.put(Integer.toString(tailer.partition().id()), tailer.offset());
            }
        } finally {
            tailers.forEach(PartitionTailer::close);
        }
        try {
            root.set("records", JSON.readTree(lines.append(']').toString()));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("records of " + t.name() + " did not make a JSON array: " + e.getMessage(), e);
        }
        root.set("next", next);
        return root;
    }

    /** {@code /api/groups}: every group's status. */
    static ArrayNode groups(EventLog log) {
        ArrayNode a = JSON.createArrayNode();
        for (String g : Groups.list(log.dataDir())) {
            a.add(StatusTool.group(log, g));
        }
        return a;
    }

    /** {@code /api/groups/G}: the group's status, as {@code kappa status G --json}. */
    static ObjectNode group(EventLog log, String g) {
        known(log, g);
        return StatusTool.group(log, g);
    }

    /**
     * {@code /api/groups/G/audit}: the group's rewinds, undos and console actions, and the promotes of the topics it
     * writes, oldest first.
     */
    static ObjectNode audit(EventLog log, String g) {
        known(log, g);
        ObjectNode root = JSON.createObjectNode();
        root.put("group", g);
        List<JsonNode> entries = new ArrayList<>(AuditLog.ofGroup(log.dataDir(), g));
        JsonNode info = Groups.info(log.dataDir(), g);
        TreeSet<String> outputs = new TreeSet<>();
        if (info != null) {
            info.path("outputs").forEach(o -> outputs.add(o.asText()));
        }
        for (JsonNode e : AuditLog.ofDataDir(log.dataDir())) {
            if ("promote".equals(e.path("action").asText()) && (outputs.contains(e.path("to").asText())
                || outputs.contains(e.path("name").asText()))) {
                entries.add(e);
            }
        }
        entries.sort((a, b) -> a.path("time").asText().compareTo(b.path("time").asText()));
        entries.forEach(root.putArray("entries")::add);
        return root;
    }

    /** A rewind's dry-run plan: what {@code kappa rewind --group G --to POS --dry-run} prints, as JSON. */
    static ObjectNode plan(EventLog log, String g, String to, Integer partition) {
        known(log, g);
        if (to == null || to.isBlank()) {
            throw new Refused(400, "give the position to rewind to: to=earliest|latest|OFFSET|TIME");
        }
        Position position = Position.parse(to);
        RewindTool.Plan plan;
        try {
            plan = RewindTool.rewind(log, g, position::resolve, position.toString(), 0, partition, true, line -> { });
        } catch (Groups.GroupBusyException e) {
            throw new Refused(409, e.getMessage());
        }
        ObjectNode n = JSON.createObjectNode();
        n.put("group", g);
        n.put("to", position.toString());
        n.put("dryRun", true);
        ArrayNode moves = n.putArray("moves");
        for (RewindTool.Move m : plan.moves()) {
            ObjectNode o = moves.addObject();
            o.put("stage", m.stage());
            o.put("topic", m.topic());
            o.put("partition", m.partition());
            o.put("current", m.current());
            o.put("target", m.target());
            o.put("clamped", m.clamped());
        }
        n.put("state", plan.how());
        n.put("rebuildEvents", plan.rebuildEvents());
        if (plan.snapshot() != null) {
            n.set("snapshot", io.kappa.processor.Snapshots.json(plan.snapshot()));
        }
        n.put("events", plan.events());
        n.put("bytes", plan.bytes());
        n.put("ratePerSecond", plan.ratePerSecond());
        if (plan.ratePerSecond() > 0) {
            n.put("expectedSeconds", plan.expectedSeconds());
            n.put("rebuildSeconds", plan.rebuildSeconds());
        }
        plan.warnings().forEach(n.putArray("warnings")::add);
        return n;
    }

    /** {@code /api/kafka/groups}: the status of every kappa group on the Kafka cluster, as {@code kappa status G --kafka --json}. */
    static ObjectNode kafkaGroups(io.kappa.kafka.KafkaGroups kafka) {
        ObjectNode root = JSON.createObjectNode();
        root.put("bootstrap", kafka.bootstrap());
        ArrayNode groups = root.putArray("groups");
        for (String g : kafka.kappaGroups()) {
            groups.add(kafka.status(g));
        }
        return root;
    }

    /** {@code /api/kafka/groups/G}: one kappa group on the Kafka cluster. */
    static ObjectNode kafkaGroup(io.kappa.kafka.KafkaGroups kafka, String g) {
        if (!kafka.kappaGroups().contains(g)) {
            throw new Refused(404, "no kappa group '" + g + "' on Kafka " + kafka.bootstrap() + " (no changelog topic " + g + "-kappa-*-changelog)");
        }
        return kafka.status(g);
    }

    /** Asks a running group's process to stop (SIGTERM: it writes a last checkpoint and exits, as after Ctrl-C). */
    static ObjectNode stop(EventLog log, String g) {
        known(log, g);
        if (!Groups.isRunning(log.dataDir(), g)) {
            throw new Refused(409, "group " + g + " is not running");
        }
        JsonNode info = Groups.info(log.dataDir(), g);
        long pid = info == null ? -1 : info.path("pid").asLong(-1);
        if (pid <= 0) {
            throw new Refused(409, "group " + g + " runs, but its group.json names no process");
        }
        if (pid == ProcessHandle.current().pid()) {
            throw new Refused(409, "group " + g + " runs inside this process (kappa demo); stop it there");
        }
        ProcessHandle process = ProcessHandle.of(pid)
            .orElseThrow(() -> new Refused(409, "group " + g + ": its process " + pid + " is gone"));
        boolean asked = process.destroy();
        ObjectNode n = JSON.createObjectNode();
        n.put("group", g);
        n.put("pid", pid);
        n.put("signalled", asked);
        return n;
    }

    private static void known(EventLog log, String g) {
        Groups.validateName(g);
        if (!Groups.exists(log.dataDir(), g)) {
            throw new Refused(404, "unknown group '" + g + "'");
        }
    }
}
