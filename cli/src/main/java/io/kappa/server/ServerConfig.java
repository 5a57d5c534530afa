package io.kappa.server;

/**
 * Settings of the TCP server, with defaults in {@link #defaults()}.
 *
 * @param bind              address to listen on (loopback by default)
 * @param port              port; 0 picks a free one
 * @param maxConnections    connections served at once; one more is told so and closed
 * @param maxFrameBytes     largest binary frame accepted
 * @param maxLineBytes      longest line-protocol line accepted
 * @param stallTimeoutMs    a connection that has sent part of a frame or line, or nothing at all, and then
 *                          nothing for this long is closed
 * @param idleTimeoutMs     a connection with nothing in flight and no traffic for this long is closed
 * @param dedupWindow       sequences remembered per idempotent producer, and records scanned per partition
 *                          on the first use of a topic after a restart
 * @param maxPendingOutput  bytes of answers a client may leave unread before the server stops reading its requests
 */
public record ServerConfig(String bind, int port, int maxConnections, int maxFrameBytes, int maxLineBytes, long stallTimeoutMs,
                           long idleTimeoutMs, int dedupWindow, int maxPendingOutput) {
    public ServerConfig {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in 0..65535, was " + port);
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("max connections must be >= 1, was " + maxConnections);
        }
        if (maxFrameBytes < 64 || maxLineBytes < 64) {
            throw new IllegalArgumentException("frame and line limits must be >= 64 bytes");
        }
    }

    public static ServerConfig defaults() {
        return new ServerConfig("127.0.0.1", 7070, 1024, 64 << 20, 2 << 20, 10_000, 600_000, 100_000, 8 << 20);
    }

    public ServerConfig withPort(int port) {
        return new ServerConfig(bind, port, maxConnections, maxFrameBytes, maxLineBytes, stallTimeoutMs, idleTimeoutMs, dedupWindow, maxPendingOutput);
    }

    public ServerConfig withBind(String bind) {
        return new ServerConfig(bind, port, maxConnections, maxFrameBytes, maxLineBytes, stallTimeoutMs, idleTimeoutMs, dedupWindow, maxPendingOutput);
    }

    public ServerConfig withMaxConnections(int n) {
        return new ServerConfig(bind, port, n, maxFrameBytes, maxLineBytes, stallTimeoutMs, idleTimeoutMs, dedupWindow, maxPendingOutput);
    }

    public ServerConfig withLimits(int maxFrameBytes, int maxLineBytes) {
        return new ServerConfig(bind, port, maxConnections, maxFrameBytes, maxLineBytes, stallTimeoutMs, idleTimeoutMs, dedupWindow, maxPendingOutput);
    }

    public ServerConfig withTimeouts(long stallTimeoutMs, long idleTimeoutMs) {
        return new ServerConfig(bind, port, maxConnections, maxFrameBytes, maxLineBytes, stallTimeoutMs, idleTimeoutMs, dedupWindow, maxPendingOutput);
    }
}
