package io.kappa.processor.builtin;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.processor.InputRecord;
import io.kappa.processor.KeyValueStore;
import io.kappa.processor.Processor;
import io.kappa.processor.ProcessorContext;
import io.kappa.processor.Serde;
import io.kappa.processor.Serdes;
import io.kappa.processor.Stage;
import io.kappa.processor.TimePolicy;
import io.kappa.processor.Topology;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The processors {@code kappa run} offers without Java: filter, map, count, sum and dedup over JSON values.
 * Aggregations emit the new value of a key on each change, as {@code {"key":K,"count":N}} or
 * {@code {"key":K,"sum":S}} keyed by K. When the group key is not the record key and an input has more than one
 * partition, a first stage re-keys records into the topic {@code GROUP.repartition}, so that every record of a
 * group key reaches the same task.
 */
public final class Builtins {
    private Builtins() {
    }

    public static Topology filter(List<String> inputs, String output, Where where) {
        return Topology.single(inputs, Serdes.view(), Serdes.view(), () -> new Filter(where), output, Serdes.view(), Serdes.view());
    }

    public static Topology map(List<String> inputs, String output, List<JsonPath> select) {
        if (select.isEmpty()) {
            throw new IllegalArgumentException("map --select needs at least one field");
        }
        return Topology.single(inputs, Serdes.view(), Serdes.view(), () -> new Select(select), output, Serdes.view(), Serdes.json());
    }

    public static Topology count(String group, List<String> inputs, String output, GroupKey by, boolean repartition) {
        return aggregate(group, inputs, output, by, repartition, () -> new Aggregate(by, null));
    }

    public static Topology sum(String group, List<String> inputs, String output, GroupKey by, JsonPath field, boolean repartition) {
        return aggregate(group, inputs, output, by, repartition, () -> new Aggregate(by, field));
    }

    /** {@link #dedup(String, List, String, GroupKey, long, TimePolicy, boolean)} with the default time policy. */
    public static Topology dedup(String group, List<String> inputs, String output, GroupKey by, long windowMs, boolean repartition) {
        return dedup(group, inputs, output, by, windowMs, TimePolicy.DEFAULT, repartition);
    }

    /**
     * Passes each record on unless one with the same dedup key was kept within {@code windowMs} of event time. Kept
     * times are forgotten once the watermark of {@code time} (its allowed disorder and idle timeout; the clock is
     * always event time) is a window past them, so the output does not depend on how the input partitions
     * interleave (see {@link Dedup}).
     */
    public static Topology dedup(String group, List<String> inputs, String output, GroupKey by, long windowMs, TimePolicy time,
                                 boolean repartition) {
        if (windowMs <= 0) {
            throw new IllegalArgumentException("dedup --window must be positive");
        }
        TimePolicy policy = time.withClock(TimePolicy.Clock.EVENT);
        if (!repartition) {
            return Topology.of(List.of(new Stage<>("main", inputs, Serdes.view(), Serdes.view(), () -> new Dedup(by, windowMs, false),
                output, Serdes.view(), Serdes.view(), false, policy)));
        }
        String topic = repartitionTopic(group);
        List<Stage<?, ?, ?, ?>> stages = new ArrayList<>();
        stages.add(new Stage<>("repartition", inputs, Serdes.view(), Serdes.view(), () -> new Rekey(by), topic,
            Serdes.string(), Serdes.view(), false));
        stages.add(new Stage<>("main", List.of(topic), Serdes.view(), Serdes.view(), () -> new Dedup(by, windowMs, true), output,
            Serdes.view(), Serdes.view(), true, policy));
        return Topology.of(stages);
    }

    public static String repartitionTopic(String group) {
        return group + ".repartition";
    }

    private static Topology aggregate(String group, List<String> inputs, String output, GroupKey by, boolean repartition,
                                      io.kappa.processor.ProcessorSupplier<DirectBuffer, DirectBuffer, String, DirectBuffer> supplier) {
        if (!repartition) {
            return Topology.single(inputs, Serdes.view(), Serdes.view(), supplier, output, Serdes.string(), Serdes.view());
        }
        String topic = repartitionTopic(group);
        List<Stage<?, ?, ?, ?>> stages = new ArrayList<>();
        stages.add(new Stage<>("repartition", inputs, Serdes.view(), Serdes.view(), () -> new Rekey(by), topic,
            Serdes.string(), Serdes.view(), false));
        stages.add(new Stage<>("main", List.of(topic), Serdes.view(), Serdes.view(), () -> new Unwrapped<>(supplier.get()), output,
            Serdes.string(), Serdes.view(), true));
        return Topology.of(stages);
    }

