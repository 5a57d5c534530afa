package io.kappa.ui;

import java.util.function.Predicate;

import io.kappa.log.LogContext;

/**
 * What {@code kappa ui} serves and how: the data directory (as a {@link LogContext}), the address, who may look
 * (tokens), whether actions are allowed, and how often the page is updated. Defaults in one place;
 * {@link #conclude()} checks them.
 */
public final class UiContext {
    public static final String DEFAULT_BIND = "127.0.0.1";
    public static final int DEFAULT_PORT = 7080;
    public static final long DEFAULT_INTERVAL_MS = 1_000;
    public static final long DEFAULT_HISTORY_MS = 10 * 60_000;

    private LogContext log;
    private String bind = DEFAULT_BIND;
    private int port = DEFAULT_PORT;
    private Predicate<String> tokens;
    private boolean allowActions;
    private long intervalMs = DEFAULT_INTERVAL_MS;
    private long historyMs = DEFAULT_HISTORY_MS;
    private String kafka;
    private long kafkaTimeoutMs = 10_000;

    /** The data directory to show (with the name {@code topic delete} gives the console as a holder). */
    public UiContext log(LogContext log) {
        this.log = log;
        return this;
    }

    public LogContext log() {
        return log;
    }

    public UiContext bind(String bind) {
        this.bind = bind;
        return this;
    }

    public String bind() {
        return bind;
    }

    /** The port; 0 picks a free one. */
    public UiContext port(int port) {
        this.port = port;
        return this;
    }

    public int port() {
        return port;
    }

    /**
     * Which tokens let a browser or client in (null: everyone who reaches the address). The caller reads them (as
     * {@code kappa serve} does from {@code --token-file}); the console only asks whether a presented one is among them.
     */
    public UiContext tokens(Predicate<String> tokens) {
        this.tokens = tokens;
        return this;
    }

    public Predicate<String> tokens() {
        return tokens;
    }

    /** Whether the page may plan rewinds (dry run) and stop groups; each such action is written to the group's audit log. */
    public UiContext allowActions(boolean allowActions) {
        this.allowActions = allowActions;
        return this;
    }

    public boolean allowActions() {
        return allowActions;
    }

    /** How often the console looks at the data directory and pushes what it saw to the open pages. */
    public UiContext intervalMs(long intervalMs) {
        this.intervalMs = intervalMs;
        return this;
    }

    public long intervalMs() {
        return intervalMs;
    }

    /** How much history of each group's lag and rate the console keeps for its charts. */
    public UiContext historyMs(long historyMs) {
        this.historyMs = historyMs;
        return this;
    }

    public long historyMs() {
        return historyMs;
    }

    /** A Kafka cluster whose kappa groups (run with {@code kappa run --kafka}) the console shows too; null: none. */
    public UiContext kafka(String bootstrap, long timeoutMs) {
        this.kafka = bootstrap;
        this.kafkaTimeoutMs = timeoutMs;
        return this;
    }

    public String kafka() {
        return kafka;
    }

    public long kafkaTimeoutMs() {
        return kafkaTimeoutMs;
    }

    UiContext conclude() {
        if (log == null) {
            throw new IllegalArgumentException("kappa ui needs a data directory");
        }
        if (bind == null || bind.isBlank()) {
            throw new IllegalArgumentException("--bind must name an address");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("--port must be in 0..65535, was " + port);
        }
        if (intervalMs < 50 || intervalMs > 1_000) {
            throw new IllegalArgumentException("the update interval must be in 50..1000 ms (the page is updated at least once a second), was "
                + intervalMs);
        }
        if (historyMs < intervalMs) {
            throw new IllegalArgumentException("the history must be at least one interval, was " + historyMs + " ms");
        }
        return this;
    }
}
