package io.kappa.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

class DemoCommandTest {
    @TempDir
    Path dir;

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Kappa.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void demoAppendsReadsBackAndSeeks() throws Exception {
        Path data = dir.resolve("data");
        Result r = run("demo", "--events", "5000", "--partitions", "2", "--data-dir", data.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().matches("(?s)0\\. live console \\(kappa ui\\) while the demo runs: http://127\\.0\\.0\\.1:\\d+/\n.*"), r.out());
        assertTrue(r.out().contains("appended 5,000 events"), r.out());
        assertTrue(r.out().contains("partition 0: offsets 0.."), r.out());
        assertTrue(r.out().contains("partition 1: offsets 0.."), r.out());
        assertTrue(r.out().contains("done: 5,000 events appended and read back intact"), r.out());
        assertTrue(r.out().contains("every count equal to a recount of the log; events arrived"), r.out());
        assertTrue(r.out().matches("(?s).*--by key,windowStart: [0-9,]+ windows equal, [1-9][0-9,]* differ.*"), r.out());
        assertTrue(r.out().contains("13. promoted"), r.out());
        assertTrue(Files.isDirectory(data.resolve("topics")), "the given data directory is kept");
    }

    @Test
    void usageErrorsExitNonZeroWithAReason() {
        Result r = run("demo", "--events", "many");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--events"), r.err());
        Result none = run();
        assertEquals(2, none.code());
        assertTrue(none.err().contains("missing command"), none.err());
    }
}
