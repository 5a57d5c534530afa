package io.kappa.processor.dsl;

import java.util.function.BinaryOperator;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

import io.kappa.processor.InputRecord;
import io.kappa.processor.Serde;
import io.kappa.processor.Serdes;
import io.kappa.processor.window.DistinctCount;
import io.kappa.processor.window.Percentiles;
import io.kappa.processor.window.WindowAggregator;
import io.kappa.processor.window.WindowSpec;
import io.kappa.processor.window.WindowedAggregate;

/**
 * A grouped stream cut into event-time windows ({@link KGroupedStream#windowedBy}): aggregations per key and window,
 * written downstream as {@code (Windowed<K>, aggregate)} in an output mode (default: append, each window once when
 * the watermark closes it). They run the same {@link WindowedAggregate} as the built-ins: late records go to
 * {@code GROUP.late}, closed windows are evicted, the watermark follows the pipeline's {@link Pipeline#time}.
 * Results carry the event time {@code windowEnd - 1}, so a later event-time step puts them in the same window.
 */
public final class TimeWindowedKStream<K, V> {
    private final KStream<K, V> stream;
    private final Serde<K> keySerde;
    private final WindowSpec windows;

    TimeWindowedKStream(KStream<K, V> stream, Serde<K> keySerde, WindowSpec windows) {
        this.stream = stream;
        this.keySerde = keySerde;
        this.windows = windows;
    }

    public KStream<Windowed<K>, Long> count() {
        return count(null, WindowSpec.Mode.APPEND);
    }

    public KStream<Windowed<K>, Long> count(String storeName, WindowSpec.Mode mode) {
        return aggregate(storeName, mode, () -> 0L, (k, v, n) -> n + 1, Long::sum, Serdes.longs());
    }

    /**
     * The distribution of a number taken from each value, per key and window; read it with
     * {@link Percentiles#valueAt} (HdrHistogram, within 1%; see {@link Percentiles} for the error and range).
     */
    public KStream<Windowed<K>, Percentiles> percentiles(String storeName, WindowSpec.Mode mode, ToDoubleFunction<? super V> number) {
        return aggregate(storeName, mode, Percentiles::empty, (k, v, p) -> p.add(number.applyAsDouble(v)), Percentiles::merge,
            Percentiles.SERDE);
    }

    /**
     * How many distinct values (compared by their text) per key and window: exact up to
     * {@value DistinctCount#EXACT_LIMIT}, a HyperLogLog estimate beyond (see {@link DistinctCount} for the error).
     */
    public KStream<Windowed<K>, DistinctCount> distinct(String storeName, WindowSpec.Mode mode, Function<? super V, String> item) {
        return aggregate(storeName, mode, DistinctCount::empty, (k, v, d) -> d.add(item.apply(v)), DistinctCount::merge,
            DistinctCount.SERDE);
    }

    public <A> KStream<Windowed<K>, A> aggregate(Supplier<A> initializer, Aggregator<? super K, ? super V, A> aggregator,
                                                 Serde<A> aggregateSerde) {
        return aggregate(null, WindowSpec.Mode.APPEND, initializer, aggregator, null, aggregateSerde);
    }

    /**
     * @param merger how two sessions' aggregates combine when a record bridges them (session windows only; null
     *               for hopping and tumbling windows)
     */
    @SuppressWarnings("unchecked")
    public <A> KStream<Windowed<K>, A> aggregate(String name, WindowSpec.Mode mode, Supplier<A> initializer,
                                                 Aggregator<? super K, ? super V, A> aggregator, BinaryOperator<A> merger,
                                                 Serde<A> aggregateSerde) {
        if (windows.isSession() && merger == null) {
            throw new IllegalArgumentException("session windows need a merger for aggregates of sessions a record bridges");
        }
        String storeName = name != null ? name : stream.pipeline.newName("window");
        WindowAggregator<InputRecord<K, V>, A> steps = new WindowAggregator<>() {
            @Override
            public A initial() {
                return initializer.get();
            }

            @Override
            public A add(A aggregate, InputRecord<K, V> r) {
                return aggregator.apply(r.key(), r.value(), aggregate);
            }

            @Override
            public A merge(A earlier, A later) {
                return merger.apply(earlier, later);
            }
        };
        Pipeline.Def def = Pipeline.def((scope, down) -> {
            Pipeline.Current<K, V> current = new Pipeline.Current<>(scope);
            WindowedAggregate<K, V, K, A, Object, Object> w = new WindowedAggregate<>(windows, mode, storeName, InputRecord::key,
                steps, keySerde, aggregateSerde, (start, end, keys, aggregates, ctx) -> {
                    long time = scope.eventTime;
                    scope.eventTime = end - 1; // a result carries the last instant of its window, as the built-ins' do
                    try {
                        for (int i = 0; i < keys.size(); i++) {
                            down.accept(new Windowed<>(keys.get(i), start, end), aggregates.get(i));
                        }
                    } finally {
                        scope.eventTime = time;
                    }
                }, "window-" + storeName);
            w.init((io.kappa.processor.ProcessorContext<Object, Object>) (Object) scope.context);
            scope.timerHandlers.add(w);
            return (k, v) -> {
                if (k == null) {
                    throw new IllegalArgumentException("a record with no key cannot be aggregated");
                }
                w.process(current.of((K) k, (V) v), scope.context);
            };
        });
        stream.node.children.add(def);
        return new KStream<>(stream.pipeline, stream.stage, def);
    }
}
