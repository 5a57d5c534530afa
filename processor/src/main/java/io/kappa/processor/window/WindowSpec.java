package io.kappa.processor.window;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.zone.ZoneRules;
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
 * <p><b>In a time zone</b> ({@link #withZone}) hopping and tumbling windows follow the zone's clock:
 * <ul>
 *   <li>when size and advance are whole hours, windows are cut on the zone's <i>local</i> clock: a window starts at
 *       a local time that is a multiple of the advance counted from local midnight of 1970-01-01 and lasts
 *       {@code size} of local time. So {@code 1d} is the zone's calendar day (23 or 25 hours on the days daylight
 *       saving starts or ends), and a {@code 1h} window is the local hour: the hour that a spring change skips has
 *       no window, the hour an autumn change repeats is one window of two hours. A local start that a spring change
 *       skips begins at the end of the gap;</li>
 *   <li>otherwise (sub-hour sizes or advances, or ones like {@code 90m}), windows have a fixed length and are
 *       aligned to the zone's <i>standard</i> offset (its offset without daylight saving): {@code 15m} windows in
 *       Asia/Kolkata (+05:30) start at local :00, :15, :30 and :45, all year round.</li>
 * </ul>
 * Windows are identified by an {@code id} ({@link #lastStart}, the key of their state): the start instant, or for
 * local-clock windows the local start as epoch milliseconds of that wall-clock time read as UTC (two hopping windows
 * can start at the same instant when one's local start was skipped by a spring change). {@link #windowStart} and
 * {@link #windowEnd} give the instants.
 *
 * @param sizeMs    hopping window size (0 for sessions)
 * @param advanceMs hopping advance (0 for sessions)
 * @param gapMs     session inactivity gap (0 for hopping windows)
 * @param latenessMs allowed lateness after a window's end
 * @param zone      the time zone hopping windows follow, or null for windows aligned to the epoch in UTC
 */
public record WindowSpec(long sizeMs, long advanceMs, long gapMs, long latenessMs, ZoneId zone) {
    private static final long HOUR_MS = 3_600_000L;
    private static final DateTimeFormatter OFFSET_TIME = DateTimeFormatter.ISO_OFFSET_DATE_TIME;

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

    public WindowSpec(long sizeMs, long advanceMs, long gapMs, long latenessMs) {
        this(sizeMs, advanceMs, gapMs, latenessMs, null);
    }

    public WindowSpec {
        if (zone != null && gapMs > 0) {
            throw new IllegalArgumentException("a time zone aligns tumbling and hopping windows; session windows are not aligned");
        }
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

    /** These windows in {@code zone} (see the class comment); null for windows aligned to the epoch in UTC. */
    public WindowSpec withZone(ZoneId zone) {
        return new WindowSpec(sizeMs, advanceMs, gapMs, latenessMs, zone);
    }

    /** A time zone as {@code --zone} takes it: an IANA name (Asia/Seoul), UTC, or an offset (+09:00). */
    public static ZoneId parseZone(String text) {
        try {
            return ZoneId.of(text.trim());
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("unknown --zone '" + text + "' (an IANA time zone such as Asia/Seoul or "
                + "America/New_York, or an offset such as +09:00)");
        }
    }

    public boolean isSession() {
        return gapMs > 0;
    }

    /** Windows cut on the zone's local clock (size and advance whole hours) rather than fixed-length ones. */
    private boolean localClock() {
        return zone != null && sizeMs % HOUR_MS == 0 && advanceMs % HOUR_MS == 0;
    }

    /**
     * The id of the latest hopping window that holds {@code t}; earlier ones are {@code id - advanceMs},
     * {@code id - 2 * advanceMs}, ... while their {@link #windowEnd} is after {@code t}.
     */
    public long lastStart(long t) {
        if (zone == null) {
            return Math.floorDiv(t, advanceMs) * advanceMs;
        }
        Instant at = Instant.ofEpochMilli(t);
        ZoneRules rules = zone.getRules();
        if (localClock()) {
            return Math.floorDiv(shift(t, rules.getOffset(at)), advanceMs) * advanceMs;
        }
        ZoneOffset standard = rules.getStandardOffset(at);
        return Math.floorDiv(shift(t, standard), advanceMs) * advanceMs - standard.getTotalSeconds() * 1000L;
    }

    /** The instant the window {@code id} starts. */
    public long windowStart(long id) {
        return localClock() ? instant(id) : id;
    }

    /** The instant the window {@code id} ends; saturates. */
    public long windowEnd(long id) {
        long local = id + sizeMs;
        if (local < id) {
            return Long.MAX_VALUE;
        }
        return localClock() ? instant(local) : local;
    }

    /** {@code ms} as ISO-8601: in UTC ({@code ...Z}), or with the zone's offset when windows follow a zone. */
    public String format(long ms) {
        if (zone == null || ms == Long.MIN_VALUE || ms == Long.MAX_VALUE) {
            return LateRecords.iso(ms);
        }
        return OFFSET_TIME.format(Instant.ofEpochMilli(ms).atZone(zone).toOffsetDateTime());
    }

    private static long shift(long t, ZoneOffset offset) {
        try {
            return Math.addExact(t, offset.getTotalSeconds() * 1000L);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("event time " + t + " ms is out of range for windows in a time zone");
        }
    }

    /** The instant of a local time (epoch ms of the wall clock read as UTC): after a gap's end, or the earlier of two. */
    private long instant(long local) {
        try {
            LocalDateTime ldt = LocalDateTime.ofEpochSecond(Math.floorDiv(local, 1000L), (int) Math.floorMod(local, 1000L) * 1_000_000,
                ZoneOffset.UTC);
            return ZonedDateTime.ofLocal(ldt, zone, null).toInstant().toEpochMilli();
        } catch (DateTimeException | ArithmeticException e) {
            return local < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    /** When a window ending at {@code end} closes; saturates instead of overflowing. */
    public long closeTime(long end) {
        long c = end + latenessMs;
        return c < end ? Long.MAX_VALUE : c;
    }

    public String describe() {
        String w = isSession() ? "session gap " + gapMs + " ms"
            : sizeMs == advanceMs ? "tumbling " + sizeMs + " ms" : "hopping " + sizeMs + " ms every " + advanceMs + " ms";
        return w + (latenessMs > 0 ? ", lateness " + latenessMs + " ms" : "") + (zone != null ? ", zone " + zone : "");
    }
}
