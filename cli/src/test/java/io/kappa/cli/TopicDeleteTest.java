package io.kappa.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.kappa.client.KappaClient;
import io.kappa.log.Appended;
import io.kappa.log.Event;
import io.kappa.log.EventLog;
import io.kappa.log.LogContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code topic delete} is refused while a process has the topic open (a server, a running group, a follower), naming
 * it; the kernel drops a dead holder's lock, so a crash never blocks deletion; an acknowledged event never lands in a
 * deleted topic.
 */
@Timeout(180)
class TopicDeleteTest {
    private static final Pattern SERVING = Pattern.compile("serving .* on 127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path dir;

    private final List<Process> children = new ArrayList<>();

    @AfterEach
    void stopChildren() throws Exception {
        for (Process p : children) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private Cli.Result kappa(String... args) {
        return Cli.run(Cli.inDir(dir, args));
    }

    private Process start(String... args) throws Exception {
        Process p = Cli.start(dir, args);
        children.add(p);
        return p;
    }

    private static String firstLine(java.io.InputStream in) throws Exception {
        String line = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
        assertNotNull(line, "the child printed nothing");
        return line;
    }

    private Process serve() throws Exception {
        return start("serve", "--port", "0");
    }

    private static int port(Process serve) throws Exception {
        String line = firstLine(serve.getInputStream());
        Matcher m = SERVING.matcher(line);
        assertTrue(m.find(), line);
        return Integer.parseInt(m.group(1));
    }

    private static List<Appended> send(KappaClient client, String topic, String prefix, int n) throws Exception {
        List<Event> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            batch.add(Event.of("k" + i, prefix + i));
        }
        return client.send(topic, batch).get(60, TimeUnit.SECONDS);
    }

    private static void stop(Process p) throws Exception {
        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "stops on SIGTERM");
    }

    private void assertRefused(String topic, long pid, String holder) {
        Cli.Result r = kappa("topic", "delete", topic);
        assertEquals(1, r.code(), r.out());
        assertEquals("kappa: topic '" + topic + "' is open in " + holder + " (pid " + pid + "); stop it first; nothing deleted\n", r.err());
        assertTrue(kappa("topic", "list").lines().contains(topic), "still there");
    }

    @Test
    void aServerThatAppendedToATopicHoldsIt_deleteIsRefusedNamingItsPid_andWorksOnceItStops() throws Exception {
        assertEquals(0, kappa("topic", "create", "t").code());
        Process serve = serve();
        try (KappaClient client = KappaClient.connect("127.0.0.1", port(serve))) {
            assertEquals(3, send(client, "t", "v", 3).size());
            assertRefused("t", serve.pid(), "kappa serve");
            // --force removes aliases; it does not get around a holder
            Cli.Result forced = kappa("topic", "delete", "t", "--force");
            assertEquals(1, forced.code());
            assertTrue(forced.err().contains("is open in kappa serve (pid " + serve.pid() + ")"), forced.err());
        }
        stop(serve);
        assertEquals("deleted topic t\n", kappa("topic", "delete", "t").out());
        assertFalse(kappa("topic", "list").lines().contains("t"));
    }

    /** Issue 15 finding 5: delete and create again while serve had the topic open lost acknowledged events. */
    @Test
    void everyEventTheServerAcknowledgedStaysReadable_theTopicCannotBeDeletedAndCreatedAgainUnderIt() throws Exception {
        assertEquals(0, kappa("topic", "create", "t").code());
        Process serve = serve();
        try (KappaClient client = KappaClient.connect("127.0.0.1", port(serve))) {
            assertEquals(10, send(client, "t", "before-", 10).size());
            Cli.Result deleted = kappa("topic", "delete", "t");
            Cli.Result created = kappa("topic", "create", "t");
            assertEquals(10, send(client, "t", "after-", 10).size(), "acknowledged");
            stop(serve);
            List<String> read = kappa("read", "t").lines();
            assertEquals(20, read.size(), "every acknowledged event is readable:\n" + String.join("\n", read));
            assertTrue(read.get(0).contains("before-0") && read.get(19).contains("after-9"), read.toString());
            assertEquals(1, deleted.code(), deleted.out());
            assertTrue(deleted.err().contains("is open in kappa serve (pid " + serve.pid() + ")"), deleted.err());
            assertTrue(created.err().contains("already exists"), created.err());
        }
    }

    @Test
    void aRunningGroupHoldsItsInputAndItsOutput() throws Exception {
        assertEquals(0, kappa("topic", "create", "in").code());
        assertEquals(0, Cli.runWithStdin("{\"key\":\"a\",\"value\":{}}\n", Cli.inDir(dir, "append", "in")).code());
        Process run = start("run", "count", "--by", "key", "--group", "g", "--input", "in", "--output", "out");
        String first = firstLine(run.getErrorStream());
        assertTrue(first.startsWith("kappa: running group g"), first);
        assertRefused("in", run.pid(), "kappa run --group g");
        assertRefused("out", run.pid(), "kappa run --group g");
        stop(run);
        assertEquals(0, kappa("topic", "delete", "out").code());
        assertEquals(0, kappa("topic", "delete", "in").code());
    }

    @Test
    void aKilledHolderDoesNotBlockDeletion() throws Exception {
        assertEquals(0, kappa("topic", "create", "t").code());
        assertEquals(0, kappa("append", "t", "one").code());
        Process follower = start("read", "t", "--follow");
        assertTrue(firstLine(follower.getInputStream()).contains("one"));
        assertRefused("t", follower.pid(), "kappa read");
        follower.destroyForcibly(); // SIGKILL: no shutdown hook runs, its holder file stays behind
        assertTrue(follower.waitFor(30, TimeUnit.SECONDS));
        assertEquals("deleted topic t\n", kappa("topic", "delete", "t").out());
        assertEquals(0, kappa("topic", "create", "t").code());
        assertEquals(0, kappa("read", "t").lines().size(), "a new, empty topic");
    }

    @Test
    void anotherEventLogInThisProcessHoldsATopicToo() {
        assertEquals(0, kappa("topic", "create", "t").code());
        try (EventLog log = EventLog.open(new LogContext().dataDir(dir).holder("a test"))) {
            log.topic("t").append(Event.of("k", "v"));
            Cli.Result r = kappa("topic", "delete", "t");
            assertEquals(1, r.code());
            assertEquals("kappa: topic 't' is open in a test (pid " + ProcessHandle.current().pid() + ", this process); stop it first; "
                + "nothing deleted\n", r.err());
            log.deleteTopic("t"); // the log that holds it may delete it: it closes its own copy first
            assertFalse(log.exists("t"));
        }
    }
}
