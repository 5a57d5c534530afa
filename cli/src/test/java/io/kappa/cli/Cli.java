package io.kappa.cli;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.kappa.log.JvmFlags;

/** Runs kappa in-process through picocli, or as a real child process, and captures exit code and output. */
final class Cli {
    record Result(int code, String out, String err) {
        List<String> lines() {
            return out.isEmpty() ? List.of() : List.of(out.split("\n"));
        }
    }

    private Cli() {
    }

    static Result runWithStdin(String stdin, String... args) {
        return runWithStdinBytes(stdin == null ? new byte[0] : stdin.getBytes(StandardCharsets.UTF_8), args);
    }

    /** As {@link #runWithStdin(String, String...)} with raw bytes, which need not be UTF-8. */
    static synchronized Result runWithStdinBytes(byte[] stdin, String... args) {
        InputStream saved = System.in;
        System.setIn(new ByteArrayInputStream(stdin));
        try {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int code = Kappa.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
            return new Result(code, out.toString(), err.toString());
        } finally {
            System.setIn(saved);
        }
    }

    static Result run(String... args) {
        return runWithStdin(null, args);
    }

    /** {@code args} with {@code --data-dir=DIR} put right after the (sub)command: {@code topic create --data-dir=.. T}. */
    static String[] inDir(Path dir, String... args) {
        String[] full = new String[args.length + 1];
        int sub = args[0].equals("topic") ? 2 : 1;
        System.arraycopy(args, 0, full, 0, sub);
        full[sub] = "--data-dir=" + dir;
        System.arraycopy(args, sub, full, sub + 1, args.length - sub);
        return full;
    }

    /** Starts {@code kappa ARGS} as a separate JVM, as the launcher would. */
    static Process start(Path dataDir, String... args) throws Exception {
        return start(dataDir, List.of("-Xmx256m"), args);
    }

    /** As {@link #start(Path, String...)}, with these JVM flags (a heap size, say). */
    static Process start(Path dataDir, List<String> jvmFlags, String... args) throws Exception {
        return start(dataDir == null ? java.util.Map.of() : java.util.Map.of("KAPPA_DATA_DIR", dataDir.toString()), jvmFlags, args);
    }

    /** Starts {@code kappa ARGS} with these environment variables set (and no KAPPA_DATA_DIR unless among them). */
    static Process start(java.util.Map<String, String> env, List<String> jvmFlags, String... args) throws Exception {
        List<String> cmd = JvmFlags.javaCommand(jvmFlags, Kappa.class.getName(), List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("KAPPA_DATA_DIR");
        pb.environment().putAll(env);
        return pb.start();
    }

    static Result exec(Path dataDir, String stdin, String... args) throws Exception {
        return exec(start(dataDir, args), stdin, args);
    }

    /** As {@link #exec(Path, String, String...)}, with these JVM flags. */
    static Result execWithFlags(Path dataDir, List<String> jvmFlags, String stdin, String... args) throws Exception {
        return exec(start(dataDir, jvmFlags, args), stdin, args);
    }

    /** Runs {@code kappa ARGS} as a process with these environment variables and the given working directory. */
    static Result execIn(Path workingDir, java.util.Map<String, String> env, String... args) throws Exception {
        List<String> cmd = JvmFlags.javaCommand(List.of("-Xmx256m"), Kappa.class.getName(), List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workingDir.toFile());
        pb.environment().remove("KAPPA_DATA_DIR");
        pb.environment().remove("KAPPA_PROFILE");
        pb.environment().putAll(env);
        return exec(pb.start(), null, args);
    }

    /** Waits for a process {@link #start} started (with no input) and returns what it printed. */
    static Result waitFor(Process p, String... args) throws Exception {
        return exec(p, null, args);
    }

    private static Result exec(Process p, String stdin, String... args) throws Exception {
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        byte[][] streams = new byte[2][];
        Thread errReader = new Thread(() -> {
            try {
                streams[1] = p.getErrorStream().readAllBytes();
            } catch (Exception e) {
                streams[1] = new byte[0];
            }
        });
        errReader.start();
        streams[0] = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("kappa " + String.join(" ", args) + " did not finish");
        }
        errReader.join();
        return new Result(p.exitValue(), new String(streams[0], StandardCharsets.UTF_8), new String(streams[1], StandardCharsets.UTF_8));
    }
}
