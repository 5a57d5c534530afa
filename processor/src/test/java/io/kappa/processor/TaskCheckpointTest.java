package io.kappa.processor;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

class TaskCheckpointTest {
    @TempDir
    Path dir;

    static final List<TaskCheckpoint.Input> INPUTS = List.of(
        new TaskCheckpoint.Input("orders", 2, 1234), new TaskCheckpoint.Input("payments", 2, 0));
    static final List<TaskCheckpoint.Output> OUTPUTS = List.of(
        new TaskCheckpoint.Output("out", 0, 17, 99), new TaskCheckpoint.Output("out", 1, 0, 0),
        new TaskCheckpoint.Output("g.dlq", 0, 3, 5));
    static final List<Watermarks.Source> SOURCES = List.of(
        new Watermarks.Source(0, 0, 123_400L, 1_700_000_000_000L), new Watermarks.Source(1, 77, 123_456L, 1_700_000_000_500L));
    static final List<TaskCheckpoint.Timer> TIMERS = List.of(
        new TaskCheckpoint.Timer(1_000, "a"), new TaskCheckpoint.Timer(1_000, "b"), new TaskCheckpoint.Timer(5_000, "ü"));

    InMemoryKeyValueStore<String, Long> counts;
    InMemoryKeyValueStore<String, String> names;

    /** Writes a checkpoint with two stores and returns its file. */
    Path writeSample(Path file) {
        counts = new InMemoryKeyValueStore<>("counts", Serdes.string(), Serdes.longs());
        counts.put("b", 2L);
        counts.put("a", 1L);
        counts.put("c", 3L);
        names = new InMemoryKeyValueStore<>("names", Serdes.string(), Serdes.string());
        names.put("k", "välue");
        ExpandableArrayBuffer scratch = new ExpandableArrayBuffer(8);
        long size = TaskCheckpointFile.write(file, "g", "main", 2, 1_700_000_000_000L, 5000, 7, 11, 250, 123_456L, 123_000L, SOURCES, INPUTS, OUTPUTS,
            TIMERS, 2, out -> {
                out.writeUTF(counts.name());
                counts.writeSnapshot(out, scratch);
                out.writeUTF(names.name());
                names.writeSnapshot(out, scratch);
            });
        try {
            assertEquals(Files.size(file), size, "write returns the file's size");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return file;
    }

    static long snapshotBytes(InMemoryKeyValueStore<?, ?> store) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        store.writeSnapshot(new DataOutputStream(b), new ExpandableArrayBuffer(8));
        return b.size();
    }

