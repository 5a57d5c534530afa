package io.kappa.processor.window;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.kappa.processor.Serde;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The session windows of one key, ordered by start and never overlapping; immutable, so a state store can undo
 * a failed record by keeping the previous instance. A closed session (kept only in complete mode) takes no more
 * records.
 */
final class Sessions<A> {
    final long[] start;
    final long[] end;
    final boolean[] closed;
    final Object[] aggregate;

    Sessions(long[] start, long[] end, boolean[] closed, Object[] aggregate) {
        this.start = start;
        this.end = end;
        this.closed = closed;
        this.aggregate = aggregate;
    }

    static <A> Sessions<A> empty() {
        return new Sessions<>(new long[0], new long[0], new boolean[0], new Object[0]);
    }

    int size() {
        return start.length;
    }

    @SuppressWarnings("unchecked")
    A aggregate(int i) {
        return (A) aggregate[i];
    }

    /** These sessions without those flagged in {@code remove}, with {@code (s, e, a)} inserted in start order. */
    Sessions<A> replace(boolean[] remove, long s, long e, A a) {
        int n = 0;
        for (int i = 0; i < size(); i++) {
            if (remove == null || !remove[i]) {
                n++;
            }
        }
        long[] ns = new long[n + 1];
        long[] ne = new long[n + 1];
        boolean[] nc = new boolean[n + 1];
        Object[] na = new Object[n + 1];
        int j = 0;
        boolean placed = false;
        for (int i = 0; i < size(); i++) {
            if (remove != null && remove[i]) {
                continue;
            }
            if (!placed && start[i] > s) {
                ns[j] = s;
                ne[j] = e;
                na[j++] = a;
                placed = true;
            }
            ns[j] = start[i];
            ne[j] = end[i];
            nc[j] = closed[i];
            na[j++] = aggregate[i];
        }
        if (!placed) {
            ns[j] = s;
            ne[j] = e;
            na[j] = a;
        }
        return new Sessions<>(ns, ne, nc, na);
    }

    /** These sessions without those flagged in {@code remove} (closed instead, when {@code keepClosed}); null if none is left. */
    Sessions<A> close(boolean[] which, boolean keepClosed) {
        if (keepClosed) {
            boolean[] nc = closed.clone();
            for (int i = 0; i < nc.length; i++) {
                nc[i] |= which[i];
            }
            return new Sessions<>(start, end, nc, aggregate);
        }
        int n = 0;
        for (boolean w : which) {
            if (!w) {
                n++;
            }
        }
        if (n == 0) {
            return null;
        }
        long[] ns = new long[n];
        long[] ne = new long[n];
        boolean[] nc = new boolean[n];
        Object[] na = new Object[n];
        int j = 0;
        for (int i = 0; i < size(); i++) {
            if (!which[i]) {
                ns[j] = start[i];
                ne[j] = end[i];
                nc[j] = closed[i];
                na[j++] = aggregate[i];
            }
        }
        return new Sessions<>(ns, ne, nc, na);
    }

    @Override
    public String toString() {
        return "Sessions" + Arrays.toString(start) + Arrays.toString(end);
    }

    /**
     * As {@code int n, n x (long start, long end, byte closed, int length, aggregate)}; described (for {@code kappa
     * state}) as a list of sessions with their bounds as {@code spec} writes them.
     */
    static <A> Serde<Sessions<A>> serde(Serde<A> aggregateSerde, WindowSpec spec) {
        return new Serde<>() {
            @Override
            public Object describe(Sessions<A> value) {
                List<Object> list = new ArrayList<>();
                for (int i = 0; i < value.size(); i++) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("windowStart", spec.format(value.start[i]));
                    m.put("windowEnd", spec.format(value.end[i]));
                    m.put("closed", value.closed[i]);
                    m.put("value", io.kappa.processor.Serdes.described(aggregateSerde, value.aggregate(i)));
                    list.add(m);
                }
                return list;
            }

            @Override
            public byte[] serialize(Sessions<A> value) {
                ExpandableArrayBuffer b = new ExpandableArrayBuffer(64);
                int n = serializeTo(value, b, 0);
                byte[] out = new byte[n];
                b.getBytes(0, out);
                return out;
            }

            @Override
            public int serializeTo(Sessions<A> value, MutableDirectBuffer out, int offset) {
                int at = offset;
                out.putInt(at, value.size());
                at += 4;
                for (int i = 0; i < value.size(); i++) {
                    out.putLong(at, value.start[i]);
                    out.putLong(at + 8, value.end[i]);
                    out.putByte(at + 16, (byte) (value.closed[i] ? 1 : 0));
                    int n = aggregateSerde.serializeTo(value.aggregate(i), out, at + 21);
                    out.putInt(at + 17, n);
                    at += 21 + n;
                }
                return at - offset;
            }

            @Override
            public Sessions<A> deserialize(DirectBuffer buffer, int offset, int length) {
                int limit = offset + length;
                if (length < 4) {
                    throw new IllegalArgumentException("sessions take at least 4 bytes, got " + length);
                }
                int n = buffer.getInt(offset);
                if (n < 0 || n > length / 21) {
                    throw new IllegalArgumentException("impossible session count " + n);
                }
                long[] s = new long[n];
                long[] e = new long[n];
                boolean[] c = new boolean[n];
                Object[] a = new Object[n];
                int at = offset + 4;
                for (int i = 0; i < n; i++) {
                    if (at + 21 > limit) {
                        throw new IllegalArgumentException("sessions cut short");
                    }
                    s[i] = buffer.getLong(at);
                    e[i] = buffer.getLong(at + 8);
                    c[i] = buffer.getByte(at + 16) != 0;
                    int len = buffer.getInt(at + 17);
                    if (len < 0 || at + 21 + len > limit) {
                        throw new IllegalArgumentException("a session aggregate has impossible length " + len);
                    }
                    a[i] = aggregateSerde.deserialize(buffer, at + 21, len);
                    at += 21 + len;
                }
                if (at != limit) {
                    throw new IllegalArgumentException((limit - at) + " unexpected bytes after the sessions");
                }
                return new Sessions<>(s, e, c, a);
            }
        };
    }
}
