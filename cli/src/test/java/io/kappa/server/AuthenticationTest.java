package io.kappa.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.kappa.client.KappaClient;
import io.kappa.log.Event;
import io.kappa.log.EventLog;
import io.kappa.log.LogContext;
import io.kappa.log.TopicConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/** A server started with tokens: clients present one first, on both protocols, or are refused and write nothing. */
@Timeout(60)
class AuthenticationTest {
    static final String TOKEN = "0123456789abcdef0123456789abcdef";

    @TempDir
    Path dir;
    EventLog log;
    KappaServer server;
    int port;

    @BeforeEach
    void start() throws IOException {
        log = EventLog.open(new LogContext().dataDir(dir.resolve("data")));
        log.createTopic("ev", TopicConfig.partitions(1));
        Path tokens = dir.resolve("tokens");
        Files.writeString(tokens, "# writers\n\nanother-token-of-enough-length\n" + TOKEN + "\n");
        server = KappaServer.start(log, ServerConfig.defaults().withPort(0), Authentication.fromFile(tokens));
        port = server.address().getPort();
    }

    @AfterEach
    void stop() {
        server.close();
        log.close();
    }

    private long stored() {
        return log.topic("ev").partition(0).endOffset();
    }

    /** Sends lines and returns every answer line until the server closes the connection. */
    private List<String> lines(String... lines) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            s.shutdownOutput();
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).lines().toList();
        }
    }

    @Test
    void aLineClientWritesOnlyAfterPresentingAToken() throws IOException {
        List<String> refused = lines("{\"topic\":\"ev\",\"value\":\"sneaky\"}", "{\"topic\":\"ev\",\"value\":\"more\"}");
        assertEquals(1, refused.size(), refused.toString());
        assertTrue(refused.get(0).contains("authenticate first"), refused.get(0));
        List<String> wrong = lines("{\"auth\":\"not-the-token-at-all-no\"}", "{\"topic\":\"ev\",\"value\":\"sneaky\"}");
        assertEquals(1, wrong.size(), wrong.toString());
        assertTrue(wrong.get(0).contains("unknown token"), wrong.get(0));
        assertEquals(0, stored(), "nothing written by clients without a good token");

        List<String> ok = lines("{\"auth\":\"" + TOKEN + "\"}", "{\"topic\":\"ev\",\"value\":\"a\"}", "{\"topic\":\"ev\",\"value\":\"b\"}");
        assertEquals(List.of("{\"ok\":true,\"authenticated\":true}", "{\"ok\":true,\"partition\":0,\"offset\":0}",
            "{\"ok\":true,\"partition\":0,\"offset\":1}"), ok);
        assertEquals(2, stored());
    }

    @Test
    void aBinaryClientWritesOnlyWithAToken() throws Exception {
        try (KappaClient c = KappaClient.connect("127.0.0.1", port, KappaClient.Options.defaults().withToken(TOKEN))) {
            assertEquals(0, c.append("ev", List.of(Event.of("k", "v"))).get(0).offset());
        }
        KappaClient.RequestFailed wrong = assertThrows(KappaClient.RequestFailed.class, () -> KappaClient.connect("127.0.0.1", port,
            KappaClient.Options.defaults().withToken("a-wrong-token-of-some-length")));
        assertEquals(BinaryProtocol.ERR_UNAUTHORIZED, wrong.code());
        assertFalse(wrong.getMessage().contains(TOKEN));
        // a raw APPEND without AUTH: an UNAUTHORIZED error, the connection closed, nothing written
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            ByteBuffer frame = ByteBuffer.allocate(BinaryProtocol.requestSize("ev", List.of(Event.of("k", "x"))));
            BinaryProtocol.writeRequest(frame, 1, 0, 0, "ev", List.of(Event.of("k", "x")));
            OutputStream out = s.getOutputStream();
            out.write(BinaryProtocol.MAGIC);
            out.write(frame.array(), 0, frame.position());
            out.flush();
            InputStream in = s.getInputStream();
            byte[] answer = in.readAllBytes();
            ByteBuffer a = ByteBuffer.wrap(answer);
            a.getInt();
            assertEquals(BinaryProtocol.ERROR, a.get());
            a.getLong();
            assertEquals(BinaryProtocol.ERR_UNAUTHORIZED, a.getShort());
        }
        assertEquals(1, stored());
    }

    @Test
    void tokenFilesMustHoldLongEnoughTokens() throws IOException {
        Path empty = Files.writeString(dir.resolve("empty"), "# nothing\n\n");
        assertThrows(IllegalArgumentException.class, () -> Authentication.fromFile(empty));
        Path shortToken = Files.writeString(dir.resolve("short"), "abc\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Authentication.fromFile(shortToken));
        assertTrue(e.getMessage().contains("line 1"), e.getMessage());
    }
}
