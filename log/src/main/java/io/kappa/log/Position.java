package io.kappa.log;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * A position in a partition as written on the command line, read the same way by every command:
 * {@code earliest}, {@code latest}, an offset (a plain number), {@code -N} (N records before the end), or a time:
 * ISO-8601, {@code @} and epoch milliseconds, {@code now}, or {@code now-5m} / {@code now+1h} (a duration back or ahead
 * of the wall clock). A time means the first event <em>appended</em> at or after it (append time, the log's own
 * clock, found with the partition's time index, no scan). {@link #eventTime} makes the position of the first event
 * whose <em>event</em> time is at or after a time: event times need not grow with offsets, so that is a scan of the
 * partition from its start.
 */
public record Position(Kind kind, long value) {
    public enum Kind { EARLIEST, LATEST, OFFSET, FROM_END, TIME, EVENT_TIME }

    static final String SYNTAX = "earliest, latest, an offset, -N (N before the end), an ISO-8601 time like 2026-11-21T10:00:00Z, "
        + "@epochMillis, now or now-5m";

    public static Position parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty position (expected " + SYNTAX + ")");
        }
        String t = text.trim();
        if (t.equalsIgnoreCase("earliest")) {
            return new Position(Kind.EARLIEST, 0);
        }
        if (t.equalsIgnoreCase("latest")) {
            return new Position(Kind.LATEST, 0);
        }
        if (t.startsWith("@")) {
            return new Position(Kind.TIME, parseLong(t.substring(1), text, "epoch milliseconds"));
        }
        if (t.chars().allMatch(Character::isDigit)) {
            return new Position(Kind.OFFSET, parseLong(t, text, "offset"));
        }
        if (t.startsWith("-") && t.length() > 1 && t.substring(1).chars().allMatch(Character::isDigit)) {
            return new Position(Kind.FROM_END, parseLong(t.substring(1), text, "a count back from the end"));
        }
        if (t.toLowerCase(java.util.Locale.ROOT).startsWith("now")) {
            return new Position(Kind.TIME, relativeTime(t, text));
        }
        try {
            return new Position(Kind.TIME, parseTime(t, "position"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad position '" + text + "': expected " + SYNTAX);
        }
    }

    /** The first event whose event time is at or after {@code text} (a time as {@link #parse} takes it). */
    public static Position eventTime(String text) {
        Position p = parse(text);
        if (p.kind != Kind.TIME) {
            throw new IllegalArgumentException("bad event time '" + text + "': expected an ISO-8601 time, @epochMillis, now or now-5m");
        }
        return new Position(Kind.EVENT_TIME, p.value);
    }

    /** {@code now}, {@code now-DURATION} or {@code now+DURATION}, from the wall clock. */
    private static long relativeTime(String t, String text) {
        long now = System.currentTimeMillis();
        if (t.length() == 3) {
            return now;
        }
        char sign = t.charAt(3);
        if (sign != '-' && sign != '+') {
            throw new IllegalArgumentException("bad position '" + text + "': expected now, now-DURATION or now+DURATION (e.g. now-5m)");
        }
        long d = io.kappa.log.Durations.parse(t.substring(4), "position '" + text + "'");
        return sign == '-' ? now - d : now + d;
    }

    /** A time as ISO-8601 or {@code @} and epoch milliseconds. */
    public static long parseTimeOrEpoch(String text, String what) {
        if (text.startsWith("@")) {
            return parseLong(text.substring(1), text, what + " in epoch milliseconds");
        }
        return parseTime(text, what + " '" + text + "'");
    }

    /** ISO-8601 instant ({@code 2026-11-21T10:00:00Z}, with or without millis, or with a zone offset). */
    public static long parseTime(String text, String what) {
        try {
            return Instant.parse(text).toEpochMilli();
        } catch (DateTimeParseException e) {
            try {
                return OffsetDateTime.parse(text).toInstant().toEpochMilli();
            } catch (DateTimeParseException e2) {
                throw new IllegalArgumentException("bad " + what + ": expected an ISO-8601 time like 2026-11-21T10:00:00Z or @epochMillis");
            }
        }
    }

    private static long parseLong(String digits, String text, String what) {
        try {
            long v = Long.parseLong(digits);
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad position '" + text + "': " + what + " must be a non-negative number");
        }
    }

    /** The offset this position names in a partition. */
    public long resolve(Partition partition) {
        switch (kind) {
            case EARLIEST: return partition.startOffset();
            case LATEST: return partition.endOffset();
            case OFFSET: return value;
            case FROM_END: return Math.max(partition.startOffset(), partition.endOffset() - value);
            case EVENT_TIME: return firstAtEventTime(partition, value);
            default: return partition.offsetForTime(value);
        }
    }

    /** The first offset whose event time is at or after {@code epochMs}, else the end: a scan from the start. */
    private static long firstAtEventTime(Partition partition, long epochMs) {
        long[] found = {-1};
        try (io.kappa.log.PartitionTailer tailer = partition.newTailer().toStart()) {
            while (found[0] < 0 && tailer.poll(r -> {
                if (found[0] < 0 && r.eventTime() >= epochMs) {
                    found[0] = r.offset();
                }
            }, 4096) > 0) {
                // keep scanning
            }
        }
        return found[0] < 0 ? partition.endOffset() : found[0];
    }

    @Override
    public String toString() {
        switch (kind) {
            case EARLIEST: return "earliest";
            case LATEST: return "latest";
            case OFFSET: return Long.toString(value);
            case FROM_END: return "-" + value;
            case EVENT_TIME: return "event time " + Instant.ofEpochMilli(value);
            default: return Instant.ofEpochMilli(value).toString();
        }
    }
}
