package io.kappa.processor.window;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.kappa.processor.Serde;
import org.agrona.DirectBuffer;
import org.agrona.collections.LongHashSet;
import org.apache.datasketches.hash.MurmurHash3;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;
import org.apache.datasketches.hll.Union;

/**
 * How many distinct values a window saw: exact while there are at most {@value #EXACT_LIMIT}, then an Apache
 * DataSketches HyperLogLog sketch; changed in place (see {@link InPlace}) and mergeable (session windows).
 *
 * <p><b>Error.</b> Values are told apart by a 64-bit MurmurHash3 of their UTF-8 text, so up to {@value #EXACT_LIMIT}
 * distinct values the count is exact unless two of them share a hash (for n values a chance of about n&sup2; / 2^65,
 * below 10^-13 at the limit). Past it, the set turns into an HLL sketch with lgK {@value #LG_K} (HLL_8, 4 KiB): relative
 * standard error 1.04 / sqrt(2^12) = 1.6%, so 95% of estimates fall within 3.3% and 99.7% within 4.9% of the true count
 * (DataSketches' HLL error bounds; the sketch's own bounds for 2 standard deviations are {@link #lowerBound} /
 * {@link #upperBound}).
 *
 * <p><b>Bytes</b> (big-endian), a function of the values alone, in any order, so a replay writes the same state:
 * <pre>
 *   0  version (1)                1 byte
 *   1  kind: 0 exact, 1 sketch    1 byte
 *   2  exact: count n             4 bytes, then n hashes (8 bytes each) in ascending order
 *      sketch: the compact bytes (toCompactByteArray) of the sketch as a union returns it (see canonical)
 * </pre>
 * A set that outgrows the limit is turned into a sketch by adding its hashes in ascending order, whatever order they
 * arrived in.
 */
public final class DistinctCount extends InPlace<Object> {
    /** Distinct values counted exactly; one more turns the set into a sketch. */
    public static final int EXACT_LIMIT = 1024;
    /** log2 of the HLL sketch's registers. */
    public static final int LG_K = 12;

    private static final byte VERSION = 1;
    private static final long SEED = 9001L;

    private final long last;

    private DistinctCount(Bulk<Object> bulk, long version, long last) {
        super(bulk, version);
        this.last = last;
    }

    /** No values yet: each call returns a new set. */
    public static DistinctCount empty() {
        return new DistinctCount(new Bulk<>(new LongHashSet(), 0), 0, 0);
    }

    /** The 64-bit hash a value is counted by. */
    public static long hash(String value) {
        return MurmurHash3.hash(value.getBytes(StandardCharsets.UTF_8), SEED)[0];
    }

    /** These values and {@code value}; this one is left as it was. */
    public DistinctCount add(String value) {
        return addHash(hash(value));
    }

    /** These values and the value with this {@link #hash}. */
    public DistinctCount addHash(long hash) {
        forAdd();
        return new DistinctCount(bulk, version + 1, hash);
    }

    /** True while the count is exact (at most {@value #EXACT_LIMIT} distinct values). */
    public boolean isExact() {
        return exactCount() >= 0;
    }

    /** The number of distinct values: exact, or the sketch's estimate rounded. */
    public long estimate() {
        long exact = exactCount();
        return exact >= 0 ? exact : Math.round(canonical(forRead()).getEstimate());
    }

    /** The count, or the sketch's lower bound at 2 standard deviations (about 95% confidence). */
    public long lowerBound() {
        long exact = exactCount();
        return exact >= 0 ? exact : (long) Math.floor(canonical(forRead()).getLowerBound(2));
    }

    /** The count, or the sketch's upper bound at 2 standard deviations. */
    public long upperBound() {
        long exact = exactCount();
        return exact >= 0 ? exact : (long) Math.ceil(canonical(forRead()).getUpperBound(2));
    }

    /** The exact count without copying the set, or -1 once it is a sketch. */
    private long exactCount() {
        if (!(bulk.value instanceof LongHashSet set)) {
            return -1;
        }
        if (!pending() || set.contains(last)) {
            return set.size();
        }
        return set.size() < EXACT_LIMIT ? set.size() + 1 : -1;
    }

    /** The values of both. */
    public DistinctCount merge(DistinctCount later) {
        Object a = forRead();
        Object b = later.forRead();
        if (a instanceof LongHashSet x && b instanceof LongHashSet y) {
            LongHashSet union = copySet(x);
            union.addAll(y);
            if (union.size() <= EXACT_LIMIT) {
                return new DistinctCount(new Bulk<>(union, 0), 0, 0);
            }
        }
        Union union = new Union(LG_K);
        union.update(sketch(a));
        union.update(sketch(b));
        return new DistinctCount(new Bulk<>(union.getResult(TgtHllType.HLL_8), 0), 0, 0);
    }

