package io.kappa.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The launcher's class-data sharing training run: every command in it ends as expected (else the archive would miss classes). */
class StartupTrainingTest {
    @Test
    void theTrainingRunRunsTheShortCommands() {
        assertDoesNotThrow(() -> StartupTraining.main(new String[0]));
    }

    /** The reading commands' archive is trained as they run: on the boot class path, without the jars they start without. */
    @Test
    void theReadingTrainingRunsOnTheReadingClassPath() throws Exception {
        Process p = new ProcessBuilder(io.kappa.log.JvmFlags.javaCommand(java.util.List.of("-Xmx256m"), true, StartupTraining.class.getName(),
            java.util.List.of("--reading"))).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), output);
    }
}
