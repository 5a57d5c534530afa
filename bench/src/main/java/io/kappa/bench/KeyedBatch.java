package io.kappa.bench;

import io.kappa.log.BufferedEvents;
import io.kappa.log.Partition;
import io.kappa.log.RecordDescriptor;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The processor scenarios' input events, appended the way kappa's writers append (the server per request,
 * {@code kappa append} per {@code --batch} of 1,000 lines, a processor per flush): {@link #BATCH} events per
 * {@link Partition#appendBatch(BufferedEvents, int[], int, long, long[], long[])}, so the partition stores them as
 * record batches of up to {@link RecordDescriptor#BATCH_TARGET_BYTES} ({@code docs/format.md}), not one Chronicle
 * document per event. Each event: the key's number as {@link BenchSupport#KEY_LENGTH} ASCII digits, a
 * {@link BenchSupport#VALUE_LENGTH}-byte value whose first 8 bytes are a stamp. Allocation-free once built.
 */
final class KeyedBatch implements BufferedEvents {
    /** Events per append: {@code kappa append}'s default {@code --batch}. */
    static final int BATCH = 1000;
    private static final int KEY = BenchSupport.KEY_LENGTH;
    private static final int VALUE = BenchSupport.VALUE_LENGTH;
    private static final int SLOT = KEY + VALUE;

    private final UnsafeBuffer data = new UnsafeBuffer(new byte[BATCH * SLOT]);
    private final long[] eventTimes = new long[BATCH];
    private final int[] indexes = new int[BATCH];
    private final long[] offsets = new long[BATCH];
    private int count;

    KeyedBatch() {
        UnsafeBuffer value = BenchSupport.value();
        for (int i = 0; i < BATCH; i++) {
            indexes[i] = i;
            data.putBytes(i * SLOT + KEY, value, 0, VALUE);
        }
    }

    /** Adds an event of key number {@code key}, value stamp {@code stamp} and {@code eventTime}; true once the batch is full. */
    boolean add(long key, long stamp, long eventTime) {
        int at = count * SLOT;
        long v = key;
        for (int i = KEY - 1; i >= 0; i--) {
            data.putByte(at + i, (byte) ('0' + v % 10));
            v /= 10;
        }
        data.putLong(at + KEY, stamp);
        eventTimes[count++] = eventTime;
        return count == BATCH;
    }

    /** Appends the events added since the last call, if any, in one call; returns how many. */
    int appendTo(Partition partition) {
        int n = count;
        if (n > 0) {
            partition.appendBatch(this, indexes, n, RecordDescriptor.NO_PRODUCER, null, offsets);
            count = 0;
        }
        return n;
    }

    @Override
    public DirectBuffer buffer() {
        return data;
    }

    @Override
    public int keyOffset(int i) {
        return i * SLOT;
    }

    @Override
    public int keyLength(int i) {
        return KEY;
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
        return i * SLOT + KEY;
    }

    @Override
    public int valueLength(int i) {
        return VALUE;
    }

    @Override
    public long eventTime(int i) {
        return eventTimes[i];
    }
}
