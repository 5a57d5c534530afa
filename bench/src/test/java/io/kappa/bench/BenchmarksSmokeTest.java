package io.kappa.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Runs each benchmark's set-up, a few operations and its tear-down on small data, so the benchmarks cannot rot
 * unnoticed between benchmark runs. Measures nothing.
 */
class BenchmarksSmokeTest {
    private static final Blackhole BH =
        new Blackhole("Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");

    @TempDir
    Path tmp;

    @Test
    void append() {
        System.setProperty("kappa.bench.dir", tmp.toString());
        LogAppendBenchmark b = new LogAppendBenchmark();
        LogAppendBenchmark.KappaPartition k = new LogAppendBenchmark.KappaPartition();
        k.open();
        assertEquals(1, b.append(k));
        assertEquals(2, b.append(k));
        Path dir = k.dir;
        k.close();
        assertFalse(Files.exists(dir));

        LogAppendBenchmark.RawQueue r = new LogAppendBenchmark.RawQueue();
        r.open();
        for (int i = 0; i < 10; i++) {
            b.rawChronicleAppend(r);
        }
        assertEquals(11, r.queue.entryCount());
        r.close();
        assertFalse(Files.exists(r.dir));
    }

    @Test
    void readWrapsAround() {
        System.setProperty("kappa.bench.dir", tmp.toString());
        LogReadBenchmark b = new LogReadBenchmark();
        for (boolean verify : new boolean[] {true, false}) {
            LogReadBenchmark.KappaPartition k = new LogReadBenchmark.KappaPartition();
            k.records = 700;
            k.verifyChecksums = verify;
            k.open();
            b.read(k, BH);
            assertEquals(LogReadBenchmark.BATCH - 700, k.tailer.offset());
            b.read(k, BH);
            k.close();
        }
        LogReadBenchmark.RawQueue r = new LogReadBenchmark.RawQueue();
        r.records = 700;
        r.open();
        b.rawChronicleRead(r, BH);
        b.rawChronicleRead(r, BH);
        r.close();
    }

    @Test
    void seek() {
        System.setProperty("kappa.bench.dir", tmp.toString());
        LogSeekBenchmark b = new LogSeekBenchmark();
        LogSeekBenchmark.KappaPartition k = new LogSeekBenchmark.KappaPartition();
        k.records = 5_000;
        k.open();
        for (int i = 0; i < 100; i++) {
            long wanted = k.offsets[i];
            assertEquals(wanted, b.seek(k));
        }
        k.next = 0;
        for (int i = 0; i < 100; i++) {
            long offset = b.offsetForTime(k);
            assertTrue(offset >= 0 && offset < k.records, "offset " + offset);
        }
        assertEquals(k.records, b.endOffset(k));
        k.close();

        LogSeekBenchmark.RawQueue r = new LogSeekBenchmark.RawQueue();
        r.records = 5_000;
        r.open();
        for (int i = 0; i < 100; i++) {
            long n = b.rawChronicleSeek(r);
            assertTrue(n >= 0 && n < r.records, "record " + n);
        }
        assertTrue(b.rawChronicleEndOffset(r) >= 0);
        r.close();
    }
}
