package io.kappa.processor;

import java.util.List;
import java.util.Objects;

/**
 * One processing step: its input topics, the serdes to read them, the processor (a new one per task), and its
 * output topic with serdes. A stage has one task per input partition; task {@code p} reads partition {@code p}
 * of every input (inputs are co-partitioned).
 *
 * @param name         unique in the topology; names the stage's checkpoint files
 * @param inputs       topic names
 * @param output       topic name, or null for a stage that only writes with {@code forwardTo}
 * @param internal     true when the stage's inputs are written by an earlier stage of the same topology
 * @param time         the stage's clock, allowed disorder and idle timeout: what its watermark and timers follow
 */
public record Stage<KIn, VIn, KOut, VOut>(String name, List<String> inputs, Serde<KIn> keySerde, Serde<VIn> valueSerde,
                                          ProcessorSupplier<KIn, VIn, KOut, VOut> processor, String output,
                                          Serde<KOut> outputKeySerde, Serde<VOut> outputValueSerde, boolean internal,
                                          TimePolicy time) {
    public Stage(String name, List<String> inputs, Serde<KIn> keySerde, Serde<VIn> valueSerde,
                 ProcessorSupplier<KIn, VIn, KOut, VOut> processor, String output, Serde<KOut> outputKeySerde,
                 Serde<VOut> outputValueSerde, boolean internal) {
        this(name, inputs, keySerde, valueSerde, processor, output, outputKeySerde, outputValueSerde, internal, TimePolicy.DEFAULT);
    }

    public Stage {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(name, "name");
        inputs = List.copyOf(inputs);
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("stage '" + name + "' has no input topic");
        }
        Objects.requireNonNull(keySerde, "keySerde");
        Objects.requireNonNull(valueSerde, "valueSerde");
        Objects.requireNonNull(processor, "processor");
        if (output != null) {
            Objects.requireNonNull(outputKeySerde, "outputKeySerde");
            Objects.requireNonNull(outputValueSerde, "outputValueSerde");
        }
    }

    /** This stage with another time policy. */
    public Stage<KIn, VIn, KOut, VOut> withTime(TimePolicy policy) {
        return new Stage<>(name, inputs, keySerde, valueSerde, processor, output, outputKeySerde, outputValueSerde, internal, policy);
    }
}
