package io.kappa.processor;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/** A test {@link InPlaceValue}: a count and the last number added, changed in place; {@code "count/last"}. */
public final class Tally implements InPlaceValue {
    public static final Serde<Tally> SERDE = new Serde<>() {
        @Override
        public byte[] serialize(Tally t) {
            byte[] b = new byte[16];
            new UnsafeBuffer(b).putLong(0, t.count);
            new UnsafeBuffer(b).putLong(8, t.last);
            return b;
        }

        @Override
        public Tally deserialize(DirectBuffer buffer, int offset, int length) {
            if (length != 16) {
                throw new IllegalArgumentException("a tally takes 16 bytes, got " + length);
            }
            return new Tally(buffer.getLong(offset), buffer.getLong(offset + 8));
        }
    };

    private long count;
    private long last;

    public Tally(long count, long last) {
        this.count = count;
        this.last = last;
    }

    /** Counts {@code x} in. */
    public void add(long x) {
        count++;
        last = x;
    }

    @Override
    public int stateLongs() {
        return 2;
    }

    @Override
    public void saveTo(long[] to, int at) {
        to[at] = count;
        to[at + 1] = last;
    }

    @Override
    public void restoreFrom(long[] from, int at) {
        count = from[at];
        last = from[at + 1];
    }

    @Override
    public String toString() {
        return count + "/" + last;
    }
}
