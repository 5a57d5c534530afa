package io.kappa.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed EC certificate made at test time with the JDK's keytool, written as the PEM files
 * {@code kappa serve --tls-cert/--tls-key} take (the PKCS#8 key taken from the keystore in Java: openssl may be missing).
 */
public record TestCertificates(Path cert, Path key) {
    /** A certificate for {@code CN=localhost} naming {@code san} (keytool's syntax: {@code dns:localhost,ip:127.0.0.1}). */
    public static TestCertificates generate(Path dir, String san) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path keystore = dir.resolve("ks.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", "kappa", "-keyalg", "EC", "-groupname", "secp256r1",
            "-dname", "CN=localhost", "-ext", "SAN=" + san, "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(),
            "-storepass", "changeit").redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool failed: " + output);
        }
        try (InputStream in = Files.newInputStream(keystore)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, "changeit".toCharArray());
            Key key = store.getKey("kappa", "changeit".toCharArray());
            Path cert = dir.resolve("cert.pem");
            Path keyPem = dir.resolve("key.pem");
            Files.writeString(cert, pem("CERTIFICATE", store.getCertificate("kappa").getEncoded()));
            Files.writeString(keyPem, pem("PRIVATE KEY", key.getEncoded())); // PKCS#8
            return new TestCertificates(cert, keyPem);
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
            + "\n-----END " + type + "-----\n";
    }
}
