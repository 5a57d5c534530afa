package io.kappa.cli;

import java.util.List;
import java.util.Map;

import io.kappa.processor.InputRecord;
import io.kappa.processor.KeyValueStore;
import io.kappa.processor.Processor;
import io.kappa.processor.ProcessorContext;
import io.kappa.processor.Serdes;
import io.kappa.processor.Stage;
import io.kappa.processor.Topology;
import io.kappa.processor.TopologyFactory;

/** A count per key that takes {@code -o sleepMs=N} per record, for {@code kappa run --class}: a rebuild that lasts. */
public class SlowCountTopology implements TopologyFactory {
    static final class SlowCount implements Processor<String, String, String, String> {
        private final long sleepMs;
        private KeyValueStore<String, Long> counts;

        SlowCount(long sleepMs) {
            this.sleepMs = sleepMs;
        }

        @Override
        public void init(ProcessorContext<String, String> ctx) {
            counts = ctx.keyValueStore("counts", Serdes.string(), Serdes.longs());
        }

        @Override
        public void process(InputRecord<String, String> r, ProcessorContext<String, String> ctx) throws Exception {
            Thread.sleep(sleepMs);
            Long n = counts.get(r.key());
            long now = n == null ? 1 : n + 1;
            counts.put(r.key(), now);
            ctx.forward(r.key(), Long.toString(now));
        }
    }

    @Override
    public Topology create(String group, List<String> inputs, String output, Map<String, String> options) {
        long sleepMs = Long.parseLong(options.getOrDefault("sleepMs", "0"));
        return Topology.of(List.of(new Stage<>("main", inputs, Serdes.string(), Serdes.string(), () -> new SlowCount(sleepMs), output,
            Serdes.string(), Serdes.string(), false)));
    }
}
