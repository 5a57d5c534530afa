package io.kappa.log;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The JVM flags Chronicle Queue needs, as the build wrote them from the parent POM's {@code kappa.jvm.flags.*}
 * properties. Used to start child JVMs (crash tests, benchmarks) the way the launcher starts kappa.
 */
public final class JvmFlags {
    private JvmFlags() {
    }

    public static List<String> forCurrentJvm() {
        List<String> flags = new ArrayList<>(read("kappa/jvm.flags"));
        if (Runtime.version().feature() >= 24) {
            flags.addAll(read("kappa/jvm24.flags"));
        }
        return flags;
    }

    /**
     * The command line that starts {@code mainClass} in a new JVM the way kappa starts: this JVM's {@code java},
     * the flags above, {@code extraJvmOptions}, and this JVM's class path.
     */
    public static List<String> javaCommand(List<String> extraJvmOptions, String mainClass, List<String> args) {
        return javaCommand(extraJvmOptions, false, mainClass, args);
    }

    /**
     * As {@link #javaCommand(List, String, List)}, with this JVM's class path on the boot class path when {@code boot}:
     * how the launcher starts the reading commands (no application class loader, a faster start; see {@code ./kappa}),
     * and, as there, without the jars the resource {@code kappa/reading.excludes} names (globs of file names), when it is
     * on the class path.
     */
    public static List<String> javaCommand(List<String> extraJvmOptions, boolean boot, String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(forCurrentJvm());
        cmd.addAll(extraJvmOptions);
        if (boot) {
            cmd.add("-Xbootclasspath/a:" + readingClassPath(System.getProperty("java.class.path")));
        } else {
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
        }
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }

    /** {@code classPath} without the entries whose file names match a glob of {@code kappa/reading.excludes} (if present). */
    public static String readingClassPath(String classPath) {
        List<java.nio.file.PathMatcher> excludes = new ArrayList<>();
        try (InputStream in = JvmFlags.class.getResourceAsStream("/kappa/reading.excludes")) {
            if (in == null) {
                return classPath;
            }
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String glob = line.trim();
                if (!glob.isEmpty() && !glob.startsWith("#")) {
                    excludes.add(java.nio.file.FileSystems.getDefault().getPathMatcher("glob:" + glob));
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        List<String> kept = new ArrayList<>();
        for (String entry : classPath.split(java.io.File.pathSeparator)) {
            java.nio.file.Path name = java.nio.file.Path.of(entry).getFileName();
            if (name == null || excludes.stream().noneMatch(m -> m.matches(name))) {
                kept.add(entry);
            }
        }
        return String.join(java.io.File.pathSeparator, kept);
    }

    private static List<String> read(String resource) {
        // through the class, not its loader: the short commands may run with kappa on the boot class path (no loader)
        try (InputStream in = JvmFlags.class.getResourceAsStream("/" + resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource + " (build with Maven)");
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            return text.isEmpty() ? List.of() : Arrays.asList(text.split("\\s+"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + resource, e);
        }
    }
}
