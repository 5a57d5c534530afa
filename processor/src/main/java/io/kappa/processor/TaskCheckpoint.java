package io.kappa.processor;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import java.util.zip.CheckedOutputStream;

/**
 * The durable position of one task: where it is in each input, what it has written to each output, its
 * stream time, timers and state. One file per task, replaced atomically (temporary file, fsync, rename, fsync
 * of the directory), so a crash leaves either the old or the new checkpoint, never a mix.
 *
 * <pre>
 *   0  int   magic 'KCKP'
 *   4  int   version (4; versions 1, without the watermark, 2, without the late count, and 3, written while
 *              tasks' producer ids had the top bit clear, are still read)
 *   8        body (DataOutput encoding: big-endian, strings as modified UTF-8)
 *              utf group, utf stage, int task
 *              long wallTimeMs, long records, long deadLettered
 *              long late                                                                 (v3; older: 0)
 *              long ratePerSecond
 *              long streamTime
 *              long watermark, int n, n x (int input, long producer, long maxTime, long lastAppendTime)   (v2)
 *              int n, n x (utf topic, int partition, long nextOffset)                    inputs
 *              int n, n x (utf topic, int partition, long nextSequence, long endOffset)  outputs
 *              int n, n x (long time, utf name)                                          timers
 *              int n, n x (utf name, long entries, entries x (int len, key, int len, value)) stores
 *   end-12 long  body length
 *   end-4  int   CRC-32C of the body
 * </pre>
 *
 * An output's {@code endOffset} is the output partition's end when the checkpoint was taken, after this task's
 * outputs were flushed; {@code nextSequence} is the producer sequence this task will stamp on its next record
 * there. Anything the task wrote after the checkpoint lies at or beyond {@code endOffset} and carries a sequence
 * at or above {@code nextSequence}: that is how recovery recognises it (see {@code docs/architecture.md}).
 */
public final class TaskCheckpoint {
    static final int MAGIC = 0x4B434B50; // "KCKP"
    static final int VERSION = 4;
    private static final int TRAILER = 12;

    public record Input(String topic, int partition, long nextOffset) {
    }

    public record Output(String topic, int partition, long nextSequence, long endOffset) {
    }

    public record Timer(long time, String name) implements Comparable<Timer> {
        @Override
        public int compareTo(Timer o) {
            int c = Long.compare(time, o.time);
            return c != 0 ? c : name.compareTo(o.name);
        }
    }

    /** A store's snapshot still in the checkpoint's bytes; restored with the serdes when a processor opens it. */
    record StoreSnapshot(String name, byte[] bytes, int offset, int length, long entries) {
        DataInputStream open() {
            return new DataInputStream(new ByteArrayInputStream(bytes, offset, length));
        }
    }

    /** Writes the state section: one call per store, in a fixed order. */
    interface StoreWriter {
        void write(DataOutputStream out) throws IOException;
    }

    private final String group;
    private final String stage;
    private final int task;
    private final long wallTimeMs;
    private final long records;
    private final long deadLettered;
    private final long late;
    private final long ratePerSecond;
    private final long streamTime;
    private final long watermark;
    private final List<Watermarks.Source> sources;
    private final List<Input> inputs;
    private final List<Output> outputs;
    private final List<Timer> timers;
    private final Map<String, StoreSnapshot> stores;
    private final long fileBytes;
    // read from a file of version 3 or older: written while tasks used their legacy (top bit clear) producer ids
    private boolean legacyProducerIds;

    TaskCheckpoint(String group, String stage, int task, long wallTimeMs, long records, long deadLettered, long late, long ratePerSecond,
                   long streamTime, long watermark, List<Watermarks.Source> sources, List<Input> inputs,
                   List<Output> outputs, List<Timer> timers, Map<String, StoreSnapshot> stores, long fileBytes) {
        this.group = group;
        this.stage = stage;
        this.task = task;
        this.wallTimeMs = wallTimeMs;
        this.records = records;
        this.deadLettered = deadLettered;
        this.late = late;
        this.ratePerSecond = ratePerSecond;
        this.streamTime = streamTime;
        this.watermark = watermark;
        this.sources = List.copyOf(sources);
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        this.timers = List.copyOf(timers);
        this.stores = Collections.unmodifiableMap(new LinkedHashMap<>(stores));
        this.fileBytes = fileBytes;
    }

    public String group() {
        return group;
    }

    /**
     * Whether this checkpoint was written by a kappa whose tasks stamped their outputs with the legacy producer id
     * (the top bit clear): records after its output positions may carry that id. Its watermark sources are read
     * with the reserved ids already.
     */
    boolean legacyProducerIds() {
        return legacyProducerIds;
    }

    public String stage() {
        return stage;
    }

    public int task() {
        return task;
    }

