package io.kappa.processor;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.kappa.log.Event;
import io.kappa.log.Partition;
import io.kappa.log.PartitionTailer;
import io.kappa.log.Record;
import io.kappa.log.Topic;
import io.kappa.log.TopicConfig;
import io.kappa.processor.builtin.Builtins;
import io.kappa.processor.builtin.GroupKey;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class RunnerTest extends LogTest {
    static List<Record> readAll(Topic t) {
        List<Record> out = new ArrayList<>();
        for (int p = 0; p < t.partitionCount(); p++) {
            Partition part = t.partition(p);
            try (PartitionTailer tailer = part.newTailer()) {
                tailer.toStart();
                while (tailer.poll(v -> out.add(v.toRecord()), 1000) > 0) {
                    // drain
                }
            }
        }
        return out;
    }

    static Map<String, List<String>> byKey(List<Record> records) {
        Map<String, List<String>> m = new HashMap<>();
        for (Record r : records) {
            m.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), k -> new ArrayList<>())
                .add(new String(r.value(), StandardCharsets.UTF_8));
        }
        return m;
    }

    void appendKeyed(Topic t, int n, int keys) {
        List<Event> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            batch.add(new Event(("k" + (i % keys)).getBytes(StandardCharsets.UTF_8),
                ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8), 1_000_000L + i, null));
            if (batch.size() == 500) {
                t.appendBatch(batch);
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            t.appendBatch(batch);
        }
    }

    ProcessorRunner run(Topology topology, RunnerContext ctx) throws InterruptedException {
        ProcessorRunner r = new ProcessorRunner(log, topology, ctx);
        r.start();
        assertTrue(r.awaitCaughtUp(60_000), "caught up");
        r.close();
        assertNull(r.failure());
        return r;
    }

    @Test
    void countsByKeyAcrossPartitionsAndEmitsEachChange() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(3));
        appendKeyed(in, 3000, 7);
        Topology t = Builtins.count("g", List.of("in"), "out", GroupKey.parse("key", false), false);
        ProcessorRunner r = run(t, new RunnerContext().group("g").threads(2));
        assertEquals(3000, r.recordsProcessed());
        Map<String, List<String>> out = byKey(readAll(log.topic("out")));
        assertEquals(7, out.size());
        for (int k = 0; k < 7; k++) {
            List<String> seq = out.get("k" + k);
            int expected = (3000 + 6 - k) / 7;
            assertEquals(expected, seq.size());
            for (int i = 0; i < seq.size(); i++) {
                assertEquals("{\"key\":\"k" + k + "\",\"count\":" + (i + 1) + "}", seq.get(i));
            }
        }
    }

    @Test
    void restartFromAnOlderCheckpointWritesNothingTwice() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(2));
        appendKeyed(in, 1000, 5);
        Topology t = Builtins.count("g", List.of("in"), "out", GroupKey.parse("key", false), false);
        run(t, new RunnerContext().group("g"));
        // keep the checkpoints from here, process more, then put them back: as if the process died after writing
        // outputs for the second half but before checkpointing it
        Path groupDir = Groups.dir(dir, "g");
        Path saved = Files.createDirectories(dir.resolve("saved"));
        for (int p = 0; p < 2; p++) {
            Files.copy(groupDir.resolve("main-" + p + ".ckpt"), saved.resolve("main-" + p + ".ckpt"));
        }
        appendKeyed(in, 1000, 5);
        run(t, new RunnerContext().group("g"));
        List<Record> once = readAll(log.topic("out"));
        for (int p = 0; p < 2; p++) {
            Files.copy(saved.resolve("main-" + p + ".ckpt"), groupDir.resolve("main-" + p + ".ckpt"), StandardCopyOption.REPLACE_EXISTING);
        }
        ProcessorRunner again = run(t, new RunnerContext().group("g"));
        assertEquals(2000, again.recordsProcessed());
        List<Record> after = readAll(log.topic("out"));
        assertEquals(once.size(), after.size(), "no output written twice");
        Map<String, List<String>> out = byKey(after);
        for (List<String> seq : out.values()) {
            for (int i = 0; i < seq.size(); i++) {
                assertTrue(seq.get(i).endsWith(",\"count\":" + (i + 1) + "}"), seq.toString());
            }
            assertEquals(400, seq.size());
        }
    }

    /**
     * A crash during recovery, after a checkpoint taken while re-produced outputs were still being recognised:
     * the next start must still recognise the rest (the checkpoint keeps the old scan position).
     */
    @Test
    void aSecondCrashWhileRecognisingOutputsWritesNothingTwice() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        appendKeyed(in, 100, 3);
        boolean[] failAt150 = {false};
        Topology t = tagging(failAt150);
        run(t, new RunnerContext().group("g"));
        Path ckpt = Groups.dir(dir, "g").resolve("main-0.ckpt");
        Path saved = dir.resolve("saved.ckpt");
        Files.copy(ckpt, saved);
        appendKeyed(in, 100, 3);
        run(t, new RunnerContext().group("g"));
        assertEquals(200, readAll(log.topic("out")).size());
        Files.copy(saved, ckpt, StandardCopyOption.REPLACE_EXISTING);
        failAt150[0] = true;
        ProcessorRunner failing = new ProcessorRunner(log, t, new RunnerContext().group("g").onError(OnError.FAIL));
        failing.start();
        assertThrows(ProcessorRunner.RunnerFailedException.class, () -> failing.awaitCaughtUp(60_000));
        failing.close();
        assertEquals(150, TaskCheckpoint.read(ckpt).inputs().get(0).nextOffset());
        failAt150[0] = false;
        run(t, new RunnerContext().group("g"));
        List<Record> out = readAll(log.topic("out"));
        assertEquals(200, out.size(), "nothing written twice");
        for (int i = 0; i < 200; i++) {
            assertTrue(new String(out.get(i).value(), StandardCharsets.UTF_8).endsWith("@" + i));
        }
    }

    /** Forwards each record's value tagged with its offset ("value@offset"); fails at offset 150 while asked to. */
    static Topology tagging(boolean[] failAt150) {
        return Topology.single(List.of("in"), Serdes.string(), Serdes.string(), () -> (r, ctx) -> {
            if (failAt150[0] && r.offset() == 150) {
                throw new IllegalStateException("simulated crash at 150");
            }
            ctx.forward(r.key(), r.value() + "@" + r.offset());
        }, "out", Serdes.string(), Serdes.string());
    }

    /** Writes a record into {@code out}/0 under {@code producerId} with {@code sequence}, as only the log API can. */
    static void forge(Topic out, long producerId, long sequence, String value) {
        out.appendBatch(List.of(new Event("k0".getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8), Event.NO_TIME,
            null, 0)), producerId, new long[] {sequence});
    }

    static void assertTagged(List<Record> out, int n) {
        assertEquals(n, out.size(), "every output once");
        for (int i = 0; i < n; i++) {
            assertTrue(new String(out.get(i).value(), StandardCharsets.UTF_8).endsWith("@" + i), "output " + i + ": " + out.get(i));
        }
    }

    static List<Record> withoutForged(List<Record> records) {
        return records.stream().filter(r -> !new String(r.value(), StandardCharsets.UTF_8).startsWith("forged")).toList();
    }

    @Test
    void aRecordUnderTheTasksIdWithAHugeSequenceMakesTheNextRunSkipNothing() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        appendKeyed(in, 100, 3);
        Topology t = tagging(new boolean[1]);
        run(t, new RunnerContext().group("g"));
        long task = Groups.producerId("g", "main", 0);
        forge(log.topic("out"), task, Long.MAX_VALUE / 2, "forged: a jump");
        forge(log.topic("out"), task, 5, "forged: a repeat");
        appendKeyed(in, 100, 3);
        run(t, new RunnerContext().group("g"));
        assertTagged(withoutForged(readAll(log.topic("out"))), 200);
    }

    /**
     * After a crash the task's records past the checkpoint are recognised as written, but only the contiguous run
     * of its sequences from the checkpoint: stray records among them (a jump, a repeat) change nothing, through a
     * second crash during the recovery too.
     */
    @Test
    void strayRecordsAmongTheOutputsOfACrashedRunAreIgnoredThroughASecondCrash() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        appendKeyed(in, 100, 3);
        boolean[] failAt150 = {false};
        Topology t = tagging(failAt150);
        run(t, new RunnerContext().group("g"));
        Path ckpt = Groups.dir(dir, "g").resolve("main-0.ckpt");
        Path saved = dir.resolve("saved.ckpt");
        Files.copy(ckpt, saved);
        appendKeyed(in, 50, 3);
        run(t, new RunnerContext().group("g"));
        long task = Groups.producerId("g", "main", 0);
        forge(log.topic("out"), task, 1_000_000, "forged: a jump");
        forge(log.topic("out"), task, 120, "forged: a repeat");
        forge(log.topic("out"), task, 151, "forged: a gap");
        appendKeyed(in, 50, 3);
        run(t, new RunnerContext().group("g"));
        assertTagged(withoutForged(readAll(log.topic("out"))), 200);
        // as if the runs after the saved checkpoint died before checkpointing; then a crash while recognising
        Files.copy(saved, ckpt, StandardCopyOption.REPLACE_EXISTING);
        failAt150[0] = true;
        ProcessorRunner failing = new ProcessorRunner(log, t, new RunnerContext().group("g").onError(OnError.FAIL));
        failing.start();
        assertThrows(ProcessorRunner.RunnerFailedException.class, () -> failing.awaitCaughtUp(60_000));
        failing.close();
        failAt150[0] = false;
        appendKeyed(in, 10, 3);
        run(t, new RunnerContext().group("g"));
        assertTagged(withoutForged(readAll(log.topic("out"))), 210);
    }

    /**
     * A checkpoint written before producer ids were reserved (version 3): the outputs the task wrote after it carry
     * the legacy id, and are still recognised as written.
     */
    @Test
    void outputsWrittenUnderTheLegacyIdAfterAVersion3CheckpointAreNotWrittenAgain() throws Exception {
        Topic in = log.createTopic("in", TopicConfig.partitions(1));
        appendKeyed(in, 100, 3);
        Topology t = tagging(new boolean[1]);
        run(t, new RunnerContext().group("g"));
        Path ckpt = Groups.dir(dir, "g").resolve("main-0.ckpt");
        byte[] v3 = Files.readAllBytes(ckpt);
        java.nio.ByteBuffer.wrap(v3).putInt(4, 3); // the version is outside the checksummed body
        Files.write(ckpt, v3);
        appendKeyed(in, 100, 3);
        long legacy = Task.legacyProducerId("g", "main", 0);
        List<Event> old = new ArrayList<>();
        try (PartitionTailer tailer = in.partition(0).newTailer()) {
            tailer.moveToOffset(100);
            tailer.poll(v -> old.add(new Event(v.toRecord().key(), (v.toRecord().valueString() + "@" + v.offset())
                .getBytes(StandardCharsets.UTF_8), Event.NO_TIME, null, 0)), 1000);
        }
        long[] sequences = java.util.stream.LongStream.range(100, 180).toArray();
        log.topic("out").appendBatch(old.subList(0, 80), legacy, sequences); // the old kappa got this far, then died
        run(t, new RunnerContext().group("g"));
        assertTagged(readAll(log.topic("out")), 200);
        assertTrue(Task.producerId("g", "main", 0) < 0 && legacy > 0);
    }
}
