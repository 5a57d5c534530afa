package io.kappa.server;

import io.kappa.log.Appended;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class ProducerRegistryTest {
    @Test
    void remembersTheNewestWindowOfSequencesPerProducer() {
        ProducerRegistry r = new ProducerRegistry(1024);
        for (long s = 0; s < 5000; s++) {
            r.remember(7, s, "t", new Appended((int) (s % 3), s * 10));
        }
        assertNull(r.lookup(7, 100), "older than the window");
        assertNull(r.lookup(8, 4999), "another producer");
        for (long s = 5000 - 1024; s < 5000; s++) {
            ProducerRegistry.Entry e = r.lookup(7, s);
            assertNotNull(e, "sequence " + s);
            assertEquals(new Appended((int) (s % 3), s * 10), e.appended());
            assertEquals("t", e.topic());
        }
    }

    @Test
    void aBatchAfterEverySequenceRememberedNeedsNoLookUpPerEvent() {
        ProducerRegistry r = new ProducerRegistry(1024);
        assertTrue(r.noneFrom(7, 0), "an unknown producer");
        for (long s = 0; s < 5000; s++) {
            r.remember(7, s, "t", new Appended(0, s));
        }
        assertTrue(r.noneFrom(7, 5000));
        assertFalse(r.noneFrom(7, 4999), "4999 is remembered");
        assertFalse(r.noneFrom(7, 0), "a batch from 0 reaches remembered sequences");
        r.remember(7, 3, "t", new Appended(0, 3)); // an older sequence put late (loading partition by partition)
        assertTrue(r.noneFrom(7, 5000), "the highest stays the highest");
        assertTrue(r.noneFrom(8, 0), "another producer");
    }

    @Test
    void loadingPartitionsOutOfSequenceOrderKeepsTheNewest() {
        ProducerRegistry r = new ProducerRegistry(1024);
        // partition 0 holds the even sequences, partition 1 the odd ones; loaded one partition after the other
        for (long s = 0; s < 4000; s += 2) {
            r.remember(1, s, "t", new Appended(0, s / 2));
        }
        for (long s = 1; s < 4000; s += 2) {
            r.remember(1, s, "t", new Appended(1, s / 2));
        }
        for (long s = 4000 - 1024; s < 4000; s++) {
            assertEquals(new Appended((int) (s % 2), s / 2), r.lookup(1, s).appended(), "sequence " + s);
        }
    }

    @Test
    void sparseSequencesDoNotGrowAProducersMemory() {
        ProducerRegistry r = new ProducerRegistry(131_072);
        for (long p = 1; p <= 100; p++) {
            for (long s = 0; s < 7; s++) {
                r.remember(p, s << 14, "t", new Appended(0, s)); // every 16,384th sequence: each ring slot 0
            }
        }
        assertEquals(100 * 64, r.entryCount(), "64 slots per producer, however far apart its sequences are");
        assertNotNull(r.lookup(100, 6L << 14), "the newest is remembered");
    }

    @Test
    void memoryInAllIsBoundedByForgettingTheProducersIdleLongest() {
        ProducerRegistry r = new ProducerRegistry(1024, 1_000, 4 * 1024);
        for (long p = 1; p <= 6; p++) {
            for (long s = 0; s < 1024; s++) {
                r.remember(p, s, "t", new Appended(0, p * 10_000 + s));
            }
        }
        assertTrue(r.entryCount() <= 4 * 1024, "entries: " + r.entryCount());
        assertFalse(r.knows(1), "the producer idle longest is forgotten");
        for (long s = 0; s < 1024; s++) {
            assertEquals(new Appended(0, 60_000 + s), r.lookup(6, s).appended(), "the producer in use keeps its whole window");
        }
    }

    @Test
    void moreProducersThanTheLimitForgetTheOneIdleLongest() {
        ProducerRegistry r = new ProducerRegistry(1024, 3, 1L << 20);
        r.remember(1, 0, "t", new Appended(0, 1));
        r.remember(2, 0, "t", new Appended(0, 2));
        r.remember(3, 0, "t", new Appended(0, 3));
        assertNotNull(r.lookup(1, 0)); // 1 is used again: 2 is now idle longest
        r.remember(4, 0, "t", new Appended(0, 4));
        assertEquals(3, r.producerCount());
        assertNull(r.lookup(2, 0));
        assertNotNull(r.lookup(1, 0));
    }
}
