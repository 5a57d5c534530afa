package io.kappa.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import io.kappa.client.KappaClient;
import io.kappa.log.Appended;
import io.kappa.log.Event;
import io.kappa.log.EventLog;
import io.kappa.log.LogContext;
import io.kappa.log.TopicConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/** A server with TLS and tokens: both protocols work over TLS 1.3, and only over it. */
@Timeout(120)
class TlsServerTest {
    static final String TOKEN = "0123456789abcdef0123456789abcdef";

    @TempDir
    static Path dir;
    static TestCertificates certs;
    static EventLog log;
    static KappaServer server;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        certs = TestCertificates.generate(dir.resolve("tls"), "dns:localhost,ip:127.0.0.1");
        log = EventLog.open(new LogContext().dataDir(dir.resolve("data")));
        log.createTopic("ev", TopicConfig.partitions(2));
        Path tokens = dir.resolve("tokens");
        Files.writeString(tokens, TOKEN + "\n");
        server = KappaServer.start(log, ServerConfig.defaults().withPort(0), Authentication.fromFile(tokens),
            TlsFiles.server(certs.cert(), certs.key()));
        port = server.address().getPort();
    }

    @AfterAll
    static void stop() {
        server.close();
        log.close();
    }

    private static KappaClient.Options tls() throws IOException {
        return KappaClient.Options.defaults().withToken(TOKEN).withTls(certs.cert()).withReconnectTimeoutMs(2_000);
    }

    @Test
    void kappaClientAppendsOverTlsAndGetsOffsets() throws Exception {
        for (String host : List.of("127.0.0.1", "localhost")) {
            try (KappaClient client = KappaClient.connect(host, port, tls())) {
                List<Appended> small = client.append("ev", List.of(Event.of("a", "1"), Event.of("b", "2")));
                assertEquals(2, small.size());
                // A batch of many TLS records, and pipelined batches: the server decrypts more than its buffer holds at once.
                List<Event> big = new ArrayList<>();
                for (int i = 0; i < 20_000; i++) {
                    big.add(Event.of("k" + i, "value-" + i + "-" + "x".repeat(100)));
                }
                List<Appended> offsets = client.append("ev", big);
                assertEquals(20_000, offsets.size());
                long before = server.eventsAppended();
                for (int i = 0; i < 200; i++) {
                    client.send("ev", big.subList(i * 10, i * 10 + 10));
                }
                client.flush();
                assertEquals(before + 2_000, server.eventsAppended());
                assertEquals(0, client.reconnects(), "one connection throughout");
            }
        }
    }

    @Test
    void anIdleTlsClientOutlivesItsReadTimeouts() throws Exception {
        // The reader's socket times out every readTimeoutMs / 2 while idle; the TLS socket must stay usable after it.
        try (KappaClient client = KappaClient.connect("127.0.0.1", port, tls().withReadTimeoutMs(400))) {
            client.append("ev", List.of(Event.of("a", "before")));
            Thread.sleep(1_500);
            assertEquals(1, client.append("ev", List.of(Event.of("a", "after"))).size());
            assertEquals(0, client.reconnects());
        }
    }

    @Test
    void aLineClientOverTlsWithATokenGetsItsAnswers() throws Exception {
        SSLContext context = TlsFiles.client(certs.cert());
        try (SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
            SSLParameters p = s.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            s.setSSLParameters(p);
            s.setSoTimeout(10_000);
            StringBuilder request = new StringBuilder("{\"auth\":\"" + TOKEN + "\"}\n");
            int lines = 3_000; // more than one TLS record, more than the server's receive buffer
            for (int i = 0; i < lines; i++) {
                request.append("{\"topic\":\"ev\",\"key\":\"k").append(i).append("\",\"value\":\"line ").append(i).append("\"}\n");
            }
            OutputStream out = s.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            s.shutdownOutput(); // close_notify: the end of the client's input, its answers still to come
            assertEquals("TLSv1.3", s.getSession().getProtocol());
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("{\"ok\":true,\"authenticated\":true}", in.readLine());
            for (int i = 0; i < lines; i++) {
                String answer = in.readLine();
                assertNotNull(answer, "answer " + i);
                assertTrue(answer.startsWith("{\"ok\":true,\"partition\":"), answer);
            }
            assertNull(in.readLine(), "the server closes once every line is answered");
        }
    }

    @Test
    void aPlaintextClientOnTheTlsPortIsClosedAtOnce() throws Exception {
        for (String first : List.of("{\"auth\":\"" + TOKEN + "\"}\n{\"topic\":\"ev\",\"value\":\"plain\"}\n", "KAP1\0\0\0\0")) {
            long before = server.eventsAppended();
            long start = System.nanoTime();
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(5_000);
                s.getOutputStream().write(first.getBytes(StandardCharsets.UTF_8));
                InputStream in = s.getInputStream();
                byte[] b = new byte[1024];
                try {
                    while (in.read(b) >= 0) {
                        // an alert at most, then the end
                    }
                } catch (java.net.SocketException reset) {
                    // closed with unread input: a reset
                }
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms < 3_000, "closed after " + ms + " ms");
            assertEquals(before, server.eventsAppended(), "nothing written");
        }
    }

    @Test
    void aClientThatDoesNotTrustTheCertificateCannotConnect() throws Exception {
        TestCertificates other = TestCertificates.generate(dir.resolve("other"), "dns:localhost,ip:127.0.0.1");
        KappaClient.Options options = KappaClient.Options.defaults().withToken(TOKEN).withTls(other.cert());
        assertThrows(SSLHandshakeException.class, () -> KappaClient.connect("127.0.0.1", port, options));
    }

    @Test
    void aCertificateForAnotherHostIsRefusedByTheClient() throws Exception {
        TestCertificates elsewhere = TestCertificates.generate(dir.resolve("elsewhere"), "dns:kappa.example.com");
        try (EventLog otherLog = EventLog.open(new LogContext().dataDir(dir.resolve("data2")));
             KappaServer other = KappaServer.start(otherLog, ServerConfig.defaults().withPort(0), Authentication.none(),
                 TlsFiles.server(elsewhere.cert(), elsewhere.key()))) {
            KappaClient.Options options = KappaClient.Options.defaults().withTls(elsewhere.cert());
            SSLHandshakeException e = assertThrows(SSLHandshakeException.class,
                () -> KappaClient.connect("127.0.0.1", other.address().getPort(), options));
            assertTrue(e.getMessage().contains("127.0.0.1"), e.getMessage());
        }
    }

    @Test
    void aRecordSentByteByByteIsUnderTheRequestDeadline() throws Exception {
        // Without the deadline a client could hold a connection slot forever, trickling one record that never ends.
        ServerConfig config = ServerConfig.defaults().withPort(0).withTimeouts(1_000, 300_000).withRequestTimeouts(2_000, 30_000);
        try (EventLog otherLog = EventLog.open(new LogContext().dataDir(dir.resolve("data3")));
             KappaServer other = KappaServer.start(otherLog, config, Authentication.none(), TlsFiles.server(certs.cert(), certs.key()));
             Socket raw = new Socket("127.0.0.1", other.address().getPort())) {
            SSLSocket s = (SSLSocket) TlsFiles.client(certs.cert()).getSocketFactory().createSocket(raw, "127.0.0.1", raw.getPort(), false);
            s.startHandshake();
            raw.setSoTimeout(300);
            OutputStream out = raw.getOutputStream();
            out.write(new byte[] {0x17, 0x03, 0x03, 0x40}); // an application-data record header, never completed
            long start = System.nanoTime();
            boolean closed = false;
            while (!closed && System.nanoTime() - start < 10_000_000_000L) {
                try {
                    out.write(0); // one byte of the record every 300 ms: the connection is never silent
                    out.flush();
                    closed = raw.getInputStream().read() < 0;
                } catch (java.net.SocketTimeoutException alive) {
                    // still open
                } catch (IOException reset) {
                    closed = true;
                }
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(closed && ms < 5_000, "closed by the 2 s request deadline, after " + ms + " ms");
        }
    }

    @Test
    void keysInOtherFormatsAreRefusedSayingHowToConvertThem() throws Exception {
        Path rsa = dir.resolve("rsa.pem");
        Files.writeString(rsa, "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n");
        IOException e = assertThrows(IOException.class, () -> TlsFiles.server(certs.cert(), rsa));
        assertTrue(e.getMessage().contains("PKCS#1") && e.getMessage().contains("openssl pkcs8 -topk8 -nocrypt"), e.getMessage());
        TestCertificates other = TestCertificates.generate(dir.resolve("mismatch"), "dns:localhost");
        IOException mismatch = assertThrows(IOException.class, () -> TlsFiles.server(certs.cert(), other.key()));
        assertTrue(mismatch.getMessage().contains("does not belong"), mismatch.getMessage());
    }
}
