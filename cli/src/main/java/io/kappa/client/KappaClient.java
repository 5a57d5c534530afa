package io.kappa.client;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.AbstractList;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.RandomAccess;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import io.kappa.log.Appended;
import io.kappa.log.Event;
import io.kappa.server.BinaryProtocol;
import io.kappa.server.TlsFiles;

/**
 * A client of the binary protocol. Each {@link #send} is one frame (a batch); frames are pipelined, up to
 * {@code maxInFlight} unanswered. The client is an idempotent producer: every event carries its producer id and
 * a sequence number, so when the connection breaks it reconnects and sends every unanswered batch again, and
 * the server acknowledges the events it had already appended with their original offsets instead of writing
 * them twice. Thread-safe.
 *
 * <p>Bounds: at most {@code maxInFlight} unanswered batches and {@code maxInFlightEvents} unanswered events
 * (default 65,536, below the server's dedup window of 100,000 sequences per producer, {@code ServerConfig
 * dedupWindow}): a batch resent after a reconnect is then always within what the server remembers, so it is
 * never written twice. A batch over {@code maxFrameBytes} (default 64 MiB, the server's default limit) or with
 * more events than {@code maxInFlightEvents} is refused by {@link #send} before anything is sent.
 *
 * <p>Deadlines: connecting (and reconnecting) gives up after {@code connectTimeoutMs} (default 10 s) per
 * attempt; with batches unanswered, {@code readTimeoutMs} (default 30 s) without an answer fails the client:
 * every unanswered future completes with a {@link NoAnswer}, and later sends throw. An idle connection has no
 * deadline.
 *
 * <p>With {@link Options#withTls}, the client speaks TLS 1.3 (to {@code kappa serve --tls-cert}) and checks that
 * the server's certificate is trusted and names the host it connects to.
 */
