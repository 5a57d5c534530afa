package io.kappa.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.log.Event;
import io.kappa.log.EventLog;
import io.kappa.log.LogContext;
import io.kappa.log.Partition;
import io.kappa.log.TopicConfig;
import io.kappa.processor.Groups;
import io.kappa.processor.ProcessorRunner;
import io.kappa.processor.RunnerContext;
import io.kappa.processor.TaskCheckpoint;
import io.kappa.processor.Topology;

/**
 * The {@code replay} scenario of {@code kappa bench}: how fast a processor reads history compared with the bare
 * reader and with the same processor running live. Each pass, on one fresh log:
 * <ol>
 *   <li><b>live pass-through</b>: a {@link ProcessorRunner} (not replaying) is started on an empty one-partition topic
 *       and follows it while this thread appends {@code N} events at full speed, {@value KeyedBatch#BATCH} per
 *       {@code Partition.appendBatch} as kappa's writers append ({@link KeyedBatch}); timed from the first append
 *       until the runner has processed (and written the output of) all {@code N};</li>
 *   <li><b>bare reader</b> over that topic ({@code PartitionTailer.poll(handler, 1000)});</li>
 *   <li><b>replayed pass-through</b>: the same processor under a new group with {@code replay(true)}, from earliest into
 *       a fresh output, timed from {@code start()} until caught up (as {@code kappa replay --until-caught-up});</li>
 *   <li>the bare reader again; then the same two runs (live, replayed) for a count by key over {@link #KEYS} keys on a
 *       second topic of the same events, and a third bare read.</li>
 * </ol>
 * With several passes each figure is the pass of median rate. The ratios are subject / baseline of those medians;
 * the per-pass ratios are in the details.
 *
 * <p>What "live" measures: events appended and processed, over the time from the first append to caught up. The
 * appender and the runner share the machine, so when the processor keeps up (its lag stays small) this is the rate
 * the appender sustains beside a following processor, i.e. the live pipeline's throughput, and a replay faster than
 * that is not slower than live; when the processor falls behind (the lag grows), it is the processor's own live
 * throughput while sharing the cores with the appender. The details tell which: the rate the appender sustained, the lag
 * sampled each second and at the last append, and the time the runner needed after it to catch up.
 */
final class ReplayBench {
    /**
     * Events of the scenario when {@code --events} is not given: about a minute for one pass on the 2-core reference
     * machine (a pass of 5M took 30 s there with nothing else running).
     */
    static final long DEFAULT_EVENTS = 8_000_000;
    /** Distinct keys of the count by key (fewer when there are fewer events). */
    static final long KEYS = 10_000;
    /** Events of the untimed warm-up (fewer when there are fewer events). */
    static final long WARMUP_EVENTS = 200_000;
    /** Issue 6: a pass-through reads history at this many events per second per partition or more. */
    static final double TARGET_REPLAY_EVENTS_PER_SEC = 10_000_000;
    /** Issue 6: a processor replays history at this fraction of its live throughput or more. */
    static final double TARGET_REPLAY_OVER_LIVE = 0.9;
    private static final long CAUGHT_UP_TIMEOUT_NANOS = 30 * 60 * 1_000_000_000L;
    static final String LIVE_DEFINITION = "live = N events appended at full speed (Partition.appendBatch of 1000 events, one thread) to an empty topic "
        + "that the runner follows, over the time from the first append until the runner has processed all N and written their "
        + "outputs; while the processor keeps up this is the appender's rate beside a following processor (the live pipeline), "
        + "when it falls behind it is the processor's own live rate sharing the cores with the appender";

    private ReplayBench() {
    }

