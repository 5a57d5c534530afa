package io.kappa.log;

import java.nio.file.Path;
import java.util.Objects;

import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.SystemEpochClock;

/**
 * Configuration of an {@link EventLog}, with every default in one place. Setters return {@code this};
 * {@link #conclude()} validates and is called by {@link EventLog#open(LogContext)}.
 */
public final class LogContext {
    public static final int DEFAULT_MAX_RECORD_BYTES = 1 << 20;
    /** The largest {@link #maxRecordBytes} a log takes. */
    public static final int MAX_RECORD_BYTES_LIMIT = 64 << 20;
    public static final long DEFAULT_FSYNC_INTERVAL_MS = 1_000;
    /** How long an appender waits for Chronicle's write lock left by a dead process before breaking it. */
    public static final long DEFAULT_LOCK_TIMEOUT_MS = 2_000;

    private Path dataDir = Path.of("kappa-data");
    private FsyncPolicy fsyncPolicy = FsyncPolicy.NONE;
    private long fsyncIntervalMs = DEFAULT_FSYNC_INTERVAL_MS;
    private int maxRecordBytes = DEFAULT_MAX_RECORD_BYTES;
    private long lockTimeoutMs = DEFAULT_LOCK_TIMEOUT_MS;
    private EpochClock clock = SystemEpochClock.INSTANCE;
    private boolean verifyChecksums = true;
    private boolean pretouch = true;
    private String holder = "a kappa process";
    private boolean concluded;

    public LogContext dataDir(Path dataDir) {
        this.dataDir = dataDir;
        return this;
    }

    public Path dataDir() {
        return dataDir;
    }

    public LogContext fsyncPolicy(FsyncPolicy fsyncPolicy) {
        this.fsyncPolicy = fsyncPolicy;
        return this;
    }

    public FsyncPolicy fsyncPolicy() {
        return fsyncPolicy;
    }

    public LogContext fsyncIntervalMs(long fsyncIntervalMs) {
        this.fsyncIntervalMs = fsyncIntervalMs;
        return this;
    }

    public long fsyncIntervalMs() {
        return fsyncIntervalMs;
    }

    /** Largest key + id + value a record may carry, in bytes. */
    public LogContext maxRecordBytes(int maxRecordBytes) {
        this.maxRecordBytes = maxRecordBytes;
        return this;
    }

    public int maxRecordBytes() {
        return maxRecordBytes;
    }

    public LogContext lockTimeoutMs(long lockTimeoutMs) {
        this.lockTimeoutMs = lockTimeoutMs;
        return this;
    }

    public long lockTimeoutMs() {
        return lockTimeoutMs;
    }

    /** The clock that stamps append times and decides when a partition starts a new segment. */
    public LogContext clock(EpochClock clock) {
        this.clock = clock;
        return this;
    }

    public EpochClock clock() {
        return clock;
    }

    /** Whether tailers check each record's CRC (on by default). */
    public LogContext verifyChecksums(boolean verifyChecksums) {
        this.verifyChecksums = verifyChecksums;
        return this;
    }

    public boolean verifyChecksums() {
        return verifyChecksums;
    }

    /**
     * Whether a background thread reads segment pages just ahead of each partition's appender, so appends do
     * not stall on page faults (on by default; see {@code SegmentPretoucher}).
     */
    public LogContext pretouch(boolean pretouch) {
        this.pretouch = pretouch;
        return this;
    }

    public boolean pretouch() {
        return pretouch;
    }

    /** What this process is ("kappa serve"), as a refused topic deletion names the processes that hold the topic. */
    public LogContext holder(String holder) {
        this.holder = holder;
        return this;
    }

    public String holder() {
        return holder;
    }

    public LogContext conclude() {
        if (concluded) {
            return this;
        }
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(fsyncPolicy, "fsyncPolicy");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(holder, "holder");
        if (maxRecordBytes < 1 || maxRecordBytes > MAX_RECORD_BYTES_LIMIT) {
            throw new IllegalArgumentException("maxRecordBytes must be in 1.." + MAX_RECORD_BYTES_LIMIT + ", was " + maxRecordBytes);
        }
        if (fsyncPolicy == FsyncPolicy.INTERVAL && fsyncIntervalMs < 1) {
            throw new IllegalArgumentException("fsyncIntervalMs must be >= 1, was " + fsyncIntervalMs);
        }
        if (lockTimeoutMs < 100) {
            throw new IllegalArgumentException("lockTimeoutMs must be >= 100, was " + lockTimeoutMs);
        }
        concluded = true;
        return this;
    }
}
