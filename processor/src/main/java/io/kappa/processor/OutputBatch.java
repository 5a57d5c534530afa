package io.kappa.processor;

import java.util.Arrays;

import io.kappa.log.BufferedEvents;
import io.kappa.log.Partition;
import io.kappa.log.RecordDescriptor;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;

/**
 * Records of a task ({@link TaskOutputs}), written into {@link #data} as the processor forwards them, then handed to be
 * appended with, per output partition, which of them go there with what sequence: {@link #run} appends them (on the
 * writer's thread, or the task's), {@link #check} rethrows what failed.
 */
final class OutputBatch implements BufferedEvents, Runnable {
    private final long producerId;
    final ExpandableArrayBuffer data = new ExpandableArrayBuffer(1 << 16);
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

    OutputBatch(long producerId) {
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
            throw new TaskOutputs.WriteFailure(e);
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
