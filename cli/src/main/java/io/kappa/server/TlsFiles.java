package io.kappa.server;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Builds the TLS 1.3 contexts of the server and the client from PEM files: an X.509 certificate chain, an unencrypted
 * PKCS#8 private key (RSA or EC), and the certificates a client trusts.
 */
public final class TlsFiles {
    /** The only protocol either side enables. */
    public static final String PROTOCOL = "TLSv1.3";

    private static final String CONVERT = "convert it with `openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pkcs8.pem`";

    private TlsFiles() {
    }

    /** The server's context: the chain in {@code certPem} (its own certificate first) and the key in {@code keyPem}. */
    public static SSLContext server(Path certPem, Path keyPem) throws IOException {
        List<X509Certificate> chain = certificates(certPem);
        PrivateKey key = privateKey(keyPem);
        checkPair(chain.get(0), key, certPem, keyPem);
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            char[] password = new char[0];
            store.setKeyEntry("kappa", key, password, chain.toArray(new X509Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, password);
            SSLContext context = SSLContext.getInstance(PROTOCOL);
            context.init(kmf.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot use " + certPem + " and " + keyPem + " for TLS: " + e.getMessage(), e);
        }
    }

    /** A client's context that trusts exactly the certificates in {@code caPem} (a CA's, or the server's own). */
    public static SSLContext client(Path caPem) throws IOException {
        List<X509Certificate> trusted = certificates(caPem);
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            for (int i = 0; i < trusted.size(); i++) {
                store.setCertificateEntry("ca" + i, trusted.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext context = SSLContext.getInstance(PROTOCOL);
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot trust the certificates in " + caPem + ": " + e.getMessage(), e);
        }
    }

    /** Every certificate in a PEM file, in order; a file without one is refused. */
    public static List<X509Certificate> certificates(Path pem) throws IOException {
        byte[] bytes = Files.readAllBytes(pem);
        List<X509Certificate> certificates = new ArrayList<>();
        try {
            for (java.security.cert.Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(bytes))) {
                certificates.add((X509Certificate) c);
            }
        } catch (GeneralSecurityException e) {
            throw new IOException(pem + ": not a PEM certificate chain (-----BEGIN CERTIFICATE-----): " + e.getMessage(), e);
        }
        if (certificates.isEmpty()) {
            throw new IOException(pem + " holds no certificate (-----BEGIN CERTIFICATE-----)");
        }
        return certificates;
    }

    /** The unencrypted PKCS#8 key ({@code -----BEGIN PRIVATE KEY-----}) in a PEM file; other formats are refused. */
    public static PrivateKey privateKey(Path pem) throws IOException {
        String text = Files.readString(pem, StandardCharsets.US_ASCII);
        String begin = "-----BEGIN PRIVATE KEY-----";
        int from = text.indexOf(begin);
        int to = text.indexOf("-----END PRIVATE KEY-----");
        if (from < 0 || to < from) {
            String found = text.contains("ENCRYPTED PRIVATE KEY") ? "an encrypted key"
                : text.contains("BEGIN RSA PRIVATE KEY") ? "a PKCS#1 RSA key"
                : text.contains("BEGIN EC PRIVATE KEY") ? "a SEC1 EC key" : "no -----BEGIN PRIVATE KEY----- block";
            throw new IOException(pem + " holds " + found + "; kappa takes an unencrypted PKCS#8 key: " + CONVERT);
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(text.substring(from + begin.length(), to));
        } catch (IllegalArgumentException e) {
            throw new IOException(pem + ": the private key is not valid base64: " + e.getMessage(), e);
        }
        for (String algorithm : List.of("RSA", "EC")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // not this algorithm: try the next
            }
        }
        throw new IOException(pem + " holds a PKCS#8 key that is neither RSA nor EC; kappa takes those two");
    }

    /** Refuses a key that does not belong to the certificate (else every handshake would fail, less clearly). */
    private static void checkPair(X509Certificate certificate, PrivateKey key, Path certPem, Path keyPem) throws IOException {
        String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        try {
            byte[] probe = "kappa".getBytes(StandardCharsets.US_ASCII);
            Signature sign = Signature.getInstance(algorithm);
            sign.initSign(key);
            sign.update(probe);
            byte[] signature = sign.sign();
            Signature verify = Signature.getInstance(algorithm);
            verify.initVerify(certificate.getPublicKey());
            verify.update(probe);
            if (verify.verify(signature)) {
                return;
            }
        } catch (GeneralSecurityException e) {
            // a key of another type than the certificate's: the same answer
        }
        throw new IOException("the key in " + keyPem + " does not belong to the first certificate in " + certPem);
    }
}
