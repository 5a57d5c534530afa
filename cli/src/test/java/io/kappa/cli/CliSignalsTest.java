package io.kappa.cli;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.kappa.log.JvmFlags;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/** Real processes: a closed stdout ends a read, SIGTERM ends long-running commands with 0, SIGINT ends an import with 130. */
class CliSignalsTest {
    @TempDir
    Path dir;

    private Cli.Result kappa(String... args) {
        return Cli.run(Cli.inDir(dir, args));
    }

    private static void signal(Process p, String name) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + name, Long.toString(p.pid())).start().waitFor());
    }

    private static int exitWithin(Process p, int seconds) throws Exception {
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("the process did not exit within " + seconds + " s");
        }
        return p.exitValue();
    }

    private static String stderrOf(Process p) throws Exception {
        return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void aClosedStdoutEndsAReadWithExitZero() throws Exception {
        assertEquals(0, kappa("topic", "create", "t").code());
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 200_000; i++) {
            lines.append("{\"value\":").append(i).append("}\n");
        }
        assertEquals(0, Cli.runWithStdin(lines.toString(), Cli.inDir(dir, "append", "t")).code());
        Process read = Cli.start(dir, "read", "t");
        BufferedReader out = new BufferedReader(new InputStreamReader(read.getInputStream(), StandardCharsets.UTF_8));
        assertTrue(out.readLine().contains("\"value\":0"));
        out.close(); // as `head -1` does
        assertEquals(0, exitWithin(read, 30), "a closed stdout is a normal end");
        assertEquals("", stderrOf(read));
    }

    @Test
    void followEndsWhenStdoutClosesAndOnSigterm() throws Exception {
        assertEquals(0, kappa("topic", "create", "live").code());
        Process head = Cli.start(dir, "read", "live", "--follow");
        BufferedReader err = new BufferedReader(new InputStreamReader(head.getErrorStream(), StandardCharsets.UTF_8));
        assertTrue(err.readLine().startsWith("kappa: following live"));
        assertEquals(0, kappa("append", "live", "one").code());
        BufferedReader out = new BufferedReader(new InputStreamReader(head.getInputStream(), StandardCharsets.UTF_8));
        assertTrue(out.readLine().contains("\"value\":\"one\""));
        out.close(); // `read --follow | head -1`: head has gone
        assertEquals(0, kappa("append", "live", "two").code()); // the next write finds the pipe closed
        assertEquals(0, exitWithin(head, 30));

        Process follower = Cli.start(dir, "read", "live", "--follow");
        BufferedReader err2 = new BufferedReader(new InputStreamReader(follower.getErrorStream(), StandardCharsets.UTF_8));
        assertTrue(err2.readLine().startsWith("kappa: following live"));
        signal(follower, "TERM");
        assertEquals(0, exitWithin(follower, 30), "SIGTERM is the normal way to stop following");
    }

    /**
     * group.json names the run's process as soon as its runner starts, and kappa ui (or a supervisor) may send SIGTERM
     * from that moment: the run stops cleanly with 0, not with the JVM's 143 (the handler is installed before the start).
     */
    @Test
    void aRunSignalledAsSoonAsGroupJsonNamesItExitsZero() throws Exception {
        assertEquals(0, kappa("topic", "create", "clicks").code());
        assertEquals(0, Cli.exec(dir, "{\"key\":\"a\",\"value\":{\"page\":\"/x\"}}\n", "append", "clicks").code());
        for (int round = 0; round < 3; round++) {
            Process run = Cli.start(dir, "run", "count", "--by", "page", "--group", "pages", "--input", "clicks", "--output", "counts");
            Path info = io.kappa.processor.Groups.dir(dir, "pages").resolve("group.json");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!(Files.exists(info) && Files.readString(info).contains("\"pid\" : " + run.pid())
                || Files.exists(info) && Files.readString(info).contains("\"pid\":" + run.pid()))) {
                assertTrue(run.isAlive() && System.nanoTime() < deadline, "the run never named itself in group.json");
                Thread.sleep(1);
            }
            signal(run, "TERM");
            int code = exitWithin(run, 60);
            assertEquals(0, code, "round " + round + ": " + stderrOf(run));
        }
    }

    @Test
    void serveExitsZeroOnSigterm() throws Exception {
        Process serve = Cli.start(dir, "serve", "--port", "0");
        BufferedReader out = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
        String ready = out.readLine();
        assertNotNull(ready, "serve printed nothing");
        assertTrue(ready.startsWith("kappa: serving"), ready);
        signal(serve, "TERM");
        assertEquals(0, exitWithin(serve, 30));
    }

    @Test
    void ctrlCDuringAnImportSaysHowFarItGotAndHowToResume() throws Exception {
        assertEquals(0, kappa("topic", "create", "t").code());
        Path file = dir.resolve("events.jsonl");
        int total = 2_000_000;
        try (var w = Files.newBufferedWriter(file)) {
            for (int i = 0; i < total; i++) {
                w.write("{\"value\":" + i + "}\n");
            }
        }
        List<String> cmd = JvmFlags.javaCommand(List.of("-Xmx256m"), Kappa.class.getName(),
            List.of("append", "t", "--progress", "--batch", "100", "--data-dir", dir.toString()));
        Process append = new ProcessBuilder(cmd).redirectInput(file.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        InputStream err = append.getErrorStream();
        int first = err.read(); // the progress line: the import is under way
        assertNotEquals(-1, first, "no progress");
        signal(append, "INT");
        String rest = (char) first + new String(err.readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(130, exitWithin(append, 60), rest);
        Matcher m = Pattern.compile("kappa: interrupted: appended (\\d+) events from lines 1-(\\d+) of stdin; to resume: tail -n \\+(\\d+) "
            + Pattern.quote(file.toString()) + " \\| kappa append t").matcher(rest);
        assertTrue(m.find(), rest);
        long appended = Long.parseLong(m.group(1));
        long through = Long.parseLong(m.group(2));
        assertEquals(appended, through, "every line read was appended");
        assertEquals(through + 1, Long.parseLong(m.group(3)));
        assertTrue(appended > 0 && appended < total, "stopped part way: " + appended);

        // resuming as told appends the rest: every value once
        List<String> all = Files.readAllLines(file);
        Cli.Result resumed = Cli.runWithStdin(String.join("\n", all.subList((int) through, total)) + "\n", Cli.inDir(dir, "append", "t"));
        assertEquals(0, resumed.code(), resumed.err());
        List<String> read = kappa("read", "t").lines();
        assertEquals(total, read.size());
        List<String> values = new ArrayList<>();
        for (int i = 0; i < total; i += 99_999) {
            values.add(read.get(i));
        }
        for (String v : values) {
            int i = read.indexOf(v);
            assertTrue(v.contains("\"value\":" + i + "}"), v);
        }
    }
}
