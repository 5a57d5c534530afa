package io.kappa.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.kappa.processor.ProcessorRunner;
import io.kappa.processor.RunnerContext;
import io.kappa.processor.Topology;
import io.kappa.processor.builtin.Builtins;
import io.kappa.processor.builtin.GroupKey;
import io.kappa.processor.Serdes;
import io.kappa.processor.builtin.BuiltinSpec;
import io.kappa.replay.DiffTool;
import io.kappa.replay.PromoteTool;
import io.kappa.replay.RewindTool;
import java.util.concurrent.Callable;

import io.kappa.log.Appended;
import io.kappa.log.Dirs;
import io.kappa.log.Event;
import io.kappa.log.EventLog;
import io.kappa.log.LogContext;
import io.kappa.log.Partition;
import io.kappa.log.PartitionTailer;
import io.kappa.log.Topic;
import io.kappa.log.TopicConfig;
import io.kappa.server.KappaServer;
import io.kappa.server.ServerConfig;
import io.kappa.client.KappaClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The end-to-end demo on an embedded default: creates a topic, appends keyed events, reads them back from
 * every partition, seeks by offset and by time, and checks what it read.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run the demo: create a topic, append events, read them back, seek by offset and time, ingest over TCP, "
        + "count by page with a processor, resume it, rewind and recompute, count per page and minute of event time, replay "
        + "a changed logic into a new version, diff and promote.")
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--data-dir", description = "Data directory (default: a new temporary directory, removed afterwards).")
    Path dataDir;

    @Option(names = "--events", defaultValue = "100000", description = "Events to append (default: ${DEFAULT-VALUE}).")
    int events;

    @Option(names = "--partitions", defaultValue = "3", description = "Partitions of the demo topic (default: ${DEFAULT-VALUE}).")
    int partitions;

    /**
     * Runs {@code count --by page} over the demo topic (a repartition stage, then the count), checks every page's
     * final count against the log, then runs it again after more events: it resumes from its checkpoint.
     */
    private long process(EventLog log, String topicName, PrintWriter out) throws InterruptedException {
        String group = "demo-pages";
        String output = topicName + ".page-counts";
        long[] processed = {0};
        for (int run = 1; run <= 2; run++) {
            Topology topology = Builtins.count(group, List.of(topicName), output, GroupKey.parse("page", false),
                log.topic(topicName).partitionCount() > 1);
            long start = System.nanoTime();
            try (ProcessorRunner runner = new ProcessorRunner(log, topology, new RunnerContext().group(group).threads(2)
                .description("count --by page"))) {
                runner.start();
                while (!runner.awaitCaughtUp(60_000)) {
                    out.println("   still processing...");
                }
                runner.close();
                if (runner.failure() != null) {
                    throw new IllegalStateException("the demo processor failed: " + runner.failure().getMessage(), runner.failure());
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                long n = runner.recordsProcessed();
                Map<String, Long> expected = pageCounts(log.topic(topicName), "page");
                Map<String, Long> got = latestCounts(log.topic(output));
                Long noPage = expected.remove("(no page)");
                long dead = runner.deadLettered();
                if (dead != (noPage == null ? 0 : noPage)) {
                    throw new IllegalStateException(dead + " events went to " + group + ".dlq, but " + noPage + " have no page");
                }
                if (!expected.equals(got)) {
                    throw new IllegalStateException("page counts differ from a count over the log: " + expected + " vs " + got);
                }
                if (run == 1) {
                    out.printf("7. processor count --by page (group %s, 2 stages through %s.repartition): %,d records through both stages in %.2f s,%n"
                        + "   %d pages counted, every count equal to a recount of the log (e.g. %s);%n"
                        + "   the %,d events without a page (the TCP ones) went to %s.dlq with the error%n", group, group, n, seconds,
                        got.size(), got.entrySet().iterator().next(), dead, group);
                } else {
                    out.printf("8. appended 1,000 more events and ran it again: it resumed from its checkpoint and processed only%n"
                        + "   the new ones (%,d more records through both stages, in %.2f s; counts still equal to a recount)%n",
                        n - processed[0], seconds);
                }
                processed[0] = n;
            }
            if (run == 1) {
                List<Event> more = new ArrayList<>();
                for (int i = 0; i < 1000; i++) {
                    more.add(Event.of("user-" + (i % 17), "{\"user\":\"user-" + (i % 17) + "\",\"page\":\"/p/" + (i % 7) + "\"}"));
                }
                log.topic(topicName).appendBatch(more);
            }
        }
        reprocess(log, topicName, group, output, out);
        return processed[0];
    }

    /** The Kappa loop: rewind and recompute, replay a changed logic into a new version, diff, promote. */
    private void reprocess(EventLog log, String topicName, String group, String output, PrintWriter out) throws InterruptedException {
        RewindTool.Plan plan = RewindTool.rewind(log, group, Partition::startOffset, "earliest", 0, null, false, line -> { });
        long recomputed = runToEnd(log, Builtins.count(group, List.of(topicName), output, GroupKey.parse("page", false), true), group);
        Map<String, Long> expected = pageCounts(log.topic(topicName), "page");
        expected.remove("(no page)");
        if (!expected.equals(latestCounts(log.topic(output)))) {
            throw new IllegalStateException("after the rewind the page counts differ from a recount of the log");
        }
        out.printf("9. rewound %s to earliest (%,d events to reprocess; state cleared) and ran it again: %,d records recomputed through both stages,%n"
            + "   appended after the old results; the latest count of every page still equals a recount%n", group, plan.events(),
            recomputed);

        windows(log, topicName, out);
    }

    /**
     * The Kappa loop on a windowed count: per page and minute by event time, then a changed logic replayed into a
     * new version beside it, compared window by window, and promoted.
     */
    private void windows(EventLog log, String topicName, PrintWriter out) throws InterruptedException {
        String output = topicName + ".page-minutes";
        String group = "demo-minutes";
        Map<String, String> options = new java.util.LinkedHashMap<>();
        options.put("by", "page");
        options.put("size", "1m");
        options.put("out-of-order", "5s");
        BuiltinSpec live = new BuiltinSpec("window-count", options);
        runToEnd(log, live.topology(log, group, List.of(topicName), output), group);
        Map<String, Long> windows = windowCounts(log.topic(output));
        Map<String, Long> recount = new TreeMap<>();
        forEach(log.topic(topicName), r -> {
            String v = r.valueString();
            int at = v.indexOf("\"page\":\"");
            if (at >= 0) {
                at += 8;
                String key = v.substring(at, v.indexOf('"', at)) + " " + Instant.ofEpochMilli(Math.floorDiv(r.eventTime(), 60_000L) * 60_000L);
                if (windows.containsKey(key)) {
                    recount.merge(key, 1L, Long::sum);
                }
            }
        });
        if (windows.isEmpty() || !windows.equals(recount)) {
            throw new IllegalStateException("the windowed counts differ from a recount of the log: " + windows + " vs " + recount);
        }
        if (log.exists(group + ".late") && log.topic(group + ".late").partition(0).endOffset() > 0) {
            throw new IllegalStateException("events within the allowed disorder went to " + group + ".late");
        }
        out.printf("10. window-count --by page --size 1m --out-of-order 5s (group %s): %,d windows (page x minute of event time)%n"
            + "    closed by the watermark and written once each, every count equal to a recount of the log; events arrived%n"
            + "    up to 3 s out of order and none was late; the newest minute stays open until later events close it%n",
            group, windows.size());

        String v2 = output + ".v2";
        String group2 = group + ".v2";
        Map<String, String> changed = new java.util.LinkedHashMap<>(options);
        changed.put("where", "user != user-0");
        long replayed = runToEnd(log, new BuiltinSpec("window-count", changed).topology(log, group2, List.of(topicName), v2), group2);
        out.printf("11. replayed a changed logic (the same windowed count without user-0's clicks, --where 'user != user-0') over%n"
            + "    the whole log into %s under its own group %s, while %s stayed as it was: %,d records%n", v2, group2, output,
            replayed);

        DiffTool.Result d = DiffTool.diff(log, output, v2, DiffTool.rowFields("key,windowStart"));
        DiffTool.Difference first = d.differences().isEmpty() ? null : d.differences().get(0);
        out.printf("12. diff %s %s --by key,windowStart: %,d windows equal, %,d differ%s%n", output, v2, d.equalKeys(), d.changed(),
            first == null ? "" : "\n    e.g. " + first.key() + ": " + first.left() + "\n                    -> " + first.right());

        PromoteTool.Result promoted = PromoteTool.promote(log, output, "v2", false);
        if (!log.resolve(output).equals(v2)) {
            throw new IllegalStateException("after the promote " + output + " does not read as " + v2);
        }
        out.printf("13. promoted %s to v2: readers of %s now get %s; the first version stays readable as %s%n", output, output, v2,
            promoted.oldName());
    }

    /** (page, window start) -> count of a window-count output. */
    private static Map<String, Long> windowCounts(Topic topic) {
        Map<String, Long> counts = new TreeMap<>();
        forEach(topic, r -> {
            com.fasterxml.jackson.databind.JsonNode v = Serdes.json().deserialize(r.valueBytes());
            if (counts.put(r.keyString() + " " + v.get("windowStart").asText(), v.get("count").asLong()) != null) {
                throw new IllegalStateException("window " + r.keyString() + " " + v.get("windowStart") + " written twice");
            }
        });
        return counts;
    }

    private static long runToEnd(EventLog log, Topology topology, String group) throws InterruptedException {
        try (ProcessorRunner runner = new ProcessorRunner(log, topology, new RunnerContext().group(group).threads(2))) {
            runner.start();
            long before = runner.recordsProcessed(); // what its checkpoints had counted already
            while (!runner.awaitCaughtUp(60_000)) {
                // a big history takes a while
            }
            runner.close();
            if (runner.failure() != null) {
                throw new IllegalStateException("the demo processor failed: " + runner.failure().getMessage(), runner.failure());
            }
            return runner.recordsProcessed() - before;
        }
    }

    private static Map<String, Long> pageCounts(Topic topic, String field) {
        Map<String, Long> counts = new TreeMap<>();
        forEach(topic, r -> {
            String v = r.valueString();
            int at = v.indexOf("\"" + field + "\":\"");
            if (at < 0) {
                counts.merge("(no " + field + ")", 1L, Long::sum);
                return;
            }
            at += field.length() + 4;
            counts.merge(v.substring(at, v.indexOf('"', at)), 1L, Long::sum);
        });
        return counts;
    }

    private static Map<String, Long> latestCounts(Topic topic) {
        Map<String, Long> counts = new TreeMap<>();
        forEach(topic, r -> {
            String v = r.valueString();
            counts.put(r.keyString(), Long.parseLong(v.substring(v.indexOf("\"count\":") + 8, v.length() - 1)));
        });
        return counts;
    }

    private static void forEach(Topic topic, io.kappa.log.RecordHandler handler) {
        for (int p = 0; p < topic.partitionCount(); p++) {
            try (PartitionTailer tailer = topic.partition(p).newTailer()) {
                while (tailer.poll(handler, 4096) > 0) {
                    // drain
                }
            }
        }
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        boolean temporary = dataDir == null;
        Path dir = temporary ? Files.createTempDirectory("kappa-demo-") : dataDir;
        try (EventLog log = EventLog.open(new LogContext().dataDir(dir));
             io.kappa.ui.UiServer console = console(dir)) {
            out.printf("0. live console (kappa ui) while the demo runs: %s%n", console.url());
            String name = "demo.clicks." + System.currentTimeMillis();
            Topic topic = log.createTopic(name, TopicConfig.partitions(partitions));
            out.printf("1. created topic %s with %d partitions in %s%n", name, partitions, dir);

            long start = System.nanoTime();
            // five minutes of clicks, ending a little before now, whatever the number of events
            long spacing = Math.max(1, 300_000 / Math.max(1, events));
            long baseTime = System.currentTimeMillis() - 10_000 - spacing * events;
            java.util.Random disorder = new java.util.Random(42);
            List<Event> batch = new ArrayList<>(1000);
            long[] appendedPerPartition = new long[partitions];
            for (int i = 0; i < events; i++) {
                String user = "user-" + (i % 17);
                String json = "{\"user\":\"" + user + "\",\"page\":\"/p/" + (i % 101) + "\",\"n\":" + i + "}";
                // event times evenly spaced, each up to 3 s early: a little out of order, as clicks from many devices are
                long eventTime = baseTime + i * spacing - disorder.nextInt(3_000);
                batch.add(new Event(user.getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8), eventTime, null));
                if (batch.size() == 1000 || i == events - 1) {
                    for (Appended a : topic.appendBatch(batch)) {
                        appendedPerPartition[a.partition()]++;
                    }
                    batch.clear();
                }
            }
            double appendSeconds = (System.nanoTime() - start) / 1e9;
            out.printf("2. appended %,d events in %.2f s (%,.0f events/s), keyed by user (murmur2 partitioning)%n",
                events, appendSeconds, events / appendSeconds);

            long read = 0;
            start = System.nanoTime();
            for (int p = 0; p < partitions; p++) {
                Partition partition = topic.partition(p);
                long[] count = {0};
                long[] lastOffset = {-1};
                boolean[] keysOk = {true};
                try (PartitionTailer tailer = partition.newTailer()) {
                    int finalP = p;
                    while (tailer.poll(r -> {
                        if (r.offset() != lastOffset[0] + 1 || topic.partitionFor(r.keyBytes()) != finalP) {
                            keysOk[0] = false;
                        }
                        lastOffset[0] = r.offset();
                        count[0]++;
                    }, 4096) > 0) {
                        // drain
                    }
                }
                if (!keysOk[0] || count[0] != appendedPerPartition[p]) {
                    throw new IllegalStateException("partition " + p + " read back " + count[0] + " events, expected "
                        + appendedPerPartition[p] + " with dense offsets and matching keys");
                }
                out.printf("3. partition %d: offsets %d..%d, %,d events read back, every key in its murmur2 partition%n",
                    p, partition.startOffset(), partition.endOffset() - 1, count[0]);
                read += count[0];
            }
            double readSeconds = (System.nanoTime() - start) / 1e9;
            out.printf("   read %,d events in %.2f s (%,.0f events/s)%n", read, readSeconds, read / readSeconds);

            Partition p0 = topic.partition(0);
            long middle = p0.endOffset() / 2;
            try (PartitionTailer tailer = p0.newTailer().moveToOffset(middle)) {
                tailer.poll(r -> out.printf("4. seek to offset %d of partition 0: key=%s appendTime=%s value=%s%n",
                    r.offset(), r.keyString(), Instant.ofEpochMilli(r.appendTime()), r.valueString()), 1);
                long[] appendTime = {0};
                tailer.moveToOffset(middle).poll(r -> appendTime[0] = r.appendTime(), 1);
                long found = p0.offsetForTime(appendTime[0]);
                if (found > middle) {
                    throw new IllegalStateException("time lookup of " + appendTime[0] + " gave offset " + found + " after " + middle);
                }
                out.printf("5. first offset of partition 0 appended at or after %s: %d (binary search, no scan)%n",
                    Instant.ofEpochMilli(appendTime[0]), found);
            }
            long served = serveOverTcp(log, topic, out);
            long processed = process(log, name, out);
            out.printf("done: %,d events appended and read back intact, %,d more over TCP, %,d processed exactly once%n", read, served,
                processed);
        } finally {
            if (temporary) {
                Dirs.deleteRecursively(dir);
            }
        }
        return 0;
    }

    /** {@code kappa ui} over the demo's data directory, read-only, on its usual port or, when that is taken, a free one. */
    private static io.kappa.ui.UiServer console(Path dir) {
        io.kappa.ui.UiContext context = new io.kappa.ui.UiContext().log(new LogContext().dataDir(dir).holder("kappa demo (console)"));
        try {
            return io.kappa.ui.UiServer.start(context);
        } catch (IllegalStateException e) {
            return io.kappa.ui.UiServer.start(context.port(0)); // another console has 7080
        }
    }

    /** Starts the TCP server in-process and sends events with the binary client and the line protocol. */
    private static long serveOverTcp(EventLog log, Topic topic, PrintWriter out) throws IOException {
        try (KappaServer server = KappaServer.start(log, ServerConfig.defaults().withPort(0))) {
            int port = server.address().getPort();
            long before = 0;
            for (int p = 0; p < topic.partitionCount(); p++) {
                before += topic.partition(p).endOffset();
            }
            int sent = 0;
            try (KappaClient client = KappaClient.connect("127.0.0.1", port)) {
                List<java.util.concurrent.CompletableFuture<List<Appended>>> acks = new ArrayList<>();
                for (int b = 0; b < 10; b++) {
                    List<Event> batch = new ArrayList<>(1000);
                    for (int i = 0; i < 1000; i++) {
                        batch.add(Event.of("user-" + (i % 17), "{\"via\":\"tcp\",\"n\":" + (b * 1000 + i) + "}"));
                    }
                    acks.add(client.send(topic.name(), batch));
                }
                for (var ack : acks) {
                    sent += ack.get().size();
                }
            } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("TCP demo failed: " + e, e);
            }
            String answer;
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                s.getOutputStream().write(("{\"topic\":\"" + topic.name() + "\",\"key\":\"user-1\",\"value\":{\"via\":\"line\"}}\n")
                    .getBytes(StandardCharsets.UTF_8));
                answer = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
            }
            sent++;
            long after = 0;
            for (int p = 0; p < topic.partitionCount(); p++) {
                after += topic.partition(p).endOffset();
            }
            if (after - before != sent) {
                throw new IllegalStateException("sent " + sent + " events over TCP but the topic grew by " + (after - before));
            }
            out.printf("6. kappa server on 127.0.0.1:%d: %,d events in 10 binary batches acknowledged with their offsets,%n"
                + "   one JSON line answered %s%n", port, sent - 1, answer);
            return sent;
        }
    }
}
