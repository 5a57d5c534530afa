package io.kappa.replay;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.kappa.log.Event;
import io.kappa.log.EventLog;
import io.kappa.log.LogContext;
import io.kappa.log.Partition;
import io.kappa.log.PartitionTailer;
import io.kappa.log.Topic;
import io.kappa.log.TopicConfig;
import io.kappa.processor.InputRecord;
import io.kappa.processor.KeyValueStore;
import io.kappa.processor.Processor;
import io.kappa.processor.ProcessorContext;
import io.kappa.processor.ProcessorRunner;
import io.kappa.processor.RunnerContext;
import io.kappa.processor.Serdes;
import io.kappa.processor.Topology;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/** {@code replay --verify}: a replay beside the group, compared record by record and by state. */
class VerifyToolTest {
    @TempDir
    Path dir;
    EventLog log;

    @BeforeEach
    void open() {
        log = EventLog.open(new LogContext().dataDir(dir).pretouch(false));
        Topic in = log.createTopic("in", TopicConfig.partitions(2));
        for (int i = 0; i < 3_000; i++) {
            in.append(new Event(("k" + i % 11).getBytes(StandardCharsets.UTF_8), ("v" + i).getBytes(StandardCharsets.UTF_8),
                1_000_000L + i, null));
        }
    }

    @AfterEach
    void close() {
        log.close();
    }

    /** Counts per key and writes "key=n"; {@code twice} counts that key double; {@code clock} adds the wall clock. */
    static final class Counter implements Processor<String, String, String, String> {
        final String twice;
        final boolean clock;
        final boolean extraState;
        KeyValueStore<String, Long> counts;

        Counter(String twice, boolean clock, boolean extraState) {
            this.twice = twice;
            this.clock = clock;
            this.extraState = extraState;
        }

        @Override
        public void init(ProcessorContext<String, String> ctx) {
            counts = ctx.keyValueStore("counts", Serdes.string(), Serdes.longs());
        }

        @Override
        public void process(InputRecord<String, String> r, ProcessorContext<String, String> ctx) {
            long n = counts.get(r.key()) == null ? 0 : counts.get(r.key());
            n += r.key().equals(twice) ? 2 : 1;
            counts.put(r.key(), n);
            if (extraState && r.offset() == 1_000) {
                counts.put("extra", 1L);
            }
            ctx.forward(r.key(), r.key() + "=" + n + (clock ? " at " + System.nanoTime() : ""));
        }
    }

    static Topology counter(String twice, boolean clock, boolean extraState) {
        return Topology.single(List.of("in"), Serdes.string(), Serdes.string(), () -> new Counter(twice, clock, extraState), "out",
            Serdes.string(), Serdes.string());
    }

    void runLive() throws InterruptedException {
        try (ProcessorRunner r = new ProcessorRunner(log, counter(null, false, false), new RunnerContext().group("g").threads(2))) {
            r.start();
            assertTrue(r.awaitCaughtUp(30_000));
            r.close();
            assertNull(r.failure());
        }
    }

    VerifyTool.Result verify(Topology t) throws InterruptedException {
        return VerifyTool.verify(log, "g", Map.of("inputs", "in", "output", "out"), t, 500, null);
    }

    @Test
    void theSameProcessorReproducesTheRecordedOutputAndState() throws InterruptedException {
        runLive();
        VerifyTool.Result r = verify(counter(null, false, false));
        assertTrue(r.equal(), r.toString());
        assertEquals(3_000, r.records());
        assertEquals(2, r.partitions().size());
        for (VerifyTool.PartitionReport p : r.partitions()) {
            assertEquals(log.topic("in").partition(p.task()).endOffset(), p.endOffset());
            assertEquals(p.endOffset(), p.outputs(), "one output per input record");
            assertEquals((p.endOffset() + 499) / 500, p.blocks());
        }
        assertEquals(3_000, countRecords("out"), "the verification wrote nothing");
        assertFalse(java.nio.file.Files.exists(dir.resolve("groups").resolve("g.verify")), "its scratch state is removed");
    }

