package io.kappa.cli;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import io.kappa.log.EventLog;
import io.kappa.log.JvmFlags;
import io.kappa.log.PartitionTailer;
import io.kappa.log.TopicConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Hostile and broken clients against a real {@code kappa serve} (a child JVM with a 256 MB heap) on loopback.
 * Each attack is bounded in connections, bytes and time; after each, the same server process must still be up,
 * answer a well-behaved client, and (at the end) hold every event it acknowledged.
 */
@Tag("slow")
@Timeout(120)
@TestMethodOrder(MethodOrderer.MethodName.class)
class ServeAttackTest {
    @TempDir
    static Path dir;

    private static final Pattern SERVING = Pattern.compile("serving .* on 127\\.0\\.0\\.1:(\\d+)");
    private static final long STALL_MS = 1_000;
    private static final long REQUEST_MS = 10_000;
    private static final long WRITE_MS = 2_000;

    private static Process serve;
    private static long pid;
    private static int port;
    private static final StringBuffer serverErr = new StringBuffer();
    /** Values the well-behaved client sent and got acknowledged, with their offsets. */
    private static final Map<String, Long> acknowledged = new HashMap<>();

    @BeforeAll
    static void startServer() throws Exception {
        try (EventLog log = EventLog.open(dir)) {
            log.createTopic("t", TopicConfig.partitions(1));
        }
        serve = Cli.start(dir, "serve", "--port", "0", "--stall-timeout-ms", Long.toString(STALL_MS),
            "--request-timeout-ms", Long.toString(REQUEST_MS), "--write-timeout-ms", Long.toString(WRITE_MS));
        port = awaitPort(serve, serverErr);
        pid = serve.pid();
    }

    @AfterAll
    static void everyAcknowledgedEventIsStored() throws Exception {
        serve.destroy();
        assertTrue(serve.waitFor(30, TimeUnit.SECONDS), "serve stops on SIGTERM");
        Map<String, Long> stored = new HashMap<>();
        try (EventLog log = EventLog.open(dir); PartitionTailer tailer = log.topic("t").partition(0).newTailer()) {
            while (tailer.poll(r -> stored.put(r.valueString(), r.offset()), 4096) > 0) {
                // read on
            }
        }
        for (Map.Entry<String, Long> e : acknowledged.entrySet()) {
            assertEquals(e.getValue(), stored.get(e.getKey()), "acknowledged event " + e.getKey() + " is stored at its offset");
        }
        System.out.println("ServeAttackTest: " + acknowledged.size() + " acknowledged events all stored; server stderr:\n" + serverErr);
    }

