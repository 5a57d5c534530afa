package io.kappa.ui;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * {@code /api/events}: the server-sent event stream of one open page. It sends the latest snapshot at once, then each
 * new one as the {@link Sampler} publishes it ({@code event: snapshot}), and a comment line after 15 s without one
 * so that proxies keep the connection. Each stream holds a pool thread while open (blocking writes), so at most
 * {@link #MAX_STREAMS} are served at once.
 */
final class EventStream {
    /** Event streams served at once. */
    static final int MAX_STREAMS = 16;
    private static final long KEEP_ALIVE_MS = 15_000;

    private final Sampler sampler;
    private final AtomicInteger open = new AtomicInteger();

    EventStream(Sampler sampler) {
        this.sampler = sampler;
    }

    /** Takes a slot for a new stream; false when all are taken. A taken slot is given back by {@link #serve}. */
    boolean open() {
        if (open.incrementAndGet() > MAX_STREAMS) {
            open.decrementAndGet();
            return false;
        }
        return true;
    }

    /** Streams snapshots until the page goes away or the console stops; gives the slot back. */
    void serve(Response response, Callback callback) {
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        try (OutputStream out = Content.Sink.asOutputStream(response)) {
            out.write("retry: 1000\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            long seen = 0;
            while (!sampler.closed()) {
                Sampler.Snapshot s = sampler.await(seen, KEEP_ALIVE_MS);
                if (s == null) {
                    out.write(": still here\n\n".getBytes(StandardCharsets.UTF_8));
                } else {
                    seen = s.version();
                    out.write(("event: snapshot\ndata: " + s.json() + "\n\n").getBytes(StandardCharsets.UTF_8));
                }
                out.flush();
            }
            callback.succeeded();
        } catch (IOException e) {
            callback.failed(e); // the page went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            callback.failed(e);
        } finally {
            open.decrementAndGet();
        }
    }
}
