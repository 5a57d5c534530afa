package io.kappa.processor;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

import io.kappa.log.Event;
import io.kappa.log.EventLog;
import io.kappa.log.LogContext;
import io.kappa.log.Partition;
import io.kappa.log.PartitionTailer;
import io.kappa.log.Record;
import io.kappa.log.Topic;
import io.kappa.log.TopicConfig;
import io.kappa.processor.dsl.KStream;
import io.kappa.processor.dsl.Pipeline;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/** Regression tests from the review of the runner: each failed before its fix. */
class RunnerRegressionTest {
    @TempDir
    Path dir;
    EventLog log;

    @AfterEach
    void closeLog() {
        if (log != null) {
            log.close();
        }
    }

    static List<Record> readAll(Topic t) {
        List<Record> out = new ArrayList<>();
        for (int p = 0; p < t.partitionCount(); p++) {
            Partition part = t.partition(p);
            try (PartitionTailer tailer = part.newTailer()) {
                while (tailer.poll(v -> out.add(v.toRecord()), 1000) > 0) {
                    // drain
                }
            }
        }
        return out;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    ProcessorRunner runToEnd(Topology t, RunnerContext ctx) throws InterruptedException {
        ProcessorRunner r = new ProcessorRunner(log, t, ctx);
        r.start();
        assertTrue(r.awaitCaughtUp(30_000));
        r.close();
        assertNull(r.failure(), () -> String.valueOf(r.failure()));
        return r;
    }

    // ---- 1. a second close() returns while the first is still stopping the runner

    @Test
    void closeReturnsOnlyOnceTheRunnerHasStopped() throws Exception {
        log = EventLog.open(new LogContext().dataDir(dir).pretouch(false));
        Topic in = log.createTopic("in", TopicConfig.partitions(2));
        in.append(0, Event.of("k", "v"));
        Topology t = Topology.single(List.of("in"), Serdes.string(), Serdes.string(), () -> new Processor<String, String, String, String>() {
            @Override
            public void process(InputRecord<String, String> r, ProcessorContext<String, String> ctx) {
                ctx.forward(r.key(), r.value());
            }

            @Override
            public void close() {
                try {
                    Thread.sleep(500); // a slow close (or a slow checkpoint of a big state)
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }, "out", Serdes.string(), Serdes.string());
        ProcessorRunner r = new ProcessorRunner(log, t, new RunnerContext().group("g").threads(1));
        r.start();
        assertTrue(r.awaitCaughtUp(30_000));
        Thread signal = new Thread(r::close, "as-the-SIGTERM-handler-does"); // RunCommand.stopOnSignals
        signal.start();
        Thread.sleep(100);
        r.close(); // RunCommand's main thread, --until-caught-up path
        boolean stopped = r.awaitStopped(0);
        log.close(); // RunCommand then closes the log: task 1's last checkpoint now fails
        signal.join();
        System.out.println("REVIEW stopped=" + stopped + " failure=" + r.failure());
        assertTrue(stopped, "close() returned while the runner was still checkpointing and closing tasks");
        assertNull(r.failure(), () -> "the last checkpoint failed after close() returned: " + r.failure());
    }

    // ---- 2. a record too big to dead-letter stops the runner under --on-error dlq, with no offset in the message

    @Test
    void aBigBadRecordIsDeadLetteredNotFatal() throws Exception {
        log = EventLog.open(new LogContext().dataDir(dir).pretouch(false).maxRecordBytes(4096));
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        in.append(Event.of("k", "{\"ok\":1}"));
        in.append(Event.of("k", "not json " + "x".repeat(4000))); // fits the log, fails the serde
        in.append(Event.of("k", "{\"ok\":2}"));
        Topology t = Topology.single(List.of("in"), Serdes.string(), Serdes.json(),
            () -> (r, ctx) -> ctx.forward(r.key(), r.value().toString()), "out", Serdes.string(), Serdes.string());
        ProcessorRunner r = new ProcessorRunner(log, t, new RunnerContext().group("g").onError(OnError.DEAD_LETTER));
        r.start();
        try {
            r.awaitCaughtUp(10_000);
        } catch (RuntimeException e) {
            // reported below
        }
        r.close();
        assertNull(r.failure(), () -> "runner stopped: " + r.failure());
    }

    // ---- 3. Groups.isRunning (or a refused Groups.lock) in the runner's JVM drops the runner's OS lock

    @Test
    void probingTheLockInTheSameJvmKeepsTheGroupLocked() throws Exception {
        log = EventLog.open(new LogContext().dataDir(dir).pretouch(false));
        log.createTopic("in", TopicConfig.partitions(1));
        Topology t = Topology.single(List.of("in"), Serdes.string(), Serdes.string(),
            () -> (r, ctx) -> ctx.forward(r.key(), r.value()), "out", Serdes.string(), Serdes.string());
        try (ProcessorRunner r = new ProcessorRunner(log, t, new RunnerContext().group("g"))) {
            r.start();
            assertTrue(otherProcessCannotLock(Groups.dir(dir, "g").resolve("lock")), "locked before the probe");
            assertTrue(Groups.isRunning(dir, "g")); // what `kappa status` or a tool in the same JVM does
            assertTrue(otherProcessCannotLock(Groups.dir(dir, "g").resolve("lock")),
                "after Groups.isRunning in the same JVM another process can take the group's lock: two runners");
        }
    }

    static boolean otherProcessCannotLock(Path lockFile) throws Exception {
        // another JVM tries the same lock
        Process p = new ProcessBuilder(io.kappa.log.JvmFlags.javaCommand(List.of("-Xmx64m"), LockProbe.class.getName(),
            List.of(lockFile.toString()))).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        p.waitFor();
        return out.equals("blocked");
    }

    // ---- 5. DLQ'd because of a log error in forwardTo (not the record's fault)

    @Test
    void aLogErrorInForwardToStopsTheRunnerInsteadOfDeadLetteringTheRecord() throws Exception {
        log = EventLog.open(new LogContext().dataDir(dir).pretouch(false));
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        in.append(Event.of("k", "v"));
        // stands in for another process creating "side" between exists() and createTopic() (TopicExists)
        Files.createDirectories(dir.resolve("topics"));
        Path topics = Files.list(dir).filter(Files::isDirectory).filter(p -> p.getFileName().toString().equals("topics")).findFirst()
            .orElseThrow();
        Files.writeString(topics.resolve("side"), "not a topic dir");
        Topology t = Topology.single(List.of("in"), Serdes.string(), Serdes.string(),
            () -> (r, ctx) -> ctx.forwardTo("side", null, utf8(r.value()), r.eventTime()), null, null, null);
        ProcessorRunner r = new ProcessorRunner(log, t, new RunnerContext().group("g"));
        r.start();
        try {
            r.awaitCaughtUp(10_000);
        } catch (RuntimeException e) {
            // expected
        }
        r.close();
        assertEquals(0, r.deadLettered(), "a log error was treated as a bad record and the record dead-lettered");
        assertNotNull(r.failure(), "a log error stops the runner");
        assertTrue(r.failure().getMessage().contains("cannot open output topic 'side'"), r.failure().getMessage());
    }

    // ---- 6. editing a DSL pipeline renumbers its stores: state silently starts over

    @Test
    void addingABranchToAPipelineKeepsTheExistingCounts() throws Exception {
        log = EventLog.open(new LogContext().dataDir(dir).pretouch(false));
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        for (int i = 0; i < 3; i++) {
            in.append(Event.of("k", "v" + i));
        }
        Pipeline v1 = new Pipeline("g");
        v1.stream(List.of("in"), Serdes.string(), Serdes.string()).groupByKey(Serdes.string(), Serdes.string()).count().toStream()
            .to("counts", Serdes.string(), Serdes.longText());
        runToEnd(v1.build(), new RunnerContext().group("g"));

        in.append(Event.of("k", "v3"));
        Pipeline v2 = new Pipeline("g");
        KStream<String, String> s = v2.stream(List.of("in"), Serdes.string(), Serdes.string());
        s.groupByKey(Serdes.string(), Serdes.string()).reduce((x, y) -> y).toStream().to("latest", Serdes.string(), Serdes.string());
        s.groupByKey(Serdes.string(), Serdes.string()).count().toStream().to("counts", Serdes.string(), Serdes.longText());
        ProcessorRunner r = new ProcessorRunner(log, v2.build(), new RunnerContext().group("g"));
        CheckpointException e = assertThrows(CheckpointException.class, r::start, "an unnamed store renamed by the edit");
        assertTrue(e.getMessage().contains("store"), e.getMessage());
        r.close();

        Pipeline v3 = new Pipeline("g");
        KStream<String, String> s3 = v3.stream(List.of("in"), Serdes.string(), Serdes.string());
        s3.groupByKey(Serdes.string(), Serdes.string()).reduce("latest", (x, y) -> y).toStream()
            .to("latest", Serdes.string(), Serdes.string());
        s3.groupByKey(Serdes.string(), Serdes.string()).count("count-0").toStream().to("counts", Serdes.string(), Serdes.longText());
        runToEnd(v3.build(), new RunnerContext().group("g"));
        List<String> counts = readAll(log.topic("counts")).stream().map(Record::valueString).toList();
        assertEquals(List.of("1", "2", "3", "4"), counts, "a named store keeps its state across the edit");
    }

    @Test
    void aCheckpointCountingOutputsThatAreGoneIsRefused() throws Exception {
        log = EventLog.open(new LogContext().dataDir(dir).pretouch(false));
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        in.append(Event.of("k", "v"));
        Topology t = Topology.single(List.of("in"), Serdes.string(), Serdes.string(),
            () -> (r, ctx) -> ctx.forward(r.key(), r.value()), "out", Serdes.string(), Serdes.string());
        runToEnd(t, new RunnerContext().group("g"));
        // the output topic loses its records (as after a power failure without fsync)
        log.deleteTopic("out");
        log.createTopic("out", TopicConfig.partitions(1));
        ProcessorRunner r = new ProcessorRunner(log, t, new RunnerContext().group("g"));
        CheckpointException e = assertThrows(CheckpointException.class, r::start);
        assertTrue(e.getMessage().contains("records it counted are gone"), e.getMessage());
        r.close();
    }

    @Test
    void aRateLimitHoldsEvenWhenTheWriterThreadLeavesAParkPermit() throws Exception {
        log = EventLog.open(new LogContext().dataDir(dir).pretouch(false));
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            events.add(Event.of("k", "v" + i));
        }
        in.appendBatch(events);
        Topology t = Topology.single(List.of("in"), Serdes.string(), Serdes.string(),
            () -> (r, ctx) -> ctx.forward(r.key(), r.value()), "out", Serdes.string(), Serdes.string());
        long start = System.nanoTime();
        runToEnd(t, new RunnerContext().group("g").maxRatePerSecond(400).batch(5));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms >= 200, "100 records at 400/s took only " + ms + " ms");
        assertEquals(100, readAll(log.topic("out")).size());
    }
}