    /** When the checkpoint was written (wall clock, for status only). */
    public long wallTimeMs() {
        return wallTimeMs;
    }

    /** Records this task has processed in total (across restarts). */
    public long records() {
        return records;
    }

    /** Records this task dead-lettered in total (across restarts; a rewind keeps it, as the topic keeps them). */
    public long deadLettered() {
        return deadLettered;
    }

    /** Records this task sent to {@code GROUP.late} in total (across restarts; a rewind keeps it). */
    public long late() {
        return late;
    }

    /** Records per second between the previous checkpoint and this one. */
    public long ratePerSecond() {
        return ratePerSecond;
    }

    public long streamTime() {
        return streamTime;
    }

    /** The task's watermark when the checkpoint was taken (Long.MIN_VALUE before any). */
    public long watermark() {
        return watermark;
    }

    /**
     * Whether the task was drained (a bounded run with {@code --drain}): its watermark is at the maximum, so every
     * window and timer has fired and anything it read now would be late. A rewind writes the rebuilt state's
     * watermark, which clears it.
     */
    public boolean drained() {
        return watermark == Long.MAX_VALUE;
    }

    List<Watermarks.Source> sources() {
        return sources;
    }

    public List<Input> inputs() {
        return inputs;
    }

    public List<Output> outputs() {
        return outputs;
    }

    public List<Timer> timers() {
        return timers;
    }

    /** Entries per store. */
    public Map<String, Long> storeSizes() {
        Map<String, Long> sizes = new LinkedHashMap<>();
        stores.forEach((name, s) -> sizes.put(name, s.entries()));
        return sizes;
    }

    /** Bytes of state in this checkpoint. */
    /** Whether the task has run with {@code --emit latest-per-commit}: its output cache's store stays in its checkpoints. */
    public boolean emitCacheUsed() {
        return storeSizes().containsKey(EmitCache.STORE);
    }

    public long stateBytes() {
        long n = 0;
        for (StoreSnapshot s : stores.values()) {
            n += s.length();
        }
        return n;
    }

    public long fileBytes() {
        return fileBytes;
    }

    Map<String, StoreSnapshot> stores() {
        return stores;
    }

    /** A copy with other input offsets and no state, timers or stream time: what a rewind to earliest leaves. */
    public TaskCheckpoint withInputs(List<Input> newInputs, boolean keepState) {
        return new TaskCheckpoint(group, stage, task, wallTimeMs, records, deadLettered, late, 0,
            keepState ? streamTime : Long.MIN_VALUE, keepState ? watermark : Long.MIN_VALUE, keepState ? sources : List.of(),
            newInputs, outputs, keepState ? timers : List.of(),
            keepState ? stores : Map.of(), fileBytes);
    }

    /**
     * This task's checkpoint moved to other input offsets and output positions, with the stream time, timers and
     * stores of {@code state} (null: none, as at the start of the inputs). What a rewind writes.
     */
    public TaskCheckpoint rewound(List<Input> newInputs, List<Output> newOutputs, TaskCheckpoint state) {
        return new TaskCheckpoint(group, stage, task, wallTimeMs, records, deadLettered, late, 0,
            state == null ? Long.MIN_VALUE : state.streamTime, state == null ? Long.MIN_VALUE : state.watermark,
            state == null ? List.of() : state.sources, newInputs, newOutputs, state == null ? List.of() : state.timers,
            state == null ? Map.of() : state.stores, fileBytes);
    }

    /**
     * How this checkpoint's state differs from {@code other}'s (stores byte for byte, timers, watermark, stream
     * time), or null when it is the same.
     */
    public String stateDifference(TaskCheckpoint other) {
        // a store with no entries is the same state as no store (a first checkpoint is written before init opens any)
        if (!nonEmptyStores().equals(other.nonEmptyStores())) {
            return "stores " + nonEmptyStores() + " vs " + other.nonEmptyStores();
        }
        for (StoreSnapshot a : stores.values()) {
            StoreSnapshot b = other.stores.get(a.name());
            if (a.entries() == 0) {
                continue;
            }
            if (!java.util.Arrays.equals(a.bytes(), a.offset(), a.offset() + a.length(), b.bytes(), b.offset(), b.offset() + b.length())) {
                return "store '" + a.name() + "' differs (" + a.entries() + " entries vs " + b.entries() + ")";
            }
        }
        if (!timers.equals(other.timers)) {
            return "timers differ (" + timers.size() + " vs " + other.timers.size() + ")";
        }
        if (watermark != other.watermark) {
            return "watermark " + watermark + " vs " + other.watermark;
        }
        if (streamTime != other.streamTime) {
            return "stream time " + streamTime + " vs " + other.streamTime;
        }
        return null;
    }

