package io.kappa.server;

/**
 * Settings of the TCP server, with defaults in {@link #defaults()}. docs/security.md says what the limits bound.
 *
 * @param bind              address to listen on (loopback by default)
 * @param port              port; 0 picks a free one
 * @param maxConnections    connections served at once; one more is told so and closed
 * @param maxFrameBytes     largest binary frame accepted
 * @param maxLineBytes      longest line-protocol line accepted
 * @param stallTimeoutMs    a connection that has sent part of a frame or line, or nothing at all, and then
 *                          nothing for this long is closed; also the idle timeout once the server is near its
 *                          connection limit
 * @param idleTimeoutMs     a connection with nothing in flight and no traffic for this long is closed
 * @param dedupWindow       sequences remembered per idempotent producer, and records scanned per partition
 *                          on the first use of a topic after a restart
 * @param maxPendingOutput  bytes of answers a client may leave unread before the server stops reading its requests
 * @param requestTimeoutMs  a request (frame or line) must arrive whole within this long of its first byte
 * @param writeTimeoutMs    a client that takes none of its pending answers for this long is closed
 * @param maxBufferBytes    server-wide budget for receive-buffer growth and unsent answers; past it, connections
 *                          are not read until memory frees (one request at a time may pass it, so that it completes)
 * @param maxProducers      idempotent producers remembered in all; the one idle longest is forgotten first
 * @param maxProducersPerConnection producer ids one connection may use; a further new id is refused
 * @param maxProducerEntries sequences remembered across all producers (about 24 bytes each)
 */
public record ServerConfig(String bind, int port, int maxConnections, int maxFrameBytes, int maxLineBytes, long stallTimeoutMs,
                           long idleTimeoutMs, int dedupWindow, int maxPendingOutput, long requestTimeoutMs, long writeTimeoutMs,
                           long maxBufferBytes, int maxProducers, int maxProducersPerConnection, int maxProducerEntries) {
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
        if (maxBufferBytes < 1 << 20) {
            throw new IllegalArgumentException("the buffer budget must be >= 1 MiB, was " + maxBufferBytes);
        }
        if (stallTimeoutMs < 1 || idleTimeoutMs < 1 || requestTimeoutMs < 1 || writeTimeoutMs < 1) {
            throw new IllegalArgumentException("timeouts must be >= 1 ms");
        }
        if (maxProducers < 1 || maxProducersPerConnection < 1 || maxProducerEntries < 1024) {
            throw new IllegalArgumentException("producer limits must be >= 1 (entries >= 1024)");
        }
    }

    public static ServerConfig defaults() {
        return new ServerConfig("127.0.0.1", 7070, 1024, 64 << 20, 2 << 20, 10_000, 300_000, 100_000, 8 << 20,
            30_000, 30_000, 32L << 20, 1_000, 16, 2 << 20);
    }

    public ServerConfig withPort(int port) {
        return new ServerConfig(bind, port, maxConnections, maxFrameBytes, maxLineBytes, stallTimeoutMs, idleTimeoutMs, dedupWindow, maxPendingOutput,
            requestTimeoutMs, writeTimeoutMs, maxBufferBytes, maxProducers, maxProducersPerConnection, maxProducerEntries);
    }

    public ServerConfig withBind(String bind) {
        return new ServerConfig(bind, port, maxConnections, maxFrameBytes, maxLineBytes, stallTimeoutMs, idleTimeoutMs, dedupWindow, maxPendingOutput,
            requestTimeoutMs, writeTimeoutMs, maxBufferBytes, maxProducers, maxProducersPerConnection, maxProducerEntries);
    }

    public ServerConfig withMaxConnections(int n) {
        return new ServerConfig(bind, port, n, maxFrameBytes, maxLineBytes, stallTimeoutMs, idleTimeoutMs, dedupWindow, maxPendingOutput,
            requestTimeoutMs, writeTimeoutMs, maxBufferBytes, maxProducers, maxProducersPerConnection, maxProducerEntries);
    }

    public ServerConfig withLimits(int maxFrameBytes, int maxLineBytes) {
        return new ServerConfig(bind, port, maxConnections, maxFrameBytes, maxLineBytes, stallTimeoutMs, idleTimeoutMs, dedupWindow, maxPendingOutput,
            requestTimeoutMs, writeTimeoutMs, maxBufferBytes, maxProducers, maxProducersPerConnection, maxProducerEntries);
    }

    public ServerConfig withTimeouts(long stallTimeoutMs, long idleTimeoutMs) {
        return new ServerConfig(bind, port, maxConnections, maxFrameBytes, maxLineBytes, stallTimeoutMs, idleTimeoutMs, dedupWindow, maxPendingOutput,
            requestTimeoutMs, writeTimeoutMs, maxBufferBytes, maxProducers, maxProducersPerConnection, maxProducerEntries);
    }

    public ServerConfig withMaxPendingOutput(int maxPendingOutput) {
        return new ServerConfig(bind, port, maxConnections, maxFrameBytes, maxLineBytes, stallTimeoutMs, idleTimeoutMs, dedupWindow, maxPendingOutput,
            requestTimeoutMs, writeTimeoutMs, maxBufferBytes, maxProducers, maxProducersPerConnection, maxProducerEntries);
    }

    public ServerConfig withRequestTimeouts(long requestTimeoutMs, long writeTimeoutMs) {
        return new ServerConfig(bind, port, maxConnections, maxFrameBytes, maxLineBytes, stallTimeoutMs, idleTimeoutMs, dedupWindow, maxPendingOutput,
            requestTimeoutMs, writeTimeoutMs, maxBufferBytes, maxProducers, maxProducersPerConnection, maxProducerEntries);
    }

    public ServerConfig withMaxBufferBytes(long maxBufferBytes) {
        return new ServerConfig(bind, port, maxConnections, maxFrameBytes, maxLineBytes, stallTimeoutMs, idleTimeoutMs, dedupWindow, maxPendingOutput,
            requestTimeoutMs, writeTimeoutMs, maxBufferBytes, maxProducers, maxProducersPerConnection, maxProducerEntries);
    }

    public ServerConfig withProducerLimits(int maxProducers, int maxProducersPerConnection, int maxProducerEntries) {
        return new ServerConfig(bind, port, maxConnections, maxFrameBytes, maxLineBytes, stallTimeoutMs, idleTimeoutMs, dedupWindow, maxPendingOutput,
            requestTimeoutMs, writeTimeoutMs, maxBufferBytes, maxProducers, maxProducersPerConnection, maxProducerEntries);
    }
}
