package io.kappa.processor.window;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import io.kappa.processor.Serde;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link Percentiles} and {@link DistinctCount} against brute-force batch computations, within their stated error; and
 * the two things a window's state must survive: a checkpoint and restore at any point, and a failed record whose
 * add is undone (the store puts the previous aggregate back), both leaving exactly the state of a clean run.
 */
class WindowSketchesTest {
    static final double[] LEVELS = {0, 50, 90, 95, 99, 99.9, 100};

    /** Values >= 0 within a factor of 1e12 of each other (some zeros, some repeats), at a random magnitude. */
    static double[] values(Random rnd, int n) {
        double base = Math.pow(10, rnd.nextDouble() * 16 - 8);
        double spread = Math.pow(10, rnd.nextDouble() * 11);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            int kind = rnd.nextInt(10);
            v[i] = kind == 0 ? 0 : kind == 1 && i > 0 ? v[rnd.nextInt(i)] : base * Math.pow(spread, rnd.nextDouble());
        }
        return v;
    }

    /** The nearest-rank percentile: the value at rank max(1, ceil(p / 100 * n)). */
    static double nearestRank(double[] values, double p) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        long rank = Math.max(1, (long) Math.ceil(Math.nextDown(p) / 100 * sorted.length));
        return sorted[(int) Math.min(rank, sorted.length) - 1];
    }

    static <T> T roundTrip(Serde<T> serde, T value) {
        byte[] b = serde.serialize(value);
        return serde.deserialize(new UnsafeBuffer(b), 0, b.length);
    }

    @Property(tries = 300)
    void percentilesAreWithinOnePercentOfTheBatchValue(@ForAll long seed, @ForAll @IntRange(min = 1, max = 3000) int n) {
        double[] v = values(new Random(seed), n);
        Percentiles p = Percentiles.empty();
        for (double x : v) {
            p = p.add(x);
        }
        assertEquals(n, p.count());
        for (double level : LEVELS) {
            double exact = nearestRank(v, level);
            double got = p.valueAt(level);
            assertEquals(exact, got, exact * 0.01, "p" + level + " of " + n + " values, seed " + seed);
        }
    }

    /**
     * A run with checkpoints restored at random points and with failed adds (the previous aggregate put back, the
     * record's value dropped) ends in exactly the bytes of a clean run over the values that stayed, and answers alike.
     */
    @Property(tries = 150)
    void percentilesSurviveRestoresAndUndoneAdds(@ForAll long seed, @ForAll @IntRange(min = 1, max = 400) int n) {
        Random rnd = new Random(seed);
        double[] v = values(rnd, n);
        Percentiles clean = Percentiles.empty();
        Percentiles live = Percentiles.empty();
        List<Double> kept = new ArrayList<>();
        for (double x : v) {
            if (rnd.nextInt(8) == 0) {
                live.add(x); // a record that failed after its add: the store keeps `live`
                if (rnd.nextBoolean()) {
                    assertEquals(Percentiles.SERDE.serialize(clean).length, Percentiles.SERDE.serialize(live).length);
                }
                continue;
            }
            kept.add(x);
            clean = clean.add(x);
            live = live.add(x);
            if (rnd.nextInt(10) == 0) {
                live = roundTrip(Percentiles.SERDE, live);
            }
            if (rnd.nextInt(20) == 0) {
                assertEquals(clean.valueAt(99), live.valueAt(99), "a read in between changes nothing");
            }
        }
        assertArrayEquals(Percentiles.SERDE.serialize(clean), Percentiles.SERDE.serialize(live), "seed " + seed);
        for (double level : LEVELS) {
            assertEquals(clean.valueAt(level), live.valueAt(level));
        }
        assertEquals(kept.size(), live.count());
    }

    @Property(tries = 100)
    void mergedPercentilesAreThoseOfAllTheValues(@ForAll long seed, @ForAll @IntRange(min = 1, max = 500) int n) {
        Random rnd = new Random(seed);
        double[] v = values(rnd, n);
        int cut = rnd.nextInt(n + 1);
        Percentiles a = Percentiles.empty();
        Percentiles b = Percentiles.empty();
        Percentiles all = Percentiles.empty();
        for (int i = 0; i < n; i++) {
            if (i < cut) {
                a = a.add(v[i]);
            } else {
                b = b.add(v[i]);
            }
            all = all.add(v[i]);
        }
        Percentiles merged = a.merge(b);
        assertEquals(n, merged.count());
        for (double level : LEVELS) {
            assertEquals(all.valueAt(level), merged.valueAt(level), "p" + level);
        }
        assertEquals(cut, a.count(), "merge leaves its inputs as they were");
    }

    /**
     * Records reach a task after a repartition in an order that depends on how the upstream tasks ran: the answers
     * must not depend on it.
     */
    @Property(tries = 200)
    void percentilesDoNotDependOnTheOrderOfTheValues(@ForAll long seed, @ForAll @IntRange(min = 1, max = 2000) int n) {
        Random rnd = new Random(seed);
        double[] v = values(rnd, n);
        List<Double> shuffled = new ArrayList<>();
        for (double x : v) {
            shuffled.add(x);
        }
        java.util.Collections.shuffle(shuffled, rnd);
        Percentiles a = Percentiles.empty();
        Percentiles b = Percentiles.empty();
        for (int i = 0; i < n; i++) {
            a = a.add(v[i]);
            b = b.add(shuffled.get(i));
        }
        for (double level : LEVELS) {
            assertEquals(a.valueAt(level), b.valueAt(level), "p" + level + ", seed " + seed);
        }
    }

    @Test
    void percentilesRefuseWhatAHistogramCannotHoldAndStayUsable() {
        Percentiles p = Percentiles.empty().add(1);
        for (double bad : new double[] {-1, Double.NaN, Double.POSITIVE_INFINITY}) {
            Percentiles before = p;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> before.add(bad));
            assertTrue(e.getMessage().contains(">= 0"), e.getMessage());
        }
        IllegalArgumentException far = assertThrows(IllegalArgumentException.class, () -> Percentiles.empty().add(1e-7).add(1e6));
        assertTrue(far.getMessage().contains("within a factor of 1e12"), far.getMessage());
        assertEquals(3, p.add(0).add(1e12).count(), "zero and exactly 1e12 times the smallest are fine");
        assertTrue(Double.isNaN(Percentiles.empty().valueAt(50)));
    }

    @Test
    void anAggregateTwoAddsBehindFailsLoudly() {
        Percentiles first = Percentiles.empty().add(1);
        first.add(2).add(3); // the lineage moved on by two
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> first.valueAt(50));
        assertTrue(e.getMessage().contains("used after its bulk had moved on"), e.getMessage());
        DistinctCount d = DistinctCount.empty().add("a");
        d.add("b").add("c");
        assertThrows(IllegalStateException.class, d::estimate);
    }

    // ---- distinct counts

    /** n draws from a pool of `pool` strings; returns the draws. */
    static String[] draws(Random rnd, int n, int pool) {
        String[] out = new String[n];
        for (int i = 0; i < n; i++) {
            out[i] = "user-" + rnd.nextInt(pool);
        }
        return out;
    }

    @Property(tries = 200)
    void distinctCountsAreExactUpToTheLimit(@ForAll long seed, @ForAll @IntRange(min = 0, max = 3000) int n,
                                            @ForAll @IntRange(min = 1, max = DistinctCount.EXACT_LIMIT) int pool) {
        String[] v = draws(new Random(seed), n, pool);
        DistinctCount d = DistinctCount.empty();
        for (String s : v) {
            d = d.add(s);
        }
        long exact = new HashSet<>(Arrays.asList(v)).size();
        assertTrue(d.isExact());
        assertEquals(exact, d.estimate());
        assertEquals(exact, d.lowerBound());
        assertEquals(exact, d.upperBound());
        assertEquals(exact, roundTrip(DistinctCount.SERDE, d).estimate());
    }

    /**
     * Past the limit: within 3 relative standard errors (3 x 1.04 / sqrt(4096) = 4.9%) of the exact count, the
     * sketch's 2-standard-deviation bounds around the estimate. Seeded, so it is the same check every run.
     */
    @Property(tries = 40, seed = "20261201")
    void distinctCountsPastTheLimitAreWithinTheSketchError(@ForAll long seed,
                                                           @ForAll @IntRange(min = DistinctCount.EXACT_LIMIT + 1, max = 100_000) int distinct) {
        Random rnd = new Random(seed);
        DistinctCount d = DistinctCount.empty();
        Set<String> seen = new HashSet<>();
        while (seen.size() < distinct) {
            String s = "u" + rnd.nextLong();
            seen.add(s);
            d = d.add(s);
            if (rnd.nextInt(4) == 0) {
                d = d.add(s); // repeats count once
            }
        }
        assertFalse(d.isExact());
        double error = Math.abs(d.estimate() - (double) distinct) / distinct;
        assertTrue(error <= 3 * 1.04 / 64, "estimate " + d.estimate() + " of " + distinct + ": " + error);
        assertTrue(d.lowerBound() <= d.estimate() && d.estimate() <= d.upperBound());
        DistinctCount restored = roundTrip(DistinctCount.SERDE, d);
        assertEquals(d.estimate(), restored.estimate());
        assertArrayEquals(DistinctCount.SERDE.serialize(d), DistinctCount.SERDE.serialize(restored));
    }

    @Property(tries = 50)
    void distinctCountsDoNotDependOnTheOrderOfTheValues(@ForAll long seed, @ForAll @IntRange(min = 1, max = 20_000) int n) {
        Random rnd = new Random(seed);
        List<String> v = new ArrayList<>(Arrays.asList(draws(rnd, n, 1 + rnd.nextInt(30_000))));
        DistinctCount a = DistinctCount.empty();
        for (String s : v) {
            a = a.add(s);
        }
        java.util.Collections.shuffle(v, rnd);
        DistinctCount b = DistinctCount.empty();
        for (String s : v) {
            b = b.add(s);
        }
        assertEquals(a.estimate(), b.estimate());
        assertEquals(a.lowerBound(), b.lowerBound());
        assertArrayEquals(DistinctCount.SERDE.serialize(a), DistinctCount.SERDE.serialize(b), "the state too, seed " + seed);
    }

    /** As for percentiles, across the switch from the exact set to the sketch. */
    @Property(tries = 200)
    void distinctCountsSurviveRestoresAndUndoneAddsAcrossTheSwitch(@ForAll long seed,
                                                                   @ForAll @IntRange(min = 1, max = 2500) int n) {
        Random rnd = new Random(seed);
        String[] v = draws(rnd, n, 1500);
        DistinctCount clean = DistinctCount.empty();
        DistinctCount live = DistinctCount.empty();
        for (String s : v) {
            if (rnd.nextInt(8) == 0) {
                DistinctCount dropped = live.add("failed-" + rnd.nextInt(1_000_000));
                if (rnd.nextBoolean()) {
                    dropped.estimate(); // an update-mode read of the failed record's aggregate
                }
                continue;
            }
            clean = clean.add(s);
            live = live.add(s);
            if (rnd.nextInt(10) == 0) {
                live = roundTrip(DistinctCount.SERDE, live);
            }
            if (rnd.nextInt(20) == 0) {
                assertEquals(clean.estimate(), live.estimate());
            }
        }
        assertArrayEquals(DistinctCount.SERDE.serialize(clean), DistinctCount.SERDE.serialize(live), "seed " + seed);
        assertEquals(clean.estimate(), live.estimate());
        assertEquals(clean.isExact(), live.isExact());
    }

    /**
     * What a crashed run of a window after a repartition does to its count, against an uninterrupted one: the state
     * restored from its bytes at random steps (at about every other one), compared at every step, across the switch
     * from the exact set to the sketch; and the same values in another order (as upstream tasks interleave in a
     * repartition partition), restored at random steps too, end in the same bytes and estimate.
     */
    @Property(tries = 20)
    void aDistinctCountRestoredAtAnyStepAndInAnyOrderEstimatesAsAnUninterruptedOne(@ForAll long seed,
                                                                                 @ForAll @IntRange(min = 900, max = 3000) int n) {
        Random rnd = new Random(seed);
        List<String> v = new ArrayList<>(Arrays.asList(draws(rnd, n, 1000 + rnd.nextInt(1_000_000))));
        DistinctCount clean = DistinctCount.empty();
        DistinctCount live = DistinctCount.empty();
        for (int i = 0; i < n; i++) {
            clean = clean.add(v.get(i));
            live = live.add(v.get(i));
            if (rnd.nextBoolean()) {
                live = roundTrip(DistinctCount.SERDE, live);
            }
            assertEquals(clean.estimate(), live.estimate(), "step " + i + ", seed " + seed);
            assertEquals(clean.isExact(), live.isExact(), "step " + i + ", seed " + seed);
            if (i % 97 == 0) {
                assertEquals(clean.lowerBound(), live.lowerBound(), "step " + i + ", seed " + seed);
                assertEquals(clean.upperBound(), live.upperBound(), "step " + i + ", seed " + seed);
            }
        }
        for (int i = 0; i < n; i++) {
            java.util.Collections.swap(v, i, Math.min(n - 1, i + rnd.nextInt(100)));
        }
        DistinctCount other = DistinctCount.empty();
        for (String s : v) {
            other = other.add(s);
            if (rnd.nextInt(50) == 0) {
                other = roundTrip(DistinctCount.SERDE, other);
            }
        }
        assertEquals(clean.estimate(), other.estimate(), "seed " + seed);
        assertArrayEquals(DistinctCount.SERDE.serialize(clean), DistinctCount.SERDE.serialize(other), "seed " + seed);
    }

    @Property(tries = 100)
    void mergedDistinctCountsAreThoseOfTheUnion(@ForAll long seed, @ForAll @IntRange(min = 0, max = 3000) int n) {
        Random rnd = new Random(seed);
        String[] v = draws(rnd, n, 1 + rnd.nextInt(4000));
        int cut = rnd.nextInt(n + 1);
        DistinctCount a = DistinctCount.empty();
        DistinctCount b = DistinctCount.empty();
        for (int i = 0; i < n; i++) {
            if (i < cut) {
                a = a.add(v[i]);
            } else {
                b = b.add(v[i]);
            }
        }
        DistinctCount merged = a.merge(b);
        long exact = new HashSet<>(Arrays.asList(v)).size();
        if (exact <= DistinctCount.EXACT_LIMIT) {
            assertTrue(merged.isExact());
            assertEquals(exact, merged.estimate());
        } else {
            assertEquals(exact, merged.estimate(), exact * 3 * 1.04 / 64);
        }
    }

    @Test
    void aDistinctCountSwitchesToTheSketchOneValuePastTheLimit() {
        DistinctCount d = DistinctCount.empty();
        for (int i = 0; i < DistinctCount.EXACT_LIMIT; i++) {
            d = d.add("v" + i);
        }
        assertTrue(d.isExact());
        assertEquals(DistinctCount.EXACT_LIMIT, d.estimate());
        assertEquals(6 + 8 * DistinctCount.EXACT_LIMIT, DistinctCount.SERDE.serialize(d).length, "8 bytes a value while exact");
        d = d.add("v0");
        assertTrue(d.isExact(), "a repeat does not switch");
        d = d.add("one more");
        assertFalse(d.isExact());
        assertEquals(DistinctCount.EXACT_LIMIT + 1, d.estimate(), 0.05 * DistinctCount.EXACT_LIMIT);
        assertTrue(DistinctCount.SERDE.serialize(d).length < 5_000, "a sketch of lgK 12 with 1-byte registers");
    }
}
