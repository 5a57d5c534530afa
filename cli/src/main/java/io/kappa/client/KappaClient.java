package io.kappa.client;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.kappa.log.Appended;
import io.kappa.log.Event;
import io.kappa.server.BinaryProtocol;

/**
 * A client of the binary protocol. Each {@link #send} is one frame (a batch); frames are pipelined, up to
 * {@code maxInFlight} unanswered. The client is an idempotent producer: every event carries its producer id and
 * a sequence number, so when the connection breaks it reconnects and sends every unanswered batch again, and
 * the server acknowledges the events it had already appended with their original offsets instead of writing
 * them twice. Thread-safe.
 */
public final class KappaClient implements AutoCloseable {
    /** Client settings; {@link #defaults()} has the defaults. */
    public record Options(int maxInFlight, long producerId, long reconnectTimeoutMs) {
        public static Options defaults() {
            return new Options(64, 0, 30_000);
        }

        public Options withMaxInFlight(int n) {
            return new Options(n, producerId, reconnectTimeoutMs);
        }

        /** A positive id (0: a random one); the server refuses negative ids, reserved for kappa's own writers. */
        public Options withProducerId(long id) {
            return new Options(maxInFlight, id, reconnectTimeoutMs);
        }

        public Options withReconnectTimeoutMs(long ms) {
            return new Options(maxInFlight, producerId, ms);
        }
    }

    /** The server refused a batch; none of its events were appended. */
    public static final class RequestFailed extends RuntimeException {
        private final short code;

        RequestFailed(short code, String message) {
            super(message);
            this.code = code;
        }

        public short code() {
            return code;
        }
    }

    private record InFlight(long requestId, ByteBuffer frame, int count, CompletableFuture<List<Appended>> result) {
    }

    private final InetSocketAddress address;
    private final Options options;
    private final long producerId;
    private final Semaphore permits;
    /** Taken before {@link #lock} by whoever writes to the socket, so frames go out in the order they were queued. */
    private final Object writeLock = new Object();
    private final Object lock = new Object();
    private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>(); // guarded by lock
    /** Frame buffers of answered batches, reused for the next ones (at most maxInFlight of them). */
    private final ArrayDeque<ByteBuffer> spare = new ArrayDeque<>(); // guarded by lock
    private SocketChannel channel; // guarded by lock
    private long nextRequestId; // guarded by lock
    private long nextSequence; // guarded by lock
    private volatile boolean closed;
    private volatile Throwable failure;
    private final Thread reader;
    private long reconnects;

    private KappaClient(InetSocketAddress address, Options options) throws IOException {
        this.address = address;
        this.options = options;
        this.producerId = options.producerId() != 0 ? options.producerId() : ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
        this.permits = new Semaphore(options.maxInFlight());
        this.channel = open();
        this.reader = new Thread(this::readLoop, "kappa-client-reader");
        reader.setDaemon(true);
        reader.start();
    }

    public static KappaClient connect(String host, int port) throws IOException {
        return connect(host, port, Options.defaults());
    }

    public static KappaClient connect(String host, int port, Options options) throws IOException {
        return new KappaClient(new InetSocketAddress(host, port), options);
    }

    public long producerId() {
        return producerId;
    }

    /** How many times the connection was re-established. */
    public long reconnects() {
        synchronized (lock) {
            return reconnects;
        }
    }

