package io.kappa.log;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Starts a child JVM running a main class of the test class path, with kappa's JVM flags. */
final class ChildJvm {
    private ChildJvm() {
    }

    static Process start(Class<?> main, Path stderr, String... args) throws IOException {
        List<String> cmd = JvmFlags.javaCommand(List.of("-Xmx256m", "-XX:+UseSerialGC"), main.getName(), List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile()));
        return pb.start();
    }
}
