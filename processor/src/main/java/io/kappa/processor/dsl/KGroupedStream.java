package io.kappa.processor.dsl;

import java.util.function.BinaryOperator;
import java.util.function.Supplier;

import io.kappa.processor.KeyValueStore;
import io.kappa.processor.Serde;
import io.kappa.processor.Serdes;

/** A stream grouped by key: aggregations keep one value per key in a state store and emit each change. */
public final class KGroupedStream<K, V> {
    private final KStream<K, V> stream;
    private final Serde<K> keySerde;
    private final Serde<V> valueSerde;

    KGroupedStream(KStream<K, V> stream, Serde<K> keySerde, Serde<V> valueSerde) {
        this.stream = stream;
        this.keySerde = keySerde;
        this.valueSerde = valueSerde;
    }

    /** Aggregations per key and event-time window (tumbling, hopping or session), see {@link TimeWindowedKStream}. */
    public TimeWindowedKStream<K, V> windowedBy(io.kappa.processor.window.WindowSpec windows) {
        return new TimeWindowedKStream<>(stream, keySerde, java.util.Objects.requireNonNull(windows, "windows"));
    }

    public KTable<K, Long> count() {
        return count(null);
    }

    /**
     * With a store name, the state survives edits of the pipeline around it. Unnamed stores are named by kind and
     * numbered in the order steps are declared ({@code count-3}), so inserting a step before one renames it: a
     * restart then refuses the checkpoint (its store is not opened) rather than mixing states up. Name stores
     * whose pipeline may change.
     */
    public KTable<K, Long> count(String storeName) {
        return aggregateInternal(storeName, "count", () -> 0L, (k, v, n) -> n + 1, Serdes.longs());
    }

    public KTable<K, V> reduce(BinaryOperator<V> reducer) {
        return reduce(null, reducer);
    }

    public KTable<K, V> reduce(String storeName, BinaryOperator<V> reducer) {
        return aggregateInternal(storeName, "reduce", null, (k, v, a) -> a == null ? v : reducer.apply(a, v), valueSerde);
    }

    public <A> KTable<K, A> aggregate(Supplier<A> initializer, Aggregator<? super K, ? super V, A> aggregator, Serde<A> aggregateSerde) {
        return aggregateInternal(null, "aggregate", initializer, aggregator, aggregateSerde);
    }

    public <A> KTable<K, A> aggregate(String storeName, Supplier<A> initializer, Aggregator<? super K, ? super V, A> aggregator,
                                      Serde<A> aggregateSerde) {
        return aggregateInternal(storeName, "aggregate", initializer, aggregator, aggregateSerde);
    }

    @SuppressWarnings("unchecked")
    private <A> KTable<K, A> aggregateInternal(String name, String kind, Supplier<A> initializer, Aggregator<? super K, ? super V, A> aggregator,
                                               Serde<A> aggregateSerde) {
        String storeName = name != null ? name : stream.pipeline.newName(kind);
        Pipeline.Def def = Pipeline.def((scope, down) -> {
            KeyValueStore<K, A> store = scope.context.keyValueStore(storeName, keySerde, aggregateSerde);
            return (k, v) -> {
                if (k == null) {
                    throw new IllegalArgumentException("a record with no key cannot be aggregated");
                }
                A old = store.get((K) k);
                A now = aggregator.apply((K) k, (V) v, old != null ? old : initializer == null ? null : initializer.get());
                store.put((K) k, now);
                down.accept(k, now);
            };
        });
        stream.node.children.add(def);
        return new KTable<>(new KStream<>(stream.pipeline, stream.stage, def));
    }
}
