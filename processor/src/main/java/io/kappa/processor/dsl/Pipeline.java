package io.kappa.processor.dsl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.databind.JsonNode;
import io.kappa.log.EventLog;
import io.kappa.processor.InputRecord;
import io.kappa.processor.KeyValueStore;
import io.kappa.processor.Processor;
import io.kappa.processor.ProcessorContext;
import io.kappa.processor.Serde;
import io.kappa.processor.Serdes;
import io.kappa.processor.Stage;
import io.kappa.processor.Topology;
import io.kappa.processor.builtin.JoinBuiltins;
import org.agrona.DirectBuffer;

/**
 * The fluent DSL: {@code stream -> filter/map -> groupBy -> count/aggregate -> to}, compiled into the same
 * {@link Stage}s and processors a hand-written topology uses, so it runs, checkpoints and recovers the same way.
 * <pre>{@code
 *   Pipeline p = new Pipeline("clicks-per-page");
 *   p.stream(List.of("clicks"), Serdes.string(), Serdes.json())
 *    .filter((user, click) -> click.has("page"))
 *    .groupBy((user, click) -> click.get("page").asText(), Serdes.string(), Serdes.json())
 *    .count()
 *    .toStream()
 *    .to("page-counts", Serdes.string(), Serdes.longText());
 *   Topology t = p.build();
 * }</pre>
 * A {@code groupBy} that changes the key writes the records to a repartition topic ({@code GROUP.dsl-N}) and
 * continues in a new stage that reads it, so every record of a key reaches the task that owns the key.
 *
 * <p>A topic read with {@link #table} is the latest value per key; a stream joins it with
 * {@link KStream#join(KTable, ValueJoiner)} or {@link KStream#leftJoin(KTable, ValueJoiner)}. The stage of the
 * stream then reads the table's topic too (task {@code p} reads partition {@code p} of both, in append-time order)
 * and keeps the table in a state store named {@code table-TOPIC}:
 * <pre>{@code
 *   KTable<String, JsonNode> users = p.table("users", Serdes.string(), Serdes.json());
 *   p.stream(List.of("clicks"), Serdes.string(), Serdes.json())
 *    .leftJoin(users, (click, user) -> user == null ? click : ((ObjectNode) click.deepCopy()).set("user", user))
 *    .to("enriched", Serdes.string(), Serdes.json());
 * }</pre>
 */
public final class Pipeline {
    final String group;
    final List<StageBuilder> stages = new ArrayList<>();
    private int names;

    private io.kappa.processor.TimePolicy time = io.kappa.processor.TimePolicy.DEFAULT;

    public Pipeline(String group) {
        this.group = group;
    }

    /**
     * The clock, allowed disorder and idle timeout of every stage (default: event time, no disorder): what the
     * watermarks of windowed aggregations follow.
     */
    public Pipeline time(io.kappa.processor.TimePolicy policy) {
        this.time = Objects.requireNonNull(policy, "policy");
        return this;
    }

    public <K, V> KStream<K, V> stream(List<String> topics, Serde<K> keySerde, Serde<V> valueSerde) {
        StageBuilder s = new StageBuilder("main", List.copyOf(topics), keySerde, valueSerde, false);
        stages.add(s);
        return new KStream<>(this, s, s.root);
    }

    /**
     * A topic read as a table: the latest value per key, for streams to join. A record with an empty value, or
     * whose value the serde reads as null (or as JSON {@code null}), deletes its key; a record without a key, or
     * one the serdes cannot read, fails (dead-letter topic or stop, by the group's error policy). The table is read
     * by the stage of each stream that joins it, and kept in that stage's state (checkpointed like any store).
     */
    public <K, V> KTable<K, V> table(String topic, Serde<K> keySerde, Serde<V> valueSerde) {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(keySerde, "keySerde");
        Objects.requireNonNull(valueSerde, "valueSerde");
        return new KTable<>(new TableSource<>(topic, keySerde, valueSerde));
    }

    String newName(String prefix) {
        return prefix + "-" + (names++);
    }