    /** The scenario's section, in the shape of {@link BenchScenarios}. */
    static ObjectNode run(BenchScenarios.Settings s) throws InterruptedException {
        long n = s.replayEvents();
        long keys = Math.min(KEYS, n);
        int passes = s.passesOr(1);
        ObjectNode section = TcpIngestBench.JSON.createObjectNode().put("scenario", "replay");
        section.put("events", n).put("keys", keys).put("passes", passes).put("valueBytes", BenchSupport.VALUE_LENGTH)
            .put("liveDefinition", LIVE_DEFINITION);

        long warmup = Math.min(n, WARMUP_EVENTS);
        status(s, "replay: warm-up on " + warmup + " events (not reported)");
        pass(warmup, Math.min(keys, warmup), "w", false);

        List<ObjectNode> results = new ArrayList<>();
        for (int p = 1; p <= passes; p++) {
            status(s, "replay: pass " + p + "/" + passes + ", " + n + " events, count over " + keys + " keys");
            ObjectNode r = pass(n, keys, Integer.toString(p), s.progress());
            r.put("pass", p).put("loadAverageAfter", TcpIngestBench.loadAverage());
            results.add(r);
            if (s.progress()) {
                System.err.printf(Locale.ROOT, "[replay] pass %d/%d: bare reader %s, pass-through live %s replay %s, count live %s replay %s ev/s%n",
                    p, passes, rate(r, "read"), rate(r, "passLive"), rate(r, "passReplay"), rate(r, "countLive"), rate(r, "countReplay"));
            }
        }

        ObjectNode details = section.putObject("details");
        ArrayNode passList = details.putArray("passes");
        results.forEach(passList::add);
        String of = passes > 1 ? " (median of " + passes + " passes)" : "";
        ObjectNode read = BenchScenarios.fromTimer("bare reader: PartitionTailer.poll(handler, 1000), CRC check on" + of,
            median(results, "read"));
        ObjectNode passReplay = BenchScenarios.fromTimer("pass-through under ProcessorRunner, replay(true), from earliest into a fresh "
            + "output, start() to caught up" + of, median(results, "passReplay"));
        ObjectNode passLive = BenchScenarios.fromTimer("pass-through live: followed while appended, first append to caught up" + of,
            median(results, "passLive"));
        ObjectNode countReplay = BenchScenarios.fromTimer("Builtins.count by key (" + keys + " keys), replay(true), new group" + of,
            median(results, "countReplay"));
        ObjectNode countLive = BenchScenarios.fromTimer("Builtins.count by key (" + keys + " keys) live: first append to caught up" + of,
            median(results, "countLive"));
        ArrayNode comparisons = section.putArray("comparisons");
        ObjectNode historyRead = BenchScenarios.compare("pass-through replay vs bare reader", passReplay, read);
        ObjectNode passRatio = BenchScenarios.compare("pass-through: replay vs live", passReplay, passLive);
        ObjectNode countRatio = BenchScenarios.compare("count by key: replay vs live", countReplay, countLive);
        comparisons.add(historyRead);
        comparisons.add(passRatio);
        comparisons.add(countRatio);
        comparisons.add(BenchScenarios.compare("count by key replay vs bare reader", countReplay, read));
        String[][] kinds = {{"passReplay", "read"}, {"passReplay", "passLive"}, {"countReplay", "countLive"}, {"countReplay", "read"}};
        for (int i = 0; i < kinds.length; i++) {
            // as BenchScenarios.compareMedian: the passes, and each pass's own ratio with the lowest and highest
            ObjectNode c = (ObjectNode) comparisons.get(i);
            c.put("passes", passes);
            if (passes > 1) {
                ArrayNode ratios = c.putArray("passRatios");
                double min = Double.POSITIVE_INFINITY;
                double max = Double.NEGATIVE_INFINITY;
                for (ObjectNode p : results) {
                    double ratio = p.path(kinds[i][0]).path("eventsPerSec").asDouble() / p.path(kinds[i][1]).path("eventsPerSec").asDouble();
                    ratios.add(ratio);
                    min = Math.min(min, ratio);
                    max = Math.max(max, ratio);
                }
                c.put("ratioMin", min).put("ratioMax", max);
            }
        }
        for (String[] r : new String[][] {{"passReplay", "passLive", "passThroughReplayOverLive"},
            {"countReplay", "countLive", "countReplayOverLive"}, {"passReplay", "read", "passThroughReplayOverBareReader"}}) {
            ArrayNode perPass = details.putArray(r[2]);
            for (ObjectNode p : results) {
                perPass.add(p.path(r[0]).path("eventsPerSec").asDouble() / p.path(r[1]).path("eventsPerSec").asDouble());
            }
        }

        ArrayNode targets = section.putArray("targets");
        double replayRate = passReplay.path("eventsPerSec").asDouble();
        target(targets, "issue 6: pass-through reads history at >= 10M events/s per partition", replayRate,
            TARGET_REPLAY_EVENTS_PER_SEC, "events/s", String.format(Locale.ROOT, "the bare reader alone reached %s events/s",
                TcpIngestBench.si(read.path("eventsPerSec").asDouble())));
        target(targets, "issue 6: pass-through replay >= 90% of its live throughput", passRatio.path("ratio").asDouble(),
            TARGET_REPLAY_OVER_LIVE, "ratio", liveNote(results, "passLive") + perPass(details.path("passThroughReplayOverLive")));
        target(targets, "issue 6: count by key replay >= 90% of its live throughput", countRatio.path("ratio").asDouble(),
            TARGET_REPLAY_OVER_LIVE, "ratio", liveNote(results, "countLive") + perPass(details.path("countReplayOverLive")));
        return section;
    }

