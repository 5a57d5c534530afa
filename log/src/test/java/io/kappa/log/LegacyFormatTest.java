package io.kappa.log;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import org.agrona.concurrent.CachedEpochClock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A data directory written by the release before record batches (one format-1 record per document, commit e76e5af),
 * read and appended to by this one. The directory is {@code legacy-format1.zip} in the test resources: its files with
 * their trailing zeros cut (Chronicle's files are sparse, 80 MiB each) and their lengths in {@code lengths.txt};
 * {@code legacy-format1.Gen.java.txt} beside it is the program that wrote it with that release's log.
 *
 * <p>What that program wrote to topic {@code legacy} (one partition, 1-hour segments), record i of 300: key
 * {@code k(i % 7)}, value {@code v0-i}; records 0..249 appended one at a time at {@code T0 + i} ms (from record 200 on
 * in the next hour's segment), with id {@code id i} when i % 3 == 0 and event time {@code T0 - 1000 + 10 i} unless
 * i % 5 == 0 (then the append time); records 250..299 in one {@code appendBatch} by producer 42 with sequence i, at
 * {@code T0 + 1 h + 250} ms, event time {@code T0 - 1000 + 10 i}, no id.
 */
class LegacyFormatTest {
    static final long T0 = 1_764_496_800_000L; // 2025-11-30T10:00:00Z
    static final long HOUR = 3_600_000L;

    @TempDir
    Path dir;
    final CachedEpochClock clock = new CachedEpochClock();

    @BeforeEach
    void unpack() throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/legacy-format1.zip");
             ZipInputStream zip = new ZipInputStream(in)) {
            ZipEntry e;
            List<String> lengths = new ArrayList<>();
            while ((e = zip.getNextEntry()) != null) {
                byte[] bytes = zip.readAllBytes();
                if (e.getName().equals("lengths.txt")) {
                    lengths.addAll(new String(bytes, StandardCharsets.UTF_8).lines().toList());
                    continue;
                }
                Path file = dir.resolve(e.getName());
                Files.createDirectories(file.getParent());
                Files.write(file, bytes);
            }
            for (String line : lengths) {
                String[] kv = line.split("=");
                try (RandomAccessFile f = new RandomAccessFile(dir.resolve(kv[0]).toFile(), "rw")) {
                    f.setLength(Long.parseLong(kv[1]));
                }
            }
        }
    }

    static Record legacy(int i) {
        long appendTime = i < 250 ? (i < 200 ? T0 : T0 + HOUR) + i : T0 + HOUR + 250;
        long eventTime = i < 250 && i % 5 == 0 ? appendTime : T0 - 1000 + i * 10L;
        byte[] id = i < 250 && i % 3 == 0 ? ("id" + i).getBytes(StandardCharsets.UTF_8) : null;
        return new Record(0, i, eventTime, appendTime, ("k" + (i % 7)).getBytes(StandardCharsets.UTF_8), id,
            ("v0-" + i).getBytes(StandardCharsets.UTF_8));
    }

    static List<Record> readAll(Partition p, long from, int maxPerPoll) {
        List<Record> out = new ArrayList<>();
        try (PartitionTailer t = p.newTailer()) {
            t.moveToOffset(from);
            while (t.poll(r -> out.add(r.toRecord()), maxPerPoll) > 0) {
                // keep reading
            }
        }
        return out;
    }

    @Test
    void recordsOfThePreviousReleaseReadSeekAndTakeNewBatchesInTheSameSegment() {
        List<Record> expected = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            expected.add(legacy(i));
        }
        clock.update(T0 + HOUR + 1000); // still inside the last legacy segment's hour
        try (EventLog log = EventLog.open(new LogContext().dataDir(dir).clock(clock))) {
            Partition p = log.topic("legacy").partition(0);
            assertEquals(0, p.startOffset());
            assertEquals(300, p.endOffset());
            check(p, expected);
            long[] producer42 = {-1};
            try (PartitionTailer t = p.newTailer()) {
                t.poll(r -> {
                    if (r.producerId() == 42) {
                        producer42[0] = Math.max(producer42[0], r.producerSequence());
                    }
                }, Integer.MAX_VALUE);
            }
            assertEquals(299, producer42[0], "the producer stamps of the old format are read");

            List<Event> batch = new ArrayList<>();
            for (int i = 300; i < 350; i++) {
                batch.add(new Event(("k" + (i % 7)).getBytes(StandardCharsets.UTF_8), ("v0-" + i).getBytes(StandardCharsets.UTF_8),
                    T0 + i, null));
            }
            long[] offsets = p.appendBatch(batch);
            assertEquals(300, offsets[0], "offsets go on from the old format's last record");
            for (int i = 300; i < 350; i++) {
                expected.add(new Record(0, i, T0 + i, clock.time(), batch.get(i - 300).key(), null, batch.get(i - 300).value()));
            }
            check(p, expected);
        }
        clock.update(T0 + 2 * HOUR + 5);
        try (EventLog log = EventLog.open(new LogContext().dataDir(dir).clock(clock))) {
            Partition p = log.topic("legacy").partition(0);
            assertEquals(350, p.endOffset(), "the end offset of a segment mixing both formats");
            assertEquals(350, p.append(null, "next hour".getBytes(StandardCharsets.UTF_8), Event.NO_TIME, null));
            expected.add(new Record(0, 350, clock.time(), clock.time(), null, null, "next hour".getBytes(StandardCharsets.UTF_8)));
            check(p, expected);
        }
    }

    private static void check(Partition p, List<Record> expected) {
        for (int maxPerPoll : new int[] {1, 13, 1000}) {
            List<Record> all = readAll(p, 0, maxPerPoll);
            assertEquals(expected.size(), all.size());
            for (int i = 0; i < all.size(); i++) {
                RecordBatchTest.assertSame(expected.get(i), all.get(i));
            }
        }
        for (int offset = 0; offset <= expected.size(); offset += 7) {
            List<Record> from = readAll(p, offset, 5);
            assertEquals(expected.size() - offset, from.size());
            if (offset < expected.size()) {
                RecordBatchTest.assertSame(expected.get(offset), from.get(0));
            }
        }
        RecordBatchTest.assertTimeLookups(p, expected, 99_997);
    }
}
