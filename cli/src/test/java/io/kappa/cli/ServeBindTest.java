package io.kappa.cli;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/** {@code kappa serve} on an address other machines can reach needs a token file, or says --insecure. */
@Timeout(60)
class ServeBindTest {
    @TempDir
    Path dir;

    @Test
    void aReachableAddressIsRefusedWithoutTokensOrInsecure() {
        Cli.Result r = Cli.run(Cli.inDir(dir, "serve", "--bind", "0.0.0.0", "--port", "0"));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--token-file") && r.err().contains("--insecure"), r.err());
    }

    @Test
    void loopbackNamesAreLoopback() {
        assertTrue(ServeCommand.loopback("127.0.0.1"));
        assertTrue(ServeCommand.loopback("localhost"));
        assertTrue(ServeCommand.loopback("::1"));
        assertFalse(ServeCommand.loopback("0.0.0.0"));
        assertFalse(ServeCommand.loopback("no-such-host.invalid"));
    }

    @Test
    void aMissingOrWeakTokenFileIsAnError() throws Exception {
        Cli.Result missing = Cli.run(Cli.inDir(dir, "serve", "--port", "0", "--token-file", dir.resolve("nope").toString()));
        assertNotEquals(0, missing.code());
        java.nio.file.Files.writeString(dir.resolve("weak"), "short\n");
        Cli.Result weak = Cli.run(Cli.inDir(dir, "serve", "--port", "0", "--token-file", dir.resolve("weak").toString()));
        assertEquals(2, weak.code(), "a bad --token-file is a usage error: " + weak.err());
        assertTrue(weak.err().contains("at least 16"), weak.err());
    }
}
