package io.kappa.processor.builtin;

import java.util.Arrays;

import org.agrona.DirectBuffer;

/**
 * The {@code String} of a record key, without a new object for a key seen before: an open-addressed table of the
 * {@code String}s made for ASCII keys (others are decoded every time), up to {@link #MAX_KEYS} of them; when that many
 * are held it starts over. A task's aggregations look their state up by these strings, so a hit costs a hash of the
 * bytes and a compare, no allocation, and the store's map finds the very instance it holds. Unlike a cache of the last
 * key per slot, a working set that fits never evicts its own keys (10,000 keys in a direct-mapped cache missed on a few
 * percent of records). One per processor instance (a task's thread).
 */
final class KeyStrings {
    static final int MAX_KEYS = 1 << 17;

    private String[] strings = new String[1 << 10];
    private int[] hashes = new int[1 << 10];
    private int size;
    private byte[] scratch = new byte[64];

    /** {@code bytes[0, length)} as UTF-8 text. */
    String of(DirectBuffer bytes, int length) {
        int h = 0x9747b28c;
        for (int i = 0; i < length; i++) {
            byte b = bytes.getByte(i);
            if (b < 0) {
                return bytes.getStringWithoutLengthUtf8(0, length); // not ASCII: decoded, not kept
            }
            h = (h ^ b) * 0x01000193;
        }
        h ^= h >>> 15;
        int mask = strings.length - 1;
        int slot = h & mask;
        for (String s; (s = strings[slot]) != null; slot = (slot + 1) & mask) {
            if (hashes[slot] == h && equals(s, bytes, length)) {
                return s;
            }
        }
        if (scratch.length < length) {
            scratch = new byte[Math.max(length, scratch.length * 2)];
        }
        bytes.getBytes(0, scratch, 0, length);
        String s = ascii(scratch, length);
        if (size == MAX_KEYS) {
            Arrays.fill(strings, null);
            size = 0;
            slot = free(h);
        } else if (2 * (size + 1) > strings.length) {
            grow();
            slot = free(h);
        }
        strings[slot] = s;
        hashes[slot] = h;
        size++;
        return s;
    }

    /** The first free slot for hash {@code h}. */
    private int free(int h) {
        int mask = strings.length - 1;
        int slot = h & mask;
        while (strings[slot] != null) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    /** ASCII bytes as a String with one copy (the charset-free constructor; ASCII is its own Latin-1). */
    @SuppressWarnings("deprecation")
    private static String ascii(byte[] b, int length) {
        return new String(b, 0, 0, length);
    }

    private static boolean equals(String s, DirectBuffer bytes, int length) {
        if (s.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (s.charAt(i) != bytes.getByte(i)) {
                return false;
            }
        }
        return true;
    }

    /** Twice the slots, so that the table stays at most half full. */
    private void grow() {
        String[] old = strings;
        int[] oldHashes = hashes;
        strings = new String[old.length * 2];
        hashes = new int[old.length * 2];
        for (int i = 0; i < old.length; i++) {
            if (old[i] != null) {
                int slot = free(oldHashes[i]);
                strings[slot] = old[i];
                hashes[slot] = oldHashes[i];
            }
        }
    }
}
