package io.kappa.processor.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

import io.kappa.processor.TaskCheckpoint.Timer;

/**
 * A task's event-time timers in (time, name) order, with the changes of the record or timer being processed kept
 * so that a failure undoes them ({@link #rollback}) and a success can hand them on ({@link #commit}: the Kafka
 * runtime writes them to its store).
 */
public final class Timers {
    /** Told of each change a record or timer made, in order, when it succeeds. */
    public interface Changes {
        void added(Timer t);

        void removed(Timer t);
    }

    private final TreeSet<Timer> timers = new TreeSet<>();
    private final List<Timer> undo = new ArrayList<>();
    private boolean[] undoAdded = new boolean[16];

    /** Timers restored from durable state, before anything runs. */
    public void restore(Collection<Timer> restored) {
        timers.addAll(restored);
    }

    public boolean isEmpty() {
        return timers.isEmpty();
    }

    public int size() {
        return timers.size();
    }

    /** A copy, in firing order (for a checkpoint). */
    public List<Timer> list() {
        return new ArrayList<>(timers);
    }

    public void register(long time, String name) {
        Timer t = new Timer(time, name);
        if (timers.add(t)) {
            log(t, true);
        }
    }

    public void cancel(long time, String name) {
        Timer t = new Timer(time, name);
        if (timers.remove(t)) {
            log(t, false);
        }
    }

    /** Whether the watermark has reached the first timer. */
    boolean due(long watermark) {
        return !timers.isEmpty() && timers.first().time() <= watermark;
    }

    /** Removes and returns the first timer if the watermark has reached it, else null. */
    Timer pollDue(long watermark) {
        if (!due(watermark)) {
            return null;
        }
        Timer t = timers.pollFirst();
        log(t, false);
        return t;
    }

    /** A record or timer starts. */
    void begin() {
        undo.clear();
    }

    /** It succeeded: its changes stay; {@code changes} (may be null) hears of them in order. */
    void commit(Changes changes) {
        if (changes != null) {
            for (int i = 0; i < undo.size(); i++) {
                if (undoAdded[i]) {
                    changes.added(undo.get(i));
                } else {
                    changes.removed(undo.get(i));
                }
            }
        }
        undo.clear();
    }

    /** It failed: its changes are undone, newest first. */
    void rollback() {
        for (int i = undo.size() - 1; i >= 0; i--) {
            if (undoAdded[i]) {
                timers.remove(undo.get(i));
            } else {
                timers.add(undo.get(i));
            }
        }
        undo.clear();
    }

    private void log(Timer t, boolean added) {
        int i = undo.size();
        if (i == undoAdded.length) {
            undoAdded = Arrays.copyOf(undoAdded, i * 2);
        }
        undoAdded[i] = added;
        undo.add(t);
    }
}