    StageBuilder newStage(String topic, Serde<?> keySerde, Serde<?> valueSerde) {
        StageBuilder s = new StageBuilder(newName("stage"), List.of(topic), keySerde, valueSerde, true);
        stages.add(s);
        return s;
    }

    /** The topology: one stage for the source, one more per key-changing groupBy. */
    public Topology build() {
        if (stages.isEmpty()) {
            throw new IllegalStateException("the pipeline has no stream");
        }
        List<Stage<?, ?, ?, ?>> out = new ArrayList<>();
        for (StageBuilder s : stages) {
            out.add(s.toStage().withTime(time));
        }
        return Topology.of(out);
    }

    /**
     * {@link #build()}, after checking against the log that each stage joining a table reads co-partitioned
     * topics: a task reads partition {@code p} of every input, so the stream's topics and the tables' topics need
     * the same partition count.
     */
    public Topology build(EventLog log) {
        Topology t = build();
        for (StageBuilder s : stages) {
            if (!s.tables.isEmpty()) {
                for (int i = 1; i < s.inputs.size(); i++) {
                    JoinBuiltins.requireCoPartitioned(log, s.inputs.get(0), s.inputs.get(i));
                }
            }
        }
        return t;
    }

    /** One node of a stage's graph; {@link #create} makes its per-task runtime. */
    abstract static class Def {
        final List<Def> children = new ArrayList<>();

        abstract Node create(Scope scope, Node downstream);

        Node instantiate(Scope scope) {
            Node down;
            if (children.isEmpty()) {
                down = (k, v) -> { };
            } else if (children.size() == 1) {
                down = children.get(0).instantiate(scope);
            } else {
                List<Node> nodes = new ArrayList<>();
                for (Def c : children) {
                    nodes.add(c.instantiate(scope));
                }
                down = (k, v) -> {
                    for (Node n : nodes) {
                        n.accept(k, v);
                    }
                };
            }
            return create(scope, down);
        }
    }

    /** A node at run time, in one task. */
    @FunctionalInterface
    interface Node {
        void accept(Object key, Object value) throws Exception;
    }

    /** What nodes of a task share: the context, the current record and the tables the stage reads. */
    static final class Scope {
        final ProcessorContext<Object, Object> context;
        final Map<String, TableState<?, ?>> tables = new HashMap<>();
        final List<Processor<?, ?, Object, Object>> timerHandlers = new ArrayList<>();
        long eventTime;
        InputRecord<Object, Object> record;

        Scope(ProcessorContext<Object, Object> context) {
            this.context = context;
        }

        TableState<?, ?> table(String topic) {
            TableState<?, ?> t = tables.get(topic);
            if (t == null) {
                throw new IllegalStateException("table '" + topic + "' is not read by this stage");
            }
            return t;
        }
    }

    /**
     * The record being processed as a step further down sees it: its position and times, with the key and value the
     * steps before have made.
     */
    static final class Current<K, V> implements InputRecord<K, V> {
        private final Scope scope;
        private K key;
        private V value;

        Current(Scope scope) {
            this.scope = scope;
        }

        Current<K, V> of(K k, V v) {
            this.key = k;
            this.value = v;
            return this;
        }

        private InputRecord<Object, Object> r() {
            if (scope.record == null) {
                throw new IllegalStateException("no record is being processed");
            }
            return scope.record;
        }

        @Override
        public String topic() {
            return r().topic();
        }

        @Override
        public int partition() {
            return r().partition();
        }

        @Override
        public long offset() {
            return r().offset();
        }

        @Override
        public long eventTime() {
            return r().eventTime();
        }

        @Override
        public long appendTime() {
            return r().appendTime();
        }

        @Override
        public K key() {
            return key;
        }

        @Override
        public V value() {
            return value;
        }

        @Override
        public String id() {
            return r().id();
        }

        @Override
        public byte[] keyBytes() {
            return r().keyBytes();
        }

        @Override
        public byte[] valueBytes() {
            return r().valueBytes();
        }
    }

