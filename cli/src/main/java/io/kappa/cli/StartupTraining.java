package io.kappa.cli;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The training run of kappa's class-data sharing archive: the {@code ./kappa} launcher runs it once after a build
 * with {@code -XX:ArchiveClassesAtExit}, so that the classes the short commands load (picocli's model of every
 * command, the log's open, read and describe paths, JSON) are mapped from the archive at start-up instead of being
 * read, verified and linked each time. It runs the commands themselves on a scratch data directory and deletes it.
 * With {@code --reading} it trains the archive of the reading commands, which start with fewer jars (see
 * {@code kappa/reading.excludes}): it then leaves out the help that lists every command.
 */
public final class StartupTraining {
    private StartupTraining() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Files.createTempDirectory("kappa-cds-training");
        InputStream stdin = System.in;
        try {
            String d = "--data-dir=" + dir;
            run(0, "topic", "create", d, "t", "--partitions", "2");
            System.setIn(new ByteArrayInputStream("{\"key\":\"k\",\"value\":{\"n\":1}}\n{\"value\":2}\n".getBytes(StandardCharsets.UTF_8)));
            run(0, "append", d, "t");
            run(0, "append", d, "t", "--key", "k", "v");
            run(0, "topic", "list", d);
            run(0, "topic", "describe", d, "t");
            run(0, "read", d, "t", "--limit", "1");
            run(0, "read", d, "t", "--from", "-1");
            run(0, "run", "count", d, "--by", "n", "--group", "g", "--input", "t", "--output", "counts", "--until-caught-up");
            run(0, "status", d);
            run(0, "status", d, "g");
            if (!java.util.Arrays.asList(args).contains("--reading")) {
                run(0, "--help");
            }
            run(0, "read", "--help");
            run(1, "read", d, "nope");
            run(2, "read");
        } finally {
            System.setIn(stdin);
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Runs a command as the launcher would, and fails if it does not end as expected (the archive would miss its classes). */
    private static void run(int expected, String... args) {
        StringWriter err = new StringWriter();
        int code = Kappa.run(args, new PrintWriter(new StringWriter()), new PrintWriter(err));
        if (code != expected) {
            throw new IllegalStateException("kappa " + String.join(" ", args) + " exited " + code + ", not " + expected + ": " + err);
        }
    }
}
