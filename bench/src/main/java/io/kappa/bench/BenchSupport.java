package io.kappa.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.kappa.log.Event;
import io.kappa.log.Partition;
import io.kappa.log.RecordDescriptor;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.concurrent.UnsafeBuffer;

/** What the benchmarks share: the record shape, scratch directories, and filling a partition or a raw queue. */
final class BenchSupport {
    /** Key and value sizes of every benchmark record. */
    static final int KEY_LENGTH = 8;
    static final int VALUE_LENGTH = 100;
    /** Bytes kappa stores per record (header + key + value); the raw Chronicle baselines write this many. */
    static final int RECORD_LENGTH = RecordDescriptor.HEADER_LENGTH + KEY_LENGTH + VALUE_LENGTH;
    /** The topic every benchmark creates. */
    static final String TOPIC = "bench";

    private BenchSupport() {
    }

    /**
     * A fresh scratch directory under {@code -Dkappa.bench.dir} (default {@code java.io.tmpdir}); the caller
     * deletes it with {@link #delete(Path)} in its tear-down.
     */
    static Path newDirectory(String what) {
        try {
            Path base = Path.of(System.getProperty("kappa.bench.dir", System.getProperty("java.io.tmpdir")));
            Files.createDirectories(base);
            return Files.createTempDirectory(base, "kappa-bench-" + what + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void delete(Path dir) {
        try {
            io.kappa.log.Dirs.deleteRecursively(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static UnsafeBuffer key() {
        UnsafeBuffer key = new UnsafeBuffer(new byte[KEY_LENGTH]);
        key.putLong(0, 0x6b61707061L); // "kappa"
        return key;
    }

    static UnsafeBuffer value() {
        return value(VALUE_LENGTH);
    }

    static UnsafeBuffer value(int length) {
        byte[] value = new byte[length];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) ('a' + i % 26);
        }
        return new UnsafeBuffer(value);
    }

    /** The raw Chronicle queue of the baselines: same roll cycle as a kappa topic with the default 1h segment. */
    static SingleChronicleQueue rawQueue(Path dir) {
        return SingleChronicleQueueBuilder.binary(dir).rollCycle(RollCycles.FAST_HOURLY).build();
    }

    /**
     * A {@link #RECORD_LENGTH}-byte payload for the raw baselines, laid out like a kappa record (offset at
     * {@link RecordDescriptor#OFFSET_OFFSET}, value length at {@link RecordDescriptor#VALUE_LENGTH_OFFSET}) so the
     * raw readers can pick the same fields; the raw baselines compute no CRC.
     */
    static UnsafeBuffer rawPayload() {
        return rawPayload(VALUE_LENGTH);
    }

    /** As {@link #rawPayload()} with a value of {@code valueLength} bytes (at least 8). */
    static UnsafeBuffer rawPayload(int valueLength) {
        UnsafeBuffer payload = new UnsafeBuffer(new byte[RecordDescriptor.HEADER_LENGTH + KEY_LENGTH + valueLength]);
        payload.putByte(RecordDescriptor.VERSION_OFFSET, RecordDescriptor.VERSION);
        payload.putInt(RecordDescriptor.KEY_LENGTH_OFFSET, KEY_LENGTH);
        payload.putInt(RecordDescriptor.ID_LENGTH_OFFSET, RecordDescriptor.NO_BYTES);
        payload.putInt(RecordDescriptor.VALUE_LENGTH_OFFSET, valueLength);
        payload.putBytes(RecordDescriptor.HEADER_LENGTH, key(), 0, KEY_LENGTH);
        payload.putBytes(RecordDescriptor.HEADER_LENGTH + KEY_LENGTH, value(valueLength), 0, valueLength);
        return payload;
    }

    /** Appends {@code records} benchmark records to a kappa partition. */
    static void fill(Partition partition, long records) {
        fill(partition, records, VALUE_LENGTH);
    }

    /** As {@link #fill(Partition, long)} with values of {@code valueLength} bytes. */
    static void fill(Partition partition, long records, int valueLength) {
        // In appends of 1000, as every kappa writer (server, appendBatch, processor outputs) stores them: batches of
        // records per Chronicle document (docs/format.md).
        byte[] value = new byte[valueLength];
        value(valueLength).getBytes(0, value);
        java.util.List<io.kappa.log.Event> batch = new java.util.ArrayList<>(1000);
        for (long i = 0; i < records; i++) {
            byte[] key = new byte[KEY_LENGTH];
            new UnsafeBuffer(key).putLong(0, i);
            batch.add(new io.kappa.log.Event(key, value, Event.NO_TIME, null));
            if (batch.size() == 1000 || i == records - 1) {
                partition.appendBatch(batch);
                batch.clear();
            }
        }
    }

    /** Appends {@code records} raw payloads (carrying offsets 0, 1, 2, ...) to a raw queue. */
    static void fill(SingleChronicleQueue queue, long records) {
        fill(queue, records, rawPayload());
    }

    /** As {@link #fill(SingleChronicleQueue, long)} with a given payload (from {@link #rawPayload(int)}). */
    static void fill(SingleChronicleQueue queue, long records, UnsafeBuffer payload) {
        byte[] bytes = payload.byteArray();
        try (ExcerptAppender appender = queue.createAppender()) {
            for (long i = 0; i < records; i++) {
                payload.putLong(RecordDescriptor.OFFSET_OFFSET, i);
                payload.putLong(RecordDescriptor.HEADER_LENGTH, i);
                try (DocumentContext dc = appender.writingDocument()) {
                    dc.wire().bytes().write(bytes);
                }
            }
        }
    }
}