    /** A topic read as a table, as declared. */
    static final class TableSource<K, V> {
        final String topic;
        final Serde<K> keySerde;
        final Serde<V> valueSerde;

        TableSource(String topic, Serde<K> keySerde, Serde<V> valueSerde) {
            this.topic = topic;
            this.keySerde = keySerde;
            this.valueSerde = valueSerde;
        }

        String storeName() {
            return "table-" + topic;
        }
    }

    /**
     * A table in one task: key bytes to value bytes (so keys and values of any serde, views included, can be
     * kept), read back through the table's serdes on each lookup.
     */
    static final class TableState<K, V> {
        private final String topic;
        private final Serde<K> keySerde;
        private final Serde<V> valueSerde;
        private final KeyValueStore<ByteKey, byte[]> rows;

        TableState(TableSource<K, V> source, ProcessorContext<?, ?> context) {
            this.topic = source.topic;
            this.keySerde = source.keySerde.forTask();
            this.valueSerde = source.valueSerde.forTask();
            this.rows = context.keyValueStore(source.storeName(), ByteKey.SERDE, Serdes.bytes());
        }

        /** A record of the table's topic: an upsert, or a delete. */
        void apply(DirectBuffer key, DirectBuffer value) {
            if (key == null) {
                throw new IllegalArgumentException("a record of table '" + topic + "' needs a key");
            }
            keySerde.deserialize(key, 0, key.capacity()); // a key the serde cannot read fails here, as a stream's would
            ByteKey k = new ByteKey(bytes(key));
            if (value.capacity() == 0 || isNull(valueSerde.deserialize(value, 0, value.capacity()))) {
                rows.delete(k);
            } else {
                rows.put(k, bytes(value));
            }
        }

        V get(K key) {
            byte[] row = rows.get(new ByteKey(keySerde.serialize(key)));
            return row == null ? null : valueSerde.deserialize(row);
        }

        private static boolean isNull(Object v) {
            return v == null || v instanceof JsonNode n && n.isNull();
        }

        private static byte[] bytes(DirectBuffer b) {
            byte[] a = new byte[b.capacity()];
            b.getBytes(0, a);
            return a;
        }
    }

    /** Bytes compared by content, as a store key. */
    static final class ByteKey {
        final byte[] bytes;
        private final int hash;

        ByteKey(byte[] bytes) {
            this.bytes = bytes;
            this.hash = Arrays.hashCode(bytes);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ByteKey k && Arrays.equals(bytes, k.bytes);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        static final Serde<ByteKey> SERDE = new Serde<>() {
            @Override
            public byte[] serialize(ByteKey value) {
                return value.bytes;
            }

            @Override
            public ByteKey deserialize(DirectBuffer buffer, int offset, int length) {
                byte[] b = new byte[length];
                buffer.getBytes(offset, b);
                return new ByteKey(b);
            }
        };
    }

    static final class StageBuilder {
        final String name;
        final List<String> inputs;
        final Map<String, TableSource<?, ?>> tables = new LinkedHashMap<>();
        final Serde<?> keySerde;
        final Serde<?> valueSerde;
        final boolean internal;
        final Def root = new Def() {
            @Override
            Node create(Scope scope, Node downstream) {
                return downstream;
            }
        };
        String output;

        StageBuilder(String name, List<String> inputs, Serde<?> keySerde, Serde<?> valueSerde, boolean internal) {
            this.name = name;
            this.inputs = new ArrayList<>(inputs);
            this.keySerde = keySerde;
            this.valueSerde = valueSerde;
            this.internal = internal;
        }

        /** The stage's declared output (created by the runner with the stage's partition count): its first sink. */
        void sink(String topic, boolean preferred) {
            if (output == null || preferred) {
                output = topic;
            }
        }

