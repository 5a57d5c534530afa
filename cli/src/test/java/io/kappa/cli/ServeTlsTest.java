package io.kappa.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.kappa.client.KappaClient;
import io.kappa.log.Appended;
import io.kappa.log.Event;
import io.kappa.log.EventLog;
import io.kappa.log.TopicConfig;
import io.kappa.server.TestCertificates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/** {@code kappa serve --tls-cert --tls-key}: a real server process that speaks TLS 1.3 to a KappaClient. */
@Timeout(120)
class ServeTlsTest {
    static final String TOKEN = "0123456789abcdef0123456789abcdef";
    private static final Pattern SERVING = Pattern.compile("serving .* on 127\\.0\\.0\\.1:(\\d+) \\(TLS 1\\.3\\)");

    @TempDir
    Path dir;

    @Test
    void aServeProcessWithTlsAcceptsATlsKappaClient() throws Exception {
        TestCertificates certs = TestCertificates.generate(dir.resolve("tls"), "dns:localhost,ip:127.0.0.1");
        Path tokens = dir.resolve("tokens");
        Files.writeString(tokens, TOKEN + "\n");
        Path data = dir.resolve("data");
        try (EventLog log = EventLog.open(data)) {
            log.createTopic("in", TopicConfig.partitions(1));
        }
        Process serve = Cli.start(data, "serve", "--tls-cert", certs.cert().toString(), "--tls-key", certs.key().toString(),
            "--token-file", tokens.toString(), "--bind", "127.0.0.1", "--port", "0");
        try {
            String line = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8)).readLine();
            assertNotNull(line, "serve printed nothing");
            Matcher m = SERVING.matcher(line);
            assertTrue(m.find(), line);
            int port = Integer.parseInt(m.group(1));
            KappaClient.Options options = KappaClient.Options.defaults().withToken(TOKEN).withTls(certs.cert());
            try (KappaClient client = KappaClient.connect("127.0.0.1", port, options)) {
                List<Appended> a = client.append("in", List.of(Event.of("k", "one"), Event.of("k", "two")));
                assertEquals(List.of(new Appended(0, 0), new Appended(0, 1)), a);
            }
        } finally {
            serve.destroy();
            assertTrue(serve.waitFor(30, TimeUnit.SECONDS), "serve stops on SIGTERM");
        }
        try (EventLog log = EventLog.open(data)) {
            assertEquals(2, log.topic("in").partition(0).endOffset());
        }
    }

    @Test
    void aCertificateWithoutItsKeyIsAnError() throws Exception {
        Cli.Result r = Cli.run(Cli.inDir(dir, "serve", "--port", "0", "--tls-cert", dir.resolve("cert.pem").toString()));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--tls-cert and --tls-key go together"), r.err());
    }

    @Test
    void tlsAloneDoesNotOpenAReachableAddress() throws Exception {
        TestCertificates certs = TestCertificates.generate(dir.resolve("tls"), "dns:localhost");
        Cli.Result r = Cli.run(Cli.inDir(dir, "serve", "--bind", "0.0.0.0", "--port", "0", "--tls-cert", certs.cert().toString(),
            "--tls-key", certs.key().toString()));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--token-file") && r.err().contains("TLS"), r.err());
    }
}
