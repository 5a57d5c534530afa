package io.kappa.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads UTF-8 lines from a stream with a bound on line length, so a huge line cannot exhaust memory: a line
 * over the bound is reported as too long and skipped up to the next newline; a line that is not well-formed
 * UTF-8 is reported as such, never decoded with replacement characters. Counts bytes read for progress.
 */
final class LineReader {
    /** Returned by {@link #next()} for a line over the bound (its bytes are dropped). */
    static final String TOO_LONG = new String("<too long>");
    /** Returned by {@link #next()} for a line that is not well-formed UTF-8; {@link #invalidByte()} says where. */
    static final String NOT_UTF8 = new String("<not UTF-8>");

    private final InputStream in;
    private final int maxLineBytes;
    private final byte[] buffer = new byte[1 << 16];
    private int pos;
    private int limit;
    private byte[] line = new byte[256];
    private long bytesRead;
    private long lineNumber;
    private int invalidByte = -1;

    LineReader(InputStream in, int maxLineBytes) {
        this.in = in;
        this.maxLineBytes = maxLineBytes;
    }

    /**
     * The next line without its terminator (a trailing CR is dropped too), {@link #TOO_LONG}, {@link #NOT_UTF8},
     * or null at the end.
     */
    String next() throws IOException {
        int length = 0;
        boolean tooLong = false;
        boolean any = false;
        while (true) {
            if (pos == limit) {
                limit = in.read(buffer);
                pos = 0;
                if (limit <= 0) {
                    limit = 0;
                    if (!any) {
                        return null;
                    }
                    break;
                }
                bytesRead += limit;
            }
            any = true;
            byte b = buffer[pos++];
            if (b == '\n') {
                break;
            }
            if (tooLong) {
                continue;
            }
            if (length == maxLineBytes) {
                tooLong = true;
                continue;
            }
            if (length == line.length) {
                line = Arrays.copyOf(line, Math.min(maxLineBytes, line.length * 2));
            }
            line[length++] = b;
        }
        lineNumber++;
        if (tooLong) {
            return TOO_LONG;
        }
        if (length > 0 && line[length - 1] == '\r') {
            length--;
        }
        invalidByte = EventJson.invalidUtf8At(line, 0, length);
        if (invalidByte >= 0) {
            return NOT_UTF8; // never decoded with replacement characters
        }
        return new String(line, 0, length, StandardCharsets.UTF_8);
    }

    /** After {@link #NOT_UTF8}: the first byte of the line (from 0) that is not part of well-formed UTF-8. */
    int invalidByte() {
        return invalidByte;
    }

    long lineNumber() {
        return lineNumber;
    }

    long bytesRead() {
        return bytesRead;
    }

    int maxLineBytes() {
        return maxLineBytes;
    }
}
