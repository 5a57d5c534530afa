package io.kappa.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.kappa.log.JvmFlags;

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

    /**
     * A process that runs a reading command ({@code topic describe}, {@code read}, {@code status}) declares itself
     * read-only and does not load Chronicle's native posix binding (jnr-ffi, generated at run time: about 75 ms of such
     * a command's start-up); a process that appends keeps it (its syncs need it).
     */
    @Test
    void readingCommandsStartWithoutChroniclesNativeBinding() throws Exception {
        assertEquals(0, Cli.exec(dir, null, "topic", "create", "t", "--partitions", "2").code());
        Path appendLog = dir.resolve("append-classes.log");
        Cli.Result appended = Cli.execWithFlags(dir, List.of("-Xlog:class+load:file=" + appendLog), "{\"key\":\"a\",\"value\":{\"page\":\"x\"}}\n",
            "append", "t");
        assertEquals(0, appended.code(), appended.err());
        assertTrue(Files.readString(appendLog).contains(" jnr.ffi."), "an appending process loads the binding");
        assertEquals(0, Cli.run("run", "count", "--by", "page", "--group", "g", "--input", "t", "--output", "counts", "--until-caught-up",
            "--data-dir=" + dir).code());
        List<List<String>> commands = List.of(List.of("topic", "describe", "t"), List.of("read", "t", "--limit", "1"), List.of("status"));
        List<String> expected = List.of("topic t: 2 partitions", "\"key\":\"a\"", "group g: stopped");
        for (int i = 0; i < commands.size(); i++) {
            Path classes = dir.resolve("classes-" + i + ".log");
            Cli.Result r = Cli.execWithFlags(dir, List.of("-Xlog:class+load:file=" + classes), null, commands.get(i).toArray(new String[0]));
            assertEquals(0, r.code(), commands.get(i) + ": " + r.err());
            assertTrue(r.out().contains(expected.get(i)), commands.get(i) + ": " + r.out());
            String loaded = Files.readString(classes);
            assertTrue(loaded.contains(" net.openhft.chronicle.queue.impl.single.SingleChronicleQueue "), commands.get(i) + " opened a queue");
            assertFalse(loaded.contains(" jnr.ffi."), commands.get(i) + " loaded jnr-ffi");
        }
    }

    /**
     * The launcher runs the reading commands with kappa's jars on the boot class path (no application class loader; it
     * starts them faster), without the jars {@code kappa/reading.excludes} names (Kafka, Jetty, JNA): each prints there
     * what it prints with the whole class path, its help and its errors too.
     */
    @Test
    void readingCommandsWorkWithKappaOnTheBootClassPath() throws Exception {
        assertEquals(0, Cli.exec(dir, null, "topic", "create", "t", "--partitions", "3").code());
        assertEquals(0, Cli.exec(dir, "{\"key\":\"a\",\"value\":{\"page\":\"x\"}}\n{\"key\":\"b\",\"value\":{\"page\":\"y\"}}\n", "append", "t").code());
        assertEquals(0, Cli.run("run", "count", "--by", "page", "--group", "g", "--input", "t", "--output", "counts", "--until-caught-up",
            "--data-dir=" + dir).code());
        String readingPath = io.kappa.log.JvmFlags.readingClassPath(System.getProperty("java.class.path"));
        assertFalse(readingPath.contains("kafka-clients") || readingPath.contains("jetty-server") || readingPath.contains("jna-"), readingPath);
        assertTrue(readingPath.contains("chronicle-queue") && readingPath.contains("jackson-databind"), readingPath);
        List<List<String>> commands = List.of(List.of("topic", "list", "--all"), List.of("topic", "describe", "t"), List.of("read", "t", "--limit", "5"),
            List.of("read", "counts", "--limit", "5"), List.of("status", "--json"), List.of("status", "g"), List.of("read", "tt", "--limit", "1"),
            List.of("status", "nope"), List.of("topic", "describe", "nope"), List.of("read", "t", "--partition", "7", "--limit", "1"),
            List.of("status", "--help"), List.of("read", "--help"), List.of("topic", "list", "--help"), List.of("topic", "describe", "--help"));
        for (List<String> command : commands) {
            String[] args = command.toArray(new String[0]);
            Cli.Result normal = Cli.exec(dir, null, args);
            ProcessBuilder pb = new ProcessBuilder(JvmFlags.javaCommand(List.of("-Xmx256m"), true, Kappa.class.getName(), command));
            pb.environment().put("KAPPA_DATA_DIR", dir.toString());
            Cli.Result boot = Cli.waitFor(pb.start(), args);
            assertEquals(normal.code(), boot.code(), command + ": " + boot.err());
            assertEquals(normal.err(), boot.err(), command.toString());
            // status says how long ago the last checkpoint was; everything else is the same
            String ago = "\"lastCheckpoint\":\"[^\"]*\"|\\(\\d+ s ago\\)";
            assertEquals(normal.out().replaceAll(ago, ""), boot.out().replaceAll(ago, ""), command.toString());
        }
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
