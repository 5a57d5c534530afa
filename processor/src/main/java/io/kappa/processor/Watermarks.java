package io.kappa.processor;

import java.util.ArrayList;
import java.util.List;

/**
 * A task's watermark (see {@link TimePolicy}): per source the highest time seen and the append time of its last
 * record; the watermark is the minimum over active sources minus the allowed disorder, and never decreases.
 *
 * <p>A source is an input partition, or, for a topic an earlier stage of the same topology writes, one upstream
 * task (records carry their producer's id). Sources are known in advance ({@link #expect}): until one has
 * written, it holds the watermark back, so a fast input or upstream task cannot make a slow one's records late;
 * an expected source that stays silent counts as idle after the idle timeout, measured from the first record the
 * task read. Sources idle for longer than the idle timeout are dropped once there are more than a few, so the set
 * stays bounded when producers come and go. Allocation-free per record once the sources are known.
 *
 * <p>Public for other runtimes of the same processors (the Kafka Streams adapter), so that watermarks, and with
 * them windows and timers, behave the same on every runtime.
 */
public final class Watermarks {
    /** One source's state, as kept in checkpoints. */
    public record Source(int input, long producer, long maxTime, long lastAppendTime) {
    }

    private static final int KEEP_IDLE = 16;

    private final long outOfOrderMs;
    private final long idleMs;
    private int count;
    private int[] input = new int[4];
    private long[] producer = new long[4];
    private long[] maxTime = new long[4];
    private long[] lastAppend = new long[4];
    private int last = -1;
    private long appendClock = Long.MIN_VALUE;
    private long watermark = Long.MIN_VALUE;
    private boolean[] perProducer = new boolean[0];

    public Watermarks(TimePolicy policy) {
        this.outOfOrderMs = policy.outOfOrderMs();
        this.idleMs = policy.idleMs();
    }

    public long watermark() {
        return watermark;
    }

    /**
     * Input {@code in} is a source expected from the start; or, when {@code producers} is not null, it is written
     * by those upstream tasks, each one source.
     */
    public void expect(int in, long[] producers) {
        if (in >= perProducer.length) {
            perProducer = java.util.Arrays.copyOf(perProducer, in + 1);
        }
        perProducer[in] = producers != null;
        if (producers == null) {
            producers = new long[] {0};
        }
        for (long p : producers) {
            if (find(in, p) < 0) {
                int i = add(in, p);
                lastAppend[i] = appendClock; // MIN before the first record: set by the first observe
            }
        }
    }

    /** Restores the state a checkpoint kept (call before {@link #expect}). */
    public void restore(long watermark, List<Source> sources) {
        this.watermark = watermark;
        count = 0;
        last = -1;
        for (Source s : sources) {
            int i = add(s.input(), s.producer());
            maxTime[i] = s.maxTime();
            lastAppend[i] = s.lastAppendTime();
            appendClock = Math.max(appendClock, s.lastAppendTime());
        }
    }

    public List<Source> sources() {
        List<Source> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(new Source(input[i], producer[i], maxTime[i], lastAppend[i]));
        }
        return out;
    }

    /** A record of {@code source} with {@code time} (on the stage's clock) appended at {@code appendTime}. */
    public void observe(int in, long producerId, long time, long appendTime) {
        long prod = in < perProducer.length && perProducer[in] ? producerId : 0;
        if (appendClock == Long.MIN_VALUE) {
            // the first record: expected sources that have not written yet count their silence from here
            for (int i = 0; i < count; i++) {
                if (lastAppend[i] == Long.MIN_VALUE) {
                    lastAppend[i] = appendTime;
                }
            }
        }
        int s = last;
        if (s < 0 || input[s] != in || producer[s] != prod) {
            s = find(in, prod);
            if (s < 0) {
                s = add(in, prod);
            }
            last = s;
        }
        if (time > maxTime[s]) {
            maxTime[s] = time;
        }
        if (appendTime > lastAppend[s]) {
            lastAppend[s] = appendTime;
        }
        if (appendTime > appendClock) {
            appendClock = appendTime;
        }
        advance();
    }

    /** Processing time with nothing to read: the clock moves the watermark on by itself. */
    public void tick(long now) {
        long w = now - outOfOrderMs;
        if (w > watermark) {
            watermark = w;
        }
    }

    /** The end of a bounded run ({@code --drain}): every timer is due, and a record read after this is late. */
    public void drain() {
        watermark = Long.MAX_VALUE;
    }

    private void advance() {
        long min = Long.MAX_VALUE;
        int idle = 0;
        for (int i = 0; i < count; i++) {
            if (appendClock - lastAppend[i] >= idleMs) {
                idle++;
            } else if (maxTime[i] < min) {
                min = maxTime[i];
            }
        }
        if (min != Long.MAX_VALUE && min != Long.MIN_VALUE) {
            long w = min - outOfOrderMs;
            if (w > min) {
                w = Long.MIN_VALUE; // underflow
            }
            if (w > watermark) {
                watermark = w;
            }
        }
        if (idle > KEEP_IDLE) {
            dropIdle();
        }
    }

    private void dropIdle() {
        int j = 0;
        for (int i = 0; i < count; i++) {
            if (appendClock - lastAppend[i] < idleMs) {
                input[j] = input[i];
                producer[j] = producer[i];
                maxTime[j] = maxTime[i];
                lastAppend[j] = lastAppend[i];
                j++;
            }
        }
        count = j;
        last = -1;
    }

    private int find(int in, long prod) {
        for (int i = 0; i < count; i++) {
            if (input[i] == in && producer[i] == prod) {
                return i;
            }
        }
        return -1;
    }

    private int add(int in, long prod) {
        if (count == input.length) {
            input = java.util.Arrays.copyOf(input, count * 2);
            producer = java.util.Arrays.copyOf(producer, count * 2);
            maxTime = java.util.Arrays.copyOf(maxTime, count * 2);
            lastAppend = java.util.Arrays.copyOf(lastAppend, count * 2);
        }
        input[count] = in;
        producer[count] = prod;
        maxTime[count] = Long.MIN_VALUE;
        lastAppend[count] = Long.MIN_VALUE;
        return count++;
    }
}
