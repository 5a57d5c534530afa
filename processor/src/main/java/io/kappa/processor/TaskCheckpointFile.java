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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import java.util.zip.CheckedOutputStream;

/**
 * The file of a task's checkpoint ({@link TaskCheckpoint}): one per task, replaced atomically (temporary file, fsync,
 * rename, fsync of the directory), so a crash leaves either the old or the new checkpoint, never a mix; a damaged file
 * is a clear error.
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
final class TaskCheckpointFile {
    static final int MAGIC = 0x4B434B50; // "KCKP"
    static final int VERSION = 4;
    private static final int TRAILER = 12;

    /** Writes the state section: one call per store, in a fixed order. */
    interface StoreWriter {
        void write(DataOutputStream out) throws IOException;
    }

    private TaskCheckpointFile() {
    }

    /** Writes a checkpoint atomically and returns its size in bytes. */
    static long write(Path file, String group, String stage, int task, long wallTimeMs, long records, long deadLettered,
                      long late, long ratePerSecond, long streamTime, long watermark, List<Watermarks.Source> sources,
                      List<TaskCheckpoint.Input> inputs, List<TaskCheckpoint.Output> outputs, List<TaskCheckpoint.Timer> timers,
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
            for (TaskCheckpoint.Input i : inputs) {
                out.writeUTF(i.topic());
                out.writeInt(i.partition());
                out.writeLong(i.nextOffset());
            }
            out.writeInt(outputs.size());
            for (TaskCheckpoint.Output o : outputs) {
                out.writeUTF(o.topic());
                out.writeInt(o.partition());
                out.writeLong(o.nextSequence());
                out.writeLong(o.endOffset());
            }
            out.writeInt(timers.size());
            for (TaskCheckpoint.Timer t : timers) {
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
    static TaskCheckpoint read(Path file) {
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
            List<TaskCheckpoint.Input> inputs = new ArrayList<>();
            for (int i = count(in, where); i > 0; i--) {
                inputs.add(new TaskCheckpoint.Input(in.readUTF(), in.readInt(), in.readLong()));
            }
            List<TaskCheckpoint.Output> outputs = new ArrayList<>();
            for (int i = count(in, where); i > 0; i--) {
                outputs.add(new TaskCheckpoint.Output(in.readUTF(), in.readInt(), in.readLong(), in.readLong()));
            }
            List<TaskCheckpoint.Timer> timers = new ArrayList<>();
            for (int i = count(in, where); i > 0; i--) {
                timers.add(new TaskCheckpoint.Timer(in.readLong(), in.readUTF()));
            }
            Map<String, TaskCheckpoint.StoreSnapshot> stores = new LinkedHashMap<>();
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
                stores.put(name, new TaskCheckpoint.StoreSnapshot(name, bytes, start, end - start, entries));
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
