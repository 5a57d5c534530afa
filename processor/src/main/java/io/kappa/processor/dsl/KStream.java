package io.kappa.processor.dsl;

import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.BiPredicate;
import java.util.function.Function;

import io.kappa.processor.Serde;

/** A stream of keyed records in the DSL; each call adds a step and returns the stream after it. */
public final class KStream<K, V> {
    final Pipeline pipeline;
    final Pipeline.StageBuilder stage;
    final Pipeline.Def node;

    KStream(Pipeline pipeline, Pipeline.StageBuilder stage, Pipeline.Def node) {
        this.pipeline = pipeline;
        this.stage = stage;
        this.node = node;
    }

    private <K2, V2> KStream<K2, V2> then(Pipeline.Def def) {
        node.children.add(def);
        return new KStream<>(pipeline, stage, def);
    }

    @SuppressWarnings("unchecked")
    public KStream<K, V> filter(BiPredicate<? super K, ? super V> predicate) {
        return then(Pipeline.def((scope, down) -> (k, v) -> {
            if (predicate.test((K) k, (V) v)) {
                down.accept(k, v);
            }
        }));
    }

    @SuppressWarnings("unchecked")
    public <V2> KStream<K, V2> mapValues(Function<? super V, ? extends V2> mapper) {
        return then(Pipeline.def((scope, down) -> (k, v) -> down.accept(k, mapper.apply((V) v))));
    }

    @SuppressWarnings("unchecked")
    public <K2, V2> KStream<K2, V2> map(BiFunction<? super K, ? super V, KeyValue<K2, V2>> mapper) {
        return then(Pipeline.def((scope, down) -> (k, v) -> {
            KeyValue<K2, V2> kv = mapper.apply((K) k, (V) v);
            down.accept(kv.key(), kv.value());
        }));
    }

    @SuppressWarnings("unchecked")
    public <K2, V2> KStream<K2, V2> flatMap(BiFunction<? super K, ? super V, ? extends Iterable<KeyValue<K2, V2>>> mapper) {
        return then(Pipeline.def((scope, down) -> (k, v) -> {
            for (KeyValue<K2, V2> kv : mapper.apply((K) k, (V) v)) {
                down.accept(kv.key(), kv.value());
            }
        }));
    }

    @SuppressWarnings("unchecked")
    public KStream<K, V> peek(BiConsumer<? super K, ? super V> action) {
        return then(Pipeline.def((scope, down) -> (k, v) -> {
            action.accept((K) k, (V) v);
            down.accept(k, v);
        }));
    }

    /**
     * Joins each record with the row its key has in {@code table} at that moment (the stage reads the table's topic
     * alongside its input, in append-time order); records whose key has no row are dropped. The key must be the
     * one the input is partitioned by (no map to a new key before the join), and the table's topic must be
     * partitioned the same way with as many partitions ({@link Pipeline#build(io.kappa.log.EventLog)} checks the
     * count). Keys match by their bytes under the table's key serde. A record without a key fails.
     */
    public <VT, VR> KStream<K, VR> join(KTable<K, VT> table, ValueJoiner<? super V, ? super VT, ? extends VR> joiner) {
        return tableJoin(table, joiner, false);
    }

    /** As {@link #join(KTable, ValueJoiner)}, but a record whose key has no row is joined with {@code null}. */
    public <VT, VR> KStream<K, VR> leftJoin(KTable<K, VT> table, ValueJoiner<? super V, ? super VT, ? extends VR> joiner) {
        return tableJoin(table, joiner, true);
    }

    @SuppressWarnings("unchecked")
    private <VT, VR> KStream<K, VR> tableJoin(KTable<K, VT> table, ValueJoiner<? super V, ? super VT, ? extends VR> joiner,
                                              boolean left) {
        java.util.Objects.requireNonNull(joiner, "joiner");
        if (table.source == null) {
            throw new IllegalArgumentException("only a table read with Pipeline.table can be joined; an aggregation's table lives in "
                + "its own stage");
        }
        Pipeline.TableSource<K, VT> source = table.source;
        stage.addTable(source);
        return then(Pipeline.def((scope, down) -> {
            Pipeline.TableState<K, VT> rows = (Pipeline.TableState<K, VT>) scope.table(source.topic);
            return (k, v) -> {
                if (k == null) {
                    throw new IllegalArgumentException("a record with no key cannot be joined with table '" + source.topic + "'");
                }
                VT row = rows.get((K) k);
                if (row != null || left) {
                    down.accept(k, joiner.apply((V) v, row));
                }
            };
        }));
    }

    /** Writes the stream to a topic (created, if missing, with the stage's partition count for the first sink). */
    @SuppressWarnings("unchecked")
    public void to(String topic, Serde<K> keySerde, Serde<V> valueSerde) {
        stage.sink(topic, false);
        node.children.add(Pipeline.def((scope, down) -> (k, v) -> scope.context.forwardTo(topic,
            k == null ? null : keySerde.serialize((K) k), valueSerde.serialize((V) v), scope.eventTime)));
    }

    /** Groups by the current key: no repartition (the key must be what the input is partitioned by). */
    public KGroupedStream<K, V> groupByKey(Serde<K> keySerde, Serde<V> valueSerde) {
        return new KGroupedStream<>(this, keySerde, valueSerde);
    }

    /**
     * Groups by a new key: records go through a repartition topic ({@code GROUP.dsl-N}, written with these serdes)
     * to a new stage, so that all records of a key meet in one task.
     */
    public <K2> KGroupedStream<K2, V> groupBy(BiFunction<? super K, ? super V, K2> keyMapper, Serde<K2> keySerde, Serde<V> valueSerde) {
        String topic = pipeline.group + "." + pipeline.newName("dsl");
        KStream<K2, V> rekeyed = map((k, v) -> KeyValue.of(keyMapper.apply(k, v), v));
        rekeyed.stage.sink(topic, true);
        rekeyed.to(topic, keySerde, valueSerde);
        Pipeline.StageBuilder next = pipeline.newStage(topic, keySerde, valueSerde);
        return new KGroupedStream<>(new KStream<>(pipeline, next, next.root), keySerde, valueSerde);
    }
}