    private static void target(ArrayNode targets, String name, double value, double target, String unit, String note) {
        targets.addObject().put("name", name).put("value", value).put("target", target).put("unit", unit).put("met", value >= target)
            .put("note", note);
    }

    /** The ratio of each pass, when there are several. */
    private static String perPass(com.fasterxml.jackson.databind.JsonNode ratios) {
        if (ratios.size() < 2) {
            return "";
        }
        List<String> each = new ArrayList<>();
        ratios.forEach(v -> each.add(String.format(Locale.ROOT, "%.2f", v.asDouble())));
        return "; ratio of each pass " + String.join(", ", each);
    }

    /** Whether the live runs of {@code kind} were bound by the appender (processor kept up) or by the processor. */
    private static String liveNote(List<ObjectNode> results, String kind) {
        ObjectNode m = median(results, kind);
        long lag = m.path("lagAtLastAppend").asLong();
        long events = m.path("events").asLong();
        String bound = lag <= Math.max(10_000, events / 100) ? "the processor kept up with the appender (live figure bound by the appender)"
            : "the processor fell behind the appender (live figure bound by the processor)";
        return String.format(Locale.ROOT, "%s: the appender sustained %s events/s beside the runner, lag at the last append %,d events, "
            + "caught up %.0f ms later", bound, TcpIngestBench.si(m.path("appendEventsPerSec").asDouble()), lag, m.path("drainMs").asDouble());
    }

    private static String rate(ObjectNode r, String kind) {
        return TcpIngestBench.si(r.path(kind).path("eventsPerSec").asDouble());
    }

    /** The figures of {@code kind} of the pass with the median rate. */
    private static ObjectNode median(List<ObjectNode> passes, String kind) {
        List<ObjectNode> figures = new ArrayList<>();
        passes.forEach(p -> figures.add((ObjectNode) p.get(kind)));
        figures.sort(Comparator.comparingDouble(f -> f.path("eventsPerSec").asDouble()));
        return figures.get(figures.size() / 2);
    }

    /** One pass on a fresh log; {@code tag} makes the group names. */
    static ObjectNode pass(long n, long keys, String tag, boolean progress) throws InterruptedException {
        ObjectNode r = json();
        Path dir = BenchSupport.newDirectory("replay");
        try (EventLog log = EventLog.open(new LogContext().dataDir(dir.resolve("log")))) {
            List<ObjectNode> reads = new ArrayList<>();
            String passIn = "history";
            r.set("passLive", live(log, passIn, g -> ProcessorWorkloads.passThrough(passIn, "pass-live-out"), "pass-live-" + tag,
                "pass-live-out", n, keys, progress, "live pass-through"));
            log.deleteTopic("pass-live-out");
            Partition history = log.topic(passIn).partition(0);
            reads.add(ProcessorWorkloads.bareRead(history, n));
            r.set("passReplay", ProcessorWorkloads.runTopology(log, ProcessorWorkloads.passThrough(passIn, "pass-replay-out"),
                new RunnerContext().group("pass-replay-" + tag).replay(true), n, "pass-replay-out", n, progress, "replay pass-through"));
            log.deleteTopic("pass-replay-out");
            reads.add(ProcessorWorkloads.bareRead(history, n));
            log.deleteTopic(passIn);

            String countIn = "history-count";
            String liveGroup = "count-live-" + tag;
            String replayGroup = "count-replay-" + tag;
            r.set("countLive", live(log, countIn, g -> ProcessorWorkloads.count(g, countIn, "count-live-out"), liveGroup,
                "count-live-out", n, keys, progress, "live count"));
            log.deleteTopic("count-live-out");
            r.set("countReplay", ProcessorWorkloads.runTopology(log, ProcessorWorkloads.count(replayGroup, countIn, "count-replay-out"),
                new RunnerContext().group(replayGroup).replay(true), n, "count-replay-out", n, progress, "replay count"));
            log.deleteTopic("count-replay-out");
            ProcessorWorkloads.check("count live: keys in the state", keys, storeEntries(log, liveGroup));
            ProcessorWorkloads.check("count replay: keys in the state", keys, storeEntries(log, replayGroup));
            reads.add(ProcessorWorkloads.bareRead(log.topic(countIn).partition(0), n));
            log.deleteTopic(countIn);

            reads.sort(Comparator.comparingDouble(f -> f.path("eventsPerSec").asDouble()));
            r.set("read", reads.get(reads.size() / 2));
            ArrayNode all = r.putArray("readPasses");
            reads.forEach(f -> all.add(f.path("eventsPerSec").asDouble()));
        } finally {
            BenchSupport.delete(dir);
        }
        return r;
    }

