package io.kappa.processor;

import java.util.List;
import java.util.Map;

/**
 * What a user class given to {@code kappa run --class} implements (with a public no-argument constructor), when
 * it needs more than one raw {@link Processor}: it builds the topology for the inputs and output given on the
 * command line; {@code options} holds the {@code --option key=value} pairs.
 */
@FunctionalInterface
public interface TopologyFactory {
    Topology create(String group, List<String> inputs, String output, Map<String, String> options);
}
