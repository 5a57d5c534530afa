package io.kappa.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/** The ./kappa launcher's first build: one line per module, no escape codes, the whole log kept for a failure. */
class BuildProgressTest {
    @TempDir
    Path dir;

    @Test
    void oneLinePerModuleAndNoEscapeCodes() throws Exception {
        Path script = Path.of("..", "scripts", "build-progress").toAbsolutePath().normalize();
        assertTrue(Files.isExecutable(script), script.toString());
        String maven = "\u001b[0m\u001b[0m[INFO] Scanning for projects...\n"
            + "[INFO] Building kappa 0.1.0-SNAPSHOT                                        [1/3]\n"
            + "[INFO] --- compiler:3.13.0:compile (default-compile) @ kappa-log ---\n"
            + "\u001b[1m[INFO] Building kappa log 0.1.0-SNAPSHOT                                    [2/3]\u001b[m\n"
            + "[INFO] Building kappa replay-tool 0.1.0-SNAPSHOT                            [3/3]\n"
            + "[INFO] BUILD SUCCESS\n";
        Path log = dir.resolve("build.log");
        Process p = new ProcessBuilder("bash", script.toString(), log.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        p.getOutputStream().write(maven.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
        assertEquals("kappa: building kappa (1/3)\nkappa: building kappa log (2/3)\nkappa: building kappa replay-tool (3/3)\n", out);
        String kept = Files.readString(log);
        assertFalse(kept.contains("\u001b"), "no escape codes in the kept log");
        assertTrue(kept.contains("[INFO] --- compiler:3.13.0:compile") && kept.contains("BUILD SUCCESS"), kept);
    }
}
