package io.kappa.processor.dsl;

import io.kappa.processor.LogTest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;
import io.kappa.log.Event;
import io.kappa.log.PartitionTailer;
import io.kappa.log.Topic;
import io.kappa.log.TopicConfig;
import io.kappa.processor.ProcessorRunner;
import io.kappa.processor.RunnerContext;
import io.kappa.processor.Serdes;
import io.kappa.processor.Topology;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class PipelineTest extends LogTest {
    private Map<String, List<String>> read(String topic) {
        Map<String, List<String>> out = new HashMap<>();
        Topic t = log.topic(topic);
        for (int p = 0; p < t.partitionCount(); p++) {
            try (PartitionTailer tailer = t.partition(p).newTailer()) {
                tailer.toStart();
                while (tailer.poll(v -> out.computeIfAbsent(v.keyString(), k -> new ArrayList<>()).add(v.valueString()), 1000) > 0) {
                    // drain
                }
            }
        }
        return out;
    }

    private void run(Topology t, String group) throws InterruptedException {
        try (ProcessorRunner r = new ProcessorRunner(log, t, new RunnerContext().group(group).threads(2))) {
            r.start();
            assertTrue(r.awaitCaughtUp(60_000));
        }
    }

    @Test
    void groupByFieldCountsThroughARepartitionStageAndMatchesABruteForceCount() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        Topic in = log.createTopic("clicks", TopicConfig.partitions(3));
        Map<String, Integer> expected = new HashMap<>();
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            String page = "p" + random.nextInt(20);
            boolean bot = random.nextInt(10) == 0;
            if (!bot) {
                expected.merge(page, 1, Integer::sum);
            }
            events.add(Event.of("u" + random.nextInt(50), "{\"page\":\"" + page + "\",\"bot\":" + bot + "}"));
        }
        in.appendBatch(events);
        Pipeline p = new Pipeline("pages");
        p.stream(List.of("clicks"), Serdes.string(), Serdes.json())
            .filter((user, click) -> !click.get("bot").asBoolean())
            .groupBy((user, click) -> click.get("page").asText(), Serdes.string(), Serdes.json())
            .count()
            .toStream()
            .to("page-counts", Serdes.string(), Serdes.longText());
        Topology t = p.build();
        assertEquals(2, t.stages().size());
        run(t, "pages");
        Map<String, List<String>> out = read("page-counts");
        assertEquals(expected.keySet(), out.keySet(), "seed " + seed);
        expected.forEach((page, n) -> {
            List<String> seq = out.get(page);
            assertEquals(n, seq.size(), "seed " + seed + " " + page);
            for (int i = 0; i < n; i++) {
                assertEquals(String.valueOf(i + 1), seq.get(i));
            }
        });
        assertEquals(3, log.topic("page-counts").partitionCount(), "created with the stage's partition count");
    }

    @Test
    void statelessStepsAndAggregateInOneStage() throws Exception {
        Topic in = log.createTopic("words", TopicConfig.partitions(1));
        in.appendBatch(List.of(Event.of("a", "x y"), Event.of("b", "y z"), Event.of("c", "")));
        Pipeline p = new Pipeline("w");
        KStream<String, String> words = p.stream(List.of("words"), Serdes.string(), Serdes.string())
            .flatMap((k, line) -> {
                List<KeyValue<String, String>> out = new ArrayList<>();
                for (String w : line.split(" ")) {
                    if (!w.isEmpty()) {
                        out.add(KeyValue.of(w, w.toUpperCase()));
                    }
                }
                return out;
            });
        words.to("upper", Serdes.string(), Serdes.string());
        words.groupByKey(Serdes.string(), Serdes.string())
            .aggregate(() -> "", (k, v, agg) -> agg + v, Serdes.string())
            .toStream()
            .mapValues(s -> s.length())
            .to("lengths", Serdes.string(), new io.kappa.processor.Serde<Integer>() {
                @Override
                public byte[] serialize(Integer value) {
                    return value.toString().getBytes(StandardCharsets.UTF_8);
                }

                @Override
                public Integer deserialize(org.agrona.DirectBuffer buffer, int offset, int length) {
                    return Integer.parseInt(buffer.getStringWithoutLengthAscii(offset, length));
                }
            });
        run(p.build(), "w");
        assertEquals(Map.of("x", List.of("X"), "y", List.of("Y", "Y"), "z", List.of("Z")), read("upper"));
        assertEquals(Map.of("x", List.of("1"), "y", List.of("1", "2"), "z", List.of("1")), read("lengths"));
    }

    @Test
    void aValueTheSerdeCannotReadGoesToTheDeadLetterTopic() throws Exception {
        Topic in = log.createTopic("j", TopicConfig.partitions(1));
        in.appendBatch(List.of(Event.of("a", "{\"n\":1}"), Event.of("b", "{oops"), Event.of("c", "{\"n\":2}")));
        Pipeline p = new Pipeline("j");
        p.stream(List.of("j"), Serdes.string(), Serdes.json())
            .mapValues((JsonNode v) -> v.get("n").asText())
            .to("n", Serdes.string(), Serdes.string());
        run(p.build(), "j");
        assertEquals(Map.of("a", List.of("1"), "c", List.of("2")), read("n"));
        assertEquals(1, read("j.dlq").get("b").size());
    }
}
