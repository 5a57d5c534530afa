package io.kappa.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.kappa.log.EventLog;
import io.kappa.log.JvmFlags;
import io.kappa.log.TopicConfig;

/**
 * {@code kappa serve} in a child JVM on a fresh data directory holding one topic ({@link BenchSupport#TOPIC}, one
 * partition), created with the log API before the server starts. The child is started the way the
 * {@code kappa} launcher starts it: {@code java} of this JVM's {@code java.home}, the JVM flags Chronicle Queue
 * needs ({@link JvmFlags#forCurrentJvm()}) plus any extra options, this JVM's class path, and
 * {@code io.kappa.cli.Kappa serve --port 0 --data-dir DIR}. The port is read from the line serve prints.
 * Its stdout and stderr go to a log file. {@link #close()} stops it with SIGTERM (its clean stop) and deletes
 * the data directory.
 */
final class ServerProcess implements AutoCloseable {
    private static final Pattern SERVING = Pattern.compile("kappa: serving .* on (\\S+):(\\d+)");
    /** Children still running, stopped by a shutdown hook if the harness is interrupted. */
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly), "kappa-bench-kill-servers"));
    }

    final Path dataDir;
    final Path logFile;
    final List<String> command;
    final Process process;
    final String host;
    final int port;

    private ServerProcess(Path dataDir, Path logFile, List<String> command, Process process, String host, int port) {
        this.dataDir = dataDir;
        this.logFile = logFile;
        this.command = command;
        this.process = process;
        this.host = host;
        this.port = port;
    }

    /**
     * Creates a fresh data directory with the benchmark topic, starts the server on it and waits (up to
     * {@code startTimeout}) until it listens.
     */
    static ServerProcess start(String name, Path logDir, List<String> extraJvmOptions, Duration startTimeout) throws IOException {
        Path dataDir = BenchSupport.newDirectory("tcp-" + name);
        try (EventLog log = EventLog.open(dataDir)) {
            log.createTopic(BenchSupport.TOPIC, TopicConfig.partitions(1));
        }
        Files.createDirectories(logDir);
        Path logFile = logDir.resolve("server-" + name + ".log");
        Files.deleteIfExists(logFile);
        List<String> cmd = JvmFlags.javaCommand(extraJvmOptions, "io.kappa.cli.Kappa",
            List.of("serve", "--port", "0", "--data-dir", dataDir.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
            .redirectError(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        Process p = pb.start();
        LIVE.add(p);
        try {
            long deadline = System.nanoTime() + startTimeout.toNanos();
            while (true) {
                String text = Files.exists(logFile) ? Files.readString(logFile, StandardCharsets.UTF_8) : "";
                Matcher m = SERVING.matcher(text);
                if (m.find()) {
                    return new ServerProcess(dataDir, logFile, cmd, p, m.group(1), Integer.parseInt(m.group(2)));
                }
                if (!p.isAlive()) {
                    throw new IOException("kappa serve exited with " + p.exitValue() + " before listening; its output ("
                        + logFile + "):\n" + text);
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("kappa serve did not report its port within " + startTimeout.toSeconds()
                        + " s; its output (" + logFile + "):\n" + text);
                }
                sleep(20);
            }
        } catch (IOException | RuntimeException e) {
            stop(p);
            BenchSupport.delete(dataDir);
            throw e;
        }
    }

    /** CPU time the server process has used so far (user + system), in nanoseconds; -1 when unknown. */
    long cpuNanos() {
        return process.info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The server's output so far (for error messages). */
    String output() {
        try {
            return Files.readString(logFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + logFile + ": " + e + ")";
        }
    }

    /** SIGTERM, wait for the clean stop (SIGKILL after 30 s), then delete the data directory. */
    @Override
    public void close() {
        try {
            stop(process);
        } finally {
            try {
                BenchSupport.delete(dataDir);
            } catch (UncheckedIOException e) {
                System.err.println("kappa bench: cannot delete " + dataDir + ": " + e.getMessage());
            }
        }
    }

    private static void stop(Process p) {
        p.destroy();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            LIVE.remove(p);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
