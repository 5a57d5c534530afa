package io.kappa.cli;

import java.io.PrintWriter;

/**
 * A progress line on stderr for long operations: done (and total when known), rate and ETA. Prints only
 * when enabled (stderr is a terminal, or asked for), at most every 500 ms, overwriting itself.
 */
final class Progress {
    private final PrintWriter err;
    private final boolean enabled;
    private final String what;
    private final long startNanos = System.nanoTime();
    private long lastPrint = Long.MIN_VALUE / 2;
    private boolean printed;
    private java.util.function.Supplier<String> detail = () -> "";

    /** Appended to each line, e.g. per-partition progress. */
    Progress detail(java.util.function.Supplier<String> detail) {
        this.detail = detail;
        return this;
    }

    Progress(PrintWriter err, boolean enabled, String what) {
        this.err = err;
        this.enabled = enabled;
        this.what = what;
    }

    /**
     * Updates this line from a daemon thread every 250 ms while {@code runner} runs: records processed since
     * {@code base}, as a fraction of {@code total} (unknown when 0). Interrupt the thread to stop it.
     */
    Thread follow(io.kappa.processor.ProcessorRunner runner, long base, long total) {
        Thread watcher = new Thread(() -> {
            try {
                while (runner.isRunning()) {
                    long done = runner.recordsProcessed() - base;
                    update(done, total == 0 ? -1 : Math.min(1.0, done / (double) total));
                    Thread.sleep(250);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "kappa-progress");
        watcher.setDaemon(true);
        watcher.start();
        return watcher;
    }

    /** Whether stderr is a terminal: the launcher tells (it can test the file descriptor, Java 17 cannot). */
    static boolean stderrIsTerminal() {
        return Boolean.getBoolean("kappa.stderr.tty");
    }

    /** {@code fraction} of the work done in [0, 1], or a negative number when the total is unknown. */
    void update(long done, double fraction) {
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastPrint < 500_000_000L) {
            return;
        }
        lastPrint = now;
        printed = true;
        err.print("\r" + line(done, fraction, now) + "   ");
        err.flush();
    }

    void finish(long done) {
        if (enabled && printed) {
            err.println("\r" + line(done, 1.0, System.nanoTime()) + "   ");
            err.flush();
        }
    }

    private String line(long done, double fraction, long now) {
        double seconds = Math.max(1e-9, (now - startNanos) / 1e9);
        double rate = done / seconds;
        StringBuilder b = new StringBuilder(String.format("%s %,d (%,.0f/s", what, done, rate));
        if (fraction > 0 && fraction <= 1) {
            double eta = seconds / fraction - seconds;
            b.append(String.format(", %.0f%%, ETA %s", fraction * 100, duration(eta)));
        }
        return b.append(')').append(detail.get()).toString();
    }

    private static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, (s % 3600) / 60) : s >= 60 ? String.format("%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
