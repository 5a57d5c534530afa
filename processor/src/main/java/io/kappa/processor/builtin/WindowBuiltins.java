package io.kappa.processor.builtin;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.kappa.log.EventLog;
import io.kappa.processor.InputRecord;
import io.kappa.processor.Processor;
import io.kappa.processor.ProcessorContext;
import io.kappa.processor.Serde;
import io.kappa.processor.Serdes;
import io.kappa.processor.Stage;
import io.kappa.processor.TimePolicy;
import io.kappa.processor.TopicCatalog;
import io.kappa.processor.Topology;
import io.kappa.processor.window.DistinctCount;
import io.kappa.processor.window.Percentiles;
import io.kappa.processor.window.WindowSpec;
import io.kappa.processor.window.WindowedAggregate;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The event-time built-ins: {@code window-count} / {@code window-agg} (an aggregate per group key and window) and
 * {@code top} (the N keys with the highest value of a field per window). Results are JSON, keyed by the group
 * key (the window start for {@code top}), with the window's bounds in ISO-8601 UTC and event time
 * {@code windowEnd - 1}, so a later event-time stage puts them in the right window:
 * <pre>
 *   {"key":"k","windowStart":"2026-11-22T10:00:00Z","windowEnd":"2026-11-22T10:01:00Z","count":3}
 *   {"windowStart":...,"windowEnd":...,"top":[{"rank":1,"key":"AAPL","value":4.2},...]}
 * </pre>
 */
public final class WindowBuiltins {
    private WindowBuiltins() {
    }

    /**
     * An aggregate per group key and window. A group key other than the record key over several partitions first
     * goes through {@code GROUP.repartition}; that stage stamps the records with the chosen clock, and the window
     * stage reads those stamps as event time.
     */
    public static Topology windowAggregate(String group, List<String> inputs, String output, GroupKey by, WindowAgg.Kind kind,
                                           JsonPath field, WindowSpec windows, WindowSpec.Mode mode, TimePolicy time,
                                           boolean repartition) {
        return windowAggregate(group, inputs, output, by, kind, field, null, windows, mode, time, repartition);
    }

    /** As above, counting only records whose JSON value matches {@code where} (null: all). */
    public static Topology windowAggregate(String group, List<String> inputs, String output, GroupKey by, WindowAgg.Kind kind,
                                           JsonPath field, Where where, WindowSpec windows, WindowSpec.Mode mode, TimePolicy time,
                                           boolean repartition) {
        String store = "window-" + kind.field();
        if (!repartition) {
            return Topology.of(List.of(new Stage<>("main", inputs, Serdes.view(), Serdes.view(),
                () -> filtered(where, windowed(windows, mode, store, by, kind, field)),
                output, Serdes.string(), Serdes.view(), false, time)));
        }
        String topic = Builtins.repartitionTopic(group);
        List<Stage<?, ?, ?, ?>> stages = new ArrayList<>();
        stages.add(new Stage<>("repartition", inputs, Serdes.view(), Serdes.view(), () -> new Builtins.Rekey(by), topic,
            Serdes.string(), Serdes.view(), false, TimePolicy.DEFAULT.withClock(time.clock())));
        TimePolicy after = time.clock() == TimePolicy.Clock.PROCESSING ? time : time.withClock(TimePolicy.Clock.EVENT);
        stages.add(new Stage<>("main", List.of(topic), Serdes.view(), Serdes.view(),
            () -> new Unwrapped<>(filtered(where, windowed(windows, mode, store, by, kind, field))),
            output, Serdes.string(), Serdes.view(), true, after));
        return Topology.of(stages);
    }

    private static Processor<DirectBuffer, DirectBuffer, String, DirectBuffer> filtered(
        Where where, Processor<DirectBuffer, DirectBuffer, String, DirectBuffer> inner) {
        return where == null ? inner : new Filtered(where, inner);
    }

