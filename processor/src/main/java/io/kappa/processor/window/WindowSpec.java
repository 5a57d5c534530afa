package io.kappa.processor.window;

import java.util.Locale;

/**
 * Which windows a record falls into, and how long a window stays open for late records.
 *
 * <ul>
 *   <li><b>Hopping</b> windows of {@code sizeMs} start every {@code advanceMs}, aligned to the epoch, so a record
 *       at time t is in every window [s, s + size) with s a multiple of advance and s <= t < s + size;
 *       <b>tumbling</b> windows are hopping windows whose advance equals their size.</li>
 *   <li><b>Session</b> windows per key: a record at t opens [t, t + gap); sessions of a key that overlap merge, so a
 *       late record that bridges two sessions joins them into one.</li>
 * </ul>
 * A window closes when the watermark reaches its end plus {@code latenessMs} (the grace period): a record for a
 * window that is still open within the grace updates it; a record whose windows are all closed is late.
 *
 * @param sizeMs    hopping window size (0 for sessions)
 * @param advanceMs hopping advance (0 for sessions)
 * @param gapMs     session inactivity gap (0 for hopping windows)
 * @param latenessMs allowed lateness after a window's end
 */
public record WindowSpec(long sizeMs, long advanceMs, long gapMs, long latenessMs) {
    /** When results are written, as in Spark Structured Streaming. */
    public enum Mode {
        /** Each window once, when the watermark closes it. */
        APPEND,
        /** A window each time it changes. */
        UPDATE,
        /** The whole result table each time a window closes; state is never evicted (for small results). */
        COMPLETE;

        public static Mode parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown output mode '" + s + "' (append, update or complete)");
            }
        }
    }

    public WindowSpec {
        if (latenessMs < 0) {
            throw new IllegalArgumentException("lateness must not be negative, got " + latenessMs + " ms");
        }
        if (gapMs > 0) {
            if (sizeMs != 0 || advanceMs != 0) {
                throw new IllegalArgumentException("a session window has a gap, not a size or advance");
            }
        } else if (gapMs < 0) {
            throw new IllegalArgumentException("the session gap must be positive, got " + gapMs + " ms");
        } else {
            if (sizeMs <= 0) {
                throw new IllegalArgumentException("the window size must be positive, got " + sizeMs + " ms");
            }
            if (advanceMs <= 0 || advanceMs > sizeMs) {
                throw new IllegalArgumentException("the window advance must be positive and at most the size (" + sizeMs
                    + " ms), got " + advanceMs + " ms");
            }
            if (sizeMs / advanceMs > 10_000) {
                throw new IllegalArgumentException("a record would fall into " + sizeMs / advanceMs
                    + " windows (size / advance); at most 10000 are allowed");
            }
        }
    }

    public static WindowSpec tumbling(long sizeMs, long latenessMs) {
        return new WindowSpec(sizeMs, sizeMs, 0, latenessMs);
    }

    public static WindowSpec hopping(long sizeMs, long advanceMs, long latenessMs) {
        return new WindowSpec(sizeMs, advanceMs, 0, latenessMs);
    }

    public static WindowSpec session(long gapMs, long latenessMs) {
        if (gapMs <= 0) {
            throw new IllegalArgumentException("the session gap must be positive, got " + gapMs + " ms");
        }
        return new WindowSpec(0, 0, gapMs, latenessMs);
    }

    public boolean isSession() {
        return gapMs > 0;
    }

    /** The start of the latest hopping window that holds {@code t}. */
    public long lastStart(long t) {
        return Math.floorDiv(t, advanceMs) * advanceMs;
    }

    /** When a window ending at {@code end} closes; saturates instead of overflowing. */
    public long closeTime(long end) {
        long c = end + latenessMs;
        return c < end ? Long.MAX_VALUE : c;
    }

    /** End of a hopping window; saturates. */
    public long end(long start) {
        long e = start + sizeMs;
        return e < start ? Long.MAX_VALUE : e;
    }

    public String describe() {
        String w = isSession() ? "session gap " + gapMs + " ms"
            : sizeMs == advanceMs ? "tumbling " + sizeMs + " ms" : "hopping " + sizeMs + " ms every " + advanceMs + " ms";
        return w + (latenessMs > 0 ? ", lateness " + latenessMs + " ms" : "");
    }
}
