package io.kappa.processor.window;

import io.kappa.processor.LogTest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import io.kappa.log.Event;
import io.kappa.log.PartitionTailer;
import io.kappa.log.Topic;
import io.kappa.log.TopicConfig;
import io.kappa.processor.InputRecord;
import io.kappa.processor.ProcessorContext;
import io.kappa.processor.ProcessorRunner;
import io.kappa.processor.ProcessorSupplier;
import io.kappa.processor.RunnerContext;
import io.kappa.processor.Serdes;
import io.kappa.processor.Stage;
import io.kappa.processor.Tally;
import io.kappa.processor.TimePolicy;
import io.kappa.processor.Topology;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** WindowedAggregate with a user-defined aggregator, as Java code uses it (no built-in). */
class WindowedAggregateTest extends LogTest {
    /** Distinct users per page, as "u1,u3"; a value "boom" makes it throw after it has built its new aggregate. */
    static final WindowAggregator<InputRecord<String, String>, String> DISTINCT = new WindowAggregator<>() {
        @Override
        public String initial() {
            return "";
        }

        @Override
        public String add(String aggregate, InputRecord<String, String> r) {
            TreeSet<String> users = new TreeSet<>(aggregate.isEmpty() ? List.of() : List.of(aggregate.split(",")));
            users.add(r.value());
            if (r.value().equals("boom")) {
                throw new IllegalStateException("boom");
            }
            return String.join(",", users);
        }

        @Override
        public String merge(String earlier, String later) {
            TreeSet<String> users = new TreeSet<>(List.of(earlier.split(",")));
            users.addAll(List.of(later.split(",")));
            return String.join(",", users);
        }
    };

    static final WindowedAggregate.Results<String, String, String, String> TEXT = (start, end, keys, aggregates, ctx) -> {
        for (int i = 0; i < keys.size(); i++) {
            ctx.forward(keys.get(i), keys.get(i) + " [" + start + "," + end + ") " + aggregates.get(i), end - 1);
        }
    };

    List<String> run(WindowSpec spec, WindowSpec.Mode mode, long ooo, String group) throws InterruptedException {
        return run(group, ooo, () -> new WindowedAggregate<>(spec, mode, "distinct", InputRecord::key, DISTINCT, Serdes.string(),
            Serdes.string(), TEXT));
    }

    /** Runs {@code processor} over "in" until caught up; what it wrote to GROUP-out. */
    List<String> run(String group, long ooo, ProcessorSupplier<String, String, String, String> processor)
        throws InterruptedException {
        Stage<String, String, String, String> stage = new Stage<>("main", List.of("in"), Serdes.string(), Serdes.string(),
            processor, group + "-out", Serdes.string(), Serdes.string(), false, TimePolicy.eventTime(ooo));
        try (ProcessorRunner r = new ProcessorRunner(log, Topology.of(List.of(stage)), new RunnerContext().group(group))) {
            r.start();
            assertTrue(r.awaitCaughtUp(30_000));
            r.close();
            assertNull(r.failure());
        }
        List<String> out = new ArrayList<>();
        try (PartitionTailer t = log.topic(group + "-out").partition(0).newTailer()) {
            while (t.poll(v -> out.add(v.valueString()), 100) > 0) {
                // drain
            }
        }
        return out;
    }

    void append(String key, String user, long time) {
        log.topic("in").append(new Event(key.getBytes(StandardCharsets.UTF_8), user.getBytes(StandardCharsets.UTF_8), time, null));
    }

    @Test
    void aUserDefinedAggregatorOverTumblingWindowsAndAFailedRecordLeavesNoTrace() throws InterruptedException {
        log.createTopic("in", TopicConfig.partitions(1));
        append("p1", "u2", 1_000);
        append("p1", "u1", 1_500);
        append("p2", "u1", 2_000);
        append("p1", "boom", 3_000); // fails after building its aggregate: undone, dead-lettered
        append("p1", "u2", 9_999);
        append("p1", "u3", 10_000);
        append("p1", "u9", 25_000); // closes [10000, 20000)
        assertEquals(List.of("p1 [0,10000) u1,u2", "p2 [0,10000) u1", "p1 [10000,20000) u3"),
            run(WindowSpec.tumbling(10_000, 0), WindowSpec.Mode.APPEND, 0, "g"));
        Topic dlq = log.topic("g.dlq");
        assertEquals(1, dlq.partition(0).endOffset(), "the failed record went to the dead-letter topic");
    }

