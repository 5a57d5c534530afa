package io.kappa.log;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PartitionerTest {
    @Test
    void murmur2MatchesKafkasPublishedTestVectors() {
        // The values Kafka's own UtilsTest checks for Utils.murmur2.
        assertEquals(-973932308, Partitioner.murmur2("21".getBytes(StandardCharsets.UTF_8)));
        assertEquals(-790332482, Partitioner.murmur2("foobar".getBytes(StandardCharsets.UTF_8)));
        assertEquals(-985981536, Partitioner.murmur2("a-little-bit-long-string".getBytes(StandardCharsets.UTF_8)));
        assertEquals(-1486304829, Partitioner.murmur2("a-little-bit-longer-string".getBytes(StandardCharsets.UTF_8)));
        assertEquals(-58897971, Partitioner.murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8".getBytes(StandardCharsets.UTF_8)));
        assertEquals(479470107, Partitioner.murmur2(new byte[] {'a', 'b', 'c'}));
    }

    @Test
    void partitionOfAKeyEqualsKafkasDefaultPartitionerForRandomKeys() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        Partitioner partitioner = new Partitioner();
        for (int i = 0; i < 20_000; i++) {
            byte[] key = new byte[random.nextInt(64)];
            random.nextBytes(key);
            int partitions = 1 + random.nextInt(100);
            assertEquals(Utils.murmur2(key), Partitioner.murmur2(key), "seed " + seed);
            assertEquals(Utils.toPositive(Utils.murmur2(key)) % partitions, partitioner.partition(key, partitions), "seed " + seed);
        }
    }
}
