package io.kappa.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Line protocol throughput: a plain socket; a writer thread pipelines JSON lines
 * {@code {"topic":"bench","key":"00000042","value":"abc...(100 chars)"}} through a 64 KiB buffer, without
 * waiting for answers (TCP flow control and the server's limit on unread answers hold it back), while a
 * reader thread reads the answers and counts those that start {@code {"ok":true}. A warm-up of
 * {@code warmupEvents} lines is sent and fully answered first; then {@code events} lines are timed from the
 * first byte written to the last answer read. The last answer's offset is checked.
 */
final class LineThroughput {
    private static final byte[] OK = "{\"ok\":true".getBytes(StandardCharsets.US_ASCII);

    private LineThroughput() {
    }

    static ObjectNode run(ServerProcess server, TcpIngestBench.Settings s) throws Exception {
        long warmup = s.warmupEvents(s.lineEvents());
        long total = warmup + s.lineEvents();
        byte[] template = template();
        int keyAt = indexOf(template, "\"key\":\"") + 7;
        AtomicLong answered = new AtomicLong();
        AtomicLong ok = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        AtomicReference<String> lastAnswer = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long[] times = new long[2]; // timed start (writer), last answer (reader)
        long warmupStart = System.nanoTime();
        long serverCpu;
        long clientCpu;
        List<Long> perSecond;
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(server.host, server.port), 10_000);
            InputStream in = socket.getInputStream();
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);

            Thread reader = new Thread(() -> {
                try {
                    read(in, total, answered, ok, errors, firstError, lastAnswer);
                    times[1] = System.nanoTime();
                } catch (IOException | RuntimeException e) {
                    failure.compareAndSet(null, e);
                }
            }, "kappa-bench-line-reader");
            long[] cpuAtStart = new long[2];
            Thread writer = new Thread(() -> {
                try {
                    write(out, template, keyAt, 0, warmup);
                    while (answered.get() < warmup && failure.get() == null && reader.isAlive()) {
                        Thread.sleep(1);
                    }
                    cpuAtStart[0] = server.cpuNanos();
                    cpuAtStart[1] = TcpIngestBench.clientCpuNanos();
                    times[0] = System.nanoTime();
                    write(out, template, keyAt, warmup, total);
                } catch (IOException | RuntimeException e) {
                    failure.compareAndSet(null, e);
                } catch (InterruptedException e) {
                    failure.compareAndSet(null, e);
                }
            }, "kappa-bench-line-writer");
            reader.setDaemon(true);
            writer.setDaemon(true);
            try (ProgressMeter ignored = new ProgressMeter("line warm-up", warmup, answered::get, s.progress())) {
                reader.start();
                writer.start();
                while (answered.get() < warmup && reader.isAlive() && failure.get() == null) {
                    Thread.sleep(5);
                }
            }
            try (ProgressMeter meter = new ProgressMeter("line", s.lineEvents(), () -> Math.max(0, answered.get() - warmup), s.progress())) {
                writer.join(TimeUnit.MINUTES.toMillis(10));
                reader.join(TimeUnit.MINUTES.toMillis(10));
                perSecond = meter.perSecond();
            }
            serverCpu = server.cpuNanos() - cpuAtStart[0];
            clientCpu = TcpIngestBench.clientCpuNanos() - cpuAtStart[1];
            if (reader.isAlive() || writer.isAlive()) {
                failure.compareAndSet(null, new IllegalStateException("line scenario did not finish in 10 minutes: "
                    + answered.get() + " of " + total + " answered"));
            }
        }
        if (failure.get() != null) {
            throw new IllegalStateException("line scenario failed after " + answered.get() + " of " + total + " answers: "
                + failure.get() + "\nserver output:\n" + server.output(), failure.get());
        }
        long timedOk = ok.get() - warmup;
        double seconds = (times[1] - times[0]) / 1e9;
        ObjectNode r = TcpIngestBench.JSON.createObjectNode();
        r.put("events", s.lineEvents())
            .put("warmupEvents", warmup)
            .put("warmupEventsPerSec", warmup / ((times[0] - warmupStart) / 1e9))
            .put("lineBytes", template.length)
            .put("answered", answered.get() - warmup)
            .put("ok", timedOk)
            .put("errors", errors.get())
            .put("seconds", seconds)
            .put("eventsPerSec", timedOk / seconds)
            .put("megabytesPerSec", (answered.get() - warmup) * (double) template.length / seconds / 1e6);
        if (firstError.get() != null) {
            r.put("firstError", firstError.get());
        }
        long lastOffset = -1;
        if (lastAnswer.get() != null) {
            JsonNode last = TcpIngestBench.JSON.readTree(lastAnswer.get());
            lastOffset = last.path("offset").asLong(-1);
        }
        r.put("lastOffset", lastOffset).put("lastOffsetExpected", total - 1);
        r.putPOJO("perSecondEventsPerSec", perSecond);
        TcpIngestBench.putCpu(r, serverCpu, clientCpu, times[1] - times[0], timedOk);
        return r;
    }

    private static byte[] template() {
        StringBuilder value = new StringBuilder();
        for (int i = 0; i < BenchSupport.VALUE_LENGTH; i++) {
            value.append((char) ('a' + i % 26));
        }
        String line = "{\"topic\":\"" + BenchSupport.TOPIC + "\",\"key\":\"00000000\",\"value\":\"" + value + "\"}\n";
        return line.getBytes(StandardCharsets.US_ASCII);
    }

    private static int indexOf(byte[] text, String what) {
        String s = new String(text, StandardCharsets.US_ASCII);
        int i = s.indexOf(what);
        if (i < 0) {
            throw new IllegalStateException(what);
        }
        return i;
    }

    /** Writes lines {@code from} (inclusive) to {@code to} (exclusive), each with an 8-digit key of its number. */
    private static void write(OutputStream out, byte[] template, int keyAt, long from, long to) throws IOException {
        for (long i = from; i < to; i++) {
            long k = i;
            for (int d = BenchSupport.KEY_LENGTH - 1; d >= 0; d--) {
                template[keyAt + d] = (byte) ('0' + k % 10);
                k /= 10;
            }
            out.write(template);
        }
        out.flush();
    }

    /** Reads {@code total} answer lines, counting those that start {"ok":true and keeping the first other one. */
    private static void read(InputStream in, long total, AtomicLong answered, AtomicLong ok, AtomicLong errors,
                             AtomicReference<String> firstError, AtomicReference<String> lastAnswer) throws IOException {
        byte[] buf = new byte[64 * 1024];
        byte[] line = new byte[4096];
        int lineLength = 0;
        long lines = 0;
        long oks = 0;
        while (lines < total) {
            int n = in.read(buf);
            if (n < 0) {
                throw new IOException("server closed the connection after " + lines + " answers");
            }
            for (int i = 0; i < n; i++) {
                byte b = buf[i];
                if (b == '\n') {
                    lines++;
                    if (startsWithOk(line, lineLength)) {
                        oks++;
                    } else {
                        errors.incrementAndGet();
                        firstError.compareAndSet(null, new String(line, 0, lineLength, StandardCharsets.UTF_8));
                    }
                    if (lines == total) {
                        lastAnswer.set(new String(line, 0, lineLength, StandardCharsets.UTF_8));
                    }
                    lineLength = 0;
                } else if (lineLength < line.length) {
                    line[lineLength++] = b;
                }
            }
            ok.set(oks);
            answered.set(lines);
        }
    }

    private static boolean startsWithOk(byte[] line, int length) {
        if (length < OK.length) {
            return false;
        }
        for (int i = 0; i < OK.length; i++) {
            if (line[i] != OK[i]) {
                return false;
            }
        }
        return true;
    }
}