    static int awaitPort(Process p, StringBuffer err) throws Exception {
        Thread drain = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    err.append(line).append('\n');
                }
            } catch (IOException ignored) {
                // the process is gone
            }
        }, "serve-stderr");
        drain.setDaemon(true);
        drain.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        assertNotNull(line, () -> "serve printed nothing; stderr: " + err);
        Matcher m = SERVING.matcher(line);
        assertTrue(m.find(), line);
        return Integer.parseInt(m.group(1));
    }

    /** The same server process is up and stores and acknowledges a well-behaved client's event within the deadline. */
    private static void assertServesWellBehavedClient(String what, long withinMs) throws Exception {
        long deadline = System.currentTimeMillis() + withinMs;
        String value = "good-" + acknowledged.size();
        String last = null;
        while (true) {
            assertTrue(serve.isAlive(), () -> "server " + pid + " died after " + what + "; stderr: " + serverErr);
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(5_000);
                s.getOutputStream().write(("{\"topic\":\"t\",\"value\":\"" + value + "\"}\n").getBytes(StandardCharsets.UTF_8));
                last = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
                if (last != null) {
                    JsonNode answer = EventJson.MAPPER.readTree(last);
                    if (answer.path("ok").asBoolean()) {
                        acknowledged.put(value, answer.get("offset").asLong());
                        assertEquals(pid, serve.pid());
                        return;
                    }
                }
            } catch (IOException e) {
                last = e.toString();
            }
            if (System.currentTimeMillis() > deadline) {
                fail("after " + what + ", a well-behaved client was not served within " + withinMs + " ms: " + last);
            }
            Thread.sleep(100);
        }
    }

    private static byte[] kap1Header(int frameLength) {
        return ByteBuffer.allocate(8).put("KAP1".getBytes(StandardCharsets.US_ASCII)).putInt(frameLength).array();
    }

    @Test
    void a_eightBytesClaimingAHugeFrameAllocateNothingUpFront() throws Exception {
        List<Socket> attackers = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                Socket s = new Socket("127.0.0.1", port);
                s.getOutputStream().write(kap1Header(64 << 20)); // the largest frame allowed: 64 MiB, of which nothing follows
                attackers.add(s);
            }
            for (int i = 0; i < 4; i++) { // and some that do send part of it
                Socket s = new Socket("127.0.0.1", port);
                s.getOutputStream().write(kap1Header(64 << 20));
                s.getOutputStream().write(new byte[1 << 20]);
                attackers.add(s);
            }
            Thread.sleep(500);
            assertServesWellBehavedClient("12 connections announcing 64 MiB frames", 5_000);
        } finally {
            for (Socket s : attackers) {
                s.close();
            }
        }
        System.out.println("ServeAttackTest: heap after the 64 MiB header attack: " + heapInfo());
    }

    @Test
    void a_wholeHugeFramesFromManyClientsAtOnceWaitForTheBufferBudget() throws Exception {
        int valueLength = 40 << 20;
        int clients = 6; // 240 MiB of frames at once, more than the heap; the budget (128 MiB) lets some wait unread
        List<Thread> threads = new ArrayList<>();
        String[] answers = new String[clients];
        for (int c = 0; c < clients; c++) {
            int client = c;
            Thread t = new Thread(() -> {
                try (Socket s = new Socket("127.0.0.1", port)) {
                    s.setSoTimeout(30_000);
                    ByteBuffer head = ByteBuffer.allocate(4 + 4 + 56);
                    head.put("KAP1".getBytes(StandardCharsets.US_ASCII)).putInt(56 + valueLength);
                    head.put((byte) 1).putLong(client).putLong(0).putLong(0).putShort((short) 1).put((byte) 't').putInt(1);
                    head.putInt(-1).putLong(Long.MIN_VALUE).putInt(-1).putInt(-1).putInt(valueLength);
                    OutputStream out = s.getOutputStream();
                    out.write(head.array());
                    byte[] chunk = new byte[1 << 20];
                    for (int i = 0; i < valueLength / chunk.length; i++) {
                        out.write(chunk);
                    }
                    DataInputStream in = new DataInputStream(s.getInputStream());
                    byte[] frame = new byte[in.readInt()];
                    in.readFully(frame);
                    answers[client] = new String(frame, StandardCharsets.UTF_8);
                } catch (IOException e) {
                    answers[client] = e.toString();
                }
            }, "huge-" + c);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join(60_000);
        }
        for (int c = 0; c < clients; c++) {
            assertNotNull(answers[c], "client " + c);
            assertTrue(answers[c].contains("over the maximum"), "client " + c + " got its answer (the event is too large): " + answers[c]);
        }
        System.out.println("ServeAttackTest: heap after " + clients + " whole 40 MiB frames at once: " + heapInfo());
        assertServesWellBehavedClient(clients + " whole 40 MiB frames at once", 5_000);
    }

    @Test
    void b_connectionsSendingOneByteDoNotLockOutNewClients() throws Exception {
        List<Socket> attackers = new ArrayList<>();
        try {
            for (int i = 0; i < 1_100; i++) { // more than --max-connections (1024)
                Socket s = new Socket("127.0.0.1", port);
                s.getOutputStream().write('\n');
                attackers.add(s);
            }
            assertServesWellBehavedClient("1,100 connections sending one newline each", STALL_MS + 10_000);
        } finally {
            for (Socket s : attackers) {
                s.close();
            }
        }
    }

    @Test
    void c_aClientThatNeverReadsItsAnswersIsClosed() throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            Throwable[] ended = {null};
            Thread writer = new Thread(() -> {
                byte[] chunk = "{}\n".repeat(20_000).getBytes(StandardCharsets.UTF_8); // each line answered with an error
                try {
                    OutputStream out = s.getOutputStream();
                    for (int i = 0; i < 10_000; i++) { // at most 600 MB; the server stops reading after ~8 MB of answers
                        out.write(chunk);
                    }
                    ended[0] = new AssertionError("the server read 600 MB without closing");
                } catch (IOException e) {
                    ended[0] = e;
                }
            }, "never-reads");
            writer.start();
            writer.join(WRITE_MS + 15_000);
            boolean closedByServer = !writer.isAlive();
            s.close(); // unblocks the writer when the server did not close
            writer.join(5_000);
            assertTrue(closedByServer, "a client that never reads its answers is closed after the write timeout");
            assertInstanceOf(IOException.class, ended[0], () -> "the writer ended by the server closing: " + ended[0]);
        }
        assertServesWellBehavedClient("a client that never reads", 5_000);
    }

    @Test
    void d_aLongLineDrippedInSmallPiecesIsScannedOnce() throws Exception {
        Duration cpuBefore = serve.info().totalCpuDuration().orElseThrow();
        long start = System.nanoTime();
        byte[] line = ("{\"topic\":\"t\",\"value\":\"" + "x".repeat(1_900_000) + "\"}\n").getBytes(StandardCharsets.UTF_8);
        String answer;
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setTcpNoDelay(true);
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            for (int at = 0; at < line.length; at += 1024) { // ~1,900 pieces over ~5 s
                out.write(line, at, Math.min(1024, line.length - at));
                out.flush();
                LockSupport.parkNanos(2_500_000);
            }
            answer = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
        }
        Duration cpu = serve.info().totalCpuDuration().orElseThrow().minus(cpuBefore);
        long wallMs = (System.nanoTime() - start) / 1_000_000;
        System.out.println("ServeAttackTest: a 1.9 MB line in 1 KiB pieces took " + wallMs + " ms, server CPU " + cpu.toMillis() + " ms");
        assertNotNull(answer, "the dripped line was answered");
        assertTrue(answer.contains("\"ok\":false") && answer.contains("maximum"), "too large for a record, and told so: " + answer);
        assertTrue(cpu.toMillis() < 1_500, "server CPU for the dripped line: " + cpu.toMillis() + " ms");
        assertServesWellBehavedClient("a dripped line", 5_000);
    }

    @Test
    void e_manyProducerIdsFromOneClientDoNotEvictAnotherProducersDedupState() throws Exception {
        long legit = 4_242_424_242L;
        String first = "{\"topic\":\"t\",\"value\":\"legit-0\",\"producer\":" + legit + ",\"sequence\":0}\n";
        long offset;
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write(first.getBytes(StandardCharsets.UTF_8));
            JsonNode a = EventJson.MAPPER.readTree(new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine());
            assertTrue(a.path("ok").asBoolean(), a.toString());
            offset = a.get("offset").asLong();
            acknowledged.put("legit-0", offset);
        }
        int refused = 0;
        try (Socket s = new Socket("127.0.0.1", port)) {
            StringBuilder b = new StringBuilder();
            for (int p = 1; p <= 1_100; p++) {
                b.append("{\"topic\":\"t\",\"value\":\"spam\",\"producer\":").append(p).append(",\"sequence\":0}\n");
            }
            s.getOutputStream().write(b.toString().getBytes(StandardCharsets.UTF_8));
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            for (int p = 1; p <= 1_100; p++) {
                String answer = in.readLine();
                assertNotNull(answer, "answer " + p);
                if (answer.contains("\"ok\":false")) {
                    assertTrue(answer.contains("producer ids"), answer);
                    refused++;
                }
            }
        }
        try (Socket s = new Socket("127.0.0.1", port)) { // the legitimate producer retries after a reconnect
            s.getOutputStream().write(first.getBytes(StandardCharsets.UTF_8));
            JsonNode a = EventJson.MAPPER.readTree(new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine());
            assertTrue(a.path("ok").asBoolean(), a.toString());
            assertEquals(offset, a.get("offset").asLong(), "the retry is answered with the original offset, not stored again");
        }
        assertTrue(refused > 1_000, "new producer ids past the connection's quota are refused: " + refused);
        assertServesWellBehavedClient("1,100 producer ids from one client", 5_000);
    }

    @Test
    void f_brokenInputGetsErrorsAndClosesOnlyItsOwnConnection() throws Exception {
        // malformed JSON lines: each answered with an error, the connection stays usable
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write("{\"topic\":\n[1,2\n{\"topic\":\"t\",\"value\":}\n\u00ff\u00fe\n".getBytes(StandardCharsets.ISO_8859_1));
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            for (int i = 0; i < 4; i++) {
                String answer = in.readLine();
                assertNotNull(answer, "answer " + i);
                assertTrue(answer.contains("\"ok\":false"), answer);
            }
        }
        // a truncated frame, then the end of input
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write(kap1Header(100));
            s.getOutputStream().write(new byte[50]);
            s.shutdownOutput();
            s.setSoTimeout(5_000);
            s.getInputStream().readAllBytes();
        }
        // wrong magic: told so, closed
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write("KAP9xxxxxxxx".getBytes(StandardCharsets.US_ASCII));
            s.setSoTimeout(5_000);
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(answer.contains("unknown protocol"), answer);
        }
        // a frame length outside the allowed range names the range
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write(kap1Header(30));
            s.setSoTimeout(5_000);
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(answer.contains("frame of 30 bytes is outside 31..67108864"), answer);
        }
        assertServesWellBehavedClient("malformed JSON, a truncated frame, a wrong magic", 5_000);
    }

    @Test
    void g_randomBytes() throws Exception {
        long seed = Long.getLong("kappa.test.seed", System.nanoTime());
        System.out.println("ServeAttackTest fuzz seed " + seed);
        Random random = new Random(seed);
        for (int c = 0; c < 60; c++) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(5_000);
                byte[] junk = new byte[1 + random.nextInt(8192)];
                random.nextBytes(junk);
                if (random.nextBoolean()) {
                    System.arraycopy("KAP1".getBytes(StandardCharsets.US_ASCII), 0, junk, 0, Math.min(4, junk.length));
                }
                OutputStream out = s.getOutputStream();
                out.write(junk);
                s.shutdownOutput();
                InputStream in = s.getInputStream();
                in.readAllBytes(); // the server answers and closes, or closes when the request cannot complete
            } catch (IOException e) {
                // reset by the server after an error: fine
            }
            assertTrue(serve.isAlive(), "seed " + seed);
        }
        assertServesWellBehavedClient("random bytes (seed " + seed + ")", 5_000);
    }

    @Test
    void h_anErrorInTheServerThreadExitsNonZeroWithTheCause(@TempDir Path other) throws Exception {
        // A buffer budget past the heap: a 60 MiB frame sent whole runs the server thread out of memory.
        Process p = Cli.start(other, List.of("-Xmx64m"), "serve", "--port", "0", "--max-buffer-bytes", Long.toString(1L << 30));
        StringBuffer err = new StringBuffer();
        int errorPort = awaitPort(p, err);
        try (Socket s = new Socket("127.0.0.1", errorPort)) {
            s.getOutputStream().write(kap1Header(60 << 20));
            byte[] chunk = new byte[1 << 20];
            for (int i = 0; i < 60; i++) {
                s.getOutputStream().write(chunk);
            }
        } catch (IOException e) {
            // the server went away mid-frame
        }
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the server stops after an OutOfMemoryError");
        assertEquals(1, p.exitValue(), () -> "exit code; stderr: " + err);
        Thread.sleep(200); // the rest of stderr
        assertTrue(err.toString().contains("OutOfMemoryError"), err::toString);
    }

    @Test
    void i_runningOutOfFileDescriptorsPausesAcceptingAndKeepsServing(@TempDir Path other) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", "-c", "ulimit -n 256 && exec \"$@\"", "kappa"));
        cmd.addAll(JvmFlags.javaCommand(List.of("-Xmx256m"), Kappa.class.getName(), List.of("serve", "--port", "0")));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("KAPPA_DATA_DIR", other.toString());
        Process p = pb.start();
        StringBuffer err = new StringBuffer();
        try {
            int fdPort = awaitPort(p, err);
            List<Socket> many = new ArrayList<>();
            try {
                for (int i = 0; i < 400; i++) { // more than the server's 256 file descriptors
                    many.add(new Socket("127.0.0.1", fdPort));
                }
                Thread.sleep(1_000);
                assertTrue(p.isAlive(), () -> "the server survives running out of file descriptors; stderr: " + err);
            } finally {
                for (Socket s : many) {
                    s.close();
                }
            }
            long deadline = System.currentTimeMillis() + 10_000;
            String answer = null;
            while (answer == null) { // an answer (the topic does not exist: an error) is being served
                assertTrue(System.currentTimeMillis() < deadline, () -> "served again after the descriptors were freed; stderr: " + err);
                try (Socket s = new Socket("127.0.0.1", fdPort)) {
                    s.setSoTimeout(5_000);
                    s.getOutputStream().write("{\"topic\":\"fd\",\"value\":1}\n".getBytes(StandardCharsets.UTF_8));
                    answer = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
                } catch (IOException e) {
                    Thread.sleep(100);
                }
            }
            assertTrue(err.toString().contains("accept failed"), () -> "the failed accept() was logged: " + err);
        } finally {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static String heapInfo() {
        try {
            Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(pid), "GC.heap_info")
                .redirectErrorStream(true).start();
            String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            jcmd.waitFor(10, TimeUnit.SECONDS);
            return out.lines().filter(l -> l.contains("used")).findFirst().orElse(out).trim();
        } catch (Exception e) {
            return "(jcmd: " + e + ")";
        }
    }
}
