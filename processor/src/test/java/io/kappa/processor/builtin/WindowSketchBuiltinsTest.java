package io.kappa.processor.builtin;

import io.kappa.processor.LogTest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import io.kappa.log.Event;
import io.kappa.log.Partitioner;
import io.kappa.log.Record;
import io.kappa.log.Topic;
import io.kappa.log.TopicConfig;
import io.kappa.processor.ProcessorRunner;
import io.kappa.processor.RunnerContext;
import io.kappa.processor.Topology;
import io.kappa.processor.window.DistinctCount;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static io.kappa.processor.builtin.BuiltinsTest.json;
import static io.kappa.processor.builtin.BuiltinsTest.readAll;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code window-agg --agg pNN | distinct} per day of a time zone, through the runner, against a batch computation over
 * the same events grouped by the local date; and a run stopped in the middle of the days and started again from its
 * checkpoint writes the windows an uninterrupted run writes.
 */
class WindowSketchBuiltinsTest extends LogTest {
    static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
    // 2026-03-05 .. 2026-03-11 in New York: clocks go forward on the 8th, so that day lasts 23 hours
    static final long FROM = Instant.parse("2026-03-05T05:00:00Z").toEpochMilli();
    static final long SPAN = 7 * 86_400_000L - 3_600_000L;

    record Ev(String user, String page, long time, double load) {
        byte[] json() {
            return ("{\"user\":\"" + user + "\",\"page\":\"" + page + "\",\"load\":" + load + "}").getBytes(StandardCharsets.UTF_8);
        }
    }

    /** Pages p0 (busy: thousands of users a day, past the exact limit) to p2 (a few dozen), in event-time order. */
    static List<Ev> events(long seed) {
        Random rnd = new Random(seed);
        List<Ev> evs = new ArrayList<>();
        for (int i = 0; i < 24_000; i++) {
            int page = rnd.nextInt(10) < 7 ? 0 : 1 + rnd.nextInt(2);
            String user = "u" + rnd.nextInt(page == 0 ? 20_000 : 40);
            double load = Math.round(Math.exp(rnd.nextGaussian() * 1.5 + 3) * 100) / 100.0;
            evs.add(new Ev(user, "p" + page, FROM + (long) (rnd.nextDouble() * SPAN), load));
        }
        evs.sort(Comparator.comparingLong(Ev::time));
        return evs;
    }

    void append(Topic t, List<Ev> evs) {
        for (Ev e : evs) {
            t.append(new Event(e.user().getBytes(StandardCharsets.UTF_8), e.json(), e.time(), null));
        }
    }

    /**
     * Records two days after the data from every input partition to every task after the repartition (its watermark
     * waits for every upstream task), so every day closes; their own day stays open.
     */
    void flush(Topic t) {
        int n = t.partitionCount();
        for (int p = 0; p < n; p++) {
            for (int q = 0; q < n; q++) {
                String page = null;
                for (int i = 0; page == null; i++) {
                    if (new Partitioner().partition(("~flush" + i).getBytes(StandardCharsets.UTF_8), n) == q) {
                        page = "~flush" + i;
                    }
                }
                t.append(p, new Event("flush".getBytes(StandardCharsets.UTF_8), ("{\"user\":\"x\",\"page\":\"" + page + "\",\"load\":1}")
                    .getBytes(StandardCharsets.UTF_8), FROM + SPAN + 2 * 86_400_000L, null));
            }
        }
    }

    void run(BuiltinSpec spec, String group) throws InterruptedException {
        Topology t = spec.topology(log, group, List.of("in"), group + "-out");
        ProcessorRunner r = new ProcessorRunner(log, t, new RunnerContext().group(group).threads(2).description(spec.describe()));
        r.start();
        try {
            assertTrue(r.awaitCaughtUp(60_000), "caught up");
        } finally {
            r.close();
        }
        assertNull(r.failure(), () -> String.valueOf(r.failure()));
    }

    /** (page, local date) -> the latest result; checks the bounds are the local day's. */
    static Map<String, JsonNode> results(List<Record> out) {
        Map<String, JsonNode> m = new TreeMap<>();
        for (Record r : out) {
            JsonNode v = json(r.valueString());
            if (v.get("key").asText().startsWith("~")) {
                continue;
            }
            OffsetDateTime start = OffsetDateTime.parse(v.get("windowStart").asText());
            OffsetDateTime end = OffsetDateTime.parse(v.get("windowEnd").asText());
            LocalDate day = start.atZoneSameInstant(NEW_YORK).toLocalDate();
            assertEquals(day.atStartOfDay(NEW_YORK).toOffsetDateTime(), start, "starts at local midnight: " + v);
            assertEquals(day.plusDays(1).atStartOfDay(NEW_YORK).toOffsetDateTime(), end, "ends at the next: " + v);
            assertEquals(end.toInstant().toEpochMilli() - 1, r.eventTime());
            m.put(v.get("key").asText() + "@" + day, v);
        }
        return m;
    }