public final class KappaClient implements AutoCloseable {
    /** Client settings; {@link #defaults()} has the defaults. */
    public record Options(int maxInFlight, int maxInFlightEvents, long producerId, long reconnectTimeoutMs,
                          long connectTimeoutMs, long readTimeoutMs, int maxFrameBytes, String token, SSLContext tls) {
        public Options {
            if (maxInFlight < 1 || maxInFlightEvents < 1 || reconnectTimeoutMs < 1 || connectTimeoutMs < 1
                || connectTimeoutMs > Integer.MAX_VALUE || readTimeoutMs < 1 || maxFrameBytes < 64) {
                throw new IllegalArgumentException("maxInFlight, maxInFlightEvents and the timeouts must be at least 1 "
                    + "(connectTimeoutMs at most " + Integer.MAX_VALUE + "), maxFrameBytes at least 64: " + this);
            }
        }

        public static Options defaults() {
            return new Options(64, 65_536, 0, 30_000, 10_000, 30_000, 64 << 20, null, null);
        }

        public Options withMaxInFlight(int n) {
            return new Options(n, maxInFlightEvents, producerId, reconnectTimeoutMs, connectTimeoutMs, readTimeoutMs, maxFrameBytes, token, tls);
        }

        /** Keep it below the server's dedup window (100,000 by default) so a retry is never written twice. */
        public Options withMaxInFlightEvents(int n) {
            return new Options(maxInFlight, n, producerId, reconnectTimeoutMs, connectTimeoutMs, readTimeoutMs, maxFrameBytes, token, tls);
        }

        /** A positive id (0: a random one); the server refuses negative ids, reserved for kappa's own writers. */
        public Options withProducerId(long id) {
            return new Options(maxInFlight, maxInFlightEvents, id, reconnectTimeoutMs, connectTimeoutMs, readTimeoutMs, maxFrameBytes, token, tls);
        }

        public Options withReconnectTimeoutMs(long ms) {
            return new Options(maxInFlight, maxInFlightEvents, producerId, ms, connectTimeoutMs, readTimeoutMs, maxFrameBytes, token, tls);
        }

        public Options withConnectTimeoutMs(long ms) {
            return new Options(maxInFlight, maxInFlightEvents, producerId, reconnectTimeoutMs, ms, readTimeoutMs, maxFrameBytes, token, tls);
        }

        public Options withReadTimeoutMs(long ms) {
            return new Options(maxInFlight, maxInFlightEvents, producerId, reconnectTimeoutMs, connectTimeoutMs, ms, maxFrameBytes, token, tls);
        }

        /** The token a server started with {@code --token-file} asks for; sent first on every connection. */
        public Options withToken(String token) {
            return new Options(maxInFlight, maxInFlightEvents, producerId, reconnectTimeoutMs, connectTimeoutMs, readTimeoutMs, maxFrameBytes,
                token, tls);
        }

        /**
         * Connects over TLS 1.3 (to {@code kappa serve --tls-cert}), trusting exactly the certificates in the PEM file
         * {@code caPem} (the CA that signed the server's certificate, or that certificate itself). The server's
         * certificate must name the host the client connects to (a DNS name or IP address in its subject alternative
         * names), as HTTPS checks it.
         */
        public Options withTls(Path caPem) throws IOException {
            return withTls(TlsFiles.client(caPem));
        }

        /** Connects over TLS 1.3 with {@code context}'s trust (the host name is still checked); null: plaintext. */
        public Options withTls(SSLContext context) {
            return new Options(maxInFlight, maxInFlightEvents, producerId, reconnectTimeoutMs, connectTimeoutMs, readTimeoutMs, maxFrameBytes,
                token, context);
        }

        @Override
        public String toString() {
            // the token stays out of messages and logs
            return "Options[maxInFlight=" + maxInFlight + ", maxInFlightEvents=" + maxInFlightEvents + ", producerId=" + producerId
                + ", reconnectTimeoutMs=" + reconnectTimeoutMs + ", connectTimeoutMs=" + connectTimeoutMs + ", readTimeoutMs="
                + readTimeoutMs + ", maxFrameBytes=" + maxFrameBytes + ", token=" + (token == null ? "none" : "(set)") + ", tls=" + (tls != null) + "]";
        }

        public Options withMaxFrameBytes(int bytes) {
            return new Options(maxInFlight, maxInFlightEvents, producerId, reconnectTimeoutMs, connectTimeoutMs, readTimeoutMs, bytes, token, tls);
        }
    }

    /** The server sent no answer within {@code readTimeoutMs} while batches were unanswered; the client is closed. */
    public static final class NoAnswer extends IOException {
        NoAnswer(String message) {
            super(message);
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

    /** Frames up to this size are kept off-heap (at most maxInFlight of them are kept for reuse). */
    private static final int MAX_DIRECT_FRAME = 1 << 20;

    private record InFlight(long requestId, ByteBuffer frame, int count, CompletableFuture<List<Appended>> result, long sentNanos) {
    }

    private final InetSocketAddress address;
    private final Options options;
    private final long producerId;
    private final Semaphore permits;
    /** One per unanswered event; fair, so a large batch is not overtaken forever by small ones. */
    private final Semaphore eventPermits;
    /** When the reader last got an answer (System.nanoTime), for {@code readTimeoutMs}. */
    private volatile long lastAnswerNanos = System.nanoTime();
    /** Taken before {@link #lock} by whoever writes to the socket, so frames go out in the order they were queued. */
    private final Object writeLock = new Object();
    private final Object lock = new Object();
    private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>(); // guarded by lock
    /** Frame buffers of answered batches, reused for the next ones (at most maxInFlight of them). */
    private final ArrayDeque<ByteBuffer> spare = new ArrayDeque<>(); // guarded by lock
    private Link channel; // guarded by lock
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
        this.eventPermits = new Semaphore(options.maxInFlightEvents(), true);
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

    /**
     * One connection: a socket channel, or a TLS socket layered on a plain socket (closing the plain one releases a
     * thread blocked in the TLS socket at once).
     */
    private record Link(SocketChannel channel, Socket raw, SSLSocket tls) {
        void write(ByteBuffer b) throws IOException {
            if (tls == null) {
                while (b.hasRemaining()) {
                    channel.write(b);
                }
            } else {
                tls.getOutputStream().write(b.array(), b.arrayOffset() + b.position(), b.remaining());
                b.position(b.limit());
            }
        }

        InputStream in() throws IOException {
            return tls == null ? channel.socket().getInputStream() : tls.getInputStream();
        }

        void close() throws IOException {
            if (tls == null) {
                channel.close();
            } else {
                raw.close();
            }
        }
    }

    private Link open() throws IOException {
        Link link = options.tls() == null ? openPlain() : openTls();
        try {
            writeFully(link, ByteBuffer.wrap(BinaryProtocol.MAGIC));
            if (options.token() != null) {
                authenticate(link);
            }
            return link;
        } catch (IOException | RuntimeException e) {
            link.close();
            throw e;
        }
    }

    /** The reader reads through the socket's stream, which honours this timeout; see readFully. */
    private int readTimeout() {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, options.readTimeoutMs() / 2));
    }