    private SocketChannel open() throws IOException {
        SocketChannel ch = SocketChannel.open();
        try {
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.connect(address);
            writeFully(ch, ByteBuffer.wrap(BinaryProtocol.MAGIC));
            return ch;
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * Sends a batch to a topic; the future completes with each event's partition and offset once the server
     * has appended the batch. Blocks while {@code maxInFlight} batches are unanswered.
     */
    public CompletableFuture<List<Appended>> send(String topic, List<Event> events) throws InterruptedException {
        ensureOpen();
        permits.acquire();
        int size = BinaryProtocol.requestSize(topic, events);
        ByteBuffer frame;
        synchronized (lock) {
            frame = spare.pollFirst();
        }
        if (frame == null || frame.capacity() < size) {
            frame = ByteBuffer.allocate(size);
        } else {
            frame.clear();
        }
        CompletableFuture<List<Appended>> result = new CompletableFuture<>();
        synchronized (writeLock) {
            SocketChannel ch;
            synchronized (lock) {
                if (closed) {
                    permits.release();
                    throw new IllegalStateException("client is closed", failure);
                }
                long requestId = ++nextRequestId;
                BinaryProtocol.writeRequest(frame, requestId, producerId, nextSequence, topic, events);
                nextSequence += events.size();
                frame.flip();
                inFlight.add(new InFlight(requestId, frame, events.size(), result));
                ch = channel;
            }
            try {
                writeFully(ch, frame.duplicate());
            } catch (IOException e) {
                // The reader sees the broken connection too, reconnects and sends this frame again.
            }
        }
        return result;
    }

    /** Sends a batch and waits for its offsets. */
    public List<Appended> append(String topic, List<Event> events) throws InterruptedException {
        try {
            return send(topic, events).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Waits until every batch sent so far is answered. */
    public void flush() throws InterruptedException {
        permits.acquire(options.maxInFlight());
        permits.release(options.maxInFlight());
    }

    private void readLoop() {
        ByteBuffer header = ByteBuffer.allocate(4);
        ByteBuffer body = ByteBuffer.allocate(64 * 1024);
        while (!closed) {
            SocketChannel ch;
            synchronized (lock) {
                ch = channel;
            }
            try {
                header.clear();
                readFully(ch, header);
                int length = header.getInt(0);
                if (length < 13 || length > (64 << 20)) {
                    throw new IOException("bad answer frame length " + length);
                }
                if (body.capacity() < length) {
                    body = ByteBuffer.allocate(length);
                }
                body.clear().limit(length);
                readFully(ch, body);
                body.flip();
                onAnswer(body);
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                reconnect(ch, e);
            } catch (RuntimeException e) {
                fail(e);
                return;
            }
        }
    }

    private void onAnswer(ByteBuffer body) throws IOException {
        byte type = body.get();
        long requestId = body.getLong();
        InFlight f;
        synchronized (lock) {
            f = inFlight.peek();
            if (f == null || f.requestId() != requestId) {
                if (requestId == 0 && type == BinaryProtocol.ERROR) {
                    // The server could not read the oldest unanswered frame (too large, cut off) and closes the
                    // connection: that request fails for good (sending it again would fail again); the others
                    // are sent again after reconnecting.
                    short code = body.getShort();
                    String message = message(body);
                    if (f != null) {
                        inFlight.poll();
                        permits.release();
                        f.result().completeExceptionally(new RequestFailed(code, message));
                    }
                    throw new IOException("server closed the connection: " + message + " (code " + code + ")");
                }
                throw new IOException("answer for request " + requestId + " but " + (f == null ? "none" : f.requestId()) + " is next");
            }
            inFlight.poll();
            if (spare.size() < options.maxInFlight()) {
                spare.addFirst(f.frame()); // answered: it will not be sent again
            }
        }
        permits.release();
        if (type == BinaryProtocol.ACK) {
            int count = body.getInt();
            List<Appended> appended = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                appended.add(new Appended(body.getInt(), body.getLong()));
            }
            f.result().complete(appended);
        } else {
            short code = body.getShort();
            f.result().completeExceptionally(new RequestFailed(code, message(body)));
        }
    }

    private static String message(ByteBuffer body) {
        int n = body.getShort();
        byte[] m = new byte[n];
        body.get(m);
        return new String(m, StandardCharsets.UTF_8);
    }

    private void reconnect(SocketChannel broken, IOException cause) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(options.reconnectTimeoutMs());
        long backoff = 10;
        closeQuietly(broken); // also releases a sender blocked writing to it
        synchronized (writeLock) {
            while (!closed) {
                try {
                    SocketChannel fresh = open();
                    synchronized (lock) {
                        for (InFlight f : inFlight) {
                            writeFully(fresh, f.frame().duplicate());
                        }
                        channel = fresh;
                        reconnects++;
                    }
                    return;
                } catch (IOException e) {
                    if (System.nanoTime() > deadline) {
                        fail(new IOException("connection to " + address + " lost (" + cause.getMessage()
                            + ") and not re-established within " + options.reconnectTimeoutMs() + " ms: " + e.getMessage(), e));
                        return;
                    }
                    try {
                        Thread.sleep(backoff);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        fail(ie);
                        return;
                    }
                    backoff = Math.min(1000, backoff * 2);
                }
            }
        }
    }

    private void fail(Throwable t) {
        synchronized (lock) {
            failLocked(t);
        }
    }

    private void failLocked(Throwable t) {
        failure = t;
        closed = true;
        for (InFlight f : inFlight) {
            f.result().completeExceptionally(t);
            permits.release();
        }
        inFlight.clear();
        closeQuietly(channel);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("client is closed" + (failure == null ? "" : ": " + failure.getMessage()), failure);
        }
    }

    /** Waits for unanswered batches (up to 10 s), then closes the connection. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            if (permits.tryAcquire(options.maxInFlight(), 10, TimeUnit.SECONDS)) {
                permits.release(options.maxInFlight());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (lock) {
            closed = true;
            for (InFlight f : inFlight) {
                f.result().completeExceptionally(new IllegalStateException("client closed before an answer"));
            }
            inFlight.clear();
            closeQuietly(channel);
        }
        try {
            reader.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void writeFully(SocketChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private static void readFully(SocketChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new EOFException("server closed the connection");
            }
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            if (ch != null) {
                ch.close();
            }
        } catch (IOException ignored) {
            // closing
        }
    }
}
