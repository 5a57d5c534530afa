package io.kappa.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import io.kappa.log.EventLog;
import io.kappa.log.LogException;
import io.kappa.log.PartitionStats;
import io.kappa.log.Topic;
import io.kappa.log.TopicConfig;
import io.kappa.log.TopicMetadata;
import io.kappa.processor.Serdes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code kappa topic create | list | describe | delete}. */
@Command(name = "topic", mixinStandardHelpOptions = true, description = "Create, list, describe and delete topics.",
    subcommands = {TopicCommand.Create.class, TopicCommand.ListTopics.class, TopicCommand.Describe.class, TopicCommand.Delete.class})
final class TopicCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing subcommand: create, list, describe or delete");
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a topic.")
    static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        DataDirOptions data;
        @Parameters(paramLabel = "NAME", description = "Topic name: 1-200 of A-Z a-z 0-9 . _ -")
        String name;
        @Option(names = "--partitions", defaultValue = "1", description = "Partitions, fixed for life (default: ${DEFAULT-VALUE}).")
        int partitions;
        @Option(names = "--retention-ms", defaultValue = "-1", description = "Drop whole segments older than this; -1 keeps everything (default).")
        long retentionMs;
        @Option(names = "--retention-bytes", defaultValue = "-1", description = "Drop oldest segments beyond this size per partition; -1 keeps everything (default).")
        long retentionBytes;
        @Option(names = "--segment", defaultValue = "1h", description = "Segment length: 5m, 10m, 20m, 30m, 1h, 2h, 4h, 6h, 1d, 7d (default: ${DEFAULT-VALUE}).")
        String segment;

        @Override
        public Integer call() {
            TopicConfig config = new TopicConfig(partitions, retentionMs, retentionBytes, segment);
            try (EventLog log = data.open()) {
                Topic t = log.createTopic(name, config);
                spec.commandLine().getOut().printf("created topic %s with %d partition%s%n", t.name(), t.partitionCount(), t.partitionCount() == 1 ? "" : "s");
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = {"List topics, with the aliases `kappa promote` made.",
        "Topics a group keeps for itself (GROUP.repartition, GROUP.gather, the scratch topics of a rewind or a verify) are",
        "left out unless --all."})
    static final class ListTopics implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        DataDirOptions data;
        @Option(names = "--all", description = "Also the topics groups keep for themselves.")
        boolean all;
        @Option(names = "--json", description = "One JSON object per topic: {\"name\",\"alias\" (its target, for an alias),\"internal\",\"aliases\"}.")
        boolean json;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            if (!data.exists()) {
                spec.commandLine().getErr().println("kappa: no topics: " + data.noData());
                return 0;
            }
            try (EventLog log = data.open()) {
                Map<String, String> aliases = log.aliases();
                java.util.Set<String> internal = InternalTopics.of(log.dataDir(), log.topicNames());
                java.util.TreeSet<String> names = new java.util.TreeSet<>(log.topicNames());
                names.addAll(aliases.keySet());
                int hidden = 0;
                for (String name : names) {
                    if (!all && internal.contains(name)) {
                        hidden++;
                        continue;
                    }
                    if (aliases.containsKey(name)) {
                        if (json) {
                            out.println(Serdes.MAPPER.createObjectNode().put("name", name).put("alias", aliases.get(name)).toString());
                        } else {
                            out.printf("%s -> %s  (alias)%n", name, aliases.get(name));
                        }
                    }
                    if (log.exists(name)) {
                        if (json) {
                            com.fasterxml.jackson.databind.node.ObjectNode n = Serdes.MAPPER.createObjectNode().put("name", name)
                                .put("internal", internal.contains(name));
                            log.aliasesOf(name).forEach(n.putArray("aliases")::add);
                            out.println(n.toString());
                        } else {
                            out.println(label(aliases, name) + (internal.contains(name) ? "  (internal)" : ""));
                        }
                    }
                }
                if (names.isEmpty() && !json) {
                    spec.commandLine().getErr().println("kappa: no topics in " + log.dataDir() + " yet (`kappa topic create NAME`)");
                } else if (hidden > 0 && !json) {
                    spec.commandLine().getErr().printf("kappa: %d internal topic%s not shown (--all shows them)%n", hidden, hidden == 1 ? "" : "s");
                }
            }
            return 0;
        }
    }

    @Command(name = "describe", mixinStandardHelpOptions = true, description = "Show a topic's settings and partitions.")
    static final class Describe implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        DataDirOptions data;
        @Parameters(paramLabel = "NAME")
        String name;
        @Option(names = "--json", description = "one JSON object: the settings and \"partitionStats\".")
        boolean json;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (EventLog log = data.openForReading()) {
                Topic t = log.resolveTopic(name);
                if (json) {
                    out.println(describeJson(t).toString());
                    return 0;
                }
                if (!t.name().equals(name)) {
                    out.printf("%s -> %s  (alias)%n", name, t.name());
                }
                TopicMetadata m = t.metadata();
                out.printf("topic %s: %d partitions, segment %s, retention %s, %s, created %s%n", m.name(), m.partitions(), m.segment(),
                    m.retentionMs() < 0 ? "forever" : m.retentionMs() + " ms", m.retentionBytes() < 0 ? "no size limit" : m.retentionBytes() + " bytes",
                    m.createdTime());
                out.printf("%-9s %12s %12s %12s %8s %14s  %-24s  %-24s%n", "partition", "start", "end", "records", "segments", "bytes used",
                    "first append time", "last append time");
                for (int p = 0; p < t.partitionCount(); p++) {
                    PartitionStats s = t.partition(p).stats();
                    out.printf("%-9d %12d %12d %12d %8d %14d  %-24s  %-24s%n", p, s.startOffset(), s.endOffset(), s.records(), s.segments(),
                        s.bytesUsed(), s.firstAppendTime() < 0 ? "-" : io.kappa.replay.RecordJson.formatTime(s.firstAppendTime()),
                        s.lastAppendTime() < 0 ? "-" : io.kappa.replay.RecordJson.formatTime(s.lastAppendTime()));
                }
            }
            return 0;
        }
    }

    private static com.fasterxml.jackson.databind.node.ObjectNode describeJson(Topic t) {
        TopicMetadata m = t.metadata();
        com.fasterxml.jackson.databind.node.ObjectNode n = Serdes.MAPPER.createObjectNode();
        n.put("name", m.name()).put("partitions", m.partitions()).put("segment", m.segment()).put("retentionMs", m.retentionMs())
            .put("retentionBytes", m.retentionBytes()).put("created", String.valueOf(m.createdTime()));
        com.fasterxml.jackson.databind.node.ArrayNode parts = n.putArray("partitionStats");
        for (int p = 0; p < t.partitionCount(); p++) {
            PartitionStats s = t.partition(p).stats();
            com.fasterxml.jackson.databind.node.ObjectNode o = parts.addObject().put("partition", p).put("start", s.startOffset())
                .put("end", s.endOffset()).put("records", s.records()).put("segments", s.segments()).put("bytes", s.bytesUsed());
            o.put("firstAppendTime", s.firstAppendTime() < 0 ? null : io.kappa.replay.RecordJson.formatTime(s.firstAppendTime()));
            o.put("lastAppendTime", s.lastAppendTime() < 0 ? null : io.kappa.replay.RecordJson.formatTime(s.lastAppendTime()));
        }
        return n;
    }

    /**
     * A physical topic as lists show it: with the aliases that point at it, and marked when an alias of its own name
     * means another topic (after {@code promote T}, the physical T is read as T.v1).
     */
    static String label(Map<String, String> aliases, String topic) {
        List<String> names = new ArrayList<>();
        aliases.forEach((n, target) -> {
            if (target.equals(topic)) {
                names.add(n);
            }
        });
        if (aliases.containsKey(topic)) {
            return topic + (names.isEmpty() ? "  (hidden by the alias " + topic + " -> " + aliases.get(topic) + ")"
                : "  (read as " + String.join(", ", names) + ")");
        }
        return names.isEmpty() ? topic : topic + "  (also " + String.join(", ", names) + ")";
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = {"Delete a topic and all its events.",
        "An alias (kappa promote) is not deleted by its name; a topic that aliases point at is deleted only with --force."})
    static final class Delete implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        DataDirOptions data;
        @Parameters(paramLabel = "NAME")
        String name;
        @Option(names = "--physical", description = "NAME is the topic physically named so, even where an alias of that name means another.")
        boolean physical;
        @Option(names = "--force", description = "Also remove the aliases that point at the topic.")
        boolean force;

        @Override
        public Integer call() {
            List<String> dropped;
            try (EventLog log = data.openExisting()) {
                Map<String, String> aliases = log.aliases();
                String target = aliases.get(name);
                if (target != null && !physical) {
                    String message = name + " is an alias of topic " + target + " (kappa promote); nothing deleted. To delete " + target
                        + " and the aliases that point at it (" + String.join(", ", log.aliasesOf(target)) + "): " + command(aliases, target);
                    if (log.exists(name)) {
                        message += ". The topic physically named " + name + " is a different one (read as "
                            + String.join(", ", log.aliasesOf(name)) + "); to delete it: " + command(aliases, name);
                    }
                    throw new CommandFailure(message);
                }
                dropped = log.aliasesOf(name);
                try {
                    log.deleteTopic(name, force);
                } catch (LogException.TopicAliased e) {
                    throw new CommandFailure(e.getMessage() + "; to delete it and remove the alias" + (dropped.size() == 1 ? "" : "es")
                        + ", add --force");
                }
            }
            spec.commandLine().getOut().printf("deleted topic %s%s%n", name, dropped.isEmpty() ? "" : " and its alias"
                + (dropped.size() == 1 ? " " : "es ") + String.join(", ", dropped));
            return 0;
        }

        /** The command that deletes the physical topic {@code topic} and the aliases that point at it. */
        private static String command(Map<String, String> aliases, String topic) {
            return "kappa topic delete " + topic + (aliases.containsKey(topic) ? " --physical" : "")
                + (aliases.containsValue(topic) ? " --force" : "");
        }
    }
}
