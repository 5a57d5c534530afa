package io.kappa.processor.window;

import java.nio.ByteBuffer;

import io.kappa.processor.Serde;
import org.HdrHistogram.DoubleHistogram;
import org.HdrHistogram.PackedDoubleHistogram;
import org.agrona.DirectBuffer;

/**
 * The distribution of the values of a window, for its percentiles: an HdrHistogram {@link DoubleHistogram} (the
 * packed kind, whose memory follows the buckets in use) with {@value #SIGNIFICANT_DIGITS} significant digits, changed
 * in place (see {@link InPlace}) and mergeable (session windows).
 *
 * <p><b>Error.</b> {@link #valueAt} is the value at rank {@code max(1, ceil(p / 100 * n))} of the n values in order
 * (the nearest-rank percentile), as HdrHistogram quantises it: within 1% of it (2 significant digits; buckets are
 * 1/128 of their value wide, and a bucket reports its highest value). Values are numbers {@code >= 0}, and in one
 * window the largest may be at most {@value #MAX_RATIO} times the smallest non-zero one (HdrHistogram's dynamic
 * range); others are refused (the record goes to the dead-letter topic).
 *
 * <p>The answers depend on the values, not on the order they came in (records reach a task after a repartition in
 * an order that depends on how the upstream tasks ran). The histogram's layout does depend on that order (it grows its
 * range around the first values), so the state is the same for the same values added in the same order: a replay or
 * a restart from a checkpoint writes the same bytes; two runs fed through a repartition may not.
 *
 * <p><b>Bytes</b> (big-endian):
 * <pre>
 *   0  version (1)         1 byte
 *   1  min non-zero value  8 bytes, double (+infinity when none)
 *   9  max value           8 bytes, double
 *  17  histogram           HdrHistogram's uncompressed encoding of a DoubleHistogram (encodeIntoByteBuffer)
 * </pre>
 */
public final class Percentiles extends InPlace<DoubleHistogram> {
    /** HdrHistogram's precision: values are told apart down to 1/128 of their size, i.e. within 1%. */
    public static final int SIGNIFICANT_DIGITS = 2;
    /** The largest value over the smallest non-zero one that one window may hold. */
    public static final double MAX_RATIO = 1e12;

    private static final byte VERSION = 1;

    private final double last;
    private final double minNonZero;
    private final double max;

    private Percentiles(Bulk<DoubleHistogram> bulk, long version, double last, double minNonZero, double max) {
        super(bulk, version);
        this.last = last;
        this.minNonZero = minNonZero;
        this.max = max;
    }

    /** No values yet: each call returns a new histogram. */
    public static Percentiles empty() {
        return new Percentiles(new Bulk<>(new PackedDoubleHistogram(SIGNIFICANT_DIGITS), 0), 0, 0,
            Double.POSITIVE_INFINITY, 0);
    }

    /** These values and {@code x}; this one is left as it was. */
    public Percentiles add(double x) {
        if (!(x >= 0) || x == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("a percentile takes numbers >= 0, got " + x);
        }
        double lo = x > 0 ? Math.min(minNonZero, x) : minNonZero;
        double hi = Math.max(max, x);
        if (lo != Double.POSITIVE_INFINITY && hi / lo > MAX_RATIO) {
            throw new IllegalArgumentException("a percentile window holds values within a factor of 1e12 of each other (HdrHistogram's "
                + "range); " + x + " is too far from " + (x == hi ? lo : hi));
        }
        forAdd();
        return new Percentiles(bulk, version + 1, x, lo, hi);
    }

    /** How many values. */
    public long count() {
        return version;
    }

    /** The value at {@code percentile} (0..100; see the class comment for the error); NaN when there are no values. */
    public double valueAt(double percentile) {
        if (version == 0) {
            return Double.NaN;
        }
        return forRead().getValueAtPercentile(percentile);
    }

    /** The values of both. */
    public Percentiles merge(Percentiles later) {
        DoubleHistogram h = copy(forRead());
        h.add(later.forRead());
        long n = version + later.version;
        return new Percentiles(new Bulk<>(h, n), n, 0, Math.min(minNonZero, later.minNonZero), Math.max(max, later.max));
    }

    @Override
    DoubleHistogram fold(DoubleHistogram h) {
        h.recordValue(last);
        return h;
    }

    @Override
    DoubleHistogram copy(DoubleHistogram h) {
        // through its encoding: the one copy that keeps a DoubleHistogram's auto-ranging state exactly (copy() drops
        // auto-resizing, the copy constructor the counts), so a copy, the original and a restored one go on alike
        ByteBuffer b = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        h.encodeIntoByteBuffer(b);
        b.flip();
        return PackedDoubleHistogram.decodeFromByteBuffer(b, 0);
    }

    public static final Serde<Percentiles> SERDE = new Serde<>() {
        /** For {@code kappa state}: the count and a few percentiles. */
        @Override
        public Object describe(Percentiles p) {
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("count", p.count());
            if (p.count() > 0) {
                for (double q : new double[] {50, 90, 99}) {
                    m.put("p" + (int) q, p.valueAt(q));
                }
            }
            return m;
        }

        @Override
        public byte[] serialize(Percentiles p) {
            DoubleHistogram h = p.forRead();
            ByteBuffer b = ByteBuffer.allocate(17 + h.getNeededByteBufferCapacity());
            b.put(VERSION).putDouble(p.minNonZero).putDouble(p.max);
            h.encodeIntoByteBuffer(b);
            byte[] out = new byte[b.position()];
            b.flip().get(out);
            return out;
        }

        @Override
        public Percentiles deserialize(DirectBuffer buffer, int offset, int length) {
            if (length < 17 || buffer.getByte(offset) != VERSION) {
                throw new IllegalArgumentException("not a percentile aggregate of version " + VERSION + " (" + length + " bytes)");
            }
            byte[] b = new byte[length];
            buffer.getBytes(offset, b);
            ByteBuffer in = ByteBuffer.wrap(b);
            in.get();
            double lo = in.getDouble();
            double hi = in.getDouble();
            DoubleHistogram h = PackedDoubleHistogram.decodeFromByteBuffer(in, 0);
            long n = h.getTotalCount();
            return new Percentiles(new Bulk<>(h, n), n, 0, lo, hi);
        }
    };
}
