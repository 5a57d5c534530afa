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

    /** 32-bit MurmurHash2 with Kafka's seed, over the whole array. */
    public static int murmur2(byte[] data) {
        int length = data.length;
        int seed = 0x9747b28c;
        final int m = 0x5bd1e995;
        final int r = 24;
        int h = seed ^ length;
        int length4 = length / 4;
        for (int i = 0; i < length4; i++) {
            int i4 = i * 4;
            int k = (data[i4] & 0xff) + ((data[i4 + 1] & 0xff) << 8) + ((data[i4 + 2] & 0xff) << 16) + ((data[i4 + 3] & 0xff) << 24);
            k *= m;
            k ^= k >>> r;
            k *= m;
            h *= m;
            h ^= k;
        }
        int tail = length4 * 4;
        int rest = length % 4;
        if (rest == 3) {
            h ^= (data[tail + 2] & 0xff) << 16;
        }
        if (rest >= 2) {
            h ^= (data[tail + 1] & 0xff) << 8;
        }
        if (rest >= 1) {
            h ^= data[tail] & 0xff;
            h *= m;
        }
        h ^= h >>> 13;
        h *= m;
        h ^= h >>> 15;
        return h;
    }
}
