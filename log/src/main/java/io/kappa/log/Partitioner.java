package io.kappa.log;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Chooses a partition for a record. Keyed records go to {@code toPositive(murmur2(key)) % partitions}, the
 * function Kafka's default partitioner uses, so a key lands in the same partition here and on Kafka.
 * Keyless records are spread round-robin.
 */
public final class Partitioner {
    private final AtomicInteger next = new AtomicInteger();

    public int partition(byte[] key, int partitions) {
        if (key == null) {
            return Math.floorMod(next.getAndIncrement(), partitions);
        }
        return (murmur2(key) & 0x7fffffff) % partitions;
    }

    /** The partition of a key held in a buffer; a negative {@code length} means no key (round-robin). */
    public int partition(org.agrona.DirectBuffer buffer, int offset, int length, int partitions) {
        if (length < 0) {
            return Math.floorMod(next.getAndIncrement(), partitions);
        }
        return (murmur2(buffer, offset, length) & 0x7fffffff) % partitions;
    }

    /** 32-bit MurmurHash2 with Kafka's seed, over the whole array. */
    public static int murmur2(byte[] data) {
        return murmur2(new org.agrona.concurrent.UnsafeBuffer(data), 0, data.length);
    }

    /** 32-bit MurmurHash2 with Kafka's seed, over {@code length} bytes of a buffer. */
    public static int murmur2(org.agrona.DirectBuffer data, int offset, int length) {
        int seed = 0x9747b28c;
        final int m = 0x5bd1e995;
        final int r = 24;
        int h = seed ^ length;
        int length4 = length / 4;
        for (int i = 0; i < length4; i++) {
            int i4 = i * 4;
            int k = data.getInt(offset + i4, java.nio.ByteOrder.LITTLE_ENDIAN);
            k *= m;
            k ^= k >>> r;
            k *= m;
            h *= m;
            h ^= k;
        }
        int tail = length4 * 4;
        int rest = length % 4;
        if (rest == 3) {
            h ^= (data.getByte(offset + tail + 2) & 0xff) << 16;
        }
        if (rest >= 2) {
            h ^= (data.getByte(offset + tail + 1) & 0xff) << 8;
        }
        if (rest >= 1) {
            h ^= data.getByte(offset + tail) & 0xff;
            h *= m;
        }
        h ^= h >>> 13;
        h *= m;
        h ^= h >>> 15;
        return h;
    }
}
