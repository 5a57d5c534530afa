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
}
