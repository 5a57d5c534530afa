package io.kappa.log;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * A position in a partition as written on the command line, read the same way by every command:
 * {@code earliest}, {@code latest}, an offset (a plain number), or a time (ISO-8601, or {@code @} and epoch
 * milliseconds) resolved with the partition's time index.
 */
public record Position(Kind kind, long value) {
    public enum Kind { EARLIEST, LATEST, OFFSET, TIME }

    public static Position parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty position (expected earliest, latest, an offset, an ISO-8601 time or @epochMillis)");
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
        try {
            return new Position(Kind.TIME, parseTime(t, "position"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad position '" + text + "': expected earliest, latest, an offset, an ISO-8601 time like "
                + "2026-11-21T10:00:00Z, or @epochMillis");
        }
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
            default: return partition.offsetForTime(value);
        }
    }

    @Override
    public String toString() {
        switch (kind) {
            case EARLIEST: return "earliest";
            case LATEST: return "latest";
            case OFFSET: return Long.toString(value);
            default: return Instant.ofEpochMilli(value).toString();
        }
    }
}
