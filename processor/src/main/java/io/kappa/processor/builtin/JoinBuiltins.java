package io.kappa.processor.builtin;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.log.EventLog;
import io.kappa.processor.TopicCatalog;
import io.kappa.processor.InputRecord;
import io.kappa.processor.KeyValueStore;
import io.kappa.processor.Processor;
import io.kappa.processor.ProcessorContext;
import io.kappa.processor.Serde;
import io.kappa.processor.Serdes;
import io.kappa.processor.Stage;
import io.kappa.processor.TimePolicy;
import io.kappa.processor.Topology;
import io.kappa.processor.window.LateRecords;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Joins over JSON values, by record key, in one stage whose task {@code p} reads partition {@code p} of both
 * topics (so the two topics must be co-partitioned: same partition count, same key to partition mapping). Each
 * output is keyed by the join key and reads {@code {"key":K,"left":L,"right":R}}, where L and R are the input
 * values as they were written (JSON, surrounding whitespace trimmed) and R is {@code null} for an unmatched left
 * record of a left join. Keys must be UTF-8 text; a record without a key, with a key that is not UTF-8, or with a
 * value that is not JSON fails (and goes to the dead-letter topic under {@code --on-error dlq}).
 *
 * <ul>
 *   <li><b>Stream-table</b> ({@link #streamTable}): the table topic is read as a changelog, latest value per key
 *   (an empty value or JSON {@code null} deletes the key), kept in the state store {@code table}. Each record of
 *   the stream topic is joined with the row its key has at that moment (in the task's merged append-time order);
 *   a later table change does not revise earlier outputs. Inner: no row, no output; left: {@code "right":null}.
 *   Output event time: the stream record's.</li>
 *   <li><b>Stream-stream</b> ({@link #streamStream}): left and right records with the same key and event times
 *   at most {@code within} apart are paired, whichever arrives first. Both sides are buffered per key (stores
 *   {@code left} and {@code right}) and evicted by event-time timers once the watermark makes a match impossible
 *   ({@code time + within < watermark}), so state stays bounded on an unbounded stream. A record whose time is
 *   below the watermark when it arrives is late: it is written, with where it came from, to {@code GROUP.late}
 *   ({@link LateRecords}) and not joined. Left join: a left record evicted without any match is emitted then, once, with
 *   {@code "right":null}. Output event time: {@code max(left time, right time)} (the left time when
 *   unmatched).</li>
 * </ul>
 *
 * <p>Outputs depend only on the records and their order (buffers are iterated in insertion order, timers fire
 * in (time, name) order), so a replay or a recovery produces the same records byte for byte.
 */
public final class JoinBuiltins {
    /** The stage name of both joins, as dead letters and checkpoints show it. */
    public static final String STAGE = "main";
    /**
     * The longest stream-stream join key, in UTF-8 bytes: keys name the eviction timers, which checkpoints store
     * as modified UTF-8 strings of at most 65,535 bytes.
     */
    public static final int MAX_WINDOWED_KEY_BYTES = 16 * 1024;

    private JoinBuiltins() {
    }

    /**
     * A stream enriched with the latest row of a table topic, without the co-partitioning check (it has no log):
     * package-private, so callers outside go through {@link #streamTable(EventLog, String, String, String, boolean,
     * TimePolicy)}.
     */
    static Topology streamTable(String stream, String table, String output, boolean leftJoin, TimePolicy time) {
        requireDistinct(stream, table);
        Objects.requireNonNull(time, "time");
        return single(new Stage<>(STAGE, List.of(stream, table), Serdes.view(), Serdes.view(),
            () -> new StreamTableJoin(stream, table, leftJoin), output, Serdes.view(), Serdes.view(), false, time));
    }

    /** {@link #streamTable(String, String, String, boolean, TimePolicy)} after checking that both topics are co-partitioned. */
    public static Topology streamTable(EventLog log, String stream, String table, String output, boolean leftJoin, TimePolicy time) {
        return streamTable(TopicCatalog.of(log), stream, table, output, leftJoin, time);
    }

    /** The same on any catalog of topics. */
    public static Topology streamTable(TopicCatalog log, String stream, String table, String output, boolean leftJoin, TimePolicy time) {
        requireCoPartitioned(log, stream, table);
        return streamTable(stream, table, output, leftJoin, time);
    }

    /**
     * Pairs records of two topics with the same key and event times at most {@code withinMs} apart, without the
     * co-partitioning check: package-private, so callers outside go through {@link #streamStream(EventLog, String,
     * String, String, long, boolean, TimePolicy)}.
     */
    static Topology streamStream(String left, String right, String output, long withinMs, boolean leftJoin, TimePolicy time) {
        requireDistinct(left, right);
        Objects.requireNonNull(time, "time");
        if (withinMs < 0) {
            throw new IllegalArgumentException("join --within must not be negative, got " + withinMs + " ms");
        }
        return single(new Stage<>(STAGE, List.of(left, right), Serdes.view(), Serdes.view(),
            () -> new StreamStreamJoin(left, right, withinMs, leftJoin), output, Serdes.view(), Serdes.view(), false, time));
    }

    /** {@link #streamStream(String, String, String, long, boolean, TimePolicy)} after checking co-partitioning. */
    public static Topology streamStream(EventLog log, String left, String right, String output, long withinMs, boolean leftJoin,
                                        TimePolicy time) {
        return streamStream(TopicCatalog.of(log), left, right, output, withinMs, leftJoin, time);
    }

    /** The same on any catalog of topics. */
    public static Topology streamStream(TopicCatalog log, String left, String right, String output, long withinMs, boolean leftJoin,
                                        TimePolicy time) {
        requireCoPartitioned(log, left, right);
        return streamStream(left, right, output, withinMs, leftJoin, time);
    }

    /**
     * Refuses two topics that a join cannot read side by side: a task reads partition {@code p} of both, so they
     * need the same partition count.
     */
    public static void requireCoPartitioned(EventLog log, String a, String b) {
        requireCoPartitioned(TopicCatalog.of(log), a, b);
    }

    /** The same on any catalog of topics. */
    public static void requireCoPartitioned(TopicCatalog log, String a, String b) {
        int pa = log.partitionCount(a);
        int pb = log.partitionCount(b);
        if (pa != pb) {
            throw new IllegalArgumentException("a join needs co-partitioned topics, but '" + a + "' has " + pa + " partition"
                + (pa == 1 ? "" : "s") + " and '" + b + "' has " + pb + " (write one of them again into a topic with " + pa
                + " partitions, keyed the same way)");
        }
    }

    public static String lateTopic(String group) {
        return LateRecords.topic(group);
    }

    private static void requireDistinct(String a, String b) {
        Objects.requireNonNull(a, "left topic");
        Objects.requireNonNull(b, "right topic");
        if (a.equals(b)) {
            throw new IllegalArgumentException("a join needs two different topics, got '" + a + "' twice");
        }
    }

    private static Topology single(Stage<?, ?, ?, ?> stage) {
        List<Stage<?, ?, ?, ?>> stages = new ArrayList<>();
        stages.add(stage);
        return Topology.of(stages);
    }

    // ---- stream-table

    /** Input 0 is the stream, input 1 the table; told apart by topic name. */
    static final class StreamTableJoin implements Processor<DirectBuffer, DirectBuffer, DirectBuffer, DirectBuffer> {
        private final String stream;
        private final String table;
        private final boolean leftJoin;
        private final JoinText text = new JoinText();
        private final UnsafeBuffer row = new UnsafeBuffer(0, 0);
        private KeyValueStore<String, byte[]> rows;

        StreamTableJoin(String stream, String table, boolean leftJoin) {
            this.stream = stream;
            this.table = table;
            this.leftJoin = leftJoin;
        }

        @Override
        public void init(ProcessorContext<DirectBuffer, DirectBuffer> ctx) {
            rows = ctx.keyValueStore("table", Serdes.string(), Serdes.bytes());
        }

        @Override
        public void process(InputRecord<DirectBuffer, DirectBuffer> r, ProcessorContext<DirectBuffer, DirectBuffer> ctx) {
            String key = text.key(r);
            DirectBuffer value = r.value();
            if (r.topic().equals(table)) {
                if (text.json(value, r.topic()) == JoinText.VALUE) {
                    rows.put(key, text.trimmedCopy(value));
                } else {
                    rows.delete(key); // an empty value or null: the key leaves the table
                }
                return;
            }
            if (!r.topic().equals(stream)) {
                throw new IllegalStateException("a record of '" + r.topic() + "', which joins '" + stream + "' with '" + table
                    + "' does not read");
            }
            if (text.json(value, r.topic()) == JoinText.EMPTY) {
                throw new IllegalArgumentException("the value of '" + r.topic() + "' is empty, not JSON");
            }
            byte[] current = rows.get(key);
            if (current == null && !leftJoin) {
                return;
            }
            if (current != null) {
                row.wrap(current);
            }
            ctx.forward(r.key(), text.output(key, value, current == null ? null : row), r.eventTime());
        }
    }

    // ---- stream-stream

    /**
     * Input 0 is the left topic, input 1 the right one. Each side keeps, per key, its records in arrival order with
     * their times (and, on the left, whether they matched); each buffered record has a timer at
     * {@code time + within + 1} named {@code L<key>} or {@code R<key>} that evicts what has expired from that key.
     */
    static final class StreamStreamJoin implements Processor<DirectBuffer, DirectBuffer, DirectBuffer, DirectBuffer> {
        private final String leftTopic;
        private final String rightTopic;
        private final long withinMs;
        private final boolean leftJoin;
        private final JoinText text = new JoinText();
        private final UnsafeBuffer keyView = new UnsafeBuffer(0, 0);
        private final UnsafeBuffer otherView = new UnsafeBuffer(0, 0);
        private final UnsafeBuffer mineView = new UnsafeBuffer(0, 0);
        private KeyValueStore<String, Buffered> left;
        private KeyValueStore<String, Buffered> right;

        StreamStreamJoin(String leftTopic, String rightTopic, long withinMs, boolean leftJoin) {
            this.leftTopic = leftTopic;
            this.rightTopic = rightTopic;
            this.withinMs = withinMs;
            this.leftJoin = leftJoin;
        }

        @Override
        public void init(ProcessorContext<DirectBuffer, DirectBuffer> ctx) {
            left = ctx.keyValueStore("left", Serdes.string(), Buffered.SERDE);
            right = ctx.keyValueStore("right", Serdes.string(), Buffered.SERDE);
        }

        @Override
        public void process(InputRecord<DirectBuffer, DirectBuffer> r, ProcessorContext<DirectBuffer, DirectBuffer> ctx) {
            boolean isLeft;
            if (r.topic().equals(leftTopic)) {
                isLeft = true;
            } else if (r.topic().equals(rightTopic)) {
                isLeft = false;
            } else {
                throw new IllegalStateException("a record of '" + r.topic() + "', which joins '" + leftTopic + "' with '"
                    + rightTopic + "' does not read");
            }
            String key = text.key(r);
            if (r.key().capacity() > MAX_WINDOWED_KEY_BYTES) {
                throw new IllegalArgumentException("a windowed join key may take at most " + MAX_WINDOWED_KEY_BYTES
                    + " bytes, this one takes " + r.key().capacity());
            }
            long t = r.eventTime();
            long watermark = ctx.watermark();
            if (t < watermark) {
                late(r, isLeft, t, watermark, ctx);
                return;
            }
            DirectBuffer value = r.value();
            if (text.json(value, r.topic()) == JoinText.EMPTY) {
                throw new IllegalArgumentException("the value of '" + r.topic() + "' is empty, not JSON");
            }
            byte[] copy = text.trimmedCopy(value);
            mineView.wrap(copy);
            KeyValueStore<String, Buffered> mine = isLeft ? left : right;
            KeyValueStore<String, Buffered> others = isLeft ? right : left;
            boolean matched = false;
            Buffered other = others.get(key);
            if (other != null) {
                boolean[] newlyMatched = null;
                for (int i = 0; i < other.size(); i++) {
                    long to = other.time(i);
                    if (near(t, to)) {
                        matched = true;
                        otherView.wrap(other.value(i));
                        DirectBuffer out = isLeft ? text.output(key, mineView, otherView) : text.output(key, otherView, mineView);
                        ctx.forward(r.key(), out, Math.max(t, to));
                        if (!isLeft && leftJoin && !other.matched(i)) {
                            if (newlyMatched == null) {
                                newlyMatched = new boolean[other.size()];
                            }
                            newlyMatched[i] = true;
                        }
                    }
                }
                if (newlyMatched != null) {
                    others.put(key, other.withMatched(newlyMatched));
                }
            }
            Buffered buffered = mine.get(key);
            mine.put(key, buffered == null ? Buffered.of(t, copy, matched) : buffered.append(t, copy, matched));
            ctx.registerTimer(expiry(t), (isLeft ? 'L' : 'R') + key);
        }

        /** |a - b| <= within, without overflow. */
        private boolean near(long a, long b) {
            long d = a >= b ? a - b : b - a;
            return d >= 0 && d <= withinMs; // d < 0: the difference overflowed, so it is huge
        }

        /** The first watermark at which a record of time t can no longer match: t + within + 1, saturated. */
        private long expiry(long t) {
            long e = t + withinMs + 1;
            return e < t ? Long.MAX_VALUE : e;
        }

        @Override
        public void onTimer(long time, String name, ProcessorContext<DirectBuffer, DirectBuffer> ctx) {
            boolean isLeft = name.charAt(0) == 'L';
            String key = name.substring(1);
            KeyValueStore<String, Buffered> store = isLeft ? left : right;
            Buffered b = store.get(key);
            if (b == null) {
                return;
            }
            long watermark = ctx.watermark();
            boolean[] expired = new boolean[b.size()];
            int n = 0;
            for (int i = 0; i < b.size(); i++) {
                if (expiry(b.time(i)) <= watermark) {
                    expired[i] = true;
                    n++;
                    if (isLeft && leftJoin && !b.matched(i)) {
                        keyView.wrap(key.getBytes(StandardCharsets.UTF_8));
                        mineView.wrap(b.value(i));
                        ctx.forward(keyView, text.output(key, mineView, null), b.time(i));
                    }
                }
            }
            if (n == b.size()) {
                store.delete(key);
            } else if (n > 0) {
                store.put(key, b.without(expired, n));
            }
        }

        /** To {@code GROUP.late} (see {@link LateRecords}), with the side, the window and how late it came. */
        private void late(InputRecord<DirectBuffer, DirectBuffer> r, boolean isLeft, long t, long watermark,
                          ProcessorContext<DirectBuffer, DirectBuffer> ctx) {
            ObjectNode v = LateRecords.describe(r, ctx, "its event time is below the watermark: every record it could join "
                + "within " + withinMs + " ms may have been evicted");
            v.put("side", isLeft ? "left" : "right");
            v.put("withinMs", withinMs);
            v.put("lateByMs", watermark - t);
            LateRecords.send(r, ctx, v);
        }
    }

    /**
     * One key's buffered records on one side, in arrival order: event time, value (trimmed JSON) and, for a left
     * join's left side, whether a right record matched it. Immutable: a change makes a new one, so a failed
     * record's store writes can be undone.
     */
    static final class Buffered {
        private final long[] times;
        private final byte[][] values;
        private final boolean[] matched;

        private Buffered(long[] times, byte[][] values, boolean[] matched) {
            this.times = times;
            this.values = values;
            this.matched = matched;
        }

        static Buffered of(long time, byte[] value, boolean matched) {
            return new Buffered(new long[] {time}, new byte[][] {value}, new boolean[] {matched});
        }

        int size() {
            return times.length;
        }

        long time(int i) {
            return times[i];
        }

        byte[] value(int i) {
            return values[i];
        }

        boolean matched(int i) {
            return matched[i];
        }

        Buffered append(long time, byte[] value, boolean m) {
            int n = times.length;
            long[] t = java.util.Arrays.copyOf(times, n + 1);
            byte[][] v = java.util.Arrays.copyOf(values, n + 1);
            boolean[] f = java.util.Arrays.copyOf(matched, n + 1);
            t[n] = time;
            v[n] = value;
            f[n] = m;
            return new Buffered(t, v, f);
        }

        Buffered withMatched(boolean[] newly) {
            boolean[] f = matched.clone();
            for (int i = 0; i < f.length; i++) {
                f[i] |= newly[i];
            }
            return new Buffered(times, values, f);
        }

        Buffered without(boolean[] drop, int dropped) {
            int n = times.length - dropped;
            long[] t = new long[n];
            byte[][] v = new byte[n][];
            boolean[] f = new boolean[n];
            int j = 0;
            for (int i = 0; i < times.length; i++) {
                if (!drop[i]) {
                    t[j] = times[i];
                    v[j] = values[i];
                    f[j] = matched[i];
                    j++;
                }
            }
            return new Buffered(t, v, f);
        }

        /** int count, then per record: long time, byte matched, int length, the value's bytes (big-endian). */
        static final Serde<Buffered> SERDE = new Serde<>() {
            @Override
            public Object describe(Buffered b) {
                java.util.List<Object> records = new java.util.ArrayList<>();
                for (int i = 0; i < b.size(); i++) {
                    java.util.Map<String, Object> r = new java.util.LinkedHashMap<>();
                    r.put("time", io.kappa.processor.window.LateRecords.iso(b.time(i)));
                    r.put("matched", b.matched(i));
                    r.put("value", b.value(i));
                    records.add(r);
                }
                return records;
            }

            @Override
            public byte[] serialize(Buffered b) {
                ExpandableArrayBuffer out = new ExpandableArrayBuffer(64);
                int n = serializeTo(b, out, 0);
                byte[] bytes = new byte[n];
                out.getBytes(0, bytes);
                return bytes;
            }

            @Override
            public int serializeTo(Buffered b, MutableDirectBuffer out, int offset) {
                int at = offset;
                out.putInt(at, b.size(), java.nio.ByteOrder.BIG_ENDIAN);
                at += 4;
                for (int i = 0; i < b.size(); i++) {
                    out.putLong(at, b.times[i], java.nio.ByteOrder.BIG_ENDIAN);
                    out.putByte(at + 8, (byte) (b.matched[i] ? 1 : 0));
                    out.putInt(at + 9, b.values[i].length, java.nio.ByteOrder.BIG_ENDIAN);
                    out.putBytes(at + 13, b.values[i]);
                    at += 13 + b.values[i].length;
                }
                return at - offset;
            }

            @Override
            public Buffered deserialize(DirectBuffer buffer, int offset, int length) {
                if (length < 4) {
                    throw new IllegalArgumentException("a buffered join entry of " + length + " bytes is too short");
                }
                int n = buffer.getInt(offset, java.nio.ByteOrder.BIG_ENDIAN);
                if (n <= 0 || n > (length - 4) / 13) {
                    throw new IllegalArgumentException("a buffered join entry has an impossible record count " + n);
                }
                long[] t = new long[n];
                byte[][] v = new byte[n][];
                boolean[] f = new boolean[n];
                int at = offset + 4;
                int end = offset + length;
                for (int i = 0; i < n; i++) {
                    if (at + 13 > end) {
                        throw new IllegalArgumentException("a buffered join entry is cut short");
                    }
                    t[i] = buffer.getLong(at, java.nio.ByteOrder.BIG_ENDIAN);
                    byte m = buffer.getByte(at + 8);
                    int l = buffer.getInt(at + 9, java.nio.ByteOrder.BIG_ENDIAN);
                    if (m < 0 || m > 1 || l < 0 || l > end - at - 13) {
                        throw new IllegalArgumentException("a buffered join entry has a bad record header");
                    }
                    f[i] = m == 1;
                    v[i] = new byte[l];
                    buffer.getBytes(at + 13, v[i]);
                    at += 13 + l;
                }
                if (at != end) {
                    throw new IllegalArgumentException("a buffered join entry has " + (end - at) + " bytes too many");
                }
                return new Buffered(t, v, f);
            }
        };
    }

    /** Keys as UTF-8 text, values checked as JSON, and the output value written; one per task. */
    static final class JoinText {
        static final int EMPTY = 0;
        static final int NULL = 1;
        static final int VALUE = 2;
        private static final JsonFactory FACTORY = Serdes.MAPPER.getFactory(); // with Serdes.READ_LIMITS
        private static final byte[] KEY = "{\"key\":".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] LEFT = ",\"left\":".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] RIGHT = ",\"right\":".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] NULL_TEXT = "null".getBytes(StandardCharsets.US_ASCII);

        private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder();
        private final ExpandableArrayBuffer out = new ExpandableArrayBuffer(256);
        private final UnsafeBuffer outView = new UnsafeBuffer(0, 0);
        private byte[] scratch = new byte[256];

        /** The record's key as text; fails without a key or for bytes that are not UTF-8. */
        String key(InputRecord<DirectBuffer, DirectBuffer> r) {
            DirectBuffer k = r.key();
            if (k == null) {
                throw new IllegalArgumentException("a join needs a record key, and this record of '" + r.topic() + "' has none");
            }
            String s = utf8OrNull(bytes(k));
            if (s == null) {
                throw new IllegalArgumentException("the key of this record of '" + r.topic() + "' is not UTF-8 text");
            }
            return s;
        }

        private byte[] bytes(DirectBuffer b) {
            byte[] a = new byte[b.capacity()];
            b.getBytes(0, a);
            return a;
        }

        String utf8OrNull(byte[] bytes) {
            try {
                return decoder.reset().decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                return null;
            }
        }

        /**
         * EMPTY (no bytes, or only whitespace), NULL (the literal {@code null}) or VALUE (any other JSON value);
         * throws for anything that is not exactly one JSON value in UTF-8.
         */
        int json(DirectBuffer value, String topic) {
            int length = value.capacity();
            if (length == 0) {
                return EMPTY;
            }
            if (scratch.length < length) {
                scratch = new byte[Math.max(length, scratch.length * 2)];
            }
            value.getBytes(0, scratch, 0, length);
            String s;
            try {
                s = decoder.reset().decode(ByteBuffer.wrap(scratch, 0, length)).toString();
            } catch (CharacterCodingException e) {
                throw new IllegalArgumentException("the value of '" + topic + "' is not valid JSON: it is not UTF-8 text");
            }
            try (JsonParser p = FACTORY.createParser(s)) {
                JsonToken first = p.nextToken();
                if (first == null) {
                    return EMPTY;
                }
                int depth = 0;
                for (JsonToken t = first; ; ) {
                    if (t.isStructStart()) {
                        depth++;
                    } else if (t.isStructEnd()) {
                        depth--;
                    }
                    if (depth == 0) {
                        break;
                    }
                    t = p.nextToken();
                    if (t == null) {
                        throw new IllegalArgumentException("the value of '" + topic + "' is not valid JSON: it ends early");
                    }
                }
                if (p.nextToken() != null) {
                    throw new IllegalArgumentException("the value of '" + topic + "' is not valid JSON: there is more after the "
                        + "first value (at column " + p.currentTokenLocation().getColumnNr() + ")");
                }
                return first == JsonToken.VALUE_NULL ? NULL : VALUE;
            } catch (JsonProcessingException e) {
                String m = e.getOriginalMessage();
                int nl = m.indexOf('\n');
                throw new IllegalArgumentException("the value of '" + topic + "' is not valid JSON: " + (nl < 0 ? m : m.substring(0, nl))
                    + (e.getLocation() == null ? "" : " (at column " + e.getLocation().getColumnNr() + ")"));
            } catch (IOException e) {
                throw new IllegalArgumentException("the value of '" + topic + "' cannot be read: " + e.getMessage(), e);
            }
        }

        /** The value's bytes without leading and trailing JSON whitespace. */
        byte[] trimmedCopy(DirectBuffer v) {
            int from = 0;
            int to = v.capacity();
            while (from < to && isSpace(v.getByte(from))) {
                from++;
            }
            while (to > from && isSpace(v.getByte(to - 1))) {
                to--;
            }
            byte[] b = new byte[to - from];
            v.getBytes(from, b);
            return b;
        }

        private static boolean isSpace(byte b) {
            return b == ' ' || b == '\t' || b == '\n' || b == '\r';
        }

        /**
         * {@code {"key":K,"left":L,"right":R}} in a buffer reused by the next call; {@code right} null writes
         * {@code null}. Values are JSON already (checked when they arrived) and are copied trimmed.
         */
        DirectBuffer output(String key, DirectBuffer left, DirectBuffer right) {
            int n = 0;
            out.putBytes(n, KEY);
            n += KEY.length;
            n += Builtins.putJsonString(out, n, key);
            out.putBytes(n, LEFT);
            n += LEFT.length;
            n += putTrimmed(n, left);
            out.putBytes(n, RIGHT);
            n += RIGHT.length;
            if (right == null) {
                out.putBytes(n, NULL_TEXT);
                n += NULL_TEXT.length;
            } else {
                n += putTrimmed(n, right);
            }
            out.putByte(n++, (byte) '}');
            outView.wrap(out, 0, n);
            return outView;
        }

        private int putTrimmed(int at, DirectBuffer v) {
            int from = 0;
            int to = v.capacity();
            while (from < to && isSpace(v.getByte(from))) {
                from++;
            }
            while (to > from && isSpace(v.getByte(to - 1))) {
                to--;
            }
            out.putBytes(at, v, from, to - from);
            return to - from;
        }
    }
}
