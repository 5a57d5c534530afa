package io.kappa.log;

import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Child process of the crash tests: appends to partition 0 of a topic as fast as it can, forever, and prints
 * "ack OFFSET" once an append (or a whole batch, as "ack FIRST LAST") has returned. Record content is a
 * pure function of the offset ({@link #value}), unless a writer id is given, in which case values are
 * "writerId:sequence" and the parent checks that nothing is lost or doubled per writer.
 */
public final class AppendChild {
    public static void main(String[] args) throws Exception {
        Path dataDir = Path.of(args[0]);
        String topic = args[1];
        String writer = args.length > 2 ? args[2] : null;
        long limit = args.length > 3 ? Long.parseLong(args[3]) : Long.MAX_VALUE;
        BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.US_ASCII), 1 << 16);
        try (EventLog log = EventLog.open(new LogContext().dataDir(dataDir))) {
            Partition p = log.topic(topic).partition(0);
            SplittableRandom random = new SplittableRandom();
            out.write("started " + p.endOffset() + "\n");
            out.flush();
            long sequence = 0;
            long next = p.endOffset();
            while (sequence < limit) {
                if (writer != null) {
                    long offset = p.append(("k-" + writer).getBytes(StandardCharsets.US_ASCII),
                        (writer + ":" + sequence).getBytes(StandardCharsets.US_ASCII), sequence, null);
                    out.write("ack " + offset + " " + sequence + "\n");
                    sequence++;
                    if ((sequence & 63) == 0) {
                        out.flush();
                    }
                    continue;
                }
                if (random.nextInt(4) == 0) {
                    int n = 1 + random.nextInt(50);
                    List<Event> batch = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        batch.add(event(next + i));
                    }
                    long[] offsets = p.appendBatch(batch);
                    check(offsets[0], next);
                    check(offsets[n - 1], next + n - 1);
                    out.write("ack " + offsets[0] + " " + offsets[n - 1] + "\n");
                    next += n;
                } else {
                    Event e = event(next);
                    check(p.append(e), next);
                    out.write("ack " + next + " " + next + "\n");
                    next++;
                }
                out.flush();
            }
        }
        out.flush();
    }

    private static void check(long actual, long expected) {
        if (actual != expected) {
            System.err.println("offset mismatch: appended at " + actual + ", expected " + expected);
            System.exit(3);
        }
    }

    static Event event(long offset) {
        return new Event(key(offset), value(offset), 1_000_000L + offset, offset % 3 == 0 ? ("id-" + offset).getBytes(StandardCharsets.US_ASCII) : null);
    }

    static byte[] key(long offset) {
        return offset % 5 == 0 ? null : ("key-" + (offset % 97)).getBytes(StandardCharsets.US_ASCII);
    }

    /** 16 to ~4 KB of bytes derived from the offset, so a record's content proves which offset it belongs to. */
    static byte[] value(long offset) {
        SplittableRandom r = new SplittableRandom(offset * 0x9E3779B97F4A7C15L);
        int length = offset % 50 == 0 ? 1000 + r.nextInt(3000) : 16 + r.nextInt(300);
        byte[] v = new byte[length];
        for (int i = 0; i < length; i++) {
            v[i] = (byte) r.nextInt(256);
        }
        return v;
    }
}