    /**
     * Counts a page's users in place ({@link Tally}: count/last user number); a user "boom" fails the record after
     * its second window has been changed, so the undo has two windows changed in place to restore.
     */
    static final class InPlaceCount implements WindowAggregator<InputRecord<String, String>, Tally> {
        private int booms;

        @Override
        public Tally initial() {
            return new Tally(0, 0);
        }

        @Override
        public Tally add(Tally aggregate, InputRecord<String, String> r) {
            Tally t = new Tally(0, 0);
            t.restoreFrom(state(aggregate), 0);
            addInPlace(t, r);
            return t;
        }

        private static long[] state(Tally t) {
            long[] s = new long[2];
            t.saveTo(s, 0);
            return s;
        }

        @Override
        public boolean addsInPlace() {
            return true;
        }

        @Override
        public void addInPlace(Tally aggregate, InputRecord<String, String> r) {
            if (r.value().equals("boom")) {
                aggregate.add(-1);
                if (++booms % 2 == 0) {
                    throw new IllegalStateException("boom");
                }
                return;
            }
            aggregate.add(Long.parseLong(r.value().substring(1)));
        }
    }

    @Test
    void anAggregatorThatAddsInPlaceOverHoppingWindowsAndAFailedRecordLeavesNoTrace() throws InterruptedException {
        log.createTopic("in", TopicConfig.partitions(1));
        append("p1", "u1", 6_000);  // windows [0,10000) and [5000,15000)
        append("p1", "u2", 7_000);
        append("p2", "u3", 8_000);
        append("p1", "boom", 9_000); // changes both of p1's windows, fails on the second: both undone
        append("p1", "u4", 9_500);
        append("p1", "u5", 12_000); // [5000,15000) and [10000,20000)
        append("p1", "u6", 40_000); // closes them all
        List<String> out = run("h", 0, () -> new WindowedAggregate<>(WindowSpec.hopping(10_000, 5_000, 0), WindowSpec.Mode.APPEND,
            "tally", InputRecord::key, new InPlaceCount(), Serdes.string(), Tally.SERDE,
            (start, end, keys, aggregates, ctx) -> {
                for (int i = 0; i < keys.size(); i++) {
                    ctx.forward(keys.get(i), keys.get(i) + " [" + start + "," + end + ") " + aggregates.get(i), end - 1);
                }
            }));
        assertEquals(List.of("p1 [0,10000) 3/4", "p2 [0,10000) 1/3", "p1 [5000,15000) 4/5", "p2 [5000,15000) 1/3",
            "p1 [10000,20000) 1/5"), out);
        assertEquals(1, log.topic("h.dlq").partition(0).endOffset(), "the failed record went to the dead-letter topic");
    }

    @Test
    void sessionsMergeWhenALateRecordBridgesThem() throws InterruptedException {
        log.createTopic("in", TopicConfig.partitions(1));
        append("k", "a", 0);
        append("k", "b", 10_000); // a second session: gap 3 s
        append("k", "c", 5_000);  // 5 s out of order: within the allowed 8 s, but apart from both
        append("k", "d", 2_500);  // bridges [0,3000) and [5000,8000)
        append("k", "e", 7_500);  // bridges the merged session and [10000,13000)
        append("k", "z", 30_000);
        assertEquals(List.of("k [0,13000) a,b,c,d,e"), run(WindowSpec.session(3_000, 0), WindowSpec.Mode.APPEND, 8_000, "s"));
    }

    @Test
    void updateModeWritesEveryChangeAndCompleteModeTheWholeTableAtEachClose() throws InterruptedException {
        log.createTopic("in", TopicConfig.partitions(1));
        append("p", "u1", 100);
        append("q", "u2", 200);
        append("p", "u3", 1_100);
        append("p", "u4", 2_100);
        assertEquals(List.of("p [0,1000) u1", "q [0,1000) u2", "p [1000,2000) u3", "p [2000,3000) u4"),
            run(WindowSpec.tumbling(1_000, 0), WindowSpec.Mode.UPDATE, 0, "u"));
        assertEquals(List.of("p [0,1000) u1", "q [0,1000) u2", "p [1000,2000) u3", // 1100 closes [0,1000)
                "p [0,1000) u1", "q [0,1000) u2", "p [1000,2000) u3", "p [2000,3000) u4"), // 2100 closes [1000,2000)
            run(WindowSpec.tumbling(1_000, 0), WindowSpec.Mode.COMPLETE, 0, "c"));
    }
}
