package io.kappa.processor.dsl;

import java.util.ArrayList;
import java.util.List;

import io.kappa.processor.InputRecord;
import io.kappa.processor.Processor;
import io.kappa.processor.ProcessorContext;
import io.kappa.processor.Serde;
import io.kappa.processor.Stage;
import io.kappa.processor.Topology;

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
 */
public final class Pipeline {
    final String group;
    final List<StageBuilder> stages = new ArrayList<>();
    private int names;

    public Pipeline(String group) {
        this.group = group;
    }

    public <K, V> KStream<K, V> stream(List<String> topics, Serde<K> keySerde, Serde<V> valueSerde) {
        StageBuilder s = new StageBuilder("main", List.copyOf(topics), keySerde, valueSerde, false);
        stages.add(s);
        return new KStream<>(this, s, s.root);
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
            out.add(s.toStage());
        }
        return Topology.of(out);
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

    /** What nodes of a task share: the context and the current record. */
    static final class Scope {
        final ProcessorContext<Object, Object> context;
        long eventTime;

        Scope(ProcessorContext<Object, Object> context) {
            this.context = context;
        }
    }

    static final class StageBuilder {
        final String name;
        final List<String> inputs;
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
            this.inputs = inputs;
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

        @SuppressWarnings({"unchecked", "rawtypes"})
        Stage<?, ?, ?, ?> toStage() {
            Def graph = root;
            return new Stage(name, inputs, keySerde, valueSerde, () -> new DslProcessor(graph), output,
                io.kappa.processor.Serdes.bytes(), io.kappa.processor.Serdes.bytes(), internal);
        }
    }

    /** Runs a stage's graph for one task. */
    static final class DslProcessor implements Processor<Object, Object, Object, Object> {
        private final Def graph;
        private Scope scope;
        private Node root;

        DslProcessor(Def graph) {
            this.graph = graph;
        }

        @Override
        public void init(ProcessorContext<Object, Object> context) {
            scope = new Scope(context);
            root = graph.instantiate(scope);
        }

        @Override
        public void process(InputRecord<Object, Object> record, ProcessorContext<Object, Object> context) throws Exception {
            scope.eventTime = record.eventTime();
            root.accept(record.key(), record.value());
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