    /** Writes {@code s} as a JSON string at {@code at}; returns the bytes written. */
    static int putJsonString(ExpandableArrayBuffer out, int at, String s) {
        int n = s.length();
        out.putByte(at, (byte) '"');
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) {
                byte[] quoted = JsonStringEncoder.getInstance().quoteAsUTF8(s);
                out.putBytes(at + 1, quoted);
                out.putByte(at + 1 + quoted.length, (byte) '"');
                return quoted.length + 2;
            }
            out.putByte(at + 1 + i, (byte) c);
        }
        out.putByte(at + 1 + n, (byte) '"');
        return n + 2;
    }

    /** Keeps records whose JSON value matches the expression; passes them on byte for byte. */
    static final class Filter implements Processor<DirectBuffer, DirectBuffer, DirectBuffer, DirectBuffer> {
        private final Where where;

        Filter(Where where) {
            this.where = where;
        }

        @Override
        public void process(InputRecord<DirectBuffer, DirectBuffer> r, ProcessorContext<DirectBuffer, DirectBuffer> ctx) {
            DirectBuffer v = r.value();
            if (where.test(Serdes.json().deserialize(v, 0, v.capacity()))) {
                ctx.forward(r.key(), v);
            }
        }
    }

    /** Keeps only the selected fields of a JSON object value; missing fields are left out. */
    static final class Select implements Processor<DirectBuffer, DirectBuffer, DirectBuffer, JsonNode> {
        private final List<JsonPath> select;

        Select(List<JsonPath> select) {
            this.select = select;
        }

        @Override
        public void process(InputRecord<DirectBuffer, DirectBuffer> r, ProcessorContext<DirectBuffer, JsonNode> ctx) {
            DirectBuffer v = r.value();
            JsonNode root = Serdes.json().deserialize(v, 0, v.capacity());
            if (!root.isObject()) {
                throw new IllegalArgumentException("map --select needs a JSON object value, got " + root.getNodeType());
            }
            ObjectNode out = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
            for (JsonPath p : select) {
                JsonNode n = p.find(root);
                if (n != null) {
                    out.set(p.text(), n);
                }
            }
            ctx.forward(r.key(), out);
        }
    }

    /** First stage of a repartition: the group key becomes the record key; the value carries the original record. */
    static final class Rekey implements Processor<DirectBuffer, DirectBuffer, String, DirectBuffer> {
        private final GroupKey by;
        private final Envelope envelope = new Envelope();
        private final ExpandableArrayBuffer scratch = new ExpandableArrayBuffer(256);
        private final UnsafeBuffer view = new UnsafeBuffer(0, 0);

        Rekey(GroupKey by) {
            this.by = by;
        }

        @Override
        public void process(InputRecord<DirectBuffer, DirectBuffer> r, ProcessorContext<String, DirectBuffer> ctx) {
            String key = by.of(r, r.key(), r.value());
            int length = envelope.write(scratch, 0, r);
            view.wrap(scratch, 0, length);
            ctx.forward(key, view);
        }
    }

    /** count (no field) or sum (a numeric field) per group key, emitted on every change; after a repartition, {@link Unwrapped}. */
    static final class Aggregate implements Processor<DirectBuffer, DirectBuffer, String, DirectBuffer> {
        private static final byte[] KEY = "{\"key\":".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        private static final byte[] COUNT = ",\"count\":".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        private static final byte[] SUM = ",\"sum\":".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        private final GroupKey by;
        private final JsonPath field;
        private final ExpandableArrayBuffer json = new ExpandableArrayBuffer(128);
        private final UnsafeBuffer jsonView = new UnsafeBuffer(0, 0);
        private KeyValueStore<String, Number> store;
        private final KeyStrings strings = new KeyStrings();

        Aggregate(GroupKey by, JsonPath field) {
            this.by = by;
            this.field = field;
        }

        @Override
        public void init(ProcessorContext<String, DirectBuffer> ctx) {
            store = ctx.keyValueStore(field == null ? "count" : "sum", Serdes.string(), NUMBER);
        }

        @Override
        public void process(InputRecord<DirectBuffer, DirectBuffer> r, ProcessorContext<String, DirectBuffer> ctx) {
            String key = by.of(r, r.key(), r.value(), strings);
            DirectBuffer value = r.value();
            Number old = store.get(key);
            Number now;
            if (field == null) {
                now = old == null ? 1L : old.longValue() + 1;
            } else {
                now = add(old, number(GroupKey.field(Serdes.json().deserialize(value, 0, value.capacity()), field)));
            }
            store.put(key, now);
            int n = KEY.length;
            json.putBytes(0, KEY);
            n += putJsonString(json, n, key);
            byte[] name = field == null ? COUNT : SUM;
            json.putBytes(n, name);
            n += name.length;
            n += now instanceof Long l ? json.putLongAscii(n, l) : json.putStringWithoutLengthAscii(n, now.toString());
            json.putByte(n++, (byte) '}');
            jsonView.wrap(json, 0, n);
            ctx.forward(key, jsonView);
        }

        private Number number(JsonNode n) {
            if (n.isIntegralNumber() && n.canConvertToLong()) {
                return n.longValue();
            }
            if (n.isNumber() && Double.isFinite(n.doubleValue())) {
                return n.doubleValue();
            }
            if (n.isTextual()) {
                String s = n.asText().trim();
                try {
                    return Long.parseLong(s); // stops at the first non-digit or at overflow: never slow
                } catch (NumberFormatException e) {
                    // not a long: perhaps a decimal
                }
                double d = NumberText.toDouble(s); // NaN beyond NumberText.MAX_CHARS: never parsed at length
                if (Double.isFinite(d)) {
                    return d;
                }
            }
            throw new IllegalArgumentException("field '" + field.text() + "' is not a number: " + abbreviate(n.toString()));
        }

        private Number add(Number old, Number x) {
            if (old == null) {
                return x;
            }
            if (old instanceof Long a && x instanceof Long b) {
                long r = a + b;
                if (((a ^ r) & (b ^ r)) >= 0) {
                    return r;
                }
            }
            double r = old.doubleValue() + x.doubleValue();
            if (!Double.isFinite(r)) {
                throw new IllegalArgumentException("the sum overflows a double (" + old + " + " + x + ")");
            }
            return r;
        }
    }

    static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    /**
     * Drops a record when a record with the same dedup key was kept at an event time at most {@code windowMs} away
     * (before or after); otherwise passes it on and keeps its time.
     *
     * <p>Forgetting follows the watermark, never the highest time seen: a kept time {@code k} is remembered until
     * the watermark passes {@code k + windowMs}, that is until no record that is not late can fall within its
     * window. So a record that is not late is decided exactly as with unbounded memory over the task's records in
     * the order read, and that decision depends only on the order of the records with the same key: when all of a
     * key's records come from one input partition (which keeps its order through a repartition), the output does
     * not depend on how the task's partitions interleave or how far one runs ahead. A late record (beyond the
     * allowed disorder, or from a source that counted as idle) is compared with what is still remembered; if its
     * original was forgotten, it passes. Copies of one key in different partitions are decided in the order the
     * task reads them, which the log does not fix.
     *
     * <p>State: store {@code seen}, key -> the kept times still remembered, ascending (8 bytes each, big-endian; a
     * single time reads as a checkpointed {@code Long} of earlier versions did). Keys are forgotten oldest update
     * first, so state is bounded by the keys kept within the window plus the skew between the sources.
     */
    static final class Dedup implements Processor<DirectBuffer, DirectBuffer, DirectBuffer, DirectBuffer> {
        private final GroupKey by;
        private final long windowMs;
        private final boolean enveloped;
        private final Envelope envelope = new Envelope();
        private KeyValueStore<String, long[]> seen;

        Dedup(GroupKey by, long windowMs, boolean enveloped) {
            this.by = by;
            this.windowMs = windowMs;
            this.enveloped = enveloped;
        }

        @Override
        public void init(ProcessorContext<DirectBuffer, DirectBuffer> ctx) {
            seen = ctx.keyValueStore("seen", Serdes.string(), KEPT_TIMES);
        }

        @Override
        public void process(InputRecord<DirectBuffer, DirectBuffer> r, ProcessorContext<DirectBuffer, DirectBuffer> ctx) {
            String key;
            DirectBuffer k;
            DirectBuffer v;
            if (enveloped) {
                key = r.key().getStringWithoutLengthUtf8(0, r.key().capacity());
                envelope.wrap(r.value());
                k = envelope.key();
                v = envelope.value();
            } else {
                key = by.of(r, r.key(), r.value());
                k = r.key();
                v = r.value();
            }
            long horizon = horizon(ctx.watermark());
            for (String oldest = seen.firstKey(); oldest != null && last(seen.get(oldest)) < horizon; oldest = seen.firstKey()) {
                seen.delete(oldest);
            }
            long t = r.eventTime();
            long[] kept = seen.get(key);
            int remembered = 0;
            if (kept != null) {
                for (long time : kept) {
                    if (time >= horizon) {
                        if (near(t, time)) {
                            return;
                        }
                        remembered++;
                    }
                }
                seen.delete(key); // put again below, so the key moves to the end of the forgetting order
            }
            long[] now = new long[remembered + 1];
            int n = 0;
            boolean placed = false;
            if (kept != null) {
                for (long time : kept) {
                    if (time >= horizon) {
                        if (!placed && t < time) {
                            now[n++] = t;
                            placed = true;
                        }
                        now[n++] = time;
                    }
                }
            }
            if (!placed) {
                now[n] = t;
            }
            seen.put(key, now);
            ctx.forward(k, v);
        }

        /** Kept times below this are forgotten: the watermark minus the window (Long.MIN_VALUE before any). */
        private long horizon(long watermark) {
            long h = watermark - windowMs;
            return h > watermark ? Long.MIN_VALUE : h;
        }

        /** |a - b| <= window, without overflow. */
        private boolean near(long a, long b) {
            long d = a >= b ? a - b : b - a;
            return d >= 0 && d <= windowMs;
        }

        private static long last(long[] times) {
            return times[times.length - 1];
        }
    }

    /** Ascending event times, 8 bytes each, big-endian: one time is the same bytes as {@link Serdes#longs()}. */
    static final Serde<long[]> KEPT_TIMES = new Serde<>() {
        @Override
        public Object describe(long[] times) {
            java.util.List<Object> kept = new java.util.ArrayList<>();
            for (long t : times) {
                kept.add(io.kappa.processor.window.LateRecords.iso(t));
            }
            return java.util.Map.of("kept", kept);
        }

        @Override
        public byte[] serialize(long[] times) {
            byte[] b = new byte[times.length * 8];
            serializeTo(times, new UnsafeBuffer(b), 0);
            return b;
        }

        @Override
        public int serializeTo(long[] times, org.agrona.MutableDirectBuffer out, int offset) {
            for (int i = 0; i < times.length; i++) {
                out.putLong(offset + 8 * i, times[i], java.nio.ByteOrder.BIG_ENDIAN);
            }
            return times.length * 8;
        }

        @Override
        public long[] deserialize(DirectBuffer buffer, int offset, int length) {
            if (length == 0 || length % 8 != 0) {
                throw new IllegalArgumentException("kept times take a positive multiple of 8 bytes, got " + length);
            }
            long[] times = new long[length / 8];
            for (int i = 0; i < times.length; i++) {
                times[i] = buffer.getLong(offset + 8 * i, java.nio.ByteOrder.BIG_ENDIAN);
            }
            return times;
        }
    };

    /** A Long or a Double: one tag byte (0 long, 1 double), then 8 bytes. */
    static final Serde<Number> NUMBER = new Serde<>() {
        @Override
        public byte[] serialize(Number value) {
            byte[] b = new byte[9];
            UnsafeBuffer u = new UnsafeBuffer(b);
            if (value instanceof Long l) {
                u.putLong(1, l);
            } else {
                b[0] = 1;
                u.putDouble(1, value.doubleValue());
            }
            return b;
        }

        @Override
        public int serializeTo(Number value, org.agrona.MutableDirectBuffer out, int offset) {
            if (value instanceof Long l) {
                out.putByte(offset, (byte) 0);
                out.putLong(offset + 1, l);
            } else {
                out.putByte(offset, (byte) 1);
                out.putDouble(offset + 1, value.doubleValue());
            }
            return 9;
        }

        @Override
        public Number deserialize(DirectBuffer buffer, int offset, int length) {
            if (length != 9) {
                throw new IllegalArgumentException("a stored number takes 9 bytes, got " + length);
            }
            return buffer.getByte(offset) == 0 ? (Number) buffer.getLong(offset + 1) : (Number) buffer.getDouble(offset + 1);
        }
    };
}
