package io.kappa.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

/**
 * The TLS layer of one server connection on a non-blocking channel: decrypts what the client sends into the
 * connection's plaintext buffer, and encrypts its answers. An {@link SSLEngine} in server mode, TLS 1.3 only, no
 * client certificates. Handshake messages go out as the engine produces them; its delegated tasks run inline
 * (a signature: short). Bytes that are not TLS (a plaintext client) make {@link #read} throw, and the server closes
 * the connection.
 *
 * <p>Memory: three buffers of about one TLS record each (16.7 KiB: ciphertext in, plaintext not yet delivered,
 * ciphertext out) for the life of the connection, outside the server's buffer budget. Plaintext or ciphertext may
 * wait here after {@link #read} filled its destination: {@link #hasBufferedInput()} says so, since the socket
 * will not report it readable again. Used by the server's I/O thread only.
 */
final class TlsChannel {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final SocketChannel channel;
    private final SSLEngine engine;
    /** Ciphertext received and not yet decrypted (write mode). */
    private final ByteBuffer netIn;
    /** Plaintext decrypted and not yet delivered (write mode). */
    private ByteBuffer appIn;
    /** Ciphertext not yet written (write mode). */
    private final ByteBuffer netOut;
    /** {@code netIn} holds part of a record only: nothing to decrypt until more arrives. */
    private boolean underflow;
    /** The client's stream ended (close_notify or end of input); {@code -1} not yet returned by {@link #read}. */
    private boolean eof;
    private boolean eofReported;
    private long bytesReceived;

    TlsChannel(SocketChannel channel, SSLContext context) {
        this.channel = channel;
        this.engine = context.createSSLEngine();
        engine.setUseClientMode(false);
        engine.setEnabledProtocols(new String[] {TlsFiles.PROTOCOL});
        SSLSession session = engine.getSession();
        netIn = ByteBuffer.allocate(session.getPacketBufferSize());
        appIn = ByteBuffer.allocate(session.getApplicationBufferSize());
        netOut = ByteBuffer.allocate(session.getPacketBufferSize());
    }

    /** Ciphertext bytes received so far (the client is alive while they grow, even mid-record). */
    long bytesReceived() {
        return bytesReceived;
    }

    /**
     * Reads ciphertext and decrypts into {@code dst} what fits; returns the plaintext bytes delivered, or -1 once
     * the client's stream has ended and everything before it was delivered.
     */
    int read(ByteBuffer dst) throws IOException {
        int start = dst.position();
        while (true) {
            deliver(dst);
            if (!dst.hasRemaining() || eof) {
                break;
            }
            netIn.flip();
            SSLEngineResult r;
            try {
                r = engine.unwrap(netIn, appIn);
            } finally {
                netIn.compact();
            }
            boolean acted = handshake(r.getHandshakeStatus());
            if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                eof = true; // close_notify
            } else if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                // appIn is empty here (delivered above, dst has room): the engine wants a larger one
                appIn = ByteBuffer.allocate(Math.max(appIn.capacity() * 2, engine.getSession().getApplicationBufferSize()));
            } else if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                if (!receive()) {
                    break;
                }
            } else if (r.bytesConsumed() == 0 && r.bytesProduced() == 0 && !acted) {
                break; // waiting on a handshake message that cannot go out yet
            }
        }
        int n = dst.position() - start;
        if (n == 0 && eof && appIn.position() == 0) {
            eofReported = true;
            return -1;
        }
        return n;
    }

    /** In the middle of the handshake or of a record: the client owes more bytes. */
    boolean midRecord() {
        return netIn.position() > 0 || engine.getHandshakeStatus() != HandshakeStatus.NOT_HANDSHAKING;
    }

    /** Whether {@link #read} has something to give without the socket being readable. */
    boolean hasBufferedInput() {
        return appIn.position() > 0 || (netIn.position() > 0 && !underflow) || (eof && !eofReported);
    }

    /** Encrypts from {@code src} and writes what the socket takes; returns the plaintext bytes consumed. */
    int write(ByteBuffer src) throws IOException {
        int consumed = 0;
        while (src.hasRemaining() && flushNet()) {
            SSLEngineResult r = engine.wrap(src, netOut);
            if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                throw new SSLException("the TLS session is closed");
            }
            consumed += r.bytesConsumed();
            boolean acted = handshake(r.getHandshakeStatus());
            if (r.bytesConsumed() == 0 && r.bytesProduced() == 0 && !acted) {
                break; // the handshake is not done: it waits for the client
            }
        }
        flushNet();
        return consumed;
    }

    /** Writes pending ciphertext, and handshake messages the engine still owes; returns whether anything was written. */
    boolean flush() throws IOException {
        int before = netOut.position();
        boolean empty = flushNet();
        if (empty && engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
            handshake(HandshakeStatus.NEED_WRAP);
            flushNet();
            return true;
        }
        return netOut.position() < before;
    }

    /** Ciphertext (or a handshake message) not yet written. */
    boolean hasPendingOutput() {
        return netOut.position() > 0 || engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP;
    }

    /** Sends close_notify if the socket takes it at once; the caller closes the channel. */
    void close() {
        try {
            engine.closeOutbound();
            if (flushNet()) {
                handshake(HandshakeStatus.NEED_WRAP);
                flushNet();
            }
        } catch (IOException | RuntimeException e) {
            // closing anyway
        }
    }

    private void deliver(ByteBuffer dst) {
        if (appIn.position() == 0) {
            return;
        }
        appIn.flip();
        int n = Math.min(appIn.remaining(), dst.remaining());
        dst.put(dst.position(), appIn, appIn.position(), n).position(dst.position() + n);
        appIn.position(appIn.position() + n).compact();
    }

    /** Reads ciphertext into {@code netIn}; false when nothing came (or the stream ended). */
    private boolean receive() throws IOException {
        if (!netIn.hasRemaining()) {
            throw new SSLException("a TLS record larger than " + netIn.capacity() + " bytes");
        }
        int n = channel.read(netIn);
        if (n < 0) {
            eof = true;
            try {
                engine.closeInbound();
            } catch (SSLException e) {
                // no close_notify before the end of input: the client's stream ends here all the same
            }
            return false;
        }
        bytesReceived += n;
        underflow = n == 0;
        return n > 0;
    }

    /** Runs delegated tasks and produces the handshake messages the engine asks for; whether it did anything. */
    private boolean handshake(HandshakeStatus status) throws IOException {
        boolean acted = false;
        while (true) {
            if (status == HandshakeStatus.NEED_TASK) {
                Runnable task;
                while ((task = engine.getDelegatedTask()) != null) {
                    task.run();
                }
                acted = true;
                status = engine.getHandshakeStatus();
            } else if (status == HandshakeStatus.NEED_WRAP) {
                if (!flushNet()) {
                    return acted; // the socket is full: flush() goes on once it is writable
                }
                SSLEngineResult r = engine.wrap(EMPTY, netOut);
                if (r.bytesProduced() == 0 && r.getStatus() != SSLEngineResult.Status.OK) {
                    return acted;
                }
                acted = true;
                status = r.getHandshakeStatus();
            } else {
                flushNet();
                return acted;
            }
        }
    }

    /** Writes {@code netOut}; whether it is empty now. */
    private boolean flushNet() throws IOException {
        if (netOut.position() > 0) {
            netOut.flip();
            try {
                channel.write(netOut);
            } finally {
                netOut.compact();
            }
        }
        return netOut.position() == 0;
    }
}
