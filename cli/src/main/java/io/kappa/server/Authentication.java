package io.kappa.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * Who may write through {@code kappa serve}: the tokens of {@code --token-file} (one per line; blank lines and lines
 * starting with {@code #} are skipped). A client presents a token before anything else: the line protocol's first
 * line is {@code {"auth":"TOKEN"}}, the binary protocol's first frame an AUTH request ({@link BinaryProtocol}). Only
 * SHA-256 digests of the tokens are kept, and a presented token is compared with every one of them in constant time,
 * so neither the comparison's time nor an early exit tells a guesser how close it came.
 */
public final class Authentication {
    /** Shorter tokens are refused when the file is read: they can be guessed. */
    public static final int MIN_TOKEN_LENGTH = 16;

    private static final Authentication NONE = new Authentication(List.of());

    private final List<byte[]> digests;

    private Authentication(List<byte[]> digests) {
        this.digests = List.copyOf(digests);
    }

    /** Every client may write (the default, for a server on loopback). */
    public static Authentication none() {
        return NONE;
    }

    /** The tokens in {@code file}; a file with none, or with a token under {@link #MIN_TOKEN_LENGTH}, is refused. */
    public static Authentication fromFile(Path file) throws IOException {
        List<byte[]> digests = new ArrayList<>();
        int n = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            n++;
            String token = line.strip();
            if (token.isEmpty() || token.startsWith("#")) {
                continue;
            }
            if (token.length() < MIN_TOKEN_LENGTH) {
                throw new IllegalArgumentException(file + " line " + n + ": a token must have at least " + MIN_TOKEN_LENGTH
                    + " characters (e.g. `openssl rand -hex 32`)");
            }
            digests.add(sha256(token.getBytes(StandardCharsets.UTF_8), 0, token.getBytes(StandardCharsets.UTF_8).length));
        }
        if (digests.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no token (one per line)");
        }
        return new Authentication(digests);
    }

    /** Whether clients must present a token first. */
    public boolean required() {
        return !digests.isEmpty();
    }

    /** Whether {@code length} bytes at {@code offset} are one of the tokens. */
    public boolean accepts(byte[] token, int offset, int length) {
        byte[] d = sha256(token, offset, length);
        boolean ok = false;
        for (byte[] known : digests) {
            ok |= MessageDigest.isEqual(known, d);
        }
        return ok;
    }

    private static byte[] sha256(byte[] bytes, int offset, int length) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(bytes, offset, length);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
