package io.kappa.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.SSLContext;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.cli.EventJson;
import io.kappa.log.Appended;
import io.kappa.log.Event;
import io.kappa.log.EventLog;
import io.kappa.log.LogException;
import io.kappa.log.Topic;

/**
 * The TCP ingestion server: one thread, one selector, non-blocking sockets. Each connection speaks the line
 * protocol (JSON events, one per line, each answered in order) or the binary protocol ({@link BinaryProtocol},
 * batches answered with their offsets). Requests are appended in the I/O thread before they are answered,
 * so an answer means the events are in the log (and synced, when the log's fsync policy is {@code always}).
 * A client that misbehaves gets an error and, when its stream cannot be trusted any more, is closed; it
 * never blocks other clients: reads and writes never block, partial frames wait in the connection's buffer,
 * and a client that does not read its answers stops being read (and is closed after the write timeout).
 * Memory: receive buffers grow only as bytes arrive, and their growth plus unsent answers share one budget
 * ({@link ServerConfig#maxBufferBytes()}); past it, connections are not read until memory frees
 * (docs/security.md). With TLS, each connection's bytes pass through a {@link TlsChannel} on their way to and from
 * those buffers. An {@link Error} in the I/O thread stops the server and is returned by {@link #awaitStop()}.
 */
public final class KappaServer implements AutoCloseable {
    private final EventLog log;
    private final ServerConfig config;
    private final Authentication authentication;
    /** Null: plaintext. */
    private final SSLContext tls;
    private final Selector selector;
    private final ServerSocketChannel server;
    private final ProducerRegistry producers;
    private final Set<Connection> connections = new HashSet<>();
    private final Thread thread;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicLong eventsAppended = new AtomicLong();
    private final AtomicLong connectionsRefused = new AtomicLong();
    private volatile boolean running = true;
    private volatile Throwable failure;
    private final SelectionKey acceptKey;
    /** When accepting resumes after a failed accept() (too many open files), or 0. */
    private long acceptPausedUntil;
    /** Bytes of receive-buffer growth (beyond {@link #BASE_BUFFER}) and unsent answers, over all connections. */
    private long buffered;
    /** Connections not read because the buffer budget was spent, resumed when it has room. */
    private final List<Connection> waitingForMemory = new ArrayList<>();
    /** TLS connections that want reading and hold input already received, which the selector will not report. */
    private final Set<Connection> tlsBuffered = new LinkedHashSet<>();
    /**
     * The one connection allowed past the budget, by at most one request, until its buffer is empty again:
     * without it, requests half-received on every connection could fill the budget and none could complete.
     */
    private Connection overdraft;
    private long lastWarning;
    private int warningsSuppressed;

    /** Receive buffer each connection starts with; it grows as a request's bytes arrive. */
    static final int BASE_BUFFER = 16 * 1024;
    /** Receive buffers of the binary protocol up to this size are off-heap. */
    static final int MAX_DIRECT_IN = 4 << 20;

    private KappaServer(EventLog log, ServerConfig config, Authentication authentication, SSLContext tls) throws IOException {
        this.log = log;
        this.config = config;
        this.authentication = authentication;
        this.tls = tls;
        this.producers = new ProducerRegistry(config.dedupWindow(), config.maxProducers(), config.maxProducerEntries());
        this.selector = Selector.open();
        this.server = ServerSocketChannel.open();
        try {
            server.bind(new InetSocketAddress(config.bind(), config.port()), 512);
        } catch (IOException e) {
            selector.close();
            server.close();
            throw new IOException("cannot listen on " + config.bind() + ":" + config.port() + ": " + e.getMessage(), e);
        }
        server.configureBlocking(false);
        this.acceptKey = server.register(selector, SelectionKey.OP_ACCEPT);
        preloadFileDispatcher();
        this.thread = new Thread(this::loop, "kappa-server");
    }

