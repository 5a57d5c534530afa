package io.kappa.processor;

import java.nio.file.Path;

import io.kappa.log.EventLog;
import io.kappa.log.LogContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A test with a fresh log in a temporary directory (no pretouching), opened before each test and closed after. */
public abstract class LogTest {
    @TempDir
    protected Path dir;
    protected EventLog log;

    @BeforeEach
    void openLog() {
        log = EventLog.open(new LogContext().dataDir(dir).pretouch(false));
    }

    @AfterEach
    void closeLog() {
        log.close();
    }
}