    /**
     * The sketch as a union of it with itself returns it: the same bytes for the same values in any order (past the
     * exact limit, where a sketch is never in DataSketches' small list mode, whose bytes keep the order). A sketch updated in place also
     * keeps DataSketches' HIP estimate, which depends on the order values came in; records that reach a task through
     * a repartition topic come in an order that depends on how the upstream tasks ran, so results and state are
     * taken from the registers alone (the composite estimator: relative standard error 1.04 / sqrt(K)).
     */
    private static HllSketch canonical(Object bulk) {
        Union union = new Union(LG_K);
        union.update((HllSketch) bulk);
        union.update((HllSketch) bulk); // a second (idempotent) merge marks the result as merged: no HIP estimate
        return union.getResult(TgtHllType.HLL_8);
    }

    private static HllSketch sketch(Object bulk) {
        if (bulk instanceof HllSketch s) {
            return s;
        }
        return sketchOf(sorted((LongHashSet) bulk));
    }

    private static HllSketch sketchOf(long[] ascending) {
        HllSketch s = new HllSketch(LG_K, TgtHllType.HLL_8);
        for (long h : ascending) {
            s.update(h);
        }
        return s;
    }

    private static long[] sorted(LongHashSet set) {
        long[] all = new long[set.size()];
        int[] n = {0};
        set.forEachLong(h -> all[n[0]++] = h);
        Arrays.sort(all);
        return all;
    }

    private static LongHashSet copySet(LongHashSet set) {
        LongHashSet copy = new LongHashSet(Math.max(16, set.size() * 2));
        copy.addAll(set);
        return copy;
    }

    /**
     * Runs a sketch's (de)serialisation, which goes through datasketches-memory 3.0.2: on a JDK other than 8, 11, 17 or
     * 21 its class initialisation fails, reported here as what to do rather than as a linkage error.
     */
    private static <T> T onSupportedJdk(java.util.function.Supplier<T> action) {
        try {
            return action.get();
        } catch (ExceptionInInitializerError | NoClassDefFoundError e) {
            throw new IllegalStateException("a distinct count past " + EXACT_LIMIT + " values is a DataSketches sketch, whose "
                + "serialisation (datasketches-memory 3.0.2) runs on Java 17 or 21 only, not on Java " + Runtime.version().feature()
                + ": run kappa on Java 17 or 21", e);
        }
    }

    @Override
    Object fold(Object value) {
        if (value instanceof LongHashSet set) {
            if (set.size() < EXACT_LIMIT || set.contains(last)) {
                set.add(last);
                return set;
            }
            set.add(last);
            return sketchOf(sorted(set));
        }
        ((HllSketch) value).update(last);
        return value;
    }

    @Override
    Object copy(Object value) {
        return value instanceof LongHashSet set ? copySet(set) : ((HllSketch) value).copy();
    }

    public static final Serde<DistinctCount> SERDE = new Serde<>() {
        /** For {@code kappa state}: the estimate, and its bounds once it is no longer exact. */
        @Override
        public Object describe(DistinctCount d) {
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("distinct", d.estimate());
            m.put("exact", d.isExact());
            if (!d.isExact()) {
                m.put("lowerBound", d.lowerBound());
                m.put("upperBound", d.upperBound());
            }
            return m;
        }

        @Override
        public byte[] serialize(DistinctCount d) {
            Object b = d.forRead();
            if (b instanceof LongHashSet set) {
                long[] hashes = sorted(set);
                ByteBuffer out = ByteBuffer.allocate(6 + 8 * hashes.length).put(VERSION).put((byte) 0).putInt(hashes.length);
                for (long h : hashes) {
                    out.putLong(h);
                }
                return out.array();
            }
            byte[] sketch = onSupportedJdk(() -> canonical(b).toCompactByteArray());
            return ByteBuffer.allocate(2 + sketch.length).put(VERSION).put((byte) 1).put(sketch).array();
        }

        @Override
        public DistinctCount deserialize(DirectBuffer buffer, int offset, int length) {
            if (length < 2 || buffer.getByte(offset) != VERSION) {
                throw new IllegalArgumentException("not a distinct count of version " + VERSION + " (" + length + " bytes)");
            }
            byte kind = buffer.getByte(offset + 1);
            if (kind == 0) {
                int n = length >= 6 ? buffer.getInt(offset + 2, java.nio.ByteOrder.BIG_ENDIAN) : -1;
                if (n < 0 || n > EXACT_LIMIT || length != 6 + 8 * n) {
                    throw new IllegalArgumentException("a distinct count's exact set is cut short or too long (" + length + " bytes)");
                }
                LongHashSet set = new LongHashSet(Math.max(16, n * 2));
                for (int i = 0; i < n; i++) {
                    set.add(buffer.getLong(offset + 6 + 8 * i, java.nio.ByteOrder.BIG_ENDIAN));
                }
                return new DistinctCount(new Bulk<>(set, 0), 0, 0);
            }
            if (kind != 1) {
                throw new IllegalArgumentException("unknown kind " + kind + " of distinct count");
            }
            byte[] sketch = new byte[length - 2];
            buffer.getBytes(offset + 2, sketch);
            return new DistinctCount(new Bulk<>(onSupportedJdk(() -> HllSketch.heapify(sketch)), 0), 0, 0);
        }
    };
}