    private java.util.Set<String> nonEmptyStores() {
        java.util.Set<String> names = new java.util.TreeSet<>();
        stores.forEach((name, snapshot) -> {
            if (snapshot.entries() > 0) {
                names.add(name);
            }
        });
        return names;
    }

    /**
     * A copy whose watermark sources start their idle clocks afresh with the next record read: what a rewind writes,
     * since the records read next were appended long after the last ones (a source's silence across the rewind is
     * not idleness).
     */
    public TaskCheckpoint withIdleClocksReset() {
        List<Watermarks.Source> fresh = new ArrayList<>();
        for (Watermarks.Source src : sources) {
            fresh.add(new Watermarks.Source(src.input(), src.producer(), src.maxTime(), Long.MIN_VALUE));
        }
        return new TaskCheckpoint(group, stage, task, wallTimeMs, records, deadLettered, late, ratePerSecond, streamTime, watermark, fresh,
            inputs, outputs, timers, stores, fileBytes);
    }

    /**
     * A copy whose watermark sources name other producers ({@code renamed}: old id -> new id; others stay): the state
     * of a scratch copy of a group, whose earlier stage wrote under its own producer ids, given to the group.
     */
    public TaskCheckpoint withSourcesRenamed(Map<Long, Long> renamed) {
        List<Watermarks.Source> moved = new ArrayList<>();
        for (Watermarks.Source src : sources) {
            moved.add(new Watermarks.Source(src.input(), renamed.getOrDefault(src.producer(), src.producer()), src.maxTime(),
                src.lastAppendTime()));
        }
        return new TaskCheckpoint(group, stage, task, wallTimeMs, records, deadLettered, late, ratePerSecond, streamTime, watermark, moved,
            inputs, outputs, timers, stores, fileBytes);
    }

    /** Writes this checkpoint (with its stores as read) to {@code file} atomically. */
    public void writeTo(Path file) {
        write(file, group, stage, task, wallTimeMs, records, deadLettered, late, ratePerSecond, streamTime, watermark, sources, inputs,
            outputs, timers,
            stores.size(), out -> {
                for (StoreSnapshot s : stores.values()) {
                    out.writeUTF(s.name());
                    out.write(s.bytes(), s.offset(), s.length());
                }
            });
    }