    /** Passes to the window aggregation only records whose JSON value matches the expression. */
    static final class Filtered implements Processor<DirectBuffer, DirectBuffer, String, DirectBuffer> {
        private final Where where;
        private final Processor<DirectBuffer, DirectBuffer, String, DirectBuffer> inner;

        Filtered(Where where, Processor<DirectBuffer, DirectBuffer, String, DirectBuffer> inner) {
            this.where = where;
            this.inner = inner;
        }

        @Override
        public void init(ProcessorContext<String, DirectBuffer> ctx) {
            inner.init(ctx);
        }

        @Override
        public void process(InputRecord<DirectBuffer, DirectBuffer> r, ProcessorContext<String, DirectBuffer> ctx) throws Exception {
            DirectBuffer v = r.value();
            if (where.test(Serdes.json().deserialize(v, 0, v.capacity()))) {
                inner.process(r, ctx);
            }
        }

        @Override
        public void onTimer(long time, String name, ProcessorContext<String, DirectBuffer> ctx) throws Exception {
            inner.onTimer(time, name, ctx);
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    private static WindowedAggregate<DirectBuffer, DirectBuffer, String, ?, String, DirectBuffer> windowed(
        WindowSpec windows, WindowSpec.Mode mode, String store, GroupKey by, WindowAgg.Kind kind, JsonPath field) {
        KeyStrings strings = new KeyStrings(); // one per processor instance, as this is called per task
        WindowedAggregate.KeySelector<DirectBuffer, DirectBuffer, String> key = (r) -> by.of(r, r.key(), r.value(), strings);
        if (kind.isPercentile()) {
            byte[] name = bytes(",\"" + kind.field() + "\":");
            Fields<Percentiles> fields = (p, json, at) -> {
                int n = put(json, at, name);
                n += json.putStringWithoutLengthAscii(at + n, WindowAgg.approximate(p.valueAt(kind.percentile)));
                return n + json.putStringWithoutLengthAscii(at + n, ",\"count\":" + p.count());
            };
            return new WindowedAggregate<>(windows, mode, store, key, WindowAgg.percentiles(field), Serdes.string(),
                describedBy(Percentiles.SERDE, fields), new PerKey<>(windows, fields));
        }
        if (kind == WindowAgg.Kind.DISTINCT) {
            Fields<DistinctCount> fields = (d, json, at) -> {
                String text = d.isExact() ? ",\"distinct\":" + d.estimate() + ",\"exact\":true"
                    : ",\"distinct\":" + d.estimate() + ",\"exact\":false,\"lowerBound\":" + d.lowerBound() + ",\"upperBound\":"
                    + d.upperBound();
                return json.putStringWithoutLengthAscii(at, text);
            };
            return new WindowedAggregate<>(windows, mode, store, key, WindowAgg.distinct(field), Serdes.string(),
                describedBy(DistinctCount.SERDE, fields), new PerKey<>(windows, fields));
        }
        byte[] name = bytes(",\"" + kind.field() + "\":");
        Fields<WindowAgg.Value> fields = (v, json, at) -> {
            int n = put(json, at, name);
            if (kind == WindowAgg.Kind.COUNT) {
                return n + json.putLongAscii(at + n, v.count());
            }
            n += json.putStringWithoutLengthAscii(at + n, WindowAgg.number(v.of(kind), v.integral() && kind != WindowAgg.Kind.AVG));
            if (kind == WindowAgg.Kind.AVG) {
                n += json.putStringWithoutLengthAscii(at + n, ",\"count\":" + v.count());
            }
            return n;
        };
        return new WindowedAggregate<>(windows, mode, store, key, WindowAgg.aggregator(kind == WindowAgg.Kind.COUNT ? null : field),
            Serdes.string(), describedBy(WindowAgg.SERDE, fields), new PerKey<>(windows, fields));
    }

    /**
     * {@code serde}, with an aggregate described (for {@code kappa state}) by the fields its window's result would
     * carry now: {@code {"count":3}}, {@code {"p99":12.5,"count":40}}.
     */
    static <A> Serde<A> describedBy(Serde<A> serde, Fields<A> fields) {
        return new Serde<>() {
            @Override
            public byte[] serialize(A value) {
                return serde.serialize(value);
            }

            @Override
            public int serializeTo(A value, org.agrona.MutableDirectBuffer out, int offset) {
                return serde.serializeTo(value, out, offset);
            }

            @Override
            public A deserialize(DirectBuffer buffer, int offset, int length) {
                return serde.deserialize(buffer, offset, length);
            }

            @Override
            public Object describe(A value) {
                ExpandableArrayBuffer json = new ExpandableArrayBuffer(128);
                int n = fields.write(value, json, 0); // ",\"count\":3"
                json.putByte(0, (byte) '{');
                json.putByte(n, (byte) '}');
                byte[] bytes = new byte[n + 1];
                json.getBytes(0, bytes);
                return bytes;
            }
        };
    }

    private static int put(ExpandableArrayBuffer json, int at, byte[] bytes) {
        json.putBytes(at, bytes);
        return bytes.length;
    }

    /**
     * The N keys with the highest value of {@code field} per window (each key counted with its latest value by
     * event time; of values with the same time, the highest, so the order they are read in does not matter), written when a window closes (append), when its ranking changes (update), or all windows at
     * each close (complete). It needs every record in one task: an input with several partitions is first copied
     * to the one-partition topic {@code GROUP.gather}.
     */
    public static Topology top(EventLog log, String group, List<String> inputs, String output, JsonPath field, int n,
                               WindowSpec windows, WindowSpec.Mode mode, TimePolicy time, boolean multiPartition) {
        return top(TopicCatalog.of(log), group, inputs, output, field, n, windows, mode, time, multiPartition);
    }

    /** {@link #top(EventLog, String, List, String, JsonPath, int, WindowSpec, WindowSpec.Mode, TimePolicy, boolean)} on any catalog. */
    public static Topology top(TopicCatalog topics, String group, List<String> inputs, String output, JsonPath field, int n,
                               WindowSpec windows, WindowSpec.Mode mode, TimePolicy time, boolean multiPartition) {
        List<Stage<?, ?, ?, ?>> stages = new ArrayList<>();
        List<String> in = inputs;
        TimePolicy main = time;
        if (multiPartition || inputs.size() > 1) {
            String topic = group + ".gather";
            topics.require(topic, 1);
            stages.add(new Stage<>("gather", inputs, Serdes.view(), Serdes.view(), Gather::new, topic, Serdes.view(), Serdes.view(),
                false, TimePolicy.DEFAULT.withClock(time.clock())));
            in = List.of(topic);
            main = time.clock() == TimePolicy.Clock.PROCESSING ? time : time.withClock(TimePolicy.Clock.EVENT);
        }
        boolean internal = !stages.isEmpty();
        stages.add(new Stage<>("main", in, Serdes.view(), Serdes.view(),
            () -> new WindowedAggregate<DirectBuffer, DirectBuffer, String, WindowAgg.Value, String, DirectBuffer>(windows, mode,
                "top", WindowBuiltins::recordKey, WindowAgg.aggregator(field), Serdes.string(), describedBy(WindowAgg.SERDE,
                    (WindowAgg.Value v, ExpandableArrayBuffer json, int at) -> json.putStringWithoutLengthAscii(at, ",\"latest\":" + WindowAgg.number(v.last(), v.integral()))),
                new Ranking(n, windows)), output, Serdes.string(), Serdes.view(), internal, main));
        return Topology.of(stages);
    }

    private static String recordKey(InputRecord<DirectBuffer, DirectBuffer> r) {
        if (r.key() == null) {
            throw new IllegalArgumentException("top ranks records by their key; this record has none");
        }
        return r.key().getStringWithoutLengthUtf8(0, r.key().capacity());
    }

    /** Copies records as they are into a one-partition topic. */
    static final class Gather implements Processor<DirectBuffer, DirectBuffer, DirectBuffer, DirectBuffer> {
        @Override
        public void process(InputRecord<DirectBuffer, DirectBuffer> r, ProcessorContext<DirectBuffer, DirectBuffer> ctx) {
            ctx.forward(r.key(), r.value());
        }
    }

    private static final byte[] KEY = bytes("{\"key\":");
    private static final byte[] START = bytes(",\"windowStart\":\"");
    private static final byte[] END = bytes("\",\"windowEnd\":\"");

    private static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** Writes an aggregate's fields (from the comma after {@code windowEnd}) at {@code at}; returns the bytes written. */
    @FunctionalInterface
    interface Fields<A> {
        int write(A aggregate, ExpandableArrayBuffer json, int at);
    }

    /** One record per key and window: {@code {"key":K,"windowStart":..,"windowEnd":..,"count":N}} (or the aggregate). */
    static final class PerKey<A> implements WindowedAggregate.Results<String, A, String, DirectBuffer> {
        private final WindowSpec windows;
        private final Fields<A> fields;
        private final ExpandableArrayBuffer json = new ExpandableArrayBuffer(256);
        private final UnsafeBuffer view = new UnsafeBuffer(0, 0);

        PerKey(WindowSpec windows, Fields<A> fields) {
            this.windows = windows;
            this.fields = fields;
        }

        @Override
        public void emit(long start, long end, List<String> keys, List<A> aggregates, ProcessorContext<String, DirectBuffer> ctx) {
            String s = windows.format(start);
            String e = windows.format(end);
            for (int i = 0; i < keys.size(); i++) {
                int n = 0;
                json.putBytes(n, KEY);
                n += KEY.length;
                n += Builtins.putJsonString(json, n, keys.get(i));
                json.putBytes(n, START);
                n += START.length;
                n += json.putStringWithoutLengthAscii(n, s);
                json.putBytes(n, END);
                n += END.length;
                n += json.putStringWithoutLengthAscii(n, e);
                json.putByte(n++, (byte) '"');
                n += fields.write(aggregates.get(i), json, n);
                json.putByte(n++, (byte) '}');
                view.wrap(json, 0, n);
                ctx.forward(keys.get(i), view, end - 1);
            }
        }
    }

    /** One record per window: the N highest latest values, ties by key; keyed by the window start. */
    static final class Ranking implements WindowedAggregate.Results<String, WindowAgg.Value, String, DirectBuffer> {
        private final int n;
        private final WindowSpec windows;
        private final UnsafeBuffer view = new UnsafeBuffer(0, 0);

        Ranking(int n, WindowSpec windows) {
            this.n = n;
            this.windows = windows;
        }

        @Override
        public boolean wholeWindow() {
            return true;
        }

        @Override
        public void emit(long start, long end, List<String> keys, List<WindowAgg.Value> aggregates,
                         ProcessorContext<String, DirectBuffer> ctx) {
            Integer[] order = new Integer[keys.size()];
            Arrays.setAll(order, i -> i);
            Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> -aggregates.get(i).last()).thenComparing(keys::get));
            StringBuilder b = new StringBuilder(64 + 48 * Math.min(n, keys.size()));
            String s = windows.format(start);
            b.append("{\"windowStart\":\"").append(s).append("\",\"windowEnd\":\"").append(windows.format(end)).append("\",\"top\":[");
            for (int r = 0; r < Math.min(n, order.length); r++) {
                int i = order[r];
                WindowAgg.Value v = aggregates.get(i);
                if (r > 0) {
                    b.append(',');
                }
                b.append("{\"rank\":").append(r + 1).append(",\"key\":\"");
                JsonStringEncoder.getInstance().quoteAsString(keys.get(i), b);
                b.append("\",\"value\":").append(WindowAgg.number(v.last(), v.integral())).append('}');
            }
            b.append("]}");
            byte[] json = b.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            view.wrap(json);
            ctx.forward(s, view, end - 1);
        }
    }
}
