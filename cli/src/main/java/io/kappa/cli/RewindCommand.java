package io.kappa.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

import io.kappa.log.EventLog;
import io.kappa.processor.Groups;
import io.kappa.replay.RewindTool;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code kappa rewind}: moves a stopped group's offsets; its state follows (see RewindTool). */
@Command(name = "rewind", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Move a stopped group's input offsets back (or forward); its state follows: cleared at earliest,",
        "rebuilt by a muted replay from the start anywhere else. The next `kappa run` recomputes from there into",
        "new output records. --dry-run shows the moves and the cost; --undo restores the state before the last rewind."})
final class RewindCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    DataDirOptions data;
    @Option(names = "--group", required = true, paramLabel = "G", description = "The group to rewind (it must not be running).")
    String group;
    @Option(names = "--to", paramLabel = "POSITION", description = "earliest, latest, an offset, an ISO-8601 time or @epochMillis.")
    String to;
    @Option(names = "--shift", paramLabel = "N", description = "Move each partition by N records from its committed offset (e.g. -1000).")
    Long shift;
    @Option(names = "--partition", paramLabel = "P", description = "Only this input partition.")
    Integer partition;
    @Option(names = "--dry-run", description = "Show what would change and what reprocessing would cost; change nothing.")
    boolean dryRun;
    @Option(names = "--undo", description = "Restore the offsets and state from before the last rewind.")
    boolean undo;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Groups.validateName(group);
        int chosen = (to != null ? 1 : 0) + (shift != null ? 1 : 0) + (undo ? 1 : 0);
        if (chosen != 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give exactly one of --to, --shift or --undo");
        }
        if (shift != null && shift == 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--shift 0 moves nothing");
        }
        if (!Groups.exists(data.resolve(), group)) {
            throw new IllegalArgumentException("unknown group '" + group + "' in " + data.resolve());
        }
        try (EventLog log = data.open()) {
            if (undo) {
                List<RewindTool.Move> moves = RewindTool.undo(log, group);
                out.printf("group %s: restored the offsets and state from before the last rewind%n", group);
                table(out, moves);
                return 0;
            }
            Position position = to == null ? null : Position.parse(to);
            RewindTool.Plan plan = RewindTool.rewind(log, group, p -> position.resolve(p), to == null ? "shift " + shift : position.toString(),
                shift == null ? 0 : shift, partition, dryRun, line -> {
                    err.println("kappa: " + line);
                    err.flush();
                });
            out.printf("group %s: %s%s%n", group, to != null ? "rewind to " + to : "shift by " + shift, dryRun ? " (dry run: nothing changed)" : "");
            table(out, plan.moves());
            for (String w : plan.warnings()) {
                out.println("  warning: " + w);
            }
            double seconds = plan.expectedSeconds();
            out.printf("  to reprocess: %,d events, %,d bytes%s%n", plan.events(), plan.bytes(),
                seconds >= 0 ? String.format(", about %.1f s at the last measured %,d events/s", seconds, plan.ratePerSecond())
                    : " (no processing rate measured yet)");
            out.flush();
            return 0;
        }
    }

    private static void table(PrintWriter out, List<RewindTool.Move> moves) {
        out.printf("  %-12s %-24s %9s %14s %14s%n", "STAGE", "TOPIC", "PARTITION", "CURRENT", "NEW");
        for (RewindTool.Move m : moves) {
            out.printf("  %-12s %-24s %9d %14d %14d%s%n", m.stage(), m.topic(), m.partition(), m.current(), m.target(),
                m.clamped() ? "  (clamped)" : "");
        }
    }
}