        /** The stage reads the table's topic too (once, however often it is joined). */
        void addTable(TableSource<?, ?> table) {
            if (internal) {
                throw new IllegalArgumentException("table '" + table.topic + "' can only be joined before a groupBy that "
                    + "repartitions: the stage after it reads the repartition topic, partitioned by the new key");
            }
            TableSource<?, ?> known = tables.get(table.topic);
            if (known == table) {
                return;
            }
            if (known != null) {
                throw new IllegalArgumentException("topic '" + table.topic + "' is read as two tables; join the same KTable");
            }
            if (inputs.contains(table.topic)) {
                throw new IllegalArgumentException("topic '" + table.topic + "' is read both as a stream and as a table");
            }
            inputs.add(table.topic);
            tables.put(table.topic, table);
        }

        @SuppressWarnings({"unchecked", "rawtypes"})
        Stage<?, ?, ?, ?> toStage() {
            Def graph = root;
            if (tables.isEmpty()) {
                return new Stage(name, inputs, keySerde, valueSerde, () -> new DslProcessor(graph), output,
                    io.kappa.processor.Serdes.bytes(), io.kappa.processor.Serdes.bytes(), internal);
            }
            // the inputs need different serdes: the stage passes views on, the processor reads each by its topic
            List<TableSource<?, ?>> ts = List.copyOf(tables.values());
            Serde<?> ks = keySerde;
            Serde<?> vs = valueSerde;
            return new Stage(name, inputs, Serdes.view(), Serdes.view(), () -> new DslProcessor(graph, ks, vs, ts), output,
                Serdes.bytes(), Serdes.bytes(), internal);
        }
    }

    /**
     * Runs a stage's graph for one task. A stage that reads tables gets every input as views: table records
     * update their table, stream records are read with the stream's serdes and go through the graph.
     */
    static final class DslProcessor implements Processor<Object, Object, Object, Object> {
        private final Def graph;
        private final Serde<?> streamKeySerde;
        private final Serde<?> streamValueSerde;
        private final List<TableSource<?, ?>> tableSources;
        private Serde<?> keys;
        private Serde<?> values;
        private Scope scope;
        private Node root;

        DslProcessor(Def graph) {
            this(graph, null, null, List.of());
        }

        DslProcessor(Def graph, Serde<?> streamKeySerde, Serde<?> streamValueSerde, List<TableSource<?, ?>> tableSources) {
            this.graph = graph;
            this.streamKeySerde = streamKeySerde;
            this.streamValueSerde = streamValueSerde;
            this.tableSources = tableSources;
        }

        @Override
        public void init(ProcessorContext<Object, Object> context) {
            scope = new Scope(context);
            if (!tableSources.isEmpty()) {
                keys = streamKeySerde.forTask();
                values = streamValueSerde.forTask();
                for (TableSource<?, ?> t : tableSources) {
                    scope.tables.put(t.topic, new TableState<>(t, context));
                }
            }
            root = graph.instantiate(scope);
        }

        @Override
        public void process(InputRecord<Object, Object> record, ProcessorContext<Object, Object> context) throws Exception {
            Object key = record.key();
            Object value = record.value();
            if (!tableSources.isEmpty()) {
                DirectBuffer k = (DirectBuffer) key;
                DirectBuffer v = (DirectBuffer) value;
                TableState<?, ?> table = scope.tables.get(record.topic());
                if (table != null) {
                    table.apply(k, v);
                    return;
                }
                key = k == null ? null : keys.deserialize(k, 0, k.capacity());
                value = values.deserialize(v, 0, v.capacity());
            }
            scope.eventTime = record.eventTime();
            scope.record = record;
            try {
                root.accept(key, value);
            } finally {
                scope.record = null;
            }
        }

        @Override
        public void onTimer(long time, String name, ProcessorContext<Object, Object> context) throws Exception {
            for (Processor<?, ?, Object, Object> p : scope.timerHandlers) {
                p.onTimer(time, name, context);
            }
        }
    }

    static Def def(java.util.function.BiFunction<Scope, Node, Node> factory) {
        return new Def() {
            @Override
            Node create(Scope scope, Node downstream) {
                return factory.apply(scope, downstream);
            }
        };
    }
}
