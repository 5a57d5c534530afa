package io.kappa.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;

import io.kappa.kafka.KafkaToLog;
import io.kappa.kafka.LogToKafka;
import io.kappa.log.EventLog;
import io.kappa.log.Position;
import io.kappa.log.TopicNames;
import io.kappa.log.Durations;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code kappa mirror}: a local topic to Kafka, or (with --from-kafka) a Kafka topic to the local log, exactly once. */
@Command(name = "mirror", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Ship a local topic to a Kafka topic (keys, values, event times as timestamps, ids and append times as",
        "headers; the same partition, or murmur2 of the key when the partition counts differ), or with --from-kafka a",
        "Kafka topic to the local log. Resumable and exactly once across crashes: to Kafka, records and the mirror's",
        "progress commit in one Kafka transaction; from Kafka, the local log records each Kafka offset. Runs until",
        "SIGTERM/SIGINT, or with --until-caught-up until the source's end at start."})
final class MirrorCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    DataDirOptions data;
    @Mixin
    WriteOptions write;
    @Parameters(index = "0", paramLabel = "TOPIC", description = "The source: a local topic, or with --from-kafka a Kafka topic.")
    String source;
    @Option(names = "--kafka", arity = "0..1", fallbackValue = "", required = true, paramLabel = "BOOTSTRAP", description = "The Kafka cluster (host:port[,host:port...]).")
    String kafka;
    @Option(names = "--to", paramLabel = "TOPIC", description = "The destination topic (default: the same name).")
    String to;
    @Option(names = "--from-kafka", description = "Mirror the Kafka topic TOPIC into the local log.")
    boolean fromKafka;
    @Option(names = "--from", defaultValue = "earliest", paramLabel = "POSITION",
        description = {"Where a new mirror starts in each source partition: earliest, latest, a time (ISO-8601, @epochMillis,",
            "now-5m; locally the append time, on Kafka the record timestamp), or, to Kafka, an offset or -N. A mirror that ran before",
            "goes on where it stopped. Default: ${DEFAULT-VALUE}."})
    String from;
    @Option(names = "--until-caught-up", description = "Stop once every source partition is mirrored up to its end at start.")
    boolean untilCaughtUp;
    @Option(names = "--batch", defaultValue = "5000", paramLabel = "N",
        description = "To Kafka: at most N records per partition in one transaction (default: ${DEFAULT-VALUE}).")
    int batch;
    @Option(names = "--kafka-timeout", defaultValue = "30s", paramLabel = "DURATION", description = "How long to wait for the cluster.")
    String kafkaTimeout;
    @Option(names = "--progress", description = "Show progress on stderr even when it is not a terminal.")
    boolean progress;
    @Option(names = "--force", description = {"To Kafka: start a mirror with no recorded progress even into a Kafka topic that already",
        "holds records (refused otherwise: the progress may have expired, and starting over could write events twice)."})
    boolean force;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String target = to == null ? source : to;
        TopicNames.validate(source);
        TopicNames.validate(target);
        if (batch < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--batch must be at least 1");
        }
        Position start = Position.parse(from);
        long timeoutMs = Durations.parse(kafkaTimeout, "--kafka-timeout");
        AtomicBoolean stop = new AtomicBoolean();
        Progress line = new Progress(err, progress || Progress.stderrIsTerminal(), "mirrored");
        try (EventLog log = data.open()) {
            if (fromKafka) {
                if (start.kind() == Position.Kind.OFFSET || start.kind() == Position.Kind.FROM_END) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--from-kafka starts at earliest, latest or a time, not an offset");
                }
                try (KafkaToLog m = new KafkaToLog(log, kafka, source, target, start.kind() == Position.Kind.LATEST
                    ? KafkaToLog.Start.LATEST : KafkaToLog.Start.EARLIEST, start.kind() == Position.Kind.TIME ? start.value() : -1, timeoutMs)) {
                    long lag = m.lag();
                    err.printf("kappa: mirroring Kafka %s/%s -> local %s%s, %,d records to catch up%n", kafka, source, target,
                        m.resumed() ? " (going on where the last run stopped)" : " from " + from, lag);
                    err.flush();
                    stopOn(stop);
                    Thread watcher = watch(line, m::mirroredSoFar, lag, stop);
                    long[] done = m.run(stop::get, untilCaughtUp);
                    watcher.interrupt();
                    line.finish(m.mirroredSoFar());
                    report(out, source, target, done);
                }
            } else {
                if (!log.exists(source)) {
                    throw new CommandFailure("unknown topic '" + source + "' in " + data.resolve() + Names.didYouMean(source, Names.topics(data.resolve())));
                }
                try (LogToKafka m = new LogToKafka(log, source, kafka, target, start::resolve, timeoutMs, batch, force)) {
                    long lag = m.lag();
                    err.printf("kappa: mirroring local %s -> Kafka %s/%s%s, %,d records to catch up%n", source, kafka, target,
                        m.resumed() ? " (going on where the last run stopped)" : " from " + from, lag);
                    err.flush();
                    stopOn(stop);
                    Thread watcher = watch(line, m::mirroredSoFar, lag, stop);
                    LogToKafka.Progress done = m.run(stop::get, untilCaughtUp);
                    watcher.interrupt();
                    line.finish(done.total());
                    report(out, source, target, done.mirrored());
                }
            }
        }
        return 0;
    }

    private static void report(PrintWriter out, String source, String target, long[] perPartition) {
        long total = 0;
        StringBuilder b = new StringBuilder();
        for (int p = 0; p < perPartition.length; p++) {
            total += perPartition[p];
            b.append(p == 0 ? "" : ", ").append(p).append(": ").append(String.format("%,d", perPartition[p]));
        }
        out.printf("mirrored %,d records %s -> %s (per partition %s)%n", total, source, target, b);
        out.flush();
    }

    /** SIGTERM / SIGINT end the mirror after its current transaction or batch. */
    private static void stopOn(AtomicBoolean stop) {
        Signals.onStop(() -> stop.set(true));
    }

    private static Thread watch(Progress line, java.util.function.LongSupplier done, long total, AtomicBoolean stop) {
        Thread t = new Thread(() -> {
            try {
                while (!stop.get()) {
                    long d = done.getAsLong();
                    line.update(d, total <= 0 ? -1 : Math.min(1.0, d / (double) total));
                    Thread.sleep(250);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "kappa-mirror-progress");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
