package io.kappa.processor;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a group runs: one or more stages in order. A later stage may read a topic an earlier stage writes (a
 * repartition topic); every stage has its own tasks and checkpoints, so each hop is exactly-once on its own.
 */
public final class Topology {
    private final List<Stage<?, ?, ?, ?>> stages;

    private Topology(List<Stage<?, ?, ?, ?>> stages) {
        this.stages = List.copyOf(stages);
        Set<String> names = new HashSet<>();
        for (Stage<?, ?, ?, ?> s : stages) {
            if (!names.add(s.name())) {
                throw new IllegalArgumentException("two stages are named '" + s.name() + "'");
            }
        }
        if (stages.isEmpty()) {
            throw new IllegalArgumentException("a topology needs at least one stage");
        }
    }

    public static Topology of(List<Stage<?, ?, ?, ?>> stages) {
        return new Topology(stages);
    }

    /** A single stage named {@code main}. */
    public static <KIn, VIn, KOut, VOut> Topology single(List<String> inputs, Serde<KIn> keySerde, Serde<VIn> valueSerde,
                                                          ProcessorSupplier<KIn, VIn, KOut, VOut> processor, String output,
                                                          Serde<KOut> outputKeySerde, Serde<VOut> outputValueSerde) {
        List<Stage<?, ?, ?, ?>> list = new ArrayList<>();
        list.add(new Stage<>("main", inputs, keySerde, valueSerde, processor, output, outputKeySerde, outputValueSerde, false));
        return new Topology(list);
    }

    public List<Stage<?, ?, ?, ?>> stages() {
        return stages;
    }

    /** Topics read from outside the topology (not written by one of its stages). */
    public List<String> externalInputs() {
        List<String> out = new ArrayList<>();
        for (Stage<?, ?, ?, ?> s : stages) {
            if (!s.internal()) {
                for (String t : s.inputs()) {
                    if (!out.contains(t)) {
                        out.add(t);
                    }
                }
            }
        }
        return out;
    }

    /** Output topics of the stages, in order (internal topics included). */
    public List<String> outputs() {
        List<String> out = new ArrayList<>();
        for (Stage<?, ?, ?, ?> s : stages) {
            if (s.output() != null && !out.contains(s.output())) {
                out.add(s.output());
            }
        }
        return out;
    }
}