    static Map<String, List<Ev>> byPageAndLocalDay(List<Ev> evs) {
        Map<String, List<Ev>> m = new TreeMap<>();
        for (Ev e : evs) {
            LocalDate day = Instant.ofEpochMilli(e.time()).atZone(NEW_YORK).toLocalDate();
            m.computeIfAbsent(e.page() + "@" + day, k -> new ArrayList<>()).add(e);
        }
        return m;
    }

    @ParameterizedTest(name = "{0} over {1} partitions")
    @CsvSource({"p99, 1", "p50, 3", "p99, 3", "p999, 1", "distinct, 3", "distinct, 1"})
    void perLocalDayTheyMatchABatchComputationAndARestartChangesNothing(String agg, int partitions) throws InterruptedException {
        log.createTopic("in", TopicConfig.partitions(partitions));
        Topic in = log.topic("in");
        List<Ev> evs = events(agg.hashCode() + partitions);
        BuiltinSpec spec = new BuiltinSpec("window-agg", Map.of("by", "page", "agg", agg, "field", agg.equals("distinct") ? "user" : "load",
            "size", "1d", "zone", "America/New_York"));

        // stopped in the middle of a day (state checkpointed with its days open), then run again over the rest
        int cut = evs.size() * 3 / 5;
        append(in, evs.subList(0, cut));
        run(spec, "g");
        append(in, evs.subList(cut, evs.size()));
        flush(in);
        run(spec, "g");
        run(spec, "once");

        Map<String, JsonNode> restarted = results(readAll(log.topic("g-out")));
        Map<String, JsonNode> once = results(readAll(log.topic("once-out")));
        assertEquals(once, restarted, "a restart from the checkpoint writes what one run writes");
        Map<String, List<Ev>> batch = byPageAndLocalDay(evs);
        assertEquals(batch.keySet(), once.keySet(), "a window per page and local day");
        assertEquals(23 * 3_600_000L, Instant.parse("2026-03-09T04:00:00Z").toEpochMilli()
            - OffsetDateTime.parse(once.get("p0@2026-03-08").get("windowStart").asText()).toInstant().toEpochMilli(),
            "the day clocks went forward lasts 23 hours");
        int estimated = 0;
        for (Map.Entry<String, List<Ev>> e : batch.entrySet()) {
            JsonNode v = once.get(e.getKey());
            List<Ev> day = e.getValue();
            if (agg.equals("distinct")) {
                Set<String> users = new HashSet<>();
                day.forEach(x -> users.add(x.user()));
                long n = v.get("distinct").asLong();
                if (users.size() <= DistinctCount.EXACT_LIMIT) {
                    assertTrue(v.get("exact").asBoolean(), v.toString());
                    assertEquals(users.size(), n, e.getKey());
                } else {
                    estimated++;
                    assertFalse(v.get("exact").asBoolean(), v.toString());
                    assertEquals(users.size(), n, users.size() * 3 * 1.04 / 64, e.getKey() + ": within 3 standard errors");
                    assertTrue(v.get("lowerBound").asLong() <= n && n <= v.get("upperBound").asLong(), v.toString());
                }
            } else {
                double level = switch (agg) {
                    case "p50" -> 50;
                    case "p99" -> 99;
                    default -> 99.9;
                };
                double[] loads = day.stream().mapToDouble(Ev::load).sorted().toArray();
                double exact = loads[(int) Math.max(1, (long) Math.ceil(Math.nextDown(level) / 100 * loads.length)) - 1];
                assertEquals(exact, v.get(agg).asDouble(), exact * 0.01, e.getKey() + ": within 1% of the batch value");
                assertEquals(loads.length, v.get("count").asLong());
            }
        }
        if (agg.equals("distinct")) {
            assertEquals(7, estimated, "the busy page's days went past the exact limit");
        }
        assertFalse(log.exists("g.dlq") && !readAll(log.topic("g.dlq")).isEmpty(), "nothing dead-lettered");
        assertFalse(log.exists("g.late") && !readAll(log.topic("g.late")).isEmpty(), "nothing late");
    }

    @Test
    void aNegativeLoadGoesToTheDeadLetterTopicAndTheWindowGoesOn() throws InterruptedException {
        log.createTopic("in", TopicConfig.partitions(1));
        Topic in = log.topic("in");
        append(in, List.of(new Ev("a", "p", FROM, 5), new Ev("b", "p", FROM + 1, -3), new Ev("c", "p", FROM + 2, 7)));
        flush(in);
        run(new BuiltinSpec("window-agg", new LinkedHashMap<>(Map.of("by", "page", "agg", "p50", "field", "load", "size", "1d"))), "n");
        List<Record> dlq = readAll(log.topic("n.dlq"));
        assertEquals(1, dlq.size());
        assertTrue(dlq.get(0).valueString().contains(">= 0"), dlq.get(0).valueString());
        JsonNode v = json(readAll(log.topic("n-out")).get(0).valueString());
        assertEquals(2, v.get("count").asLong(), "the two other loads: " + v);
        assertEquals(5, v.get("p50").asDouble(), 0.05);
        assertEquals("2026-03-05T00:00:00Z", v.get("windowStart").asText(), "without --zone, the UTC day, as before");
        assertTrue(Arrays.asList(BuiltinSpec.OPTIONS.toArray()).contains("zone"));
    }
}