    /** Writes a checkpoint atomically and returns its size in bytes. */
    static long write(Path file, String group, String stage, int task, long wallTimeMs, long records, long deadLettered,
                      long late, long ratePerSecond, long streamTime, long watermark, List<Watermarks.Source> sources,
                      List<Input> inputs, List<Output> outputs, List<Timer> timers,
                      int storeCount, StoreWriter storeWriter) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
            OutputStream raw = Channels.newOutputStream(channel);
            DataOutputStream head = new DataOutputStream(raw);
            head.writeInt(MAGIC);
            head.writeInt(VERSION);
            head.flush();
            CRC32C crc = new CRC32C();
            CountingOutputStream counting = new CountingOutputStream(new CheckedOutputStream(raw, crc));
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(counting, 1 << 16));
            out.writeUTF(group);
            out.writeUTF(stage);
            out.writeInt(task);
            out.writeLong(wallTimeMs);
            out.writeLong(records);
            out.writeLong(deadLettered);
            out.writeLong(late);
            out.writeLong(ratePerSecond);
            out.writeLong(streamTime);
            out.writeLong(watermark);
            out.writeInt(sources.size());
            for (Watermarks.Source src : sources) {
                out.writeInt(src.input());
                out.writeLong(src.producer());
                out.writeLong(src.maxTime());
                out.writeLong(src.lastAppendTime());
            }
            out.writeInt(inputs.size());
            for (Input i : inputs) {
                out.writeUTF(i.topic());
                out.writeInt(i.partition());
                out.writeLong(i.nextOffset());
            }
            out.writeInt(outputs.size());
            for (Output o : outputs) {
                out.writeUTF(o.topic());
                out.writeInt(o.partition());
                out.writeLong(o.nextSequence());
                out.writeLong(o.endOffset());
            }
            out.writeInt(timers.size());
            for (Timer t : timers) {
                out.writeLong(t.time());
                out.writeUTF(t.name());
            }
            out.writeInt(storeCount);
            storeWriter.write(out);
            out.flush();
            long bodyLength = counting.count;
            ByteBuffer trailer = ByteBuffer.allocate(TRAILER);
            trailer.putLong(bodyLength).putInt((int) crc.getValue()).flip();
            while (trailer.hasRemaining()) {
                channel.write(trailer);
            }
            channel.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + tmp + ": " + e.getMessage(), e);
        }
        try {
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            syncDirectory(file.getParent());
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install checkpoint " + file + ": " + e.getMessage(), e);
        }
    }

    static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // Some file systems cannot sync a directory; the rename is still atomic.
        }
    }

    /** Reads a checkpoint, or returns null when there is none; a damaged one is a clear error, never ignored. */
    public static TaskCheckpoint read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint " + file + ": " + e.getMessage(), e);
        }
        String where = "checkpoint " + file;
        if (bytes.length < 8 + TRAILER) {
            throw new CheckpointException(where + " is " + bytes.length + " bytes, too short to be a checkpoint");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        if (b.getInt(0) != MAGIC) {
            throw new CheckpointException(where + " is not a kappa checkpoint (bad magic number)");
        }
        int version = b.getInt(4);
        if (version < 1 || version > VERSION) {
            throw new CheckpointException(where + " has version " + version + "; this kappa reads versions 1 to " + VERSION);
        }
        long bodyLength = b.getLong(bytes.length - TRAILER);
        int storedCrc = b.getInt(bytes.length - 4);
        if (bodyLength != bytes.length - 8 - TRAILER) {
            throw new CheckpointException(where + " is truncated or padded: its trailer says " + bodyLength
                + " body bytes, the file holds " + (bytes.length - 8 - TRAILER));
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 8, (int) bodyLength);
        if ((int) crc.getValue() != storedCrc) {
            throw new CheckpointException(where + " fails its checksum (the file is damaged)");
        }
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, 8, (int) bodyLength));
            String group = in.readUTF();
            String stage = in.readUTF();
            int task = in.readInt();
            long wall = in.readLong();
            long records = in.readLong();
            long dead = in.readLong();
            long late = version >= 3 ? in.readLong() : 0;
            long rate = in.readLong();
            long streamTime = in.readLong();
            long watermark = Long.MIN_VALUE;
            List<Watermarks.Source> sources = new ArrayList<>();
            if (version >= 2) {
                watermark = in.readLong();
                for (int i = count(in, where); i > 0; i--) {
                    int input = in.readInt();
                    long producer = in.readLong();
                    // an upstream task's source under its legacy id: the same task now writes under the reserved id
                    if (version < 4 && producer > 0) {
                        producer |= Long.MIN_VALUE;
                    }
                    sources.add(new Watermarks.Source(input, producer, in.readLong(), in.readLong()));
                }
            }
            List<Input> inputs = new ArrayList<>();
            for (int i = count(in, where); i > 0; i--) {
                inputs.add(new Input(in.readUTF(), in.readInt(), in.readLong()));
            }
            List<Output> outputs = new ArrayList<>();
            for (int i = count(in, where); i > 0; i--) {
                outputs.add(new Output(in.readUTF(), in.readInt(), in.readLong(), in.readLong()));
            }
            List<Timer> timers = new ArrayList<>();
            for (int i = count(in, where); i > 0; i--) {
                timers.add(new Timer(in.readLong(), in.readUTF()));
            }
            Map<String, StoreSnapshot> stores = new LinkedHashMap<>();
            for (int i = count(in, where); i > 0; i--) {
                String name = in.readUTF();
                int start = 8 + (int) bodyLength - in.available();
                int limit = 8 + (int) bodyLength;
                if (start + 8 > limit) {
                    throw new CheckpointException(where + " ends in the middle of a field");
                }
                long entries = b.getLong(start);
                if (entries < 0 || entries > (limit - start) / 8) {
                    throw new CheckpointException(where + " has an impossible count " + entries);
                }
                int end = start + 8;
                for (long e = 0; e < 2 * entries; e++) {
                    if (end + 4 > limit) {
                        throw new CheckpointException(where + " ends in the middle of a field");
                    }
                    int n = b.getInt(end);
                    if (n < 0 || n > limit - end - 4) {
                        throw new CheckpointException(where + " has an impossible entry length " + n);
                    }
                    end += 4 + n;
                }
                in.skipNBytes(end - start);
                stores.put(name, new StoreSnapshot(name, bytes, start, end - start, entries));
            }
            if (in.available() != 0) {
                throw new CheckpointException(where + " has " + in.available() + " unexpected bytes after its last store");
            }
            TaskCheckpoint cp = new TaskCheckpoint(group, stage, task, wall, records, dead, late, rate, streamTime, watermark, sources,
                inputs, outputs, timers, stores, bytes.length);
            cp.legacyProducerIds = version < 4;
            return cp;
        } catch (EOFException e) {
            throw new CheckpointException(where + " ends in the middle of a field");
        } catch (IOException e) {
            throw new CheckpointException(where + " cannot be parsed: " + e.getMessage());
        }
    }

    private static int count(DataInputStream in, String where) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available()) {
            throw new CheckpointException(where + " has an impossible count " + n);
        }
        return n;
    }

    private static final class CountingOutputStream extends java.io.FilterOutputStream {
        long count;

        CountingOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
