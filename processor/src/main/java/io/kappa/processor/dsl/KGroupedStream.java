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

    public KTable<K, Long> count() {
        return aggregate(() -> 0L, (k, v, n) -> n + 1, Serdes.longs());
    }

    public KTable<K, V> reduce(BinaryOperator<V> reducer) {
        return aggregateInternal(null, (k, v, a) -> a == null ? v : reducer.apply(a, v), valueSerde);
    }

    public <A> KTable<K, A> aggregate(Supplier<A> initializer, Aggregator<? super K, ? super V, A> aggregator, Serde<A> aggregateSerde) {
        return aggregateInternal(initializer, aggregator, aggregateSerde);
    }

    @SuppressWarnings("unchecked")
    private <A> KTable<K, A> aggregateInternal(Supplier<A> initializer, Aggregator<? super K, ? super V, A> aggregator,
                                               Serde<A> aggregateSerde) {
        String storeName = stream.pipeline.newName("aggregate");
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
