package io.kappa.processor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.kappa.log.BufferedEvents;
import io.kappa.log.Partition;
import io.kappa.log.PartitionTailer;
import io.kappa.log.RecordDescriptor;
import io.kappa.log.RecordHandler;
import io.kappa.log.RecordView;
import io.kappa.log.Topic;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;

/**
 * A task's records on their way out, and the bookkeeping that makes them exactly-once.
 *
 * <p>Every record a task writes to output partition {@code q} is stamped with the task's producer id and the
 * next sequence number of {@code (task, q)}: 0, 1, 2, ... Processing is deterministic, so after a crash the task,
 * re-reading its input from the checkpoint, produces the same records with the same sequence numbers again. On
 * open, {@link #recover} scans each output partition from the end offset recorded in the checkpoint for records
 * with this task's producer id and notes where the contiguous run of sequences from the checkpoint's next
 * sequence ends; records re-produced with a sequence at or below it were already written and are dropped instead
 * of appended. Records under the id outside that run are not the task's and change nothing. The log is never
 * rewritten.
 *
 * <p>Records are buffered (one buffer, no object per record) and handed over at {@link #flush}, to be appended by a
 * writer thread while the task goes on (one batch in flight per task). The writes of the record being processed
 * can be undone ({@link #mark}, {@link #rollback}).
 */
final class TaskOutputs {
    /** One output topic as this task sees it. */
    static final class Out {
        final String name;
        final Topic topic;
        final int partitions;
        final long[] nextSequence;
        final long[] skipThrough;
        // where recovery scanned from: records still to be recognised lie at or after it
        final long[] recoveredFrom;
        final int[][] pending;
        final long[][] pendingSequences;
        final int[] pendingCount;
        // partitions appended to since the last checkpoint: synced before the next one
        final boolean[] written;
        // records for this topic are not written (a muted run), only shown to the tap if there is one
        boolean muted;

        Out(String name, Topic topic) {
            this.name = name;
            this.topic = topic;
            this.partitions = topic.partitionCount();
            this.nextSequence = new long[partitions];
            this.skipThrough = new long[partitions];
            Arrays.fill(skipThrough, -1);
            this.recoveredFrom = new long[partitions];
            this.pending = new int[partitions][16];
            this.pendingSequences = new long[partitions][16];
            this.pendingCount = new int[partitions];
            this.written = new boolean[partitions];
        }
    }

    private final long producerId;
    private final int taskId;
    private final int maxRecordBytes;
    private final List<Out> outs = new ArrayList<>();
    private final WriteBatch batchA;
    private final WriteBatch batchB;
    // the batch records are written into; the other one may be in flight
    private WriteBatch filling;
    private WriteBatch inFlight;
    private java.util.concurrent.Executor writer;
    // forwards of the current record: (out index, partition, buffered 0/1) triples, for rollback
    private int[] touched = new int[48];
    private int touchedCount;
    private int markCount;
    private int markLength;
    private long suppressed;
    private long written;

    private final boolean muted;
    private final java.util.Set<String> writtenWhenMuted;
    private OutputTap tap;
    private String tapStage;
    private String tapInput;
    private long tapOffset;

    TaskOutputs(long producerId, int taskId, int maxRecordBytes, boolean muted, java.util.Set<String> writtenWhenMuted) {
        this.muted = muted;
        this.writtenWhenMuted = writtenWhenMuted;
        this.batchA = new WriteBatch(producerId);
        this.batchB = new WriteBatch(producerId);
        this.filling = batchA;
        this.producerId = producerId;
        this.taskId = taskId;
        this.maxRecordBytes = maxRecordBytes;
    }

    int add(String name, Topic topic) {
        return add(new Out(name, topic));
    }

    int add(Out out) {
        out.muted = muted && !writtenWhenMuted.contains(out.name);
        outs.add(out);
        return outs.size() - 1;
    }

    /** Forces the output partitions written since the last call to the device. */
    void syncWritten() {
        for (Out o : outs) {
            for (int p = 0; p < o.partitions; p++) {
                if (o.written[p]) {
                    o.topic.partition(p).sync();
                    o.written[p] = false;
                }
            }
        }
    }

    int indexOf(String name) {
        for (int i = 0; i < outs.size(); i++) {
            if (outs.get(i).name.equals(name)) {
                return i;
            }
        }
        return -1;
    }

    List<Out> outs() {
        return outs;
    }

    ExpandableArrayBuffer data() {
        return filling.data;
    }

    /** Where the next record's bytes go in {@link #data()}. */
    int dataLength() {
        return filling.dataLength;
    }

    long suppressed() {
        return suppressed;
    }