    static Path writeBytes(Path file, byte[] bytes) {
        try {
            return Files.write(file, bytes);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void roundTripKeepsEveryField() throws IOException {
        Path file = writeSample(dir.resolve("main-2.ckpt"));
        TaskCheckpoint cp = TaskCheckpoint.read(file);
        assertNotNull(cp);
        assertEquals("g", cp.group());
        assertEquals("main", cp.stage());
        assertEquals(2, cp.task());
        assertEquals(1_700_000_000_000L, cp.wallTimeMs());
        assertEquals(5000, cp.records());
        assertEquals(7, cp.deadLettered());
        assertEquals(11, cp.late());
        assertEquals(250, cp.ratePerSecond());
        assertEquals(123_456L, cp.streamTime());
        assertEquals(123_000L, cp.watermark());
        assertEquals(SOURCES, cp.sources());
        assertEquals(INPUTS, cp.inputs());
        assertEquals(OUTPUTS, cp.outputs());
        assertEquals(TIMERS, cp.timers());
        assertEquals(List.of("counts", "names"), new ArrayList<>(cp.storeSizes().keySet()));
        assertEquals(Map.of("counts", 3L, "names", 1L), cp.storeSizes());
        assertEquals(snapshotBytes(counts) + snapshotBytes(names), cp.stateBytes());
        assertEquals(Files.size(file), cp.fileBytes());

        // the stores restore with their serdes, in insertion order
        InMemoryKeyValueStore<String, Long> restored = new InMemoryKeyValueStore<>("counts", Serdes.string(), Serdes.longs());
        restored.readSnapshot(cp.stores().get("counts").open(), new ExpandableArrayBuffer(8), "test");
        List<String> order = new ArrayList<>();
        restored.forEach((k, v) -> order.add(k + "=" + v));
        assertEquals(List.of("b=2", "a=1", "c=3"), order);
        InMemoryKeyValueStore<String, String> restoredNames = new InMemoryKeyValueStore<>("names", Serdes.string(), Serdes.string());
        restoredNames.readSnapshot(cp.stores().get("names").open(), new ExpandableArrayBuffer(8), "test");
        assertEquals("välue", restoredNames.get("k"));
    }

    @Test
    void roundTripOfAnEmptyCheckpoint() {
        Path file = dir.resolve("main-0.ckpt");
        TaskCheckpointFile.write(file, "g", "main", 0, 0, 0, 0, 0, 0, Long.MIN_VALUE, Long.MIN_VALUE, List.of(), List.of(), List.of(), List.of(), 0, out -> {
        });
        TaskCheckpoint cp = TaskCheckpoint.read(file);
        assertEquals(Long.MIN_VALUE, cp.streamTime());
        assertTrue(cp.inputs().isEmpty() && cp.outputs().isEmpty() && cp.timers().isEmpty() && cp.storeSizes().isEmpty());
        assertEquals(0, cp.stateBytes());
    }

    @Test
    void writeToCopiesACheckpointWithItsStores() throws IOException {
        TaskCheckpoint cp = TaskCheckpoint.read(writeSample(dir.resolve("main-2.ckpt")));
        Path copy = dir.resolve("copy.ckpt");
        cp.writeTo(copy);
        assertArrayEquals(Files.readAllBytes(dir.resolve("main-2.ckpt")), Files.readAllBytes(copy), "the same bytes");
        TaskCheckpoint again = TaskCheckpoint.read(copy);
        assertEquals(cp.storeSizes(), again.storeSizes());
        assertEquals(cp.stateBytes(), again.stateBytes());
    }

    @Test
    void withInputsWithoutStateDropsStoresTimersAndStreamTime() {
        TaskCheckpoint cp = TaskCheckpoint.read(writeSample(dir.resolve("main-2.ckpt")));
        List<TaskCheckpoint.Input> rewound = List.of(new TaskCheckpoint.Input("orders", 2, 0));
        Path file = dir.resolve("rewound.ckpt");
        cp.withInputs(rewound, false).writeTo(file);
        TaskCheckpoint r = TaskCheckpoint.read(file);
        assertEquals(rewound, r.inputs());
        assertEquals(Long.MIN_VALUE, r.streamTime());
        assertTrue(r.timers().isEmpty());
        assertTrue(r.storeSizes().isEmpty());
        assertEquals(OUTPUTS, r.outputs(), "outputs stay: they say what was already written");

        cp.withInputs(rewound, true).writeTo(file);
        TaskCheckpoint kept = TaskCheckpoint.read(file);
        assertEquals(TIMERS, kept.timers());
        assertEquals(cp.storeSizes(), kept.storeSizes());
        assertEquals(123_456L, kept.streamTime());
    }

    @Test
    void missingFileReadsAsNull() {
        assertNull(TaskCheckpoint.read(dir.resolve("nothing-0.ckpt")));
    }

    @Test
    void writeLeavesNoTemporaryFile() throws IOException {
        writeSample(dir.resolve("main-2.ckpt"));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("main-2.ckpt"), files.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void writeReplacesAnExistingCheckpointAndAStaleTemporaryFile() throws IOException {
        Path file = dir.resolve("main-2.ckpt");
        writeSample(file);
        Files.write(dir.resolve("main-2.ckpt.tmp"), new byte[100_000]); // left by a crash mid-write
        TaskCheckpointFile.write(file, "g", "main", 2, 1, 6000, 0, 0, 0, 999, Long.MIN_VALUE, List.of(), List.of(new TaskCheckpoint.Input("orders", 2, 2000)),
            List.of(), List.of(), 0, out -> {
            });
        TaskCheckpoint cp = TaskCheckpoint.read(file);
        assertEquals(6000, cp.records());
        assertEquals(List.of(new TaskCheckpoint.Input("orders", 2, 2000)), cp.inputs());
        assertTrue(cp.storeSizes().isEmpty());
        assertFalse(Files.exists(dir.resolve("main-2.ckpt.tmp")));
    }

    // ---- the named matrix of broken files: each one a CheckpointException that says what is wrong

    byte[] valid() throws IOException {
        return Files.readAllBytes(writeSample(dir.resolve("valid.ckpt")));
    }

    void assertBroken(byte[] bytes, String fragment) {
        Path file = writeBytes(dir.resolve("broken-0.ckpt"), bytes);
        CheckpointException e = assertThrows(CheckpointException.class, () -> TaskCheckpoint.read(file));
        assertTrue(e.getMessage().contains(fragment), () -> "'" + e.getMessage() + "' should contain '" + fragment + "'");
        assertTrue(e.getMessage().contains(file.toString()), () -> "'" + e.getMessage() + "' should name the file");
    }

    /**
     * A valid header and trailer (length and CRC) around {@code body}: damage the parser sees, not the checksum.
     * The body is in the version 1 layout (no watermark section), which this kappa still reads.
     */
    static byte[] sealed(Consumer<DataOutputStream> body) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(b);
        body.accept(out);
        byte[] bodyBytes = b.toByteArray();
        CRC32C crc = new CRC32C();
        crc.update(bodyBytes);
        return ByteBuffer.allocate(8 + bodyBytes.length + 12).putInt(TaskCheckpointFile.MAGIC).putInt(1)
            .put(bodyBytes).putLong(bodyBytes.length).putInt((int) crc.getValue()).array();
    }

    interface IoWriter {
        void write(DataOutputStream out) throws IOException;
    }

    static Consumer<DataOutputStream> io(IoWriter w) {
        return out -> {
            try {
                w.write(out);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        };
    }

    static void header(DataOutputStream out) throws IOException {
        out.writeUTF("g");
        out.writeUTF("main");
        out.writeInt(0);
        for (int i = 0; i < 5; i++) {
            out.writeLong(0);
        }
    }

    @Test
    void emptyFile() {
        assertBroken(new byte[0], "is 0 bytes, too short");
    }

    @Test
    void headerOnly() throws IOException {
        assertBroken(Arrays.copyOf(valid(), 8), "is 8 bytes, too short");
    }

    @Test
    void allJunk() {
        byte[] junk = new byte[500];
        new Random(42).nextBytes(junk);
        assertBroken(junk, "not a kappa checkpoint (bad magic number)");
    }

    @Test
    void junkAppendedAtTheEnd() throws IOException {
        byte[] v = valid();
        byte[] padded = Arrays.copyOf(v, v.length + 37);
        Arrays.fill(padded, v.length, padded.length, (byte) 0x5A);
        assertBroken(padded, "truncated or padded");
    }

    @Test
    void zerosAppendedAtTheEnd() throws IOException {
        byte[] v = valid();
        assertBroken(Arrays.copyOf(v, v.length + 4096), "truncated or padded");
    }

    @Test
    void truncatedInTheTrailer() throws IOException {
        byte[] v = valid();
        for (int cut = 1; cut < 12; cut++) {
            assertBroken(Arrays.copyOf(v, v.length - cut), "truncated or padded");
        }
    }

    @Test
    void truncatedInTheBody() throws IOException {
        byte[] v = valid();
        for (int length : new int[] {21, 30, v.length / 2, v.length - 13}) {
            assertBroken(Arrays.copyOf(v, length), "truncated or padded");
        }
    }

    @Test
    void oneFlippedByteInTheBodyFailsTheChecksum() throws IOException {
        byte[] v = valid();
        for (int at : new int[] {8, 9, v.length / 2, v.length - 13}) {
            byte[] damaged = v.clone();
            damaged[at] ^= 0x10;
            assertBroken(damaged, "fails its checksum");
        }
    }

    @Test
    void flippedByteInTheChecksumItself() throws IOException {
        byte[] v = valid();
        v[v.length - 1] ^= 1;
        assertBroken(v, "fails its checksum");
    }

    @Test
    void unknownVersion() throws IOException {
        byte[] v = valid();
        ByteBuffer.wrap(v).putInt(4, 5);
        assertBroken(v, "has version 5; this kappa reads versions 1 to 4");
    }

    @Test
    void aVersion2CheckpointReadsWithNoLateRecords() throws IOException {
        byte[] v2 = sealed(io(out -> {
            out.writeUTF("g");
            out.writeUTF("main");
            out.writeInt(0);
            out.writeLong(1); // wall time
            out.writeLong(40); // records
            out.writeLong(3); // dead-lettered; version 2 has no late count after it
            out.writeLong(9); // rate
            out.writeLong(500); // stream time
            out.writeLong(400); // watermark
            for (int i = 0; i < 5; i++) {
                out.writeInt(0); // sources, inputs, outputs, timers, stores
            }
        }));
        ByteBuffer.wrap(v2).putInt(4, 2);
        TaskCheckpoint cp = TaskCheckpoint.read(writeBytes(dir.resolve("old-0.ckpt"), v2));
        assertEquals(40, cp.records());
        assertEquals(3, cp.deadLettered());
        assertEquals(0, cp.late());
        assertEquals(9, cp.ratePerSecond());
        assertEquals(400, cp.watermark());
    }

    @Test
    void badMagic() throws IOException {
        byte[] v = valid();
        v[0] = 'X';
        assertBroken(v, "bad magic number");
    }

    @Test
    void bodyThatEndsInTheMiddleOfAField() {
        assertBroken(sealed(io(out -> {
            out.writeUTF("g");
            out.writeUTF("main");
            out.writeInt(0);
            out.writeLong(0); // and nothing more
        })), "ends in the middle of a field");
    }

    @Test
    void bodyWithAnImpossibleCount() {
        assertBroken(sealed(io(out -> {
            header(out);
            out.writeInt(1_000_000); // inputs
        })), "impossible count 1000000");
        assertBroken(sealed(io(out -> {
            header(out);
            out.writeInt(-1);
        })), "impossible count -1");
    }

    @Test
    void storeWithAnImpossibleEntryLength() {
        assertBroken(sealed(io(out -> {
            header(out);
            out.writeInt(0);
            out.writeInt(0);
            out.writeInt(0);
            out.writeInt(1);
            out.writeUTF("s");
            out.writeLong(1);
            out.writeInt(1 << 20); // key length past the end
        })), "impossible entry length");
    }

    @Test
    void bytesAfterTheLastStore() {
        assertBroken(sealed(io(out -> {
            header(out);
            out.writeInt(0);
            out.writeInt(0);
            out.writeInt(0);
            out.writeInt(0);
            out.writeLong(77); // not part of any section
        })), "8 unexpected bytes after its last store");
    }

    /** Any single flipped bit anywhere in a checkpoint is detected, never read as a different checkpoint. */
    @Test
    void randomBitFlipsAreAlwaysDetected() throws IOException {
        long seed = Long.getLong("kappa.test.seed", System.nanoTime());
        System.out.println("TaskCheckpointTest seed: " + seed + " (rerun with -Dkappa.test.seed=" + seed + ")");
        Random random = new Random(seed);
        byte[] v = valid();
        Path file = dir.resolve("flip-0.ckpt");
        for (int i = 0; i < 200; i++) {
            byte[] damaged = v.clone();
            int at = random.nextInt(damaged.length);
            damaged[at] ^= (byte) (1 << random.nextInt(8));
            writeBytes(file, damaged);
            assertThrows(CheckpointException.class, () -> TaskCheckpoint.read(file), "seed " + seed + ": bit flip at byte " + at);
        }
    }
}
