package io.kappa.bench;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/** {@code kappa bench startup}: each short command timed as a process with the launcher's archive and flags and without. */
class StartupBenchSmokeTest {
    @TempDir
    Path out;

    /**
     * Under Maven the class path holds directories (target/classes), which a class-data sharing archive cannot hold: the
     * scenario says so instead of timing JVMs that silently run without the archive. Through ./kappa bench (jars) it
     * runs; docs/benchmarks.md has a run.
     */
    @Test
    void refusesAClassPathOfDirectoriesSayingWhy() throws Exception {
        StringWriter stdout = new StringWriter();
        StringWriter stderr = new StringWriter();
        int code = BenchCommand.run(new String[] {"startup", "--passes", "1", "--quiet", "--out", out.toString()}, new PrintWriter(stdout, true),
            new PrintWriter(stderr, true));
        assertEquals(1, code);
        assertTrue(stderr.toString().contains("startup needs a class path of jars, as ./kappa bench runs it"), stderr.toString());
        assertEquals(2, BenchCommand.run(new String[] {"startp"}, new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter())));
    }
}