    @Test
    void aChangedLogicIsFoundAtTheFirstInputOffsetItChanges() throws InterruptedException {
        runLive();
        VerifyTool.Result r = verify(counter("k7", false, false));
        assertFalse(r.equal());
        for (VerifyTool.Divergence d : r.divergences()) {
            long first = firstOffsetOf(log.topic("in").partition(d.task()), "k7");
            assertEquals(first, d.inputOffset(), "the first k7 record of partition " + d.task());
            assertTrue(d.recorded().startsWith("k7 k7=1"), d.recorded());
            assertTrue(d.replayed().startsWith("k7 k7=2"), d.replayed());
        }
        assertEquals(1, r.divergences().size(), "k7 lives in one partition");
        assertFalse(r.stateDifferences().isEmpty(), "k7's count differs at the end too");
    }

    @Test
    void aNonDeterministicProcessorDivergesAtOnce() throws InterruptedException {
        runLive();
        VerifyTool.Result r = verify(counter(null, true, false));
        assertEquals(2, r.divergences().size());
        for (VerifyTool.Divergence d : r.divergences()) {
            assertEquals(0, d.inputOffset());
        }
        assertTrue(r.stateDifferences().isEmpty(), "its state is the same");
    }

    @Test
    void aDifferenceInStateAloneIsReported() throws InterruptedException {
        runLive();
        VerifyTool.Result r = verify(counter(null, false, true));
        assertTrue(r.divergences().isEmpty());
        assertEquals(2, r.stateDifferences().size(), "offset 1000 of both partitions: " + r.stateDifferences());
        for (String d : r.stateDifferences()) {
            assertTrue(d.contains("store 'counts' differs"), d);
        }
    }

    @Test
    void groupsWithoutTheirWholeHistoryAreRefused() throws Exception {
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> verify(counter(null, false, false)));
        assertTrue(none.getMessage().contains("no checkpoint"), none.getMessage());
        runLive();
        IllegalArgumentException later = assertThrows(IllegalArgumentException.class,
            () -> VerifyTool.verify(log, "g", Map.of("from", "latest"), counter(null, false, false), 500, null));
        assertTrue(later.getMessage().contains("not earliest"), later.getMessage());
        RewindTool.rewind(log, "g", Partition::startOffset, "earliest", 0, null, false, line -> { });
        IllegalArgumentException rewound = assertThrows(IllegalArgumentException.class, () -> verify(counter(null, false, false)));
        assertTrue(rewound.getMessage().contains("has been rewound"), rewound.getMessage());
    }

    @Test
    void aGroupRunWithTheOutputCacheIsRefused() throws Exception {
        try (ProcessorRunner r = new ProcessorRunner(log, counter(null, false, false),
            new RunnerContext().group("g").emitLatestPerCommit())) {
            r.start();
            assertTrue(r.awaitCaughtUp(30_000));
            r.close();
            assertNull(r.failure());
        }
        IllegalArgumentException cached = assertThrows(IllegalArgumentException.class, () -> verify(counter(null, false, false)));
        assertTrue(cached.getMessage().contains("--emit latest-per-commit"), cached.getMessage());
    }

    private long countRecords(String topic) {
        long n = 0;
        Topic t = log.topic(topic);
        for (int p = 0; p < t.partitionCount(); p++) {
            n += t.partition(p).endOffset();
        }
        return n;
    }

    private static long firstOffsetOf(Partition p, String key) {
        List<Long> found = new ArrayList<>();
        try (PartitionTailer t = p.newTailer()) {
            while (found.isEmpty() && t.poll(v -> {
                if (found.isEmpty() && key.equals(v.keyString())) {
                    found.add(v.offset());
                }
            }, 100) > 0) {
                // scan
            }
        }
        return found.isEmpty() ? -1 : found.get(0);
    }
}
