package io.kappa.log;

import java.util.Locale;

import net.openhft.chronicle.queue.RollCycles;

/**
 * What a topic is created with: its partition count (fixed for life), retention and segment length.
 * Retention removes whole segments only; -1 means no limit, the default (a Kappa log keeps history).
 */
public record TopicConfig(int partitions, long retentionMs, long retentionBytes, String segment) {
    public static final int MAX_PARTITIONS = 1024;
    public static final String DEFAULT_SEGMENT = "1h";

    public TopicConfig {
        if (partitions < 1 || partitions > MAX_PARTITIONS) {
            throw new IllegalArgumentException("partitions must be in 1.." + MAX_PARTITIONS + ", was " + partitions);
        }
        if (retentionMs < -1 || retentionMs == 0) {
            throw new IllegalArgumentException("retention ms must be positive or -1 (keep forever), was " + retentionMs);
        }
        if (retentionBytes < -1 || retentionBytes == 0) {
            throw new IllegalArgumentException("retention bytes must be positive or -1 (keep forever), was " + retentionBytes);
        }
        segment = segment == null ? DEFAULT_SEGMENT : segment.toLowerCase(Locale.ROOT);
        rollCycleOf(segment);
    }

    public static TopicConfig partitions(int partitions) {
        return new TopicConfig(partitions, -1, -1, DEFAULT_SEGMENT);
    }

    public TopicConfig withRetentionMs(long ms) {
        return new TopicConfig(partitions, ms, retentionBytes, segment);
    }

    public TopicConfig withRetentionBytes(long bytes) {
        return new TopicConfig(partitions, retentionMs, bytes, segment);
    }

    public TopicConfig withSegment(String duration) {
        return new TopicConfig(partitions, retentionMs, retentionBytes, duration);
    }

    /** The Chronicle roll cycle behind a segment length; each segment is one Chronicle cycle file. */
    static RollCycles rollCycleOf(String segment) {
        switch (segment) {
            case "5m": return RollCycles.FIVE_MINUTELY;
            case "10m": return RollCycles.TEN_MINUTELY;
            case "20m": return RollCycles.TWENTY_MINUTELY;
            case "30m": return RollCycles.HALF_HOURLY;
            case "1h": return RollCycles.FAST_HOURLY;
            case "2h": return RollCycles.TWO_HOURLY;
            case "4h": return RollCycles.FOUR_HOURLY;
            case "6h": return RollCycles.SIX_HOURLY;
            case "1d": return RollCycles.FAST_DAILY;
            case "7d": return RollCycles.WEEKLY;
            default:
                throw new IllegalArgumentException("unknown segment length '" + segment
                    + "' (expected one of 5m, 10m, 20m, 30m, 1h, 2h, 4h, 6h, 1d, 7d)");
        }
    }
}
