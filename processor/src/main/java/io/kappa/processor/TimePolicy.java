package io.kappa.processor;

import java.util.Locale;

/**
 * How a stage reads time: which clock stamps its records, how much disorder its watermark allows, and when a
 * silent source stops holding the watermark back.
 *
 * <p>The watermark of a task is {@code min over its active sources (highest time seen) - outOfOrderMs}, and it
 * never goes back. A source is one producer in one input partition (records carry their producer's id), so a
 * partition written by several upstream tasks, replayed at different speeds, waits for the slowest of them. A
 * source is idle, and no longer counted, once the task has read records appended {@code idleMs} later than the
 * source's last one; idleness is measured in append time, so a replay sees the same watermarks as the live run.
 *
 * @param clock        {@code EVENT}: the producer's event time; {@code APPEND}: the time the log appended the record
 *                     (ingestion time, deterministic); {@code PROCESSING}: the wall clock when the task processes it
 *                     (a replay gives other results)
 * @param outOfOrderMs how far behind the highest time seen a record may be without being late
 * @param idleMs       append time after which a silent source no longer holds the watermark back
 */
public record TimePolicy(Clock clock, long outOfOrderMs, long idleMs) {
    public enum Clock {
        EVENT, APPEND, PROCESSING;

        public static Clock parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown time '" + s + "' (event, append or processing)");
            }
        }
    }

    public static final long DEFAULT_IDLE_MS = 30_000;

    /** Event time, no disorder allowed, sources idle after 30 s of append time. */
    public static final TimePolicy DEFAULT = new TimePolicy(Clock.EVENT, 0, DEFAULT_IDLE_MS);

    public TimePolicy {
        if (clock == null) {
            throw new IllegalArgumentException("clock must be given");
        }
        if (outOfOrderMs < 0) {
            throw new IllegalArgumentException("out-of-orderness must not be negative, got " + outOfOrderMs + " ms");
        }
        if (idleMs <= 0) {
            throw new IllegalArgumentException("idle timeout must be positive, got " + idleMs + " ms");
        }
    }

    public static TimePolicy eventTime(long outOfOrderMs) {
        return new TimePolicy(Clock.EVENT, outOfOrderMs, DEFAULT_IDLE_MS);
    }

    public TimePolicy withOutOfOrder(long ms) {
        return new TimePolicy(clock, ms, idleMs);
    }

    public TimePolicy withIdle(long ms) {
        return new TimePolicy(clock, outOfOrderMs, ms);
    }

    public TimePolicy withClock(Clock c) {
        return new TimePolicy(c, outOfOrderMs, idleMs);
    }
}
