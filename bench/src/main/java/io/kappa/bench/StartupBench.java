package io.kappa.bench;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.cli.Kappa;
import io.kappa.log.JvmFlags;

/**
 * {@code kappa bench startup}: how long the short commands take as processes, started as the {@code ./kappa} launcher
 * starts these reading commands (subject: this class path on the boot class path, a class-data sharing archive of it,
 * made here by a training run with {@code -XX:ArchiveClassesAtExit}, and C1 on one compiler thread with the serial
 * collector) against a plain JVM with the same class path and
 * Chronicle flags (baseline). Figures are commands per second of the median of the passes (each pass one run of each,
 * alternating which goes first), so the ratio is how many times faster the launcher's way starts. Data: one topic of 4
 * partitions and 10,000 events and one group. The launcher's own bash and its class path are not in it:
 * {@code scripts/startup-times} measures those (docs/benchmarks.md, start-up).
 */
final class StartupBench {
    static final List<List<String>> COMMANDS = List.of(List.of("topic", "list"), List.of("topic", "describe", "clicks"),
        List.of("read", "clicks", "--limit", "1"), List.of("status"));
    private static final List<String> QUIET_CDS = List.of("-Xlog:cds=off", "-Xlog:cds+dynamic=off");

    private StartupBench() {
    }

    static ObjectNode run(BenchScenarios.Settings s) throws Exception {
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (Files.isDirectory(Path.of(entry))) {
                throw new IllegalStateException("startup needs a class path of jars, as ./kappa bench runs it: a class-data sharing "
                    + "archive holds only classes from jars (" + entry + " is a directory)");
            }
        }
        ObjectNode section = TcpIngestBench.JSON.createObjectNode().put("scenario", "startup");
        Path data = Files.createTempDirectory("kappa-bench-startup");
        Path jsa = s.out().resolve("startup.jsa");
        try {
            kappa("topic", "create", "--data-dir=" + data, "clicks", "--partitions", "4");
            StringBuilder events = new StringBuilder();
            for (int i = 0; i < 10_000; i++) {
                events.append("{\"key\":\"u").append(i % 100).append("\",\"value\":{\"page\":\"p").append(i % 7).append("\"}}\n");
            }
            java.io.InputStream stdin = System.in;
            System.setIn(new java.io.ByteArrayInputStream(events.toString().getBytes(StandardCharsets.UTF_8)));
            try {
                kappa("append", "--data-dir=" + data, "clicks");
            } finally {
                System.setIn(stdin);
            }
            kappa("run", "count", "--by", "page", "--group", "pages", "--input", "clicks", "--output", "counts", "--until-caught-up",
                "--data-dir=" + data);
            Files.deleteIfExists(jsa);
            List<String> training = new ArrayList<>(List.of("-XX:ArchiveClassesAtExit=" + jsa));
            training.addAll(QUIET_CDS);
            BenchScenarios.status(s, "startup: training run for the class-data sharing archive");
            exec(JvmFlags.javaCommand(training, true, "io.kappa.cli.StartupTraining", List.of("--reading")));
            if (!Files.isRegularFile(jsa)) {
                throw new IllegalStateException("the training run wrote no archive " + jsa);
            }
            List<String> launcher = new ArrayList<>(List.of("-XX:SharedArchiveFile=" + jsa, "-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1",
                "-XX:+UseSerialGC", "-XX:-UsePerfData"));
            launcher.addAll(QUIET_CDS);
            int passes = s.passesOr(5);
            section.put("passes", passes).put("archiveBytes", Files.size(jsa));
            ArrayNode comparisons = section.putArray("comparisons");
            for (List<String> command : COMMANDS) {
                List<String> args = new ArrayList<>(command);
                args.add("--data-dir=" + data);
                BenchScenarios.status(s, "startup: kappa " + String.join(" ", command) + ", " + passes + " passes");
                exec(JvmFlags.javaCommand(List.of(), Kappa.class.getName(), args)); // warms the page cache, not counted
                List<ObjectNode> subject = new ArrayList<>();
                List<ObjectNode> baseline = new ArrayList<>();
                for (int p = 0; p < passes; p++) {
                    boolean subjectFirst = p % 2 == 0;
                    for (int k = 0; k < 2; k++) {
                        boolean isSubject = subjectFirst == (k == 0);
                        long nanos = isSubject ? exec(JvmFlags.javaCommand(launcher, true, Kappa.class.getName(), args))
                            : exec(JvmFlags.javaCommand(List.of(), Kappa.class.getName(), args));
                        (isSubject ? subject : baseline).add(figure(isSubject ? "boot class path + archive + C1 + serial GC" : "plain JVM", nanos));
                    }
                }
                comparisons.add(BenchScenarios.compareMedian("kappa " + String.join(" ", command), subject, baseline));
            }
        } finally {
            try (Stream<Path> files = Files.walk(data)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        return section;
    }

    private static ObjectNode figure(String what, long nanos) {
        ObjectNode f = BenchScenarios.figure(what, 1, nanos, -1);
        f.put("unit", "commands").put("milliseconds", nanos / 1e6);
        return f;
    }

    private static void kappa(String... args) {
        StringWriter err = new StringWriter();
        int code = Kappa.run(args, new PrintWriter(new StringWriter()), new PrintWriter(err));
        if (code != 0) {
            throw new IllegalStateException("kappa " + String.join(" ", args) + ": " + err);
        }
    }

    /** Runs a child JVM to its end and returns its wall time in nanoseconds; a failure is an error. */
    private static long exec(List<String> command) throws Exception {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(false).start();
        byte[] err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("did not finish: " + String.join(" ", command));
        }
        long nanos = System.nanoTime() - t0;
        if (p.exitValue() != 0) {
            throw new IllegalStateException("exit " + p.exitValue() + ": " + String.join(" ", command) + ": "
                + new String(err, StandardCharsets.UTF_8));
        }
        return nanos;
    }
}
