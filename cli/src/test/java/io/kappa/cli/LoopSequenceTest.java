package io.kappa.cli;

import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.Transformer;

/**
 * The Kappa loop under sequences of operations: appends (CLI and TCP), runs to the end, runs killed with SIGKILL,
 * rewinds of every kind, undo, dry runs, replays into new versions, promote, writes to a promoted name and diff, each
 * through the real commands, with every observation after every step checked against {@link LoopModel} (plain batch
 * code over the events appended). A failing sequence is shrunk by jqwik and printed with its seed; the next run
 * starts with that seed again (jqwik's database in {@code target/}), and {@code @Property(seed = "...")} pins it.
 * {@code scripts/soak} runs many more sequences ({@code -Djqwik.tries.default=N}); the default run's count is in
 * {@code junit-platform.properties}.
 */
class LoopSequenceTest {
    @Property(shrinking = net.jqwik.api.ShrinkingMode.BOUNDED, maxDiscardRatio = 10)
    void theLoopMatchesTheModel(@ForAll("chains") ActionChain<LoopWorld> chain) {
        try {
            chain.withInvariant(w -> {
                try {
                    w.check();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }).run();
        } finally {
            chain.finalState().ifPresent(w -> net.jqwik.api.statistics.Statistics.label("processor").collect(w.model.kind,
                w.model.partitions));
        }
    }

    /** Closes the try's world (its server, its data) even when the chain failed before it had a final state. */
    @net.jqwik.api.lifecycle.AfterTry
    void closeWorld() {
        LoopWorld w = LoopWorld.current;
        if (w != null) {
            w.close();
        }
    }

    @Provide
    Arbitrary<ActionChain<LoopWorld>> chains() {
        // several partitions more often than one, so that repartitions and partitions running ahead come up often
        Arbitrary<Integer> partitions = Arbitraries.frequency(net.jqwik.api.Tuple.of(1, 1), net.jqwik.api.Tuple.of(3, 2),
            net.jqwik.api.Tuple.of(2, 3), net.jqwik.api.Tuple.of(2, 4));
        // the processors with a later stage (and dedup, whose forgetting depends on every partition) twice as often
        Arbitrary<LoopModel.Kind> kinds = Arbitraries.frequencyOf(java.util.Arrays.stream(LoopModel.Kind.values()).map(k ->
            net.jqwik.api.Tuple.of(k == LoopModel.Kind.COUNT_BY_PAGE || k == LoopModel.Kind.DEDUP || k == LoopModel.Kind.TOP
                || k == LoopModel.Kind.FLAGS ? 2 : 1, Arbitraries.just(k))).toArray(net.jqwik.api.Tuple.Tuple2[]::new));
        // scripts/soak can hold the processor or the partition count fixed: -Dkappa.loop.kind=TOP -Dkappa.loop.partitions=2
        String kind = System.getProperty("kappa.loop.kind");
        if (kind != null) {
            kinds = Arbitraries.just(LoopModel.Kind.valueOf(kind));
        }
        if (Integer.getInteger("kappa.loop.partitions") != null) {
            partitions = Arbitraries.just(Integer.getInteger("kappa.loop.partitions"));
        }
        // a table (count, sum) emits the latest change per key and commit in half the worlds; -Dkappa.loop.emit=cache or changes
        Arbitrary<Boolean> emitCache = switch (System.getProperty("kappa.loop.emit", "")) {
            case "cache" -> Arbitraries.just(true);
            case "changes" -> Arbitraries.just(false);
            default -> Arbitraries.of(false, true);
        };
        return Combinators.combine(partitions, kinds, emitCache).flatAs((p, k, c) -> chain(p, k, c && k.cacheable()));
    }

    private static Arbitrary<ActionChain<LoopWorld>> chain(int p, LoopModel.Kind k, boolean emitCache) {
        return ActionChain.<LoopWorld>startWith(() -> new LoopWorld(p, k, emitCache))
            .withAction(4, new AppendCli())
            .withAction(2, new AppendTcp())
            .withAction(2, new AppendBinary())
            .withAction(4, new Run())
            .withAction(1, new RunKilled())
            .withAction(4, new Rewind())
            .withAction(2, new Undo())
            .withAction(1, step("replay into the next version", w -> liveRan(w) && w.versions < 4, LoopWorld::replay))
            .withAction(1, step("promote out to the newest version", w -> w.versions > 1, LoopWorld::promote))
            .withAction(1, step("replay into the next version and promote it", w -> liveRan(w) && w.versions < 4, w -> {
                w.replay();
                w.promote();
            }))
            .withAction(2, step("append a marker to out", LoopSequenceTest::liveRan, LoopWorld::appendToOutput))
            .withAction(2, new RewindRunUndo())
            .withAction(1, step("diff out with the newest version", w -> w.versions > 1 && w.groups.values().stream()
                .noneMatch(g -> g.unknown) && w.model.kind != LoopModel.Kind.WINDOW_BY_PAGE, LoopWorld::diff))
            .withAction(1, step("replay --verify --group g", LoopSequenceTest::liveRan, LoopWorld::verify))
            .withMaxTransformations(14);
    }

    /**
     * Per event: key, page, n, time jitter, retry (0: repeat a recent event of the partition), odd (0: too late for
     * a window-count's window, or not a number for a sum).
     */
    private static Arbitrary<List<int[]>> drawnEvents() {
        Arbitrary<int[]> one = Combinators.combine(Arbitraries.integers().between(0, 7), Arbitraries.integers().between(0, 3),
            Arbitraries.integers().between(0, 9), Arbitraries.integers().between(0, 3_000), Arbitraries.integers().between(0, 4),
            Arbitraries.integers().between(0, 9)).as((k, pg, n, jitter, retry, odd) -> new int[] {k, pg, n, jitter, retry, odd});
        return one.list().ofMinSize(1).ofMaxSize(30);
    }

    /** A partition whose clock jumps ahead before the events, or -1 (most of the time). */
    private static Arbitrary<Integer> jumps() {
        return Arbitraries.frequency(net.jqwik.api.Tuple.of(5, -1), net.jqwik.api.Tuple.of(1, 0), net.jqwik.api.Tuple.of(1, 1),
            net.jqwik.api.Tuple.of(1, 2), net.jqwik.api.Tuple.of(1, 3));
    }

    static final class AppendCli implements Action.Independent<LoopWorld> {
        @Override
        public Arbitrary<Transformer<LoopWorld>> transformer() {
            return Combinators.combine(drawnEvents(), jumps()).as((d, j) -> Transformer.mutate("append " + d.size() + " events (CLI)"
                + (j >= 0 ? ", partition " + j + " 10 min ahead" : ""), w -> w.appendCli(w.events(d, j))));
        }
    }

    static final class AppendTcp implements Action.Independent<LoopWorld> {
        @Override
        public Arbitrary<Transformer<LoopWorld>> transformer() {
            return Combinators.combine(drawnEvents(), jumps()).as((d, j) -> Transformer.mutate("append " + d.size()
                + " events (TCP lines)" + (j >= 0 ? ", partition " + j + " 10 min ahead" : ""), w -> {
                try {
                    w.appendTcp(w.events(d, j));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }));
        }
    }

    static final class AppendBinary implements Action.Independent<LoopWorld> {
        @Override
        public Arbitrary<Transformer<LoopWorld>> transformer() {
            return Combinators.combine(drawnEvents(), jumps(), Arbitraries.integers().between(0, 5)).as((d, j, retried) ->
                Transformer.mutate("append " + d.size() + " events (TCP binary, " + retried + " sent again)"
                    + (j >= 0 ? ", partition " + j + " 10 min ahead" : ""), w -> {
                    try {
                        w.appendBinary(w.events(d, j), retried);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
        }
    }

    static final class Run implements Action.Independent<LoopWorld> {
        @Override
        public Arbitrary<Transformer<LoopWorld>> transformer() {
            return Arbitraries.of(false, false, false, true).map(drain -> Transformer.mutate("run g --until-caught-up"
                + (drain ? " --drain" : ""), w -> w.runUntilCaughtUp(LoopWorld.LIVE, drain)));
        }
    }

    static final class RunKilled implements Action.Independent<LoopWorld> {
        @Override
        public boolean precondition(LoopWorld w) {
            // after a kill, isReplaying() is also true while the restarted run recognises what was written: no model here
            return w.model.kind != LoopModel.Kind.FLAGS;
        }

        @Override
        public Arbitrary<Transformer<LoopWorld>> transformer() {
            return Arbitraries.integers().between(300, 2_500).map(ms -> Transformer.mutate("run g, kill -9 after " + ms + " ms", w -> {
                try {
                    w.runKilled(LoopWorld.LIVE, ms);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
    }

    static final class Rewind implements Action.Independent<LoopWorld> {
        @Override
        public boolean precondition(LoopWorld w) {
            return liveRan(w);
        }

        @Override
        public Arbitrary<Transformer<LoopWorld>> transformer() {
            return Combinators.combine(Arbitraries.of(LoopWorld.RewindKind.class), Arbitraries.integers().between(0, 1_000),
                Arbitraries.of(false, false, true)).as((kind, pick, dry) -> Transformer.mutate(
                "rewind g " + kind + " " + pick + (dry ? " --dry-run" : ""), w -> w.rewind(LoopWorld.LIVE, kind, pick, dry)));
        }
    }

    /** What a user does who regrets a rewind after the run that followed it: rewind, run, undo, and run again. */
    static final class RewindRunUndo implements Action.Independent<LoopWorld> {
        @Override
        public boolean precondition(LoopWorld w) {
            return liveRan(w);
        }

        @Override
        public Arbitrary<Transformer<LoopWorld>> transformer() {
            return Combinators.combine(Arbitraries.of(LoopWorld.RewindKind.class), Arbitraries.integers().between(0, 1_000)).as(
                (kind, pick) -> Transformer.mutate("rewind g " + kind + " " + pick + ", run, undo, run", w -> {
                    w.rewind(LoopWorld.LIVE, kind, pick, false);
                    w.runUntilCaughtUp(LoopWorld.LIVE, false);
                    w.undo(LoopWorld.LIVE, false);
                    w.runUntilCaughtUp(LoopWorld.LIVE, false);
                }));
        }
    }

    static final class Undo implements Action.Independent<LoopWorld> {
        @Override
        public boolean precondition(LoopWorld w) {
            return liveRan(w);
        }

        @Override
        public Arbitrary<Transformer<LoopWorld>> transformer() {
            return Arbitraries.of(false, true).map(dry -> Transformer.mutate("rewind g --undo" + (dry ? " --dry-run" : ""),
                w -> w.undo(LoopWorld.LIVE, dry)));
        }
    }

    /** An operation without drawn arguments, possible when {@code when} holds. */
    static Action.Independent<LoopWorld> step(String description, java.util.function.Predicate<LoopWorld> when,
                                              java.util.function.Consumer<LoopWorld> operation) {
        return new Action.Independent<>() {
            @Override
            public boolean precondition(LoopWorld w) {
                return when.test(w);
            }

            @Override
            public Arbitrary<Transformer<LoopWorld>> transformer() {
                return Arbitraries.just(Transformer.mutate(description, operation));
            }
        };
    }

    static boolean liveRan(LoopWorld w) {
        return w.groups.get(LoopWorld.LIVE).ran;
    }
}
