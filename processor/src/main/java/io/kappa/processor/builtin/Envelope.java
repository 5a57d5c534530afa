package io.kappa.processor.builtin;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The value of a record in a built-in's repartition topic: the original key and value, so the stage after the
 * repartition sees the record as it was.
 * <pre>
 *   int   key length, or -1 for no key (little-endian)
 *   bytes key
 *   bytes value (to the end)
 * </pre>
 */
final class Envelope {
    private final UnsafeBuffer key = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer value = new UnsafeBuffer(0, 0);
    private boolean hasKey;

    static int write(MutableDirectBuffer out, int offset, DirectBuffer key, DirectBuffer value) {
        int at = offset;
        if (key == null) {
            out.putInt(at, -1);
            at += 4;
        } else {
            out.putInt(at, key.capacity());
            at += 4;
            out.putBytes(at, key, 0, key.capacity());
            at += key.capacity();
        }
        out.putBytes(at, value, 0, value.capacity());
        return at + value.capacity() - offset;
    }

    Envelope wrap(DirectBuffer envelope) {
        int length = envelope.capacity();
        if (length < 4) {
            throw new IllegalArgumentException("a repartition record of " + length + " bytes is too short");
        }
        int keyLength = envelope.getInt(0);
        if (keyLength < -1 || 4 + Math.max(0, keyLength) > length) {
            throw new IllegalArgumentException("a repartition record has a bad key length " + keyLength);
        }
        hasKey = keyLength >= 0;
        int k = Math.max(0, keyLength);
        if (k == 0) {
            key.wrap(new byte[0]);
        } else {
            key.wrap(envelope, 4, k);
        }
        if (length - 4 - k == 0) {
            value.wrap(new byte[0]);
        } else {
            value.wrap(envelope, 4 + k, length - 4 - k);
        }
        return this;
    }

    DirectBuffer key() {
        return hasKey ? key : null;
    }

    DirectBuffer value() {
        return value;
    }
}