    /**
     * The JDK initializes its file dispatcher (which opens a socket pair) on the first close of an accepted
     * connection; out of file descriptors then, that fails for good (ExceptionInInitializerError) and stops the
     * server. Initialized here, while descriptors are free.
     */
    private static void preloadFileDispatcher() {
        try {
            Class.forName("sun.nio.ch.FileDispatcherImpl", true, ServerSocketChannel.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            // another JDK: nothing to preload
        }
    }

    /** Binds and starts serving on a thread of its own. */
    public static KappaServer start(EventLog log, ServerConfig config) throws IOException {
        return start(log, config, Authentication.none());
    }

    /** A server whose clients must first present one of {@code authentication}'s tokens (when it has any). */
    public static KappaServer start(EventLog log, ServerConfig config, Authentication authentication) throws IOException {
        return start(log, config, authentication, null);
    }

    /** A server that speaks TLS 1.3 only, with {@code tls}'s certificate ({@link TlsFiles#server}); null: plaintext. */
    public static KappaServer start(EventLog log, ServerConfig config, Authentication authentication, SSLContext tls) throws IOException {
        KappaServer s = new KappaServer(log, config, authentication, tls);
        s.thread.start();
        return s;
    }

    public InetSocketAddress address() {
        try {
            return (InetSocketAddress) server.getLocalAddress();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public long eventsAppended() {
        return eventsAppended.get();
    }

    public long connectionsRefused() {
        return connectionsRefused.get();
    }

    /** Waits until the server has stopped; returns the error that stopped it, or null for a requested stop. */
    public Throwable awaitStop() throws InterruptedException {
        stopped.await();
        return failure;
    }

    private void loop() {
        long lastSweep = System.currentTimeMillis();
        try {
            while (running) {
                if (tlsBuffered.isEmpty()) {
                    selector.select(250);
                } else {
                    selector.selectNow();
                }
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey key = it.next();
                    it.remove();
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.isAcceptable()) {
                        accept();
                        continue;
                    }
                    serve((Connection) key.attachment(), key.isReadable(), key.isWritable());
                }
                if (!tlsBuffered.isEmpty()) {
                    List<Connection> buffered = new ArrayList<>(tlsBuffered);
                    tlsBuffered.clear();
                    for (Connection c : buffered) {
                        if (c.key.isValid() && (c.key.interestOps() & SelectionKey.OP_READ) != 0) {
                            serve(c, true, false);
                        }
                    }
                }
                long now = System.currentTimeMillis();
                if (acceptPausedUntil != 0 && now >= acceptPausedUntil) {
                    acceptPausedUntil = 0;
                    acceptKey.interestOps(SelectionKey.OP_ACCEPT);
                }
                resumeStarved();
                if (now - lastSweep >= 500) {
                    lastSweep = now;
                    for (Connection c : new ArrayList<>(connections)) {
                        c.checkTimeouts(now);
                    }
                }
            }
        } catch (Throwable e) {
            // Any Error too (OutOfMemoryError, StackOverflowError): the server stops and says why; `kappa serve` exits 1.
            failure = e;
            System.err.println("kappa: server stopped by an error: " + e);
        } finally {
            try {
                shutdown();
            } finally {
                stopped.countDown();
            }
        }
    }

    private void serve(Connection c, boolean readable, boolean writable) {
        try {
            if (readable) {
                c.onReadable();
            }
            if (c.key.isValid() && writable) {
                c.flush();
            }
        } catch (IOException e) {
            c.close();
        } catch (RuntimeException e) {
            // A bug met by one connection closes that connection, not the server.
            System.err.println("kappa: closing a connection after an unexpected error: " + e);
            c.close();
        }
    }

    /** Prints a warning to stderr, at most one a second (the others are counted). */
    private void warn(String message) {
        long now = System.currentTimeMillis();
        if (now - lastWarning < 1_000) {
            warningsSuppressed++;
            return;
        }
        lastWarning = now;
        System.err.println("kappa: " + message + (warningsSuppressed > 0 ? " (" + warningsSuppressed + " more warnings suppressed)" : ""));
        warningsSuppressed = 0;
    }

    /** Reads again from connections that waited for the buffer budget, while it has room. */
    private void resumeStarved() {
        if (waitingForMemory.isEmpty() || (buffered >= config.maxBufferBytes() && overdraft != null)) {
            return;
        }
        List<Connection> waiting;
        if (buffered >= config.maxBufferBytes()) {
            // Full, and no request allowed past it: the connection waiting longest in a request may finish it.
            overdraft = waitingForMemory.stream().filter(c -> c.requestStart > 0).findFirst().orElse(null);
            if (overdraft == null) {
                return;
            }
            waitingForMemory.remove(overdraft);
            waiting = List.of(overdraft);
        } else {
            waiting = new ArrayList<>(waitingForMemory); // oldest first; one may wait again at once
            waitingForMemory.clear();
        }
        for (Connection c : waiting) {
            c.starved = false;
            try {
                c.flush();
            } catch (IOException | RuntimeException e) {
                c.close();
            }
        }
    }

    private void accept() {
        SocketChannel ch;
        while (true) {
            try {
                ch = server.accept();
            } catch (IOException e) {
                // Out of file descriptors, most likely: keep serving the connections there are, retry a little later.
                warn("accept failed (" + e.getMessage() + "), pausing new connections for 100 ms");
                acceptKey.interestOps(0);
                acceptPausedUntil = System.currentTimeMillis() + 100;
                return;
            }
            if (ch == null) {
                return;
            }
            try {
                register(ch);
            } catch (IOException e) {
                warn("could not set up a new connection: " + e.getMessage());
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // gone already
                }
            }
        }
    }

    private void register(SocketChannel ch) throws IOException {
        ch.configureBlocking(false);
        ch.socket().setTcpNoDelay(true);
        if (connections.size() >= config.maxConnections()) {
            connectionsRefused.incrementAndGet();
            try {
                if (tls == null) { // a TLS client could not read it: closed without a word
                    ch.write(ByteBuffer.wrap(errorLine("too many connections (limit " + config.maxConnections() + ")")));
                }
            } catch (IOException ignored) {
                // closing anyway
            }
            ch.close();
            return;
        }
        Connection c = new Connection(ch);
        c.key = ch.register(selector, SelectionKey.OP_READ, c);
        connections.add(c);
    }

    private void shutdown() {
        // Answers already computed go out if the client reads them within a moment; then everything closes.
        long deadline = System.currentTimeMillis() + 1_000;
        for (Connection c : new ArrayList<>(connections)) {
            try {
                while ((c.pendingBytes > 0 || c.tlsPending()) && System.currentTimeMillis() < deadline) {
                    if (!c.writeSome()) {
                        Thread.sleep(1);
                    }
                }
            } catch (IOException | InterruptedException ignored) {
                // the client is gone
            }
            c.close();
        }
        try {
            server.close();
            selector.close();
        } catch (IOException ignored) {
            // nothing more to release
        }
    }

