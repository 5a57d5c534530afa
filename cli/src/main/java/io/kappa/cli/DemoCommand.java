package io.kappa.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
    description = "Run the demo: create a topic, append events, read them back, seek by offset and time, ingest over TCP.")
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--data-dir", description = "Data directory (default: a new temporary directory, removed afterwards).")
    Path dataDir;

    @Option(names = "--events", defaultValue = "100000", description = "Events to append (default: ${DEFAULT-VALUE}).")
    int events;

    @Option(names = "--partitions", defaultValue = "3", description = "Partitions of the demo topic (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        boolean temporary = dataDir == null;
        Path dir = temporary ? Files.createTempDirectory("kappa-demo-") : dataDir;
        try (EventLog log = EventLog.open(new LogContext().dataDir(dir))) {
            String name = "demo.clicks." + System.currentTimeMillis();
            Topic topic = log.createTopic(name, TopicConfig.partitions(partitions));
            out.printf("1. created topic %s with %d partitions in %s%n", name, partitions, dir);

            long start = System.nanoTime();
            long baseTime = System.currentTimeMillis() - events;
            List<Event> batch = new ArrayList<>(1000);
            long[] appendedPerPartition = new long[partitions];
            for (int i = 0; i < events; i++) {
                String user = "user-" + (i % 17);
                String json = "{\"user\":\"" + user + "\",\"page\":\"/p/" + (i % 101) + "\",\"n\":" + i + "}";
                batch.add(new Event(user.getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8), baseTime + i, null));
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
            out.printf("done: %,d events appended and read back intact, %,d more over TCP%n", read, served);
        } finally {
            if (temporary) {
                Dirs.deleteRecursively(dir);
            }
        }
        return 0;
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
