package io.kappa.processor.builtin;

import org.agrona.DirectBuffer;

/**
 * The {@code String} of a record key, without a new object for a key seen recently: a direct-mapped cache of the
 * last {@code String} made for each slot of key bytes (ASCII keys; others are decoded every time). A task's
 * aggregations look their state up by these strings, so a hit costs a hash of the bytes and a compare, no allocation,
 * and the store's map finds the very instance it holds. One per processor instance (a task's thread); bounded: a
 * slot keeps only its last key.
 */
final class KeyStrings {
    private static final int MAX_SLOTS = 1 << 18;

    private String[] slots = new String[1 << 10];
    private int[] hashes = new int[1 << 10];
    private long misses;
    private byte[] scratch = new byte[64];

    /** {@code bytes[0, length)} as UTF-8 text. */
    String of(DirectBuffer bytes, int length) {
        int h = 0x9747b28c;
        for (int i = 0; i < length; i++) {
            byte b = bytes.getByte(i);
            if (b < 0) {
                return bytes.getStringWithoutLengthUtf8(0, length); // not ASCII: decoded, not cached
            }
            h = (h ^ b) * 0x01000193;
        }
        h ^= h >>> 15;
        int slot = h & (slots.length - 1);
        String s = slots[slot];
        if (s != null && hashes[slot] == h && equals(s, bytes, length)) {
            return s;
        }
        if (scratch.length < length) {
            scratch = new byte[Math.max(length, scratch.length * 2)];
        }
        bytes.getBytes(0, scratch, 0, length);
        s = ascii(scratch, length);
        if (++misses > slots.length && slots.length < MAX_SLOTS) {
            grow();
            slot = h & (slots.length - 1);
        }
        slots[slot] = s;
        hashes[slot] = h;
        return s;
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

    /** Twice the slots, when more keys missed than there are slots: a working set larger than the cache. */
    private void grow() {
        String[] old = slots;
        int[] oldHashes = hashes;
        slots = new String[old.length * 2];
        hashes = new int[old.length * 2];
        for (int i = 0; i < old.length; i++) {
            if (old[i] != null) {
                int slot = oldHashes[i] & (slots.length - 1);
                slots[slot] = old[i];
                hashes[slot] = oldHashes[i];
            }
        }
        misses = 0;
    }
}
