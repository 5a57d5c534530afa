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
