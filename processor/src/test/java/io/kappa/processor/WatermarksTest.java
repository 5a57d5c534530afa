package io.kappa.processor;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class WatermarksTest {
    static Watermarks marks(long ooo, long idle) {
        return new Watermarks(new TimePolicy(TimePolicy.Clock.EVENT, ooo, idle));
    }

    @Test
    void oneSourceIsItsHighestTimeMinusTheDisorderAndNeverGoesBack() {
        Watermarks w = marks(100, 10_000);
        w.expect(0, null);
        assertEquals(Long.MIN_VALUE, w.watermark());
        w.observe(0, 0, 1_000, 1);
        assertEquals(900, w.watermark());
        w.observe(0, 0, 500, 2);
        assertEquals(900, w.watermark(), "an older record does not move it back");
        w.observe(0, 0, 2_000, 3);
        assertEquals(1_900, w.watermark());
    }

    @Test
    void severalPartitionsGiveTheMinimumUntilOneIsIdleByAppendTime() {
        Watermarks w = marks(0, 1_000);
        w.expect(0, null);
        w.expect(1, null);
        w.observe(0, 0, 5_000, 100);
        assertEquals(Long.MIN_VALUE, w.watermark(), "input 1 has not been read yet");
        w.observe(1, 0, 1_000, 100);
        assertEquals(1_000, w.watermark(), "the slower input holds it back");
        w.observe(0, 0, 6_000, 900);
        assertEquals(1_000, w.watermark(), "input 1 is silent for 800 ms of append time: not idle yet");
        w.observe(0, 0, 7_000, 1_100);
        assertEquals(7_000, w.watermark(), "silent for 1 s of append time: idle, no longer counted");
        w.observe(1, 0, 2_000, 1_200);
        assertEquals(7_000, w.watermark(), "it comes back behind: the watermark does not go back");
        w.observe(0, 0, 8_000, 1_300);
        assertEquals(7_000, w.watermark(), "and holds it again while active");
    }

    @Test
    void externalInputsIgnoreProducersButUpstreamTasksAreSourcesExpectedFromTheStart() {
        Watermarks w = marks(0, 60_000);
        w.expect(0, null);
        w.expect(1, new long[] {11, 12});
        w.observe(0, 77, 1_000, 1);
        w.observe(0, 78, 3_000, 2);
        assertEquals(Long.MIN_VALUE, w.watermark(), "upstream tasks 11 and 12 have not written yet");
        w.observe(1, 11, 2_000, 3);
        assertEquals(Long.MIN_VALUE, w.watermark(), "12 still has not");
        w.observe(1, 12, 2_500, 4);
        assertEquals(2_000, w.watermark(), "min(input 0 = 3000, task 11 = 2000, task 12 = 2500)");
        assertEquals(3, w.sources().size(), "one source for input 0 whatever its producers, one per upstream task");
    }

    @Test
    void anUpstreamTaskThatNeverWritesStopsHoldingItBackAfterTheIdleTimeout() {
        Watermarks w = marks(0, 1_000);
        w.expect(0, new long[] {1, 2});
        w.observe(0, 1, 10_000, 5_000);
        assertEquals(Long.MIN_VALUE, w.watermark());
        w.observe(0, 1, 11_000, 6_000);
        assertEquals(11_000, w.watermark(), "task 2 silent for 1 s of append time since the first record");
    }

    @Test
    void restoredStateGivesTheSameWatermarks() {
        Watermarks a = marks(10, 1_000);
        a.expect(0, new long[] {1, 2});
        a.observe(0, 1, 500, 1);
        a.observe(0, 2, 300, 2);
        Watermarks b = marks(10, 1_000);
        b.restore(a.watermark(), a.sources());
        b.expect(0, new long[] {1, 2});
        assertEquals(a.watermark(), b.watermark());
        for (long[] r : new long[][] {{1, 900, 3}, {2, 700, 4}, {2, 800, 1_500}}) {
            a.observe(0, r[0], r[1], r[2]);
            b.observe(0, r[0], r[1], r[2]);
            assertEquals(a.watermark(), b.watermark());
        }
        assertEquals(List.copyOf(a.sources()), List.copyOf(b.sources()));
    }

    @Test
    void manyShortLivedProducersOfAnUpstreamTopicStayBounded() {
        Watermarks w = marks(0, 10);
        w.expect(0, new long[0]);
        for (int i = 0; i < 10_000; i++) {
            w.observe(0, 1_000 + i, i, i * 100L);
        }
        assertTrue(w.sources().size() <= 20, "idle sources are dropped: " + w.sources().size());
        assertEquals(9_999, w.watermark());
    }

    @Test
    void processingTimeTicksMoveItWithoutRecords() {
        Watermarks w = marks(50, 1_000);
        w.tick(1_000);
        assertEquals(950, w.watermark());
        w.tick(900);
        assertEquals(950, w.watermark());
    }
}