    /** Stops accepting, answers what was already appended, closes every connection. Idempotent. */
    @Override
    public void close() {
        running = false;
        selector.wakeup();
        if (Thread.currentThread() != thread) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static byte[] okLine(Appended a) {
        return ("{\"ok\":true,\"partition\":" + a.partition() + ",\"offset\":" + a.offset() + "}\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** The answer to a line protocol client that presented a good token. */
    private static final byte[] AUTHENTICATED = "{\"ok\":true,\"authenticated\":true}\n".getBytes(StandardCharsets.UTF_8);

    static byte[] errorLine(String message) {
        ObjectNode n = EventJson.MAPPER.createObjectNode().put("ok", false).put("error", message);
        return line(n);
    }

    private static byte[] line(ObjectNode n) {
        try {
            byte[] json = EventJson.MAPPER.writeValueAsBytes(n);
            byte[] withNewline = java.util.Arrays.copyOf(json, json.length + 1);
            withNewline[json.length] = '\n';
            return withNewline;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The topic a request's name means now (an alias is followed: a promote in any process applies to the next request). */
    private Topic topic(String name) {
        Topic t = log.resolveTopic(name);
        producers.load(t);
        return t;
    }

    /** Appends events of one request, skipping those an idempotent producer already appended. */
    private List<Appended> append(Topic topic, List<Event> events, long producerId, long firstSequence) {
        if (io.kappa.log.RecordDescriptor.isInternalProducer(producerId)) {
            throw new IllegalArgumentException(ProducerRegistry.reservedIdMessage(producerId));
        }
        if (producerId == 0) {
            List<Appended> result = topic.appendBatch(events);
            eventsAppended.addAndGet(events.size());
            return result;
        }
        Appended[] result = new Appended[events.size()];
        List<Event> fresh = new ArrayList<>(events.size());
        int[] positions = new int[events.size()];
        for (int i = 0; i < events.size(); i++) {
            ProducerRegistry.Entry seen = producers.lookup(producerId, firstSequence + i);
            if (seen == null) {
                positions[fresh.size()] = i;
                fresh.add(events.get(i));
            } else if (!seen.topic().equals(topic.name())) {
                throw new IllegalArgumentException("producer " + producerId + " sequence " + (firstSequence + i)
                    + " was already used for topic '" + seen.topic() + "'");
            } else {
                result[i] = seen.appended();
            }
        }
        if (!fresh.isEmpty()) {
            long[] sequences = new long[fresh.size()];
            for (int j = 0; j < sequences.length; j++) {
                sequences[j] = firstSequence + positions[j];
            }
            List<Appended> appended = topic.appendBatch(fresh, producerId, sequences);
            for (int j = 0; j < appended.size(); j++) {
                result[positions[j]] = appended.get(j);
                producers.remember(producerId, sequences[j], topic.name(), appended.get(j));
            }
            eventsAppended.addAndGet(fresh.size());
        }
        return java.util.Arrays.asList(result);
    }

    // Scratch state of the I/O thread for binary frames, reused for every frame.
    private final FrameEvents frame = new FrameEvents();
    private int[] chosen = new int[1024];
    private int[] order = new int[1024];
    private int[] resultPartitions = new int[1024];
    private long[] resultOffsets = new long[1024];
    private long[] batchSequences = new long[1024];
    private long[] batchOffsets = new long[1024];
    private final int[] topicOut = new int[1];
    /**
     * The topic the frames of the current pass over a connection's receive buffer named last, and what it resolved
     * to: a pass takes only frames already received, so one look-up (a stat of the aliases file) serves them all and a
     * promote still applies to every frame received after it.
     */
    private String passTopicName;
    private Topic passTopic;
    /** Gather buffers of answers already written, for the next answers (the I/O thread only). */
    private final ArrayDeque<ByteBuffer> spareTails = new ArrayDeque<>();
    /** Size of a gather buffer: small answers, and ACKs of up to 5,400 events, go out through one. */
    static final int TAIL_BYTES = 64 * 1024;
    private static final int MAX_SPARE_TAILS = 8;

    /**
     * Appends the events of a decoded frame straight from the receive buffer. Returns null when it was appended,
     * its offsets in {@link #resultPartitions} and {@link #resultOffsets} (the connection writes the ACK from them),
     * or the ERROR answer. The whole request is validated before anything is appended, so an ERROR means nothing was.
     */
    private ByteBuffer handleFrame(FrameEvents f) {
        if (io.kappa.log.RecordDescriptor.isInternalProducer(f.producerId)) {
            return ByteBuffer.wrap(BinaryProtocol.errorFrame(f.requestId, BinaryProtocol.ERR_INVALID, ProducerRegistry.reservedIdMessage(f.producerId)));
        }
        try {
            Topic t;
            if (f.topic.equals(passTopicName)) {
                t = passTopic;
            } else {
                t = topic(f.topic);
                passTopicName = f.topic;
                passTopic = t;
            }
            int n = f.count;
            int partitionCount = t.partitionCount();
            int max = log.context().maxRecordBytes();
            if (chosen.length < n) {
                int c = Math.max(n, chosen.length * 2);
                chosen = new int[c];
                order = new int[c];
                resultPartitions = new int[c];
                resultOffsets = new long[c];
                batchSequences = new long[c];
                batchOffsets = new long[c];
            }
            for (int i = 0; i < n; i++) {
                if (f.payloadLength(i) > max) {
                    return ByteBuffer.wrap(BinaryProtocol.errorFrame(f.requestId, BinaryProtocol.ERR_TOO_LARGE, "event " + i + " of the batch: "
                        + f.payloadLength(i) + " bytes (key + id + value) is over the maximum of " + max));
                }
                int p = f.partitions[i];
                if (p >= partitionCount) {
                    return ByteBuffer.wrap(BinaryProtocol.errorFrame(f.requestId, BinaryProtocol.ERR_INVALID, "event " + i + " of the batch: topic '"
                        + t.name() + "' has no partition " + p + " (partitions are 0.." + (partitionCount - 1) + ")"));
                }
            }
            int topicId = f.producerId == 0 ? -1 : producers.topicId(t.name());
            boolean allNew = f.producerId == 0 || producers.noneFrom(f.producerId, f.firstSequence);
            int[] counts = new int[partitionCount + 1];
            for (int i = 0; i < n; i++) {
                int known = allNew ? -1 : producers.find(f.producerId, f.firstSequence + i, resultOffsets, i, topicOut);
                if (known >= 0) {
                    if (topicOut[0] != topicId) {
                        return ByteBuffer.wrap(BinaryProtocol.errorFrame(f.requestId, BinaryProtocol.ERR_INVALID, "producer " + f.producerId
                            + " sequence " + (f.firstSequence + i) + " was already used for topic '" + producers.topicName(topicOut[0]) + "'"));
                    }
                    resultPartitions[i] = known;
                    chosen[i] = -1; // already appended
                    continue;
                }
                int p = f.partitions[i];
                chosen[i] = p >= 0 ? p : partitionCount == 1 ? 0 : t.partitionFor(f.buffer(), f.keyOffset(i), f.keyLength(i));
                counts[chosen[i] + 1]++;
            }
            // counts[p + 1] -> start of partition p in 'order' (a counting sort keeping each partition's order)
            for (int p = 0; p < partitionCount; p++) {
                counts[p + 1] += counts[p];
            }
            int[] fill = java.util.Arrays.copyOf(counts, partitionCount);
            for (int i = 0; i < n; i++) {
                if (chosen[i] >= 0) {
                    order[fill[chosen[i]]++] = i;
                }
            }
            long appended = 0;
            for (int p = 0; p < partitionCount; p++) {
                int from = counts[p];
                int cnt = counts[p + 1] - from;
                if (cnt == 0) {
                    continue;
                }
                int[] indexes = from == 0 ? order : java.util.Arrays.copyOfRange(order, from, from + cnt);
                for (int j = 0; j < cnt; j++) {
                    batchSequences[j] = f.firstSequence + indexes[j];
                }
                t.partition(p).appendBatch(f, indexes, cnt, f.producerId, batchSequences, batchOffsets);
                for (int j = 0; j < cnt; j++) {
                    int i = indexes[j];
                    resultPartitions[i] = p;
                    resultOffsets[i] = batchOffsets[j];
                }
                if (f.producerId != 0) {
                    for (int j = 0; j < cnt; j++) {
                        producers.remember(f.producerId, batchSequences[j], topicId, p, batchOffsets[j]);
                    }
                }
                appended += cnt;
            }
            eventsAppended.addAndGet(appended);
            return null;
        } catch (LogException.UnknownTopic | LogException.InvalidTopicName e) {
            return ByteBuffer.wrap(BinaryProtocol.errorFrame(f.requestId, BinaryProtocol.ERR_UNKNOWN_TOPIC, e.getMessage()));
        } catch (LogException.RecordTooLarge e) {
            return ByteBuffer.wrap(BinaryProtocol.errorFrame(f.requestId, BinaryProtocol.ERR_TOO_LARGE, e.getMessage()));
        } catch (IllegalArgumentException | LogException e) {
            return ByteBuffer.wrap(BinaryProtocol.errorFrame(f.requestId, BinaryProtocol.ERR_INVALID, e.getMessage()));
        } catch (RuntimeException e) {
            System.err.println("kappa: error serving a batch: " + e);
            return ByteBuffer.wrap(BinaryProtocol.errorFrame(f.requestId, BinaryProtocol.ERR_SERVER, "server error: " + e));
        }
    }

    private static final int UNKNOWN = 0;
    private static final int LINE = 1;
    private static final int BINARY = 2;

    private final class Connection {
        final SocketChannel channel;
        /** Null: plaintext. */
        final TlsChannel tlsChannel;
        SelectionKey key;
        ByteBuffer in = ByteBuffer.allocate(BASE_BUFFER);
        final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();
        long pendingBytes;
        int mode = UNKNOWN;
        boolean discardingLine;
        boolean closing;
        boolean eof;
        boolean finalLineAdded;
        long closeDeadline = Long.MAX_VALUE;
        long lastRead = System.currentTimeMillis();
        /** When the first byte of the request not yet complete arrived (about), or 0. */
        long requestStart;
        /** Requests taken from the buffer so far; a change means a request completed. */
        long requestsTaken;
        /** When answers last went out, or started waiting to. */
        long lastWrite = lastRead;
        /** Not read until the server's buffer budget has room. */
        boolean starved;
        /** Bytes after {@code in.position()} known to hold no newline: a line arriving in pieces is scanned once. */
        int scanned;
        /** Producer ids this connection has used (at most {@link ServerConfig#maxProducersPerConnection()}). */
        final Set<Long> producerIds = new HashSet<>();
        /** The producer id admitted last (0: none), checked before the set: a client sends as one producer. */
        long lastAdmitted;
        /** Presented a token (or none is needed): until then the only request taken is the authentication. */
        boolean authenticated = !authentication.required();

        Connection(SocketChannel channel) {
            this.channel = channel;
            this.tlsChannel = tls == null ? null : new TlsChannel(channel, tls);
        }

        void onReadable() throws IOException {
            long received = tlsChannel == null ? 0 : tlsChannel.bytesReceived();
            int n = tlsChannel == null ? channel.read(in) : tlsChannel.read(in);
            if (n < 0) {
                eof = true;
            } else if (n > 0 || (tlsChannel != null && tlsChannel.bytesReceived() != received && tlsChannel.midRecord())) {
                // (empty TLS records, which carry nothing, do not keep a connection alive)
                lastRead = System.currentTimeMillis();
            }
            process();
            if (eof && !finalLineAdded) {
                // A final line without its newline still counts; a cut-off binary frame does not.
                finalLineAdded = true;
                if (mode == LINE && in.position() > 0 && !discardingLine) {
                    if (!in.hasRemaining()) {
                        in.flip();
                        grow(in.capacity() + 1, true);
                        in.compact();
                    }
                    in.put((byte) '\n');
                    process();
                }
            }
            flush();
        }

        /** After the client's end of input: whether every complete request it sent has been handled. */
        private boolean inputDone() {
            return eof && pendingBytes < config.maxPendingOutput();
        }

        private void process() {
            in.flip();
            long taken = requestsTaken;
            try {
                if (mode == UNKNOWN && in.hasRemaining()) {
                    if (in.get(in.position()) == BinaryProtocol.MAGIC[0]) {
                        if (in.remaining() < 4) {
                            return;
                        }
                        for (byte b : BinaryProtocol.MAGIC) {
                            if (in.get() != b) {
                                fail(BinaryProtocol.errorFrame(0, BinaryProtocol.ERR_MALFORMED, "unknown protocol (expected KAP1 or JSON lines)"));
                                return;
                            }
                        }
                        mode = BINARY;
                    } else {
                        mode = LINE;
                    }
                }
                if (mode == LINE) {
                    processLines();
                } else if (mode == BINARY) {
                    processFrames();
                }
            } finally {
                if (in.position() == 0) {
                    in.position(in.limit()).limit(in.capacity()); // nothing taken: no copy (a line arriving in pieces)
                } else {
                    in.compact();
                }
                if (in.position() == 0) {
                    // part of a TLS record or handshake: a request under way too, under the request deadline
                    boolean tlsPartial = tlsChannel != null && tlsChannel.midRecord();
                    requestStart = tlsPartial ? (requestStart == 0 ? System.currentTimeMillis() : requestStart) : 0;
                    if (in.capacity() > 1 << 20 || overdraft == this || buffered > config.maxBufferBytes()) {
                        shrink(); // a large buffer goes back at once (smaller ones at the next sweep)
                    }
                } else if (requestStart == 0 || requestsTaken != taken) {
                    requestStart = System.currentTimeMillis(); // a request is under way since (about) now
                }
            }
        }

        /**
         * Makes room in {@code in} (read mode) for a request of {@code needed} bytes: doubles the buffer, never
         * past {@code needed}, so it grows only as fast as bytes arrive. When the server's buffer budget has no
         * room (and not {@code force}), the connection waits unread instead and false is returned.
         */
        private boolean grow(int needed, boolean force) {
            int capacity = (int) Math.min(needed, in.capacity() * 2L);
            int more = capacity - in.capacity();
            if (!force && buffered + more > config.maxBufferBytes()) {
                if (overdraft != null && overdraft != this) {
                    starve();
                    return false;
                }
                overdraft = this;
            }
            buffered += more;
            ByteBuffer bigger = allocateIn(capacity);
            // 'in' is in read mode here: copy the unread bytes, then leave 'bigger' in read mode too.
            bigger.put(in);
            bigger.flip();
            in = bigger;
            return true;
        }

        /**
         * Back to the base buffer when it holds nothing: memory held by a large request is returned (and with it
         * the right to pass the budget, so at most one buffer past the budget exists at a time).
         */
        private void shrink() {
            if (in.capacity() > BASE_BUFFER && in.position() == 0) {
                buffered -= in.capacity() - BASE_BUFFER;
                in = allocateIn(BASE_BUFFER);
                scanned = 0;
            }
            if (overdraft == this && in.position() == 0) {
                overdraft = null;
            }
        }

        /**
         * A receive buffer of {@code capacity} bytes: off-heap for the binary protocol, which reads frames in place
         * (a socket reads into a heap buffer through a temporary direct one, a second copy of every byte), on the heap
         * for lines, which are parsed from arrays, and for frames over {@link #MAX_DIRECT_IN} (off-heap memory is
         * given back only after a collection: large, rare buffers stay on the heap).
         */
        private ByteBuffer allocateIn(int capacity) {
            return mode == BINARY && capacity <= MAX_DIRECT_IN ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
        }

        private void starve() {
            if (!starved) {
                starved = true;
                waitingForMemory.add(this);
            }
        }

        /** Whether this connection may use another producer id; the first use of a new one counts against its quota. */
        private boolean admitProducer(long producerId) {
            if (producerId == 0 || producerId == lastAdmitted || producerIds.contains(producerId)) {
                lastAdmitted = producerId;
                return true;
            }
            if (producerIds.size() >= config.maxProducersPerConnection()) {
                return false;
            }
            producerIds.add(producerId);
            lastAdmitted = producerId;
            return true;
        }

        private String producerRefused(long producerId) {
            return "producer " + producerId + " refused: this connection already used " + config.maxProducersPerConnection()
                + " producer ids (--max-producers-per-connection)";
        }

        /** Parsed lines (or their ready error answers) waiting to be appended together and answered in order. */
        private final List<Object> pendingLines = new ArrayList<>();

        private void processLines() {
            try {
                while (!closing && pendingBytes < config.maxPendingOutput()) {
                    int newline = -1;
                    byte[] bytes = in.array();
                    int base = in.arrayOffset();
                    for (int i = in.position() + scanned; i < in.limit(); i++) {
                        if (bytes[base + i] == '\n') {
                            newline = i;
                            break;
                        }
                    }
                    if (newline < 0) {
                        scanned = in.remaining();
                        if (in.remaining() >= config.maxLineBytes()) {
                            if (!discardingLine) {
                                pendingLines.add(errorLine("line longer than " + config.maxLineBytes() + " bytes (skipped)"));
                            }
                            discardingLine = true;
                            in.position(in.limit());
                            scanned = 0;
                        } else if (in.capacity() < config.maxLineBytes() + 1 && in.remaining() == in.capacity()) {
                            grow(config.maxLineBytes() + 1, false);
                        }
                        return;
                    }
                    scanned = 0;
                    requestsTaken++;
                    int length = newline - in.position();
                    if (discardingLine) {
                        discardingLine = false;
                        in.position(newline + 1);
                        continue;
                    }
                    byte[] array = in.array();
                    int from = in.arrayOffset() + in.position();
                    int to = from + length;
                    in.position(newline + 1);
                    if (to > from && array[to - 1] == '\r') {
                        to--;
                    }
                    if (!blank(array, from, to) && !authenticated) {
                        authenticateLine(array, from, to - from);
                    } else if (!blank(array, from, to)) {
                        pendingLines.add(parseLine(array, from, to - from));
                        if (pendingLines.size() >= 1024) {
                            answerLines();
                        }
                    }
                }
            } finally {
                answerLines();
            }
        }

        private static boolean blank(byte[] a, int from, int to) {
            for (int i = from; i < to; i++) {
                if (a[i] != ' ' && a[i] != '\t') {
                    return false;
                }
            }
            return true;
        }

        private Object parseLine(byte[] array, int offset, int length) {
            try {
                EventJson.Parsed parsed = EventJson.parse(array, offset, length, true);
                return parsed.topic() == null ? errorLine("missing \"topic\"") : parsed;
            } catch (IllegalArgumentException e) {
                return errorLine(e.getMessage());
            }
        }

        /**
         * Appends the pending lines and queues their answers in order. Consecutive lines for the same topic
         * without a producer go in one batch; if the batch is refused (one bad event), its lines are appended
         * one by one so each gets its own answer.
         */
        private void answerLines() {
            int n = pendingLines.size();
            int i = 0;
            while (i < n) {
                Object item = pendingLines.get(i);
                if (item instanceof byte[] answer) {
                    send(answer);
                    i++;
                    continue;
                }
                EventJson.Parsed first = (EventJson.Parsed) item;
                int end = i + 1;
                if (first.producerId() == 0) {
                    while (end < n && pendingLines.get(end) instanceof EventJson.Parsed p && p.producerId() == 0
                        && p.topic().equals(first.topic())) {
                        end++;
                    }
                }
                if (end - i > 1) {
                    List<Event> events = new ArrayList<>(end - i);
                    for (int k = i; k < end; k++) {
                        events.add(((EventJson.Parsed) pendingLines.get(k)).event());
                    }
                    try {
                        for (Appended a : append(topic(first.topic()), events, 0, 0)) {
                            send(okLine(a));
                        }
                        i = end;
                        continue;
                    } catch (IllegalArgumentException | LogException.RecordTooLarge | LogException.UnknownPartition
                             | LogException.UnknownTopic | LogException.InvalidTopicName e) {
                        // Refused before anything was written: one by one, so that only the bad lines get errors.
                    } catch (RuntimeException e) {
                        // Failed while writing: some lines may be in the log, so none may be retried here.
                        System.err.println("kappa: error appending lines: " + e);
                        for (int k = i; k < end; k++) {
                            send(errorLine("server error while appending (the event may or may not be stored): " + e.getMessage()));
                        }
                        i = end;
                        continue;
                    }
                }
                for (int k = i; k < end; k++) {
                    send(answerLine((EventJson.Parsed) pendingLines.get(k)));
                }
                i = end;
            }
            pendingLines.clear();
        }

        private byte[] answerLine(EventJson.Parsed parsed) {
            if (!admitProducer(parsed.producerId())) {
                return errorLine(producerRefused(parsed.producerId()));
            }
            try {
                Topic t = topic(parsed.topic());
                return okLine(append(t, List.of(parsed.event()), parsed.producerId(), parsed.sequence()).get(0));
            } catch (IllegalArgumentException | LogException e) {
                return errorLine(e.getMessage());
            } catch (RuntimeException e) {
                System.err.println("kappa: error serving a line: " + e);
                return errorLine("server error: " + e);
            }
        }

        private void processFrames() {
            passTopicName = null; // topic names are resolved once per pass over the frames received so far
            while (!closing && pendingBytes < config.maxPendingOutput() && in.remaining() >= 4) {
                if (!authenticated) {
                    if (!authenticateFrame()) {
                        return;
                    }
                    continue;
                }
                int length = in.getInt(in.position());
                if (length < BinaryProtocol.MIN_REQUEST || length > config.maxFrameBytes()) {
                    fail(BinaryProtocol.errorFrame(0, length > config.maxFrameBytes() ? BinaryProtocol.ERR_TOO_LARGE : BinaryProtocol.ERR_MALFORMED,
                        "frame of " + length + " bytes is outside " + BinaryProtocol.MIN_REQUEST + ".." + config.maxFrameBytes()));
                    return;
                }
                if (in.remaining() < 4 + length) {
                    if (in.capacity() < 4 + length && in.remaining() == in.capacity()) {
                        grow(4 + length, false); // as the bytes arrive, never to the declared length up front
                    }
                    return;
                }
                in.getInt();
                requestsTaken++;
                int end = in.position() + length;
                try {
                    frame.decode(in, in.position(), length);
                } catch (BinaryProtocol.MalformedFrame e) {
                    long requestId = length >= 9 ? in.getLong(in.position() + 1) : 0;
                    fail(BinaryProtocol.errorFrame(requestId, BinaryProtocol.ERR_MALFORMED, "malformed frame: " + e.getMessage()));
                    return;
                }
                ByteBuffer refused = admitProducer(frame.producerId) ? handleFrame(frame)
                    : ByteBuffer.wrap(BinaryProtocol.errorFrame(frame.requestId, BinaryProtocol.ERR_INVALID, producerRefused(frame.producerId)));
                if (refused == null) {
                    sendAck(frame.requestId, frame.count);
                } else {
                    send(refused);
                }
                in.position(end);
            }
        }

        /**
         * The first frame of a connection to a server with tokens: an AUTH request, answered with an empty ACK, or the
         * connection is refused and closed. False while the frame is incomplete (or after a refusal).
         */
        private boolean authenticateFrame() {
            int length = in.getInt(in.position());
            if (in.remaining() < 5) {
                return false;
            }
            if (in.get(in.position() + 4) != BinaryProtocol.AUTH) {
                fail(BinaryProtocol.errorFrame(0, BinaryProtocol.ERR_UNAUTHORIZED, "authenticate first: this server takes a token "
                    + "(an AUTH request) before anything else"));
                return false;
            }
            if (length < BinaryProtocol.AUTH_FIXED || length > BinaryProtocol.AUTH_FIXED + BinaryProtocol.MAX_TOKEN_BYTES) {
                fail(BinaryProtocol.errorFrame(0, BinaryProtocol.ERR_MALFORMED, "an AUTH frame of " + length + " bytes is outside "
                    + BinaryProtocol.AUTH_FIXED + ".." + (BinaryProtocol.AUTH_FIXED + BinaryProtocol.MAX_TOKEN_BYTES)));
                return false;
            }
            if (in.remaining() < 4 + length) {
                return false; // at most ~1 KiB: the base buffer holds it
            }
            int at = in.position() + 4;
            long requestId = in.getLong(at + 1);
            int tokenLength = in.getShort(at + 9) & 0xffff;
            requestsTaken++;
            if (tokenLength != length - BinaryProtocol.AUTH_FIXED) {
                fail(BinaryProtocol.errorFrame(requestId, BinaryProtocol.ERR_MALFORMED, "the AUTH frame's token length does not match"));
                return false;
            }
            byte[] token = new byte[tokenLength];
            in.get(at + BinaryProtocol.AUTH_FIXED, token);
            if (!authentication.accepts(token, 0, tokenLength)) {
                fail(BinaryProtocol.errorFrame(requestId, BinaryProtocol.ERR_UNAUTHORIZED, "unknown token"));
                return false;
            }
            authenticated = true;
            in.position(at + length);
            ByteBuffer ack = ByteBuffer.allocate(4 + 13);
            BinaryProtocol.writeAck(ack, requestId, List.of());
            send(ack.flip());
            return true;
        }

        /** The first line of a connection to a server with tokens: {@code {"auth":"TOKEN"}}, or it is refused and closed. */
        private void authenticateLine(byte[] array, int offset, int length) {
            String token = null;
            try {
                com.fasterxml.jackson.databind.JsonNode n = EventJson.MAPPER.readTree(array, offset, length);
                if (n != null && n.size() == 1 && n.path("auth").isTextual()) {
                    token = n.path("auth").asText();
                }
            } catch (IOException e) {
                token = null;
            }
            if (token == null) {
                answerLines();
                fail(errorLine("authenticate first: send {\"auth\":\"TOKEN\"} as the first line"));
                return;
            }
            byte[] t = token.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            if (!authentication.accepts(t, 0, t.length)) {
                answerLines();
                fail(errorLine("unknown token"));
                return;
            }
            authenticated = true;
            pendingLines.add(AUTHENTICATED);
        }

        /** Sends a last answer and closes once it is written: the stream cannot be trusted after it. */
        private void fail(byte[] answer) {
            send(answer);
            closing = true;
            in.position(in.limit());
        }

        /** Small answers are gathered here, so a pass over many pipelined lines ends in one write. */
        private ByteBuffer tail;

        private void send(byte[] bytes) {
            if (bytes.length > 4096) {
                send(ByteBuffer.wrap(bytes));
                return;
            }
            room(bytes.length).put(bytes);
            pending(bytes.length);
        }

        /** Queues the ACK of a frame whose offsets {@link #handleFrame} left in its result arrays. */
        private void sendAck(long requestId, int n) {
            int size = BinaryProtocol.ackSize(n);
            ByteBuffer b = size <= TAIL_BYTES ? room(size) : ByteBuffer.allocate(size);
            b.putInt(size - 4).put(BinaryProtocol.ACK).putLong(requestId).putInt(n);
            for (int i = 0; i < n; i++) {
                b.putInt(resultPartitions[i]).putLong(resultOffsets[i]);
            }
            if (b == tail) {
                pending(size);
            } else {
                send(b.flip());
            }
        }

        /** The gather buffer, with room for {@code bytes} (at most {@link #TAIL_BYTES}): a spare one when it is full. */
        private ByteBuffer room(int bytes) {
            if (tail == null || tail.remaining() < bytes) {
                sealTail();
                ByteBuffer spare = spareTails.pollFirst();
                tail = spare != null ? spare.clear() : ByteBuffer.allocate(TAIL_BYTES);
            }
            return tail;
        }

        private void send(ByteBuffer buffer) {
            sealTail();
            out.add(buffer);
            pending(buffer.remaining());
        }

        /** Counts answer bytes queued (positive) or written (negative), here and in the server's budget. */
        private void pending(long bytes) {
            if (pendingBytes == 0 && bytes > 0) {
                lastWrite = System.currentTimeMillis(); // the write deadline runs from here
            }
            pendingBytes += bytes;
            buffered += bytes;
        }

        private void sealTail() {
            if (tail != null && tail.position() > 0) {
                out.add(tail.flip());
            }
            tail = null;
        }

        /** Ciphertext not yet written (TLS). */
        boolean tlsPending() {
            return tlsChannel != null && tlsChannel.hasPendingOutput();
        }

        /** Writes what the socket takes; returns whether anything was written. */
        boolean writeSome() throws IOException {
            sealTail();
            boolean wrote = false;
            if (tlsChannel != null && tlsChannel.flush()) {
                wrote = true;
                lastWrite = System.currentTimeMillis();
            }
            while (!out.isEmpty()) {
                ByteBuffer b = out.peek();
                int n = tlsChannel == null ? channel.write(b) : tlsChannel.write(b);
                pending(-n);
                if (n > 0) {
                    lastRead = System.currentTimeMillis(); // the client reads its answers: it is alive
                    lastWrite = lastRead;
                }
                wrote |= n > 0;
                if (b.hasRemaining()) {
                    break;
                }
                out.poll();
                // written: a gather buffer serves again (only they have this capacity: other answers are at most
                // 4 KiB, or ACKs over TAIL_BYTES)
                if (b.capacity() == TAIL_BYTES && spareTails.size() < MAX_SPARE_TAILS) {
                    spareTails.addFirst(b);
                }
            }
            return wrote;
        }

        void flush() throws IOException {
            writeSome(); // seals the gathered answers first
            if (!key.isValid()) {
                return;
            }
            if (!closing && pendingBytes < config.maxPendingOutput() && in.position() > 0) {
                process(); // requests held back while answers were pending (also after the client's end of input)
                writeSome();
            }
            if (out.isEmpty() && !tlsPending() && (closing || inputDone())) {
                close();
                return;
            }
            int ops = 0;
            if (!out.isEmpty() || tlsPending()) {
                ops |= SelectionKey.OP_WRITE;
            }
            if (!starved && buffered >= config.maxBufferBytes() && !closing && !eof && overdraft != this) {
                starve(); // reading more would pass the buffer budget: wait until memory frees
            }
            if (!closing && !eof && !starved && pendingBytes < config.maxPendingOutput()) {
                ops |= SelectionKey.OP_READ;
            }
            key.interestOps(ops);
            if ((ops & SelectionKey.OP_READ) != 0 && tlsChannel != null && tlsChannel.hasBufferedInput()) {
                tlsBuffered.add(this);
            }
        }

        void checkTimeouts(long now) {
            if (now > closeDeadline) {
                close(); // the client did not read its last answers in time
                return;
            }
            if ((pendingBytes > 0 || tlsPending()) && now - lastWrite > config.writeTimeoutMs()) {
                close(); // the client takes none of its answers: it cannot be told, only let go
                return;
            }
            if (!starved) {
                shrink();
            }
            if (closing || eof || pendingBytes >= config.maxPendingOutput()) {
                return; // waiting for the client to read: not the client being silent
            }
            // Not read while waiting for memory: not silent either, but the request deadline holds (so that
            // half-sent requests cannot keep the buffer budget forever).
            boolean stalled = !starved && (mode == UNKNOWN || in.position() > 0) && now - lastRead > config.stallTimeoutMs();
            boolean late = requestStart > 0 && now - requestStart > config.requestTimeoutMs();
            // Near the connection limit, a silent connection gives its slot up after the stall timeout.
            long idleTimeout = connections.size() >= config.maxConnections() - config.maxConnections() / 8
                ? Math.min(config.stallTimeoutMs(), config.idleTimeoutMs()) : config.idleTimeoutMs();
            boolean idle = !starved && now - lastRead > idleTimeout;
            if (stalled || late || idle) {
                String why = stalled ? "no data for " + config.stallTimeoutMs() + " ms in the middle of a request"
                    : late ? "request not complete within " + config.requestTimeoutMs() + " ms of its first byte"
                    : "idle for " + idleTimeout + " ms";
                if (mode == BINARY) {
                    send(BinaryProtocol.errorFrame(0, BinaryProtocol.ERR_MALFORMED, (stalled ? "frame cut off: " : "") + why + ", closing"));
                } else {
                    send(errorLine(why + ", closing"));
                }
                closing = true;
                closeDeadline = now + config.stallTimeoutMs();
                try {
                    flush(); // closes once the answers already owed (and this one) are written
                } catch (IOException e) {
                    close();
                }
            }
        }

        void close() {
            if (connections.remove(this)) {
                buffered -= pendingBytes + in.capacity() - BASE_BUFFER; // this connection's memory is free again
                pendingBytes = 0;
                out.clear();
                in = ByteBuffer.allocate(0);
                if (starved) {
                    waitingForMemory.remove(this);
                }
                if (overdraft == this) {
                    overdraft = null;
                }
            }
            if (key != null) {
                key.cancel();
            }
            tlsBuffered.remove(this);
            if (tlsChannel != null && channel.isOpen()) {
                tlsChannel.close();
            }
            try {
                channel.close();
            } catch (IOException ignored) {
                // already gone
            }
        }
    }
}