    private Link openPlain() throws IOException {
        SocketChannel ch = SocketChannel.open();
        try {
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.socket().connect(address, (int) options.connectTimeoutMs()); // SocketTimeoutException when it passes
            ch.socket().setSoTimeout(readTimeout());
            return new Link(ch, null, null);
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }

    /** Connects and completes the TLS handshake within {@code connectTimeoutMs}; the host name is checked as HTTPS does. */
    private Link openTls() throws IOException {
        Socket raw = new Socket();
        try {
            raw.setTcpNoDelay(true);
            raw.connect(address, (int) options.connectTimeoutMs());
            SSLSocket tls = (SSLSocket) options.tls().getSocketFactory().createSocket(raw, address.getHostString(), address.getPort(), true);
            SSLParameters parameters = tls.getSSLParameters();
            parameters.setProtocols(new String[] {TlsFiles.PROTOCOL});
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            tls.setSSLParameters(parameters);
            tls.setSoTimeout((int) options.connectTimeoutMs());
            tls.startHandshake();
            tls.setSoTimeout(readTimeout());
            return new Link(null, raw, tls);
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    /**
     * Sends a batch to a topic; the future completes with each event's partition and offset once the server
     * has appended the batch. Blocks while {@code maxInFlight} batches or {@code maxInFlightEvents} events are
     * unanswered.
     *
     * @throws IllegalArgumentException if the batch has more events than {@code maxInFlightEvents}, or its frame
     *     would be over {@code maxFrameBytes}; nothing is sent and the client goes on
     */
    public CompletableFuture<List<Appended>> send(String topic, List<Event> events) throws InterruptedException {
        ensureOpen();
        int count = events.size();
        if (count > options.maxInFlightEvents()) {
            throw new IllegalArgumentException("a batch of " + count + " events is over maxInFlightEvents ("
                + options.maxInFlightEvents() + "); split it");
        }
        permits.acquire();
        try {
            eventPermits.acquire(count);
        } catch (InterruptedException e) {
            permits.release();
            throw e;
        }
        boolean queued = false;
        try {
            CompletableFuture<List<Appended>> result = queue(topic, events);
            queued = true;
            return result;
        } finally {
            if (!queued) { // the frame could not be built, or the client is closed: give the permits back
                permits.release();
                eventPermits.release(count);
            }
        }
    }

    private CompletableFuture<List<Appended>> queue(String topic, List<Event> events) {
        int size = BinaryProtocol.requestSize(topic, events);
        if (size > options.maxFrameBytes()) {
            throw new IllegalArgumentException("a batch of " + size + " bytes is over maxFrameBytes (" + options.maxFrameBytes()
                + "); split it");
        }
        ByteBuffer frame;
        synchronized (lock) {
            frame = spare.pollFirst();
        }
        if (frame == null || frame.capacity() < size) {
            // Off-heap when plaintext and not too large: the socket writes it as it is, where a heap buffer is first
            // copied to a temporary direct one by the JDK (a second copy of every byte sent). TLS encrypts from arrays.
            frame = options.tls() == null && size <= MAX_DIRECT_FRAME ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
        } else {
            frame.clear();
        }
        CompletableFuture<List<Appended>> result = new CompletableFuture<>();
        synchronized (writeLock) {
            Link ch;
            synchronized (lock) {
                if (closed) {
                    throw new IllegalStateException("client is closed", failure);
                }
                BinaryProtocol.writeRequest(frame, nextRequestId + 1, producerId, nextSequence, topic, events);
                long requestId = ++nextRequestId;
                nextSequence += events.size();
                frame.flip();
                inFlight.add(new InFlight(requestId, frame, events.size(), result, System.nanoTime()));
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
        Link streamOf = null;
        InputStream in = null;
        while (!closed) {
            Link ch;
            synchronized (lock) {
                ch = channel;
            }
            try {
                if (ch != streamOf) {
                    // buffered: an answer's header and body (and the answers queued behind it) in one read
                    in = new BufferedInputStream(ch.in(), 64 * 1024);
                    streamOf = ch;
                }
                header.clear();
                readFully(in, header);
                int length = header.getInt(0);
                if (length < 13 || length > (64 << 20)) {
                    throw new IOException("bad answer frame length " + length);
                }
                if (body.capacity() < length) {
                    body = ByteBuffer.allocate(length);
                }
                body.clear().limit(length);
                readFully(in, body);
                body.flip();
                lastAnswerNanos = System.nanoTime();
                onAnswer(body);
            } catch (NoAnswer e) {
                fail(e); // a silent server: reconnecting and sending again would only wait again
                return;
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
        // read before the batch is taken off the queue: an answer that does not parse breaks the connection, and
        // the batch is sent again on the next one
        Acks acks = type == BinaryProtocol.ACK ? Acks.read(body) : null;
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
                        eventPermits.release(f.count());
                        f.result().completeExceptionally(new RequestFailed(code, message));
                    }
                    throw new IOException("server closed the connection: " + message + " (code " + code + ")");
                }
                throw new IOException("answer for request " + requestId + " but " + (f == null ? "none" : f.requestId()) + " is next");
            }
            if (acks != null && acks.size() != f.count()) {
                throw new IOException("an ACK of " + acks.size() + " offsets for request " + requestId + " of " + f.count() + " events");
            }
            inFlight.poll();
            if (spare.size() < options.maxInFlight()) {
                spare.addFirst(f.frame()); // answered: it will not be sent again
            }
        }
        permits.release();
        eventPermits.release(f.count());
        if (acks != null) {
            f.result().complete(acks);
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

    private void reconnect(Link broken, IOException cause) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(options.reconnectTimeoutMs());
        long backoff = 10;
        closeQuietly(broken); // also releases a sender blocked writing to it
        synchronized (writeLock) {
            while (!closed) {
                try {
                    Link fresh = open();
                    synchronized (lock) {
                        for (InFlight f : inFlight) {
                            writeFully(fresh, f.frame().duplicate());
                        }
                        channel = fresh;
                        reconnects++;
                        lastAnswerNanos = System.nanoTime(); // the resent batches get a full readTimeoutMs
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
            eventPermits.release(f.count());
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

    /** Presents the token and waits for the server's answer: an empty ACK, or an ERROR after which it closes. */
    private void authenticate(Link ch) throws IOException {
        writeFully(ch, ByteBuffer.wrap(BinaryProtocol.authFrame(0, options.token())));
        InputStream in = ch.in();
        ByteBuffer header = ByteBuffer.allocate(4);
        readFully(in, header);
        int length = header.flip().getInt();
        if (length < 13 || length > 1 << 16) {
            throw new IOException("the server answered the authentication with a frame of " + length + " bytes");
        }
        ByteBuffer body = ByteBuffer.allocate(length);
        readFully(in, body);
        body.flip();
        byte type = body.get();
        if (type == BinaryProtocol.ERROR) {
            body.getLong();
            short code = body.getShort();
            byte[] m = new byte[body.getShort() & 0xffff];
            body.get(m);
            throw new RequestFailed(code, "authentication refused: " + new String(m, java.nio.charset.StandardCharsets.UTF_8));
        }
        if (type != BinaryProtocol.ACK) {
            throw new IOException("the server answered the authentication with a frame of type " + type);
        }
    }

    private static void writeFully(Link ch, ByteBuffer b) throws IOException {
        ch.write(b);
    }

    /**
     * Reads through the socket's stream, whose reads time out every {@code readTimeoutMs / 2}: a timeout is
     * harmless while nothing is unanswered, and {@link NoAnswer} once the oldest unanswered batch has waited
     * {@code readTimeoutMs} since it was sent or since the last answer, whichever is later.
     */
    private void readFully(InputStream in, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            int n;
            try {
                n = in.read(b.array(), b.arrayOffset() + b.position(), b.remaining());
            } catch (SocketTimeoutException e) {
                checkAnswered();
                continue;
            }
            if (n < 0) {
                throw new EOFException("server closed the connection");
            }
            b.position(b.position() + n);
        }
    }

    private void checkAnswered() throws NoAnswer {
        InFlight oldest;
        int unanswered;
        synchronized (lock) {
            oldest = inFlight.peek();
            unanswered = inFlight.size();
        }
        if (oldest == null) {
            return;
        }
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - Math.max(oldest.sentNanos(), lastAnswerNanos));
        if (waitedMs >= options.readTimeoutMs()) {
            throw new NoAnswer("no answer from " + address + " for " + waitedMs + " ms (readTimeoutMs " + options.readTimeoutMs()
                + ") with " + unanswered + " batches unanswered; the client is closed");
        }
    }

    /**
     * The offsets of an ACK as an immutable list: one object per batch, not one per event. A batch appended to one
     * partition at consecutive offsets (the usual answer) is held as its first offset; any other answer in arrays.
     */
    static final class Acks extends AbstractList<Appended> implements RandomAccess {
        private final int count;
        private final int partition;
        private final long first;
        /** Null when every event went to {@link #partition}. */
        private final int[] partitions;
        /** Null when the offsets run from {@link #first} one by one. */
        private final long[] offsets;

        private Acks(int count, int partition, long first, int[] partitions, long[] offsets) {
            this.count = count;
            this.partition = partition;
            this.first = first;
            this.partitions = partitions;
            this.offsets = offsets;
        }

        /** Reads {@code count:int32 (partition:int32 offset:int64){count}} from {@code body}. */
        static Acks read(ByteBuffer body) throws IOException {
            int count = body.getInt();
            if (count < 0 || (long) count * 12 > body.remaining()) {
                throw new IOException("an ACK of " + count + " offsets does not fit its frame of " + body.limit() + " bytes");
            }
            int start = body.position();
            int partition = count == 0 ? 0 : body.getInt(start);
            long first = count == 0 ? 0 : body.getLong(start + 4);
            boolean onePartition = true;
            boolean consecutive = true;
            for (int i = 1; i < count && (onePartition || consecutive); i++) {
                onePartition &= body.getInt(start + i * 12) == partition;
                consecutive &= body.getLong(start + i * 12 + 4) == first + i;
            }
            int[] partitions = onePartition ? null : new int[count];
            long[] offsets = consecutive ? null : new long[count];
            if (partitions != null || offsets != null) {
                for (int i = 0; i < count; i++) {
                    if (partitions != null) {
                        partitions[i] = body.getInt(start + i * 12);
                    }
                    if (offsets != null) {
                        offsets[i] = body.getLong(start + i * 12 + 4);
                    }
                }
            }
            body.position(start + count * 12);
            return new Acks(count, partition, first, partitions, offsets);
        }

        @Override
        public Appended get(int index) {
            Objects.checkIndex(index, count);
            return new Appended(partitions == null ? partition : partitions[index], offsets == null ? first + index : offsets[index]);
        }

        @Override
        public int size() {
            return count;
        }
    }

    private static void closeQuietly(Link ch) {
        try {
            if (ch != null) {
                ch.close();
            }
        } catch (IOException ignored) {
            // closing
        }
    }
}
