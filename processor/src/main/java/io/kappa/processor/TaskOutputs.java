package io.kappa.processor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.kappa.log.Partition;
import io.kappa.log.RecordDescriptor;
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
    private final long producerId;
    private final int taskId;
    private final int maxRecordBytes;
    private final List<TaskOutput> outs = new ArrayList<>();
    private final OutputBatch batchA;
    private final OutputBatch batchB;
    // the batch records are written into; the other one may be in flight
    private OutputBatch filling;
    private OutputBatch inFlight;
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
        this.batchA = new OutputBatch(producerId);
        this.batchB = new OutputBatch(producerId);
        this.filling = batchA;
        this.producerId = producerId;
        this.taskId = taskId;
        this.maxRecordBytes = maxRecordBytes;
    }

    int add(String name, Topic topic) {
        return add(new TaskOutput(name, topic));
    }

    int add(TaskOutput out) {
        out.muted = muted && !writtenWhenMuted.contains(out.name);
        outs.add(out);
        return outs.size() - 1;
    }

    /** Forces the output partitions written since the last call to the device. */
    void syncWritten() {
        for (TaskOutput o : outs) {
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

    List<TaskOutput> outs() {
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
    long checkpointPosition(TaskOutput o, int p) {
        return o.skipThrough[p] >= o.nextSequence[p] ? o.recoveredFrom[p] : o.topic.partition(p).endOffset();
    }

    /** Whether records re-produced after a crash are still being recognised as already written. */
    boolean recovering() {
        for (TaskOutput o : outs) {
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
        TaskOutput o = outs.get(outIndex);
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
            TaskOutput o = outs.get(touched[t]);
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
        OutputBatch b = filling;
        for (TaskOutput o : outs) {
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
        OutputBatch b = inFlight;
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
     * ({@link OutputRun#endOfRun}). {@code legacyId}, when not {@link RecordDescriptor#NO_PRODUCER}, is the id the task
     * wrote under before ids were reserved; its records count too (a checkpoint of that time).
     */
    void recover(TaskOutput o, long[] nextSequence, long[] scanFrom, long legacyId) {
        for (int p = 0; p < o.partitions; p++) {
            o.nextSequence[p] = nextSequence[p];
            o.recoveredFrom[p] = scanFrom[p];
            Partition partition = o.topic.partition(p);
            long end = partition.endOffset();
            if (scanFrom[p] > end) {
                throw new CheckpointException("the checkpoint says output " + o.name + "/" + p + " held " + scanFrom[p]
                    + " records, but it ends at " + end + ": records it counted are gone (deleted, or lost to a power failure)");
            }
            long last = OutputRun.endOfRun(partition, scanFrom[p], producerId, legacyId, nextSequence[p], o.name + "/" + p);
            o.skipThrough[p] = last >= nextSequence[p] ? last : -1;
        }
    }
}
