package io.kappa.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import io.kappa.log.Appended;
import io.kappa.log.Event;
import io.kappa.log.EventLog;
import io.kappa.log.Position;
import io.kappa.log.Topic;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code kappa append}: one event from the command line, or JSON Lines (or raw lines) from stdin. */
@Command(name = "append", mixinStandardHelpOptions = true,
    description = {"Append one event (VALUE given), or events read from stdin: JSON Lines by default,",
        "one {\"key\":..,\"value\":..,\"time\":..,\"id\":..} per line (only value is required); with --values each line is",
        "the value; raw lines with --raw."})
final class AppendCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    DataDirOptions data;
    @Mixin
    WriteOptions write;
    @Parameters(index = "0", paramLabel = "TOPIC")
    String topic;
    @Parameters(index = "1", arity = "0..1", paramLabel = "VALUE", description = "The value; without it, events are read from stdin.")
    String value;
    @Option(names = "--key", description = "Key (chooses the partition by murmur2 unless --partition is given).")
    String key;
    @Option(names = "--time", paramLabel = "TIME", description = "Event time: ISO-8601 or @epochMillis (default: the append time).")
    String time;
    @Option(names = "--id", description = "Event id (for deduplication by processors).")
    String id;
    @Option(names = "--partition", paramLabel = "P", description = "Append to this partition.")
    Integer partition;
    @Option(names = "--raw", description = "Stdin lines are raw values, not JSON.")
    boolean raw;
    @Option(names = "--values", description = "Each stdin line is a JSON value (a plain {\"a\":1} per line, as Kafka's console producer "
        + "takes them), not an event with a \"value\" field; key and time from --key/--time or from fields named by --key-field/--time-field.")
    boolean values;
    @Option(names = "--key-field", paramLabel = "FIELD", description = "With --values: the key is this field of each value (a.b for a nested one).")
    String keyField;
    @Option(names = "--time-field", paramLabel = "FIELD", description = "With --values: the event time is this field (ISO-8601 or epoch milliseconds).")
    String timeField;
    @Option(names = "--id-field", paramLabel = "FIELD", description = "With --values: the event id is this field.")
    String idField;
    @Option(names = "--strict", description = "Stop at the first malformed line (lines before it stay appended).")
    boolean strict;
    @Option(names = "--batch", defaultValue = "1000", description = "Events per append batch when reading stdin (default: ${DEFAULT-VALUE}).")
    int batchSize;
    @Option(names = "--progress", description = "Show progress on stderr even when it is not a terminal.")
    boolean progress;

    InputStream stdin = System.in;

    @Override
    public Integer call() throws IOException {
        long eventTime = time == null ? Event.NO_TIME : timeOf(time);
        byte[] keyBytes = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
        int defaultPartition = partition == null ? Event.ANY_PARTITION : partition;
        if (partition != null && partition < 0) {
            throw new IllegalArgumentException("--partition must be >= 0, was " + partition);
        }
        try (EventLog log = data.openExisting()) {
            Topic t = log.resolveTopic(topic);
            if (!t.name().equals(topic)) {
                spec.commandLine().getErr().printf("kappa: %s is an alias of %s (promoted): appending to %s%n", topic, t.name(), t.name());
            }
            if (value != null) {
                Event e = new Event(keyBytes, value.getBytes(StandardCharsets.UTF_8), eventTime,
                    id == null ? null : id.getBytes(StandardCharsets.UTF_8), defaultPartition);
                Appended a = t.append(e);
                spec.commandLine().getOut().printf("{\"partition\":%d,\"offset\":%d}%n", a.partition(), a.offset());
                return 0;
            }
            if (id != null) {
                throw new IllegalArgumentException("--id applies to one event; give ids per line in JSON instead");
            }
            if (values && raw) {
                throw new IllegalArgumentException("--values and --raw do not go together: --raw takes lines as text, --values as JSON");
            }
            if (!values && (keyField != null || timeField != null || idField != null)) {
                throw new IllegalArgumentException("--key-field, --time-field and --id-field go with --values (each line is the value)");
            }
            if (key != null && keyField != null || time != null && timeField != null) {
                throw new IllegalArgumentException("give the key (and the time) either for all events (--key, --time) or per event "
                    + "(--key-field, --time-field), not both");
            }
            return importLines(t, keyBytes, eventTime, defaultPartition);
        }
    }

    private static long timeOf(String text) {
        return Position.parseTimeOrEpoch(text, "--time");
    }

    private int importLines(Topic t, byte[] keyBytes, long eventTime, int defaultPartition) throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        LineReader lines = new LineReader(stdin, write.maxRecordBytes + (raw ? 0 : 64 * 1024 + write.maxRecordBytes / 2));
        long total = stdinSize();
        Progress progressLine = new Progress(err, progress || Progress.stderrIsTerminal(), "appended");
        List<Event> batch = new ArrayList<>(batchSize);
        long appended = 0;
        long rejected = 0;
        String line;
        Interrupt interrupt = new Interrupt(err);
        while ((line = lines.next()) != null) {
            long n = lines.lineNumber();
            if (interrupt.stop.requested()) {
                synchronized (interrupt) {
                    appended += flush(t, batch);
                    interrupt.done(appended, n - 1);
                    interrupt.reported = true;
                }
                progressLine.finish(appended);
                err.println(interrupt.report(t.name()));
                return interrupt.exitCode();
            }
            try {
                if (line == LineReader.TOO_LONG) {
                    throw new IllegalArgumentException("longer than " + lines.maxLineBytes() + " bytes");
                }
                if (line == LineReader.NOT_UTF8) {
                    throw new IllegalArgumentException(EventJson.notUtf8(lines.invalidByte()));
                }
                Event e;
                if (raw) {
                    e = new Event(keyBytes, line.getBytes(StandardCharsets.UTF_8), eventTime, null, defaultPartition);
                } else if (values) {
                    if (line.isBlank()) {
                        continue;
                    }
                    e = valueEvent(line, keyBytes, eventTime, defaultPartition);
                } else {
                    if (line.isBlank()) {
                        continue;
                    }
                    EventJson.Parsed parsed = EventJson.parse(line);
                    if (parsed.topic() != null && !parsed.topic().equals(topic) && !parsed.topic().equals(t.name())) {
                        throw new IllegalArgumentException("names topic '" + parsed.topic() + "' but this import goes to '" + topic + "'");
                    }
                    e = parsed.event();
                    if (e.key() == null && keyBytes != null) {
                        e = new Event(keyBytes, e.value(), e.eventTime(), e.id(), e.partition());
                    }
                    if (e.partition() == Event.ANY_PARTITION && defaultPartition != Event.ANY_PARTITION) {
                        e = e.withPartition(defaultPartition);
                    }
                    if (e.eventTime() == Event.NO_TIME && eventTime != Event.NO_TIME) {
                        e = e.withEventTime(eventTime);
                    }
                }
                if (e.payloadLength() > write.maxRecordBytes) {
                    throw new IllegalArgumentException("event of " + e.payloadLength() + " bytes is over the maximum of " + write.maxRecordBytes);
                }
                if (e.partition() >= t.partitionCount()) {
                    throw new IllegalArgumentException("topic '" + t.name() + "' has no partition " + e.partition());
                }
                batch.add(e);
            } catch (IllegalArgumentException ex) {
                rejected++;
                String hint = "";
                if (!values && !raw && !hinted && ex.getMessage().startsWith("unknown field")) {
                    hinted = true;
                    hint = "; if each line is the value itself, use --values (and --key-field/--time-field to take key and time from it)";
                }
                err.println("kappa: line " + n + ": " + ex.getMessage() + hint + (strict ? "" : " (skipped)"));
                if (strict) {
                    appended += flush(t, batch);
                    progressLine.finish(appended);
                    err.println("kappa: stopped at line " + n + " (--strict): appended " + appended + " events before it");
                    return 1;
                }
            }
            if (batch.size() >= batchSize) {
                synchronized (interrupt) {
                    appended += flush(t, batch);
                    interrupt.done(appended, n);
                }
                progressLine.update(appended, total > 0 ? (double) lines.bytesRead() / total : -1);
            }
        }
        synchronized (interrupt) {
            appended += flush(t, batch);
            interrupt.done(appended, lines.lineNumber());
        }
        progressLine.finish(appended);
        err.println("appended " + appended + " events" + (rejected > 0 ? ", rejected " + rejected + " lines" : ""));
        return rejected > 0 ? 1 : 0;
    }

    private boolean hinted;

    /** {@code --values}: the line is the value; key, time and id from the flags or from the fields they name. */
    private Event valueEvent(String line, byte[] keyBytes, long eventTime, int partition) {
        com.fasterxml.jackson.databind.JsonNode v;
        try {
            v = EventJson.MAPPER.readTree(line);
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
            throw new IllegalArgumentException("not JSON: " + ex.getOriginalMessage());
        }
        byte[] value = v.isTextual() ? v.asText().getBytes(StandardCharsets.UTF_8) : line.strip().getBytes(StandardCharsets.UTF_8);
        byte[] k = keyField == null ? keyBytes : text(field(v, keyField, "--key-field")).getBytes(StandardCharsets.UTF_8);
        byte[] eventId = idField == null ? null : text(field(v, idField, "--id-field")).getBytes(StandardCharsets.UTF_8);
        long t = eventTime;
        if (timeField != null) {
            com.fasterxml.jackson.databind.JsonNode f = field(v, timeField, "--time-field");
            t = f.canConvertToExactIntegral() ? f.asLong()
                : Position.parseTime(f.asText(), "--time-field " + timeField + " '" + f.asText() + "'");
        }
        return new Event(k, value, t, eventId, partition);
    }

    private static com.fasterxml.jackson.databind.JsonNode field(com.fasterxml.jackson.databind.JsonNode value, String path, String option) {
        com.fasterxml.jackson.databind.JsonNode f = value.at("/" + path.replace(".", "/"));
        if (f.isMissingNode() || f.isNull()) {
            throw new IllegalArgumentException("the value has no field '" + path + "' (" + option + ")");
        }
        return f;
    }

    private static String text(com.fasterxml.jackson.databind.JsonNode f) {
        return f.isValueNode() ? f.asText() : f.toString();
    }

    private static long flush(Topic t, List<Event> batch) {
        if (batch.isEmpty()) {
            return 0;
        }
        t.appendBatch(batch);
        int n = batch.size();
        batch.clear();
        return n;
    }

    /**
     * Ctrl-C (SIGINT) during an import: the lines read so far are appended and the command exits 130 (SIGTERM: 143)
     * with a line saying how far it got and how to go on from there. If the import is waiting for input (a terminal, a silent
     * pipe), it stops after a second with what was appended by then.
     */
    private final class Interrupt {
        final Signals.Stop stop;
        private final PrintWriter err;
        private long appended;
        private long throughLine;
        private boolean reported;

        Interrupt(PrintWriter err) {
            this.err = err;
            this.stop = Signals.onStop(this::whileWaiting);
        }

        /** 128 + the signal, as a shell reports a process that signal ended: 130 for SIGINT, 143 for SIGTERM. */
        int exitCode() {
            return "TERM".equals(stop.signal()) ? 143 : 130;
        }

        synchronized void done(long appendedSoFar, long line) {
            appended = appendedSoFar;
            throughLine = line;
        }

        private void whileWaiting() {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
            synchronized (this) {
                if (reported) {
                    return;
                }
                err.println(report(topic));
                err.flush();
                Runtime.getRuntime().halt(exitCode());
            }
        }

        String report(String target) {
            String resume = "tail -n +" + (throughLine + 1) + " " + stdinName() + " | kappa append " + target
                + (raw ? " --raw" : "");
            return "kappa: interrupted: appended " + appended + " events from lines 1-" + throughLine + " of stdin; to resume: "
                + resume;
        }
    }

    /** The file stdin reads, for the resume command, or FILE. */
    private static String stdinName() {
        try {
            Path fd0 = Path.of("/proc/self/fd/0");
            return Files.isRegularFile(fd0) ? Files.readSymbolicLink(fd0).toString() : "FILE";
        } catch (IOException | RuntimeException e) {
            return "FILE";
        }
    }

    /** Size of stdin when it is a regular file (for the ETA), else -1. */
    private static long stdinSize() {
        try {
            Path fd0 = Path.of("/proc/self/fd/0");
            return Files.isRegularFile(fd0) ? Files.size(fd0) : -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
