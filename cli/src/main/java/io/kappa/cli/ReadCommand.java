package io.kappa.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import io.kappa.log.EventLog;
import io.kappa.log.Partition;
import io.kappa.log.PartitionTailer;
import io.kappa.log.Position;
import io.kappa.log.RecordHandler;
import io.kappa.log.RecordView;
import io.kappa.log.Topic;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code kappa read}: prints events as JSON Lines, from a position, optionally following new ones. */
@Command(name = "read", mixinStandardHelpOptions = true,
    description = {"Print events as JSON Lines: {\"partition\",\"offset\",\"time\",\"appendTime\",\"key\",\"value\"}.",
        "Partitions are read in turns, in offset order within each."})
final class ReadCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    DataDirOptions data;
    @Parameters(paramLabel = "TOPIC")
    String topic;
    @Option(names = "--partition", paramLabel = "P", description = "Read only this partition (default: all).")
    Integer partition;
    @Option(names = "--from", paramLabel = "POSITION", defaultValue = "earliest",
        description = "earliest (default), latest, an offset, -N (the last N), or a time: ISO-8601, @epochMillis, now, now-5m. A time"
            + " is an append time (the first event the log appended at or after it; time index, no scan).")
    String from;
    @Option(names = "--from-event-time", paramLabel = "TIME",
        description = "Start at the first event whose event time (its \"time\") is at or after TIME; event times need not grow with "
            + "offsets, so this scans each partition from its start.")
    String fromEventTime;
    @Option(names = "--limit", paramLabel = "N", description = "Print at most N events.")
    Long limit;
    @Option(names = {"-f", "--follow"}, description = "Keep printing new events as they arrive, until interrupted.")
    boolean follow;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (fromEventTime != null && spec.commandLine().getParseResult().hasMatchedOption("--from")) {
            throw new IllegalArgumentException("give --from (offsets, append times) or --from-event-time, not both");
        }
        Position position = fromEventTime != null ? Position.eventTime(fromEventTime) : Position.parse(from);
        if (limit != null && limit < 0) {
            throw new IllegalArgumentException("--limit must be >= 0, was " + limit);
        }
        long remaining = limit == null ? Long.MAX_VALUE : limit;
        PrintWriter out = spec.commandLine().getOut();
        Writer w = new BufferedWriter(out, 1 << 16);
        try (EventLog log = data.openForReading()) {
            Topic t = log.resolveTopic(topic);
            List<PartitionTailer> tailers = new ArrayList<>();
            try {
                if (partition != null) {
                    tailers.add(open(t.partition(partition), position));
                } else {
                    for (int p = 0; p < t.partitionCount(); p++) {
                        tailers.add(open(t.partition(p), position));
                    }
                }
                if (position.kind() == Position.Kind.TIME) {
                    noteAppendTime(tailers, position);
                }
                // the handler first: once the line below is out, a SIGTERM is the normal way to stop (exit 0, not 143)
                Signals.Stop stop = follow ? Signals.onStop(() -> { }) : null;
                if (follow) {
                    StringBuilder at = new StringBuilder();
                    for (PartitionTailer tailer : tailers) {
                        at.append(at.length() == 0 ? "" : ", ").append(tailer.partition().id()).append(':').append(tailer.offset());
                    }
                    spec.commandLine().getErr().println("kappa: following " + t.name() + " from partition:offset " + at);
                }
                Printer printer = new Printer(w);
                while (remaining > 0 && (stop == null || !stop.requested())) {
                    long before = printer.printed;
                    for (PartitionTailer tailer : tailers) {
                        if (remaining <= 0) {
                            break;
                        }
                        int n = tailer.poll(printer, (int) Math.min(remaining, 1024));
                        remaining -= n;
                    }
                    if (printer.printed == before) {
                        w.flush();
                        if (!follow) {
                            break;
                        }
                        Thread.sleep(20);
                    } else if (follow || remaining <= 0) {
                        w.flush();
                    }
                    if (printer.printed != before && out.checkError()) {
                        break; // stdout closed (`kappa read T | head -1`): stop reading, quietly and successfully
                    }
                }
            } finally {
                w.flush();
                for (PartitionTailer tailer : tailers) {
                    tailer.close();
                }
            }
        }
        return 0;
    }

    /**
     * A time before every append of the partitions read means "from the start": said on stderr, with the clock a time
     * position uses, since history imported with event times in the past is a common surprise.
     */
    private void noteAppendTime(List<PartitionTailer> tailers, Position position) {
        long first = Long.MAX_VALUE;
        for (PartitionTailer t : tailers) {
            io.kappa.log.PartitionStats s = t.partition().stats();
            if (s.records() == 0 || t.offset() != s.startOffset() || s.firstAppendTime() < position.value()) {
                return;
            }
            first = Math.min(first, s.firstAppendTime());
        }
        if (first != Long.MAX_VALUE) {
            spec.commandLine().getErr().println("kappa: note: --from " + from + " is before the first append (" + io.kappa.replay.RecordJson.formatTime(first)
                + "), so this reads from the start; --from times are append times, use --from-event-time for event times");
        }
    }

    private static PartitionTailer open(Partition p, Position position) {
        PartitionTailer tailer = p.newTailer();
        try {
            return tailer.moveToOffset(position.resolve(p));
        } catch (RuntimeException e) {
            tailer.close();
            throw e;
        }
    }

    private static final class Printer implements RecordHandler {
        private final Writer out;
        long printed;

        Printer(Writer out) {
            this.out = out;
        }

        @Override
        public void onRecord(RecordView record) {
            try {
                io.kappa.replay.RecordJson.write(record, out);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            printed++;
        }
    }
}
