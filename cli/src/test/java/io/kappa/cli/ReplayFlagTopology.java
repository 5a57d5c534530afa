package io.kappa.cli;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import io.kappa.processor.InputRecord;
import io.kappa.processor.Processor;
import io.kappa.processor.ProcessorContext;
import io.kappa.processor.Serdes;
import io.kappa.processor.Stage;
import io.kappa.processor.Topology;
import io.kappa.processor.TopologyFactory;

/**
 * A user topology of two stages for {@code kappa run --class}: the first re-keys each record by its value through
 * {@code GROUP.shuffle}, the second writes it out; each appends what {@code isReplaying()} said to the value, so a
 * test can see which records a group recomputed: {@code VALUE|first=true|second=false}.
 */
public class ReplayFlagTopology implements TopologyFactory {
    /** Forwards the record (keyed by its value when {@code rekey}) with "|NAME=isReplaying()" added to the value. */
    static final class Flag implements Processor<byte[], byte[], byte[], byte[]> {
        private final String name;
        private final boolean rekey;

        Flag(String name, boolean rekey) {
            this.name = name;
            this.rekey = rekey;
        }

        @Override
        public void process(InputRecord<byte[], byte[]> r, ProcessorContext<byte[], byte[]> ctx) {
            String v = new String(r.value(), StandardCharsets.UTF_8) + "|" + name + "=" + ctx.isReplaying();
            ctx.forward(rekey ? r.value() : r.key(), v.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Override
    public Topology create(String group, List<String> inputs, String output, Map<String, String> options) {
        String shuffle = group + ".shuffle";
        return Topology.of(List.of(
            new Stage<>("first", inputs, Serdes.bytes(), Serdes.bytes(), () -> new Flag("first", true), shuffle, Serdes.bytes(),
                Serdes.bytes(), false),
            new Stage<>("second", List.of(shuffle), Serdes.bytes(), Serdes.bytes(), () -> new Flag("second", false), output,
                Serdes.bytes(), Serdes.bytes(), true)));
    }
}
