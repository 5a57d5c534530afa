package io.kappa.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The launcher's class-data sharing training run: every command in it ends as expected (else the archive would miss classes). */
class StartupTrainingTest {
    @Test
    void theTrainingRunRunsTheShortCommands() {
        assertDoesNotThrow(() -> StartupTraining.main(new String[0]));
    }
}
