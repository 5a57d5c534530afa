package io.kappa.cli;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.kappa.processor.Serdes;
import io.kappa.processor.TimePolicy;
import io.kappa.processor.Topology;
import io.kappa.processor.TopologyFactory;
import io.kappa.processor.dsl.KGroupedStream;
import io.kappa.processor.dsl.KStream;
import io.kappa.processor.dsl.KeyValue;
import io.kappa.processor.dsl.Pipeline;
import io.kappa.processor.window.WindowSpec;

/**
 * A DSL topology with every kind of DSL store, for {@code kappa run --class}: per page (a repartition) a count, a
 * reduce, and 10-second tumbling windows of percentiles of {@code v}; per key, sessions counted by an aggregate.
 */
public class StatefulPipelineTopology implements TopologyFactory {
    @Override
    public Topology create(String group, List<String> inputs, String output, Map<String, String> options) {
        Pipeline p = new Pipeline(group).time(TimePolicy.eventTime(2_000));
        KStream<String, JsonNode> in = p.stream(inputs, Serdes.string(), Serdes.json());
        KGroupedStream<String, JsonNode> byPage = in.groupBy((k, v) -> v.path("page").asText(), Serdes.string(), Serdes.json());
        byPage.count("per-page").toStream().map((k, n) -> KeyValue.of(k, "count " + n)).to(output, Serdes.string(), Serdes.string());
        byPage.reduce("largest", (a, b) -> a.path("v").asInt() >= b.path("v").asInt() ? a : b).toStream()
            .map((k, v) -> KeyValue.of(k, "largest " + v)).to(output, Serdes.string(), Serdes.string());
        byPage.windowedBy(WindowSpec.tumbling(10_000, 0)).percentiles("v-10s", WindowSpec.Mode.APPEND, v -> v.path("v").asDouble())
            .map((w, pct) -> KeyValue.of(w.key(), "p90 " + pct.valueAt(90))).to(output, Serdes.string(), Serdes.string());
        in.groupByKey(Serdes.string(), Serdes.json())
            .windowedBy(WindowSpec.session(2_000, 0)).aggregate("sessions", WindowSpec.Mode.APPEND, () -> 0L, (k, v, n) -> n + 1,
                (a, b) -> a + b, Serdes.longs())
            .map((w, n) -> KeyValue.of(w.key(), "session " + n)).to(output, Serdes.string(), Serdes.string());
        return p.build();
    }
}