    long written() {
        return written;
    }

    /**
     * The output position a checkpoint records for partition {@code p}: its end now, unless records this task wrote
     * before a crash are still to be re-produced (their sequences are at or above {@code nextSequence}); they lie
     * before the end, so the position stays where recovery scanned from. Otherwise a second crash would scan
     * past them and write them twice.
     */
    long checkpointPosition(Out o, int p) {
        return o.skipThrough[p] >= o.nextSequence[p] ? o.recoveredFrom[p] : o.topic.partition(p).endOffset();
    }

    /** Whether records re-produced after a crash are still being recognised as already written. */
    boolean recovering() {
        for (Out o : outs) {
            for (int p = 0; p < o.partitions; p++) {
                if (o.skipThrough[p] >= o.nextSequence[p]) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Takes a record whose key ({@code keyLength} may be {@link RecordDescriptor#NO_BYTES}) and value were written
     * into {@link #data()} at the given places, after {@link #dataLength()}. Keyed records go to murmur2(key) mod
     * partitions; keyless ones to partition (task id mod partitions), so the choice never depends on timing.
     */
    /** Muted outputs go to {@code tap} instead (see {@link RunnerContext#outputTap}). */
    void tap(OutputTap tap, String stage) {
        this.tap = tap;
        this.tapStage = stage;
    }

    boolean tapped() {
        return tap != null;
    }

    /** The input record the next outputs come from, for the tap. */
    void position(String topic, long offset) {
        tapInput = topic;
        tapOffset = offset;
    }

    void tapOut(String topic, int partition, DirectBuffer data, int keyOffset, int keyLength, int valueOffset, int valueLength,
                long eventTime) {
        tap.onOutput(tapStage, taskId, tapInput, tapOffset, topic, partition, data, keyOffset, keyLength, valueOffset, valueLength,
            eventTime);
    }

    void emit(int outIndex, int keyOffset, int keyLength, int valueOffset, int valueLength, long eventTime) {
        Out o = outs.get(outIndex);
        checkSize(outIndex, (long) Math.max(0, keyLength) + valueLength);
        if (o.muted && tap == null) {
            return;
        }
        int p = o.partitions == 1 ? 0 : keyLength >= 0 ? o.topic.partitionFor(filling.data, keyOffset, keyLength) : taskId % o.partitions;
        if (o.muted) {
            tapOut(o.name, p, filling.data, keyOffset, keyLength, valueOffset, valueLength, eventTime);
            return;
        }
        long sequence = o.nextSequence[p]++;
        boolean buffer = sequence > o.skipThrough[p];
        touch(outIndex, p, buffer);
        if (!buffer) {
            suppressed++;
            return;
        }
        int i = filling.add(keyOffset, keyLength, valueOffset, valueLength, eventTime);
        int n = o.pendingCount[p];
        if (n == o.pending[p].length) {
            o.pending[p] = Arrays.copyOf(o.pending[p], n * 2);
            o.pendingSequences[p] = Arrays.copyOf(o.pendingSequences[p], n * 2);
        }
        o.pending[p][n] = i;
        o.pendingSequences[p][n] = sequence;
        o.pendingCount[p] = n + 1;
    }

    /** Refuses an output record of {@code size} key and value bytes for output {@code outIndex} that the log would refuse. */
    void checkSize(int outIndex, long size) {
        if (size > maxRecordBytes) {
            throw new IllegalArgumentException("an output record of " + size + " bytes for topic '" + outs.get(outIndex).name
                + "' exceeds the maximum record size of " + maxRecordBytes + " bytes");
        }
    }

    private void touch(int outIndex, int partition, boolean buffered) {
        if (touchedCount + 3 > touched.length) {
            touched = Arrays.copyOf(touched, touched.length * 2);
        }
        touched[touchedCount++] = outIndex;
        touched[touchedCount++] = partition;
        touched[touchedCount++] = buffered ? 1 : 0;
    }

    /** Start of a record's processing: what {@link #rollback} returns to. */
    void mark() {
        markCount = filling.count;
        markLength = filling.dataLength;
        touchedCount = 0;
    }

    /** Forgets the forwards since {@link #mark}, as if the record had produced nothing. */
    void rollback() {
        for (int t = touchedCount - 3; t >= 0; t -= 3) {
            Out o = outs.get(touched[t]);
            int p = touched[t + 1];
            o.nextSequence[p]--;
            if (touched[t + 2] == 1) {
                o.pendingCount[p]--;
            } else {
                suppressed--;
            }
        }
        touchedCount = 0;
        filling.count = markCount;
        filling.dataLength = markLength;
    }

    /**
     * Hands every buffered record to be appended: one batch per output partition, stamped with this task's
     * producer id. With a writer the append runs on the writer's thread while the task goes on processing; at most
     * one batch per task is in flight, so a task's records reach each partition in sequence order. Without a
     * writer it appends here.
     */
    void flush() {
        awaitWritten();
        if (filling.count == 0) {
            touchedCount = 0;
            return;
        }
        WriteBatch b = filling;
        for (Out o : outs) {
            for (int p = 0; p < o.partitions; p++) {
                int n = o.pendingCount[p];
                if (n > 0) {
                    b.addSegment(o.topic.partition(p), o.pending[p], o.pendingSequences[p], n);
                    o.pendingCount[p] = 0;
                    o.written[p] = true;
                    written += n;
                }
            }
        }
        // the other batch is done (awaited above): records go there while this one is appended
        filling = b == batchA ? batchB : batchA;
        filling.reset();
        touchedCount = 0;
        markCount = 0;
        markLength = 0;
        if (writer == null) {
            b.run();
            b.check();
        } else {
            b.waiter = Thread.currentThread();
            b.done = false;
            inFlight = b;
            writer.execute(b);
        }
    }

    /** Waits until the batch in flight, if any, is in the log; rethrows its failure. */
    void awaitWritten() {
        WriteBatch b = inFlight;
        if (b == null) {
            return;
        }
        while (!b.done) {
            java.util.concurrent.locks.LockSupport.park(this);
        }
        inFlight = null;
        b.check();
    }

    void writer(java.util.concurrent.Executor writer) {
        this.writer = writer;
    }

    /**
     * Records of a task, written into {@link #data} as the processor forwards them, then handed to be appended with,
     * per output partition, which of them go there with what sequence.
     */
    static final class WriteBatch implements BufferedEvents, Runnable {
        private final long producerId;
        private final ExpandableArrayBuffer data = new ExpandableArrayBuffer(1 << 16);
        private int[] keyOffsets = new int[256];
        private int[] keyLengths = new int[256];
        private int[] valueOffsets = new int[256];
        private int[] valueLengths = new int[256];
        private long[] eventTimes = new long[256];
        private long[] offsetsOut = new long[256];
        private Partition[] partitions = new Partition[4];
        private int[][] indexes = new int[4][];
        private long[][] sequences = new long[4][];
        private int[] counts = new int[4];
        private int segments;
        int count;
        int dataLength;
        volatile boolean done = true;
        volatile Throwable error;
        volatile Thread waiter;

        WriteBatch(long producerId) {
            this.producerId = producerId;
        }

        /** Takes a record whose bytes are in {@link #data}; returns its index. */
        int add(int keyOffset, int keyLength, int valueOffset, int valueLength, long eventTime) {
            int i = count;
            if (i == keyOffsets.length) {
                int n = i * 2;
                keyOffsets = Arrays.copyOf(keyOffsets, n);
                keyLengths = Arrays.copyOf(keyLengths, n);
                valueOffsets = Arrays.copyOf(valueOffsets, n);
                valueLengths = Arrays.copyOf(valueLengths, n);
                eventTimes = Arrays.copyOf(eventTimes, n);
                offsetsOut = new long[n];
            }
            keyOffsets[i] = keyOffset;
            keyLengths[i] = keyLength;
            valueOffsets[i] = valueOffset;
            valueLengths[i] = valueLength;
            eventTimes[i] = eventTime;
            count = i + 1;
            dataLength = Math.max(keyOffset + Math.max(0, keyLength), valueOffset + valueLength);
            return i;
        }

        /** Empty again, ready to be filled. */
        void reset() {
            count = 0;
            dataLength = 0;
            segments = 0;
            error = null;
        }

        void addSegment(Partition partition, int[] index, long[] sequence, int n) {
            if (segments == partitions.length) {
                int size = segments * 2;
                partitions = Arrays.copyOf(partitions, size);
                indexes = Arrays.copyOf(indexes, size);
                sequences = Arrays.copyOf(sequences, size);
                counts = Arrays.copyOf(counts, size);
            }
            int s = segments++;
            if (indexes[s] == null || indexes[s].length < n) {
                indexes[s] = new int[Math.max(n, 256)];
                sequences[s] = new long[Math.max(n, 256)];
            }
            System.arraycopy(index, 0, indexes[s], 0, n);
            System.arraycopy(sequence, 0, sequences[s], 0, n);
            partitions[s] = partition;
            counts[s] = n;
        }

        @Override
        public void run() {
            try {
                for (int s = 0; s < segments; s++) {
                    partitions[s].appendBatch(this, indexes[s], counts[s], producerId, sequences[s], offsetsOut);
                }
            } catch (Throwable e) {
                error = e;
            } finally {
                for (int s = 0; s < segments; s++) {
                    partitions[s] = null;
                }
                done = true;
                Thread w = waiter;
                if (w != null) {
                    java.util.concurrent.locks.LockSupport.unpark(w);
                }
            }
        }

        void check() {
            Throwable e = error;
            if (e != null) {
                error = null;
                throw new WriteFailure(e);
            }
        }

        @Override
        public DirectBuffer buffer() {
            return data;
        }

        @Override
        public int keyOffset(int i) {
            return keyOffsets[i];
        }

        @Override
        public int keyLength(int i) {
            return keyLengths[i];
        }

        @Override
        public int idOffset(int i) {
            return 0;
        }

        @Override
        public int idLength(int i) {
            return RecordDescriptor.NO_BYTES;
        }

        @Override
        public int valueOffset(int i) {
            return valueOffsets[i];
        }

        @Override
        public int valueLength(int i) {
            return valueLengths[i];
        }

        @Override
        public long eventTime(int i) {
            return eventTimes[i];
        }
    }

    /** Appending a flushed batch failed; the cause says why. */
    static final class WriteFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        WriteFailure(Throwable cause) {
            super("appending outputs failed: " + Task.describe(cause), cause);
        }
    }

    /**
     * Restores sequence numbers from a checkpoint and finds what this task wrote after it: scans each output
     * partition from the checkpoint's end offset (from the partition's start for a partition the checkpoint does
     * not know) for the contiguous run of this task's sequences that starts at the checkpoint's next sequence
     * ({@link #endOfRun}). {@code legacyId}, when not {@link RecordDescriptor#NO_PRODUCER}, is the id the task
     * wrote under before ids were reserved; its records count too (a checkpoint of that time).
     */
    void recover(Out o, long[] nextSequence, long[] scanFrom, long legacyId) {
        for (int p = 0; p < o.partitions; p++) {
            o.nextSequence[p] = nextSequence[p];
            o.recoveredFrom[p] = scanFrom[p];
            Partition partition = o.topic.partition(p);
            long end = partition.endOffset();
            if (scanFrom[p] > end) {
                throw new CheckpointException("the checkpoint says output " + o.name + "/" + p + " held " + scanFrom[p]
                    + " records, but it ends at " + end + ": records it counted are gone (deleted, or lost to a power failure)");
            }
            long last = endOfRun(partition, scanFrom[p], producerId, legacyId, nextSequence[p], o.name + "/" + p);
            o.skipThrough[p] = last >= nextSequence[p] ? last : -1;
        }
    }

    /**
     * The last sequence of the run of a task's records in {@code partition} at or after offset {@code from}: the
     * records stamped with {@code producerId} (or {@code legacyId}, unless it is {@link RecordDescriptor#NO_PRODUCER})
     * whose sequences are {@code first}, {@code first + 1}, ... in log order; {@code first - 1} if there are none.
     * This is all a task writes after a checkpoint, crash after crash. A record under the id that does not continue
     * the run (a gap, a jump, a repeat) was not written by the task and is ignored, reported once on stderr naming
     * {@code where}: a stray or forged record can never make the task take outputs it has not written for written.
     */
    static long endOfRun(Partition partition, long from, long producerId, long legacyId, long first, String where) {
        long start = Math.max(from, partition.startOffset());
        long[] run = {first - 1, 0, -1, 0}; // last in run, strays, first stray's offset, its sequence
        if (start < partition.endOffset()) {
            try (PartitionTailer tailer = partition.newTailer()) {
                tailer.moveToOffset(start);
                RecordHandler h = (RecordView v) -> {
                    long id = v.producerId();
                    if (id != producerId && (id != legacyId || legacyId == RecordDescriptor.NO_PRODUCER)) {
                        return;
                    }
                    long sequence = v.producerSequence();
                    if (sequence == run[0] + 1) {
                        run[0] = sequence;
                    } else if (run[1]++ == 0) {
                        run[2] = v.offset();
                        run[3] = sequence;
                    }
                };
                while (tailer.poll(h, 4096) > 0) {
                    // scan to the end
                }
            }
        }
        if (run[1] > 0) {
            System.err.println("kappa: " + where + " holds " + run[1] + " record(s) under producer id " + producerId
                + " that do not continue its sequence " + first + ".." + run[0] + " (the first at offset " + run[2] + ", sequence "
                + run[3] + "); they were not written by the task and are ignored");
        }
        return run[0];
    }
}
