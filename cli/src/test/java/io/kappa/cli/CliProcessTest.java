package io.kappa.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/** kappa as a real process: exit codes, stderr, stdin, KAPPA_DATA_DIR, and read --follow. */
class CliProcessTest {
    @TempDir
    Path dir;

    @Test
    void commandsWorkAsProcessesWithTheDataDirFromTheEnvironment() throws Exception {
        Cli.Result created = Cli.exec(dir, null, "topic", "create", "p", "--partitions", "2");
        assertEquals(0, created.code(), created.err());
        Cli.Result imported = Cli.exec(dir, "{\"key\":\"a\",\"value\":1}\n{\"key\":\"b\",\"value\":2}\n", "append", "p");
        assertEquals(0, imported.code(), imported.err());
        assertTrue(imported.err().contains("appended 2 events"), imported.err());
        Cli.Result read = Cli.exec(dir, null, "read", "p");
        assertEquals(0, read.code(), read.err());
        assertEquals(2, read.lines().size(), read.out());
        Cli.Result bad = Cli.exec(dir, null, "read", "nope");
        assertEquals(1, bad.code());
        assertEquals("kappa: unknown topic 'nope'\n", bad.err());
        Cli.Result usage = Cli.exec(dir, null, "read");
        assertEquals(2, usage.code());
        assertTrue(usage.err().contains("Missing required parameter: 'TOPIC'"), usage.err());
    }

    @Test
    void everyCommandRunsAsAProcess() throws Exception {
        assertEquals(0, Cli.exec(dir, null, "topic", "create", "a", "--partitions", "2", "--retention-bytes", "100000000").code());
        assertEquals(0, Cli.exec(dir, null, "topic", "create", "b").code());
        Cli.Result list = Cli.exec(dir, null, "topic", "list");
        assertEquals("a\nb\n", list.out());
        Cli.Result one = Cli.exec(dir, null, "append", "a", "--key", "k", "--id", "i1", "--time", "2026-11-21T10:00:00Z", "hello");
        assertEquals(0, one.code(), one.err());
        assertTrue(one.out().matches("\\{\"partition\":[01],\"offset\":0}\\n"), one.out());
        Cli.Result describe = Cli.exec(dir, null, "topic", "describe", "a");
        assertEquals(0, describe.code(), describe.err());
        assertTrue(describe.out().contains("100000000 bytes") && describe.out().contains("2026-"), describe.out());
        Cli.Result read = Cli.exec(dir, null, "read", "a", "--from", "2026-01-01T00:00:00Z");
        assertTrue(read.out().contains("\"id\":\"i1\"") && read.out().contains("\"time\":\"2026-11-21T10:00:00.000Z\""), read.out());
        assertEquals(0, Cli.exec(dir, null, "topic", "delete", "b").code());
        Cli.Result gone = Cli.exec(dir, null, "topic", "delete", "b");
        assertEquals(1, gone.code());
        assertEquals("kappa: unknown topic 'b'\n", gone.err(), "no guess from one letter");
        Cli.Result help = Cli.exec(dir, null, "serve", "--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("--port"), help.out());
        Cli.Result badPort = Cli.exec(dir, null, "serve", "--port", "70000");
        assertEquals(2, badPort.code(), "a usage error");
        assertTrue(badPort.err().contains("port must be in 0..65535"), badPort.err());
    }

    @Test
    void followPrintsEventsAppendedLater() throws Exception {
        assertEquals(0, Cli.run("topic", "create", "live", "--data-dir", dir.toString()).code());
        Process follower = Cli.start(dir, "read", "live", "--follow", "--from", "latest");
        Thread watchdog = new Thread(() -> {
            try {
                if (!follower.waitFor(90, TimeUnit.SECONDS)) {
                    follower.destroyForcibly();
                }
            } catch (InterruptedException e) {
                follower.destroyForcibly();
            }
        });
        watchdog.setDaemon(true);
        watchdog.start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(follower.getInputStream(), StandardCharsets.UTF_8));
             BufferedReader err = new BufferedReader(new InputStreamReader(follower.getErrorStream(), StandardCharsets.UTF_8))) {
            String ready = err.readLine(); // positioned at the end: only events appended from now on may print
            assertEquals("kappa: following live from partition:offset 0:0", ready);
            for (int i = 0; i < 3; i++) {
                assertEquals(0, Cli.run("append", "live", "v" + i, "--data-dir", dir.toString()).code());
            }
            for (int i = 0; i < 3; i++) {
                String line = out.readLine();
                assertNotNull(line);
                assertTrue(line.contains("\"value\":\"v" + i + "\""), line);
            }
        } finally {
            follower.destroy();
            assertTrue(follower.waitFor(10, TimeUnit.SECONDS));
        }
    }
}
