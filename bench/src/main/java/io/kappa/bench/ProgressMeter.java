package io.kappa.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Once a second, notes how many events are done and (unless quiet) prints rate, done/total and ETA on stderr.
 * The per-second rates are kept, to show whether a throughput was sustained or came in bursts.
 */
final class ProgressMeter implements AutoCloseable {
    private final String label;
    private final long total;
    private final LongSupplier done;
    private final boolean print;
    private final List<Long> perSecond = new ArrayList<>(); // guarded by this
    private final Thread thread;
    private volatile boolean stopped;

    ProgressMeter(String label, long total, LongSupplier done, boolean print) {
        this.label = label;
        this.total = total;
        this.done = done;
        this.print = print;
        this.thread = new Thread(this::run, "kappa-bench-progress");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        long start = System.nanoTime();
        long lastDone = done.getAsLong();
        long lastTime = start;
        long next = start + 1_000_000_000L;
        while (!stopped) {
            long now = System.nanoTime();
            if (now < next) {
                try {
                    Thread.sleep(Math.max(1, (next - now) / 1_000_000));
                } catch (InterruptedException e) {
                    return;
                }
                continue;
            }
            next += 1_000_000_000L;
            long d = done.getAsLong();
            double rate = (d - lastDone) * 1e9 / (now - lastTime);
            synchronized (this) {
                perSecond.add(Math.round(rate));
            }
            if (print) {
                double avg = d * 1e9 / (now - start);
                String eta = avg > 0 && d < total ? String.format(Locale.ROOT, "%.0f s", (total - d) / avg) : "-";
                System.err.printf(Locale.ROOT, "[%s] %s ev/s  %,d/%,d (%.0f%%)  ETA %s%n", label, TcpIngestBench.si(rate), d, total,
                    100.0 * d / total, eta);
            }
            lastDone = d;
            lastTime = now;
        }
    }

    /** Rates of each whole second so far, in events per second. */
    synchronized List<Long> perSecond() {
        return new ArrayList<>(perSecond);
    }

    @Override
    public void close() {
        stopped = true;
        thread.interrupt();
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