    /** Entries in the state stores of the group's (one) task, from the checkpoint its close wrote. */
    private static long storeEntries(EventLog log, String group) {
        long entries = 0;
        for (TaskCheckpoint cp : Groups.checkpoints(log.dataDir(), group)) {
            entries += cp.storeSizes().values().stream().mapToLong(Long::longValue).sum();
        }
        return entries;
    }

    /**
     * A live run: starts the topology (made by {@code topology} from the group name) on a new, empty one-partition
     * topic {@code input}, then appends {@code n} events to it as fast as this thread can (key {@code i mod keys} as 8
     * digits, 100-byte value, in batches, as {@link ProcessorWorkloads#fill}) and waits until the runner has processed all of them
     * and written their outputs. Timed from the first append to then.
     */
    static ObjectNode live(EventLog log, String input, Function<String, Topology> topology, String group, String output, long n,
                           long keys, boolean progress, String label) throws InterruptedException {
        Partition in = log.createTopic(input, TopicConfig.partitions(1)).partition(0);
        ProcessorRunner runner = new ProcessorRunner(log, topology.apply(group), new RunnerContext().group(group));
        ObjectNode r = json();
        KeyedBatch batch = new KeyedBatch();
        AtomicLong appended = new AtomicLong();
        List<Long> lags = new ArrayList<>();
        try {
            runner.start();
            if (!runner.awaitCaughtUp(60_000)) {
                throw new IllegalStateException(label + ": the runner did not start");
            }
            long lagAtLastAppend;
            long t0;
            long t1;
            long t2;
            ProcessorWorkloads.Timer timer;
            // the meter samples once a second: processed events as progress, and the lag behind the appender
            try (ProgressMeter meter = new ProgressMeter(label, n, () -> {
                long done = runner.recordsProcessed();
                synchronized (lags) {
                    lags.add(Math.max(0, appended.get() - done));
                }
                return done;
            }, progress)) {
                timer = new ProcessorWorkloads.Timer();
                t0 = System.nanoTime();
                for (long i = 0; i < n; i++) {
                    if (batch.add(i % keys, i, Event.NO_TIME)) {
                        batch.appendTo(in);
                        appended.lazySet(i + 1);
                    }
                }
                batch.appendTo(in);
                t1 = System.nanoTime();
                appended.set(n);
                lagAtLastAppend = n - runner.recordsProcessed();
                while (runner.recordsProcessed() < n) {
                    if (runner.failure() != null || !runner.isRunning()) {
                        throw new IllegalStateException(label + ": the runner stopped", runner.failure());
                    }
                    if (System.nanoTime() - t0 > CAUGHT_UP_TIMEOUT_NANOS) {
                        throw new IllegalStateException(label + ": not caught up after 30 minutes");
                    }
                    LockSupport.parkNanos(200_000);
                }
                t2 = System.nanoTime();
                timer.stop();
                timer.put(r, n);
                ArrayNode perSecond = r.putArray("perSecond");
                meter.perSecond().forEach(perSecond::add);
            }
            r.put("appendSeconds", (t1 - t0) / 1e9).put("appendEventsPerSec", n * 1e9 / (t1 - t0))
                .put("lagAtLastAppend", lagAtLastAppend).put("drainMs", (t2 - t1) / 1e6);
            if (lagAtLastAppend > 0 && t2 > t1) {
                // the processor alone on the machine once the appender has stopped: roughly its replay speed
                r.put("drainEventsPerSec", lagAtLastAppend * 1e9 / (t2 - t1));
            }
            ArrayNode lagSamples = r.putArray("lagPerSecond");
            long maxLag = lagAtLastAppend;
            synchronized (lags) {
                for (long l : lags) {
                    lagSamples.add(l);
                    maxLag = Math.max(maxLag, l);
                }
            }
            r.put("maxLag", maxLag);
            long c0 = System.nanoTime();
            runner.close();
            r.put("closeMs", (System.nanoTime() - c0) / 1e6);
        } finally {
            runner.close();
        }
        if (runner.failure() != null) {
            throw new IllegalStateException(label + ": the runner failed", runner.failure());
        }
        ProcessorWorkloads.check(label + ": events appended", n, in.endOffset());
        ProcessorWorkloads.check(label + ": records processed", n, runner.recordsProcessed());
        ProcessorWorkloads.check(label + ": dead-lettered", 0, runner.deadLettered());
        ProcessorWorkloads.check(label + ": output records", n, log.topic(output).partition(0).endOffset());
        return r;
    }


    private static void status(BenchScenarios.Settings s, String message) {
        if (s.progress()) {
            System.err.println("== " + message);
        }
    }

    private static ObjectNode json() {
        return TcpIngestBench.JSON.createObjectNode();
    }
}
