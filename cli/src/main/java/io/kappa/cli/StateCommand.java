package io.kappa.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.log.EventLog;
import io.kappa.log.Position;
import io.kappa.processor.Groups;
import io.kappa.processor.Serdes;
import io.kappa.processor.TaskCheckpoint;
import io.kappa.replay.RewindTool;
import io.kappa.replay.StateTool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code kappa state}: a group's stores, as of its last checkpoint or of any input position (see StateTool). */
@Command(name = "state", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Show the entries of a group's stores (every stage, every task; windows with their bounds): as of its last",
        "checkpoint, read without touching the group (it may be running), or with --at as of any input position, rebuilt",
        "as `kappa rewind` rebuilds state: the group's processor replays from the start of the inputs to there with its",
        "outputs muted, in a scratch group removed afterwards. The cost (events to replay) is printed first on stderr."})
final class StateCommand implements Callable<Integer> {
    private static final AtomicInteger SCRATCH = new AtomicInteger();

    @Spec
    CommandSpec spec;
    @Mixin
    DataDirOptions data;
    @Parameters(paramLabel = "GROUP", description = "The group.")
    String group;
    @Option(names = "--at", paramLabel = "POSITION", description = {"The state a run stopped at this position of every input partition",
        "would have: earliest, latest, an offset, -N (N before the end), or an append time: ISO-8601, @epochMillis, now, now-5m",
        "(as `kappa rewind --to`). Default: the last checkpoint."})
    String at;
    @Option(names = "--key", paramLabel = "K", description = "Only the entries of this key (a window store: every window of it).")
    String key;
    @Option(names = "--limit", paramLabel = "N", description = "At most N entries (default: all).")
    Long limit;
    @Option(names = "--json", description = {"One JSON document: group, at, positions, and per stage, task and store its entries",
        "({\"key\":K,\"value\":V}, with windowStart and windowEnd in a window store)."})
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Groups.validateName(group);
        if (!Groups.exists(data.resolve(), group)) {
            throw Names.unknownGroup(group, data.resolve());
        }
        Position position = at == null ? null : Position.parse(at);
        try (EventLog log = data.open()) {
            List<TaskCheckpoint> checkpoints;
            List<Object[]> positions = new java.util.ArrayList<>();
            if (position == null) {
                checkpoints = StateTool.checkpoints(log, group);
                long written = Long.MIN_VALUE;
                for (TaskCheckpoint c : checkpoints) {
                    written = Math.max(written, c.wallTimeMs());
                    for (TaskCheckpoint.Input in : c.inputs()) {
                        positions.add(new Object[] {c.stage(), in.topic(), in.partition(), in.nextOffset()});
                    }
                }
                err.printf("kappa: state of group %s as of its last checkpoint (%s)%n", group, io.kappa.replay.RecordJson.formatTime(written));
            } else {
                RewindTool.Plan plan = StateTool.plan(log, group, position::resolve);
                for (String w : plan.warnings()) {
                    err.println("kappa: warning: " + w);
                }
                for (RewindTool.Move m : plan.moves()) {
                    if (!m.downstream()) {
                        positions.add(new Object[] {m.stage(), m.topic(), m.partition(), m.target()});
                    }
                }
                double seconds = plan.rebuildSeconds();
                // the cost and how, as the rewind's plan says them (where the rebuild starts is the plan's to say)
                err.printf("kappa: state of group %s at %s: %s%n", group, position,
                    plan.rebuildEvents() == 0 ? "empty (every input at its start), nothing to replay"
                        : String.format("%,d events to replay with outputs muted%s; state %s", plan.rebuildEvents(),
                            seconds >= 0 ? String.format(", about %.1f s at the group's last measured %,d events/s", seconds,
                                plan.ratePerSecond()) : "", plan.how()));
                err.flush();
                checkpoints = rebuild(log, plan, err);
            }
            if (json) {
                writeJson(log, out, checkpoints, positions, position);
            } else {
                writeTable(log, out, err, checkpoints);
            }
            out.flush();
            return 0;
        }
    }

    /**
     * Rebuilds under a scratch group of this process. SIGINT or SIGTERM stops it at the next progress line (within a
     * second), through the rebuild's own cleanup: the runner closed, the scratch group and its topics removed.
     */
    private List<TaskCheckpoint> rebuild(EventLog log, RewindTool.Plan plan, PrintWriter err) {
        for (String g : StateTool.removeAbandoned(log, group)) {
            err.println("kappa: removed " + g + ", left by a `kappa state --at` that was killed");
        }
        String scratch = StateTool.scratchName(group, ProcessHandle.current().pid(), SCRATCH.incrementAndGet());
        Signals.Stop stop = Signals.onStop(() -> { });
        return StateTool.rebuild(log, group, plan, scratch, line -> {
            if (stop.requested()) {
                throw new CommandFailure("stopped by SIG" + stop.signal() + ": the state was not rebuilt (scratch group " + scratch
                    + " removed)");
            }
            err.println("kappa: " + line);
            err.flush();
        });
    }

    private void writeTable(EventLog log, PrintWriter out, PrintWriter err, List<TaskCheckpoint> checkpoints) {
        out.printf("%-12s %4s %-12s %-40s %s%n", "STAGE", "TASK", "STORE", "KEY", "VALUE");
        long[] shown = {0};
        boolean[] cut = {false};
        StateTool.read(log, group, checkpoints, key, new StateTool.Sink() {
            @Override
            public void store(String stage, int task, String store, long entries) {
            }

            @Override
            public boolean row(StateTool.Row row) {
                if (limit != null && shown[0] >= limit) {
                    cut[0] = true;
                    return false;
                }
                ObjectNode e = row.entry();
                String k = StateTool.text(e.get("key"));
                if (e.has("windowStart")) {
                    k += " [" + e.get("windowStart").asText() + ", " + e.get("windowEnd").asText() + ")";
                }
                JsonNode v = e.get("value");
                out.printf("%-12s %4d %-12s %-40s %s%n", row.stage(), row.task(), row.store(), k, v.isTextual() ? v.asText() : v.toString());
                shown[0]++;
                return true;
            }
        });
        if (cut[0]) {
            err.printf("kappa: first %,d entries shown (--limit)%n", limit);
        }
    }

    private void writeJson(EventLog log, PrintWriter out, List<TaskCheckpoint> checkpoints, List<Object[]> positions, Position position) {
        try (JsonGenerator g = Serdes.MAPPER.getFactory().createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.writeStartObject();
            g.writeStringField("group", group);
            g.writeStringField("at", position == null ? "checkpoint" : position.toString());
            g.writeArrayFieldStart("positions");
            for (Object[] p : positions) {
                g.writeStartObject();
                g.writeStringField("stage", (String) p[0]);
                g.writeStringField("topic", (String) p[1]);
                g.writeNumberField("partition", (Integer) p[2]);
                g.writeNumberField("offset", (Long) p[3]);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("stores");
            boolean[] open = {false};
            long[] shown = {0};
            boolean[] cut = {false};
            StateTool.read(log, group, checkpoints, key, new StateTool.Sink() {
                @Override
                public void store(String stage, int task, String store, long entries) {
                    try {
                        if (open[0]) {
                            g.writeEndArray();
                            g.writeEndObject();
                        }
                        g.writeStartObject();
                        g.writeStringField("stage", stage);
                        g.writeNumberField("task", task);
                        g.writeStringField("store", store);
                        g.writeNumberField("entries", entries);
                        g.writeArrayFieldStart("rows");
                        open[0] = true;
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }

                @Override
                public boolean row(StateTool.Row row) {
                    if (limit != null && shown[0] >= limit) {
                        cut[0] = true;
                        return false;
                    }
                    try {
                        Serdes.MAPPER.writeTree(g, row.entry());
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    shown[0]++;
                    return true;
                }
            });
            if (open[0]) {
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeBooleanField("truncated", cut[0]);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.println();
    }
}
