package io.kappa.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.kappa.client.KappaClient;
import io.kappa.log.Appended;
import io.kappa.log.Event;
import io.kappa.log.EventLog;
import io.kappa.log.PartitionTailer;
import io.kappa.log.Topic;
import io.kappa.log.TopicConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/** kill -9 of a real {@code kappa serve} while a client streams batches; then SIGTERM for a clean stop. */
@Tag("slow")
@Timeout(300)
class ServeCrashTest {
    @TempDir
    Path dir;

    private static final Pattern SERVING = Pattern.compile("serving .* on 127\\.0\\.0\\.1:(\\d+)");

    private static int awaitPort(Process serve) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        assertNotNull(line, "serve printed nothing");
        Matcher m = SERVING.matcher(line);
        assertTrue(m.find(), line);
        return Integer.parseInt(m.group(1));
    }

    @Test
    void everyAcknowledgedEventSurvivesKillNineOfTheServerAndRetriesAddNoDuplicates() throws Exception {
        long seed = Long.getLong("kappa.test.seed", System.nanoTime());
        System.out.println("ServeCrashTest seed " + seed);
        Random random = new Random(seed);
        try (EventLog log = EventLog.open(dir)) {
            log.createTopic("in", TopicConfig.partitions(2));
        }
        Process serve = Cli.start(dir, "serve", "--port", "0");
        int port = awaitPort(serve);
        AtomicBoolean stop = new AtomicBoolean();
        List<CompletableFuture<List<Appended>>> futures = new ArrayList<>();
        long[] sent = {0};
        Throwable[] senderError = {null};
        try (KappaClient client = KappaClient.connect("127.0.0.1", port, KappaClient.Options.defaults().withMaxInFlight(16).withReconnectTimeoutMs(60_000))) {
            Thread sender = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        List<Event> batch = new ArrayList<>(100);
                        for (int i = 0; i < 100; i++) {
                            long n = sent[0]++;
                            batch.add(Event.of("k" + (n % 13), "s-" + n));
                        }
                        CompletableFuture<List<Appended>> f = client.send("in", batch);
                        synchronized (futures) {
                            futures.add(f);
                        }
                    }
                } catch (Throwable e) {
                    senderError[0] = e;
                }
            }, "sender");
            sender.start();
            for (int round = 0; round < 3; round++) {
                Thread.sleep(1000 + random.nextInt(1500));
                serve.destroyForcibly(); // SIGKILL
                assertTrue(serve.waitFor(30, TimeUnit.SECONDS));
                serve = Cli.start(dir, "serve", "--port", Integer.toString(port));
                assertEquals(port, awaitPort(serve), "round " + round + ": restarted on the same port");
            }
            Thread.sleep(500);
            stop.set(true);
            sender.join(60_000);
            assertNull(senderError[0], () -> "sender failed: " + senderError[0]);
            long acked = 0;
            synchronized (futures) {
                for (CompletableFuture<List<Appended>> f : futures) {
                    acked += f.get(60, TimeUnit.SECONDS).size();
                }
            }
            assertEquals(sent[0], acked, "every batch was acknowledged in the end");
            assertTrue(client.reconnects() >= 3, "the client reconnected after each kill: " + client.reconnects());
        }
        serve.destroy(); // SIGTERM: a clean stop
        assertTrue(serve.waitFor(30, TimeUnit.SECONDS), "serve stops on SIGTERM");
        assertTrue(serve.exitValue() == 0 || serve.exitValue() == 143, "exit code " + serve.exitValue());

        boolean[] seen = new boolean[(int) sent[0]];
        long total = 0;
        try (EventLog log = EventLog.open(dir)) {
            Topic t = log.topic("in");
            for (int p = 0; p < 2; p++) {
                try (PartitionTailer tailer = t.partition(p).newTailer()) {
                    long[] count = {0};
                    while (tailer.poll(r -> {
                        int n = Integer.parseInt(r.valueString().substring(2));
                        assertFalse(seen[n], "event " + n + " appended twice (seed " + seed + ")");
                        seen[n] = true;
                        count[0]++;
                    }, 4096) > 0) {
                        // read on
                    }
                    total += count[0];
                }
            }
        }
        System.out.println("ServeCrashTest: " + total + " events sent and stored once each");
        assertTrue(total > 1000, "a fair amount was sent: " + total);
        assertEquals(sent[0], total, "every event that was sent is in the log exactly once (seed " + seed + ")");
    }
}
