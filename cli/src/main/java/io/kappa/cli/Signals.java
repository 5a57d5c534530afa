package io.kappa.cli;

/**
 * How long-running commands stop: SIGTERM and SIGINT run the command's stop action (on a thread of its own, so it
 * may block) instead of the JVM's default exit with 143/130, so that the command finishes its work (a last
 * checkpoint, a flushed batch) and returns its own exit code. Where signals cannot be handled the JVM's default
 * handling and the command's shutdown hook remain.
 */
final class Signals {
    /** What the command was asked to do: which signal came first, if any. */
    static final class Stop {
        private volatile String signal;

        /** "INT" or "TERM" once one arrived, else null. */
        String signal() {
            return signal;
        }

        boolean requested() {
            return signal != null;
        }
    }

    private Signals() {
    }

    /** Runs {@code action} once, on a new thread, at the first SIGTERM or SIGINT. */
    static Stop onStop(Runnable action) {
        Stop stop = new Stop();
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> {
                    synchronized (stop) {
                        if (stop.signal != null) {
                            return;
                        }
                        stop.signal = sig.getName();
                    }
                    Thread t = new Thread(action, "kappa-stop");
                    t.setDaemon(true);
                    t.start();
                });
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                // no such signal here: the JVM's default handling and the command's shutdown hook cover it
            }
        }
        return stop;
    }
}
