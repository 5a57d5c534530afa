package io.kappa.log;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

class CorruptionTest {
    @TempDir
    Path dir;

    @Test
    void aFlippedByteInAStoredRecordIsReportedWithItsOffset() throws Exception {
        try (EventLog log = EventLog.open(dir)) {
            Partition p = log.createTopic("rot", TopicConfig.partitions(1)).partition(0);
            for (int i = 0; i < 10; i++) {
                p.append(("record-number-" + i + "-payload").getBytes(StandardCharsets.US_ASCII));
            }
        }
        Path segment;
        try (Stream<Path> files = Files.list(dir.resolve("topics/rot/0"))) {
            segment = files.filter(f -> f.toString().endsWith(".cq4")).findFirst().orElseThrow();
        }
        byte[] needle = "record-number-7-payload".getBytes(StandardCharsets.US_ASCII);
        long at = indexOf(Files.readAllBytes(segment), needle);
        assertTrue(at > 0);
        try (RandomAccessFile raf = new RandomAccessFile(segment.toFile(), "rw")) {
            raf.seek(at + 3);
            raf.write('X');
        }
        try (EventLog log = EventLog.open(dir)) {
            Partition p = log.topic("rot").partition(0);
            assertEquals(10, p.endOffset());
            try (PartitionTailer t = p.newTailer()) {
                int[] read = {0};
                LogException.CorruptRecord e = assertThrows(LogException.CorruptRecord.class, () -> {
                    while (t.poll(r -> read[0]++, 100) > 0) {
                        // read until the damage
                    }
                });
                assertEquals(7, read[0], "the records before the damage were delivered");
                assertTrue(e.getMessage().contains("offset 7") && e.getMessage().contains("checksum"), e.getMessage());
                assertEquals(7, t.offset(), "the damaged record is not consumed");
                t.moveToOffset(8);
                List<Long> after = new java.util.ArrayList<>();
                t.poll(r -> after.add(r.offset()), 100);
                assertEquals(List.of(8L, 9L), after, "records after the damage stay readable");
            }
        }
    }

    @Test
    void aBatchWhoseOffsetsOverlapThePreviousOneIsReportedNotSkipped() throws Exception {
        try (EventLog log = EventLog.open(dir)) {
            Partition p = log.createTopic("overlap", TopicConfig.partitions(1)).partition(0);
            for (int b = 0; b < 2; b++) {
                List<Event> batch = new java.util.ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    batch.add(new Event(null, ("batch-" + b + "-record-" + i).getBytes(StandardCharsets.US_ASCII), Event.NO_TIME, null));
                }
                p.appendBatch(batch);
            }
        }
        Path segment;
        try (Stream<Path> files = Files.list(dir.resolve("topics/overlap/0"))) {
            segment = files.filter(f -> f.toString().endsWith(".cq4")).findFirst().orElseThrow();
        }
        // The second batch claims offsets 3..7, as if two writers had both taken 3..4: a consistent document (its CRC
        // made again) that only the order of offsets gives away.
        byte[] file = Files.readAllBytes(segment);
        int header = (int) indexOf(file, "batch-1-record-0".getBytes(StandardCharsets.US_ASCII)) - RecordDescriptor.REC_HEADER_LENGTH
            - RecordDescriptor.BATCH_HEADER_LENGTH;
        org.agrona.concurrent.UnsafeBuffer doc = new org.agrona.concurrent.UnsafeBuffer(file);
        assertEquals(5, doc.getLong(header + RecordDescriptor.BATCH_BASE_OFFSET_OFFSET));
        doc.putLong(header + RecordDescriptor.BATCH_BASE_OFFSET_OFFSET, 3);
        int length = RecordDescriptor.BATCH_HEADER_LENGTH;
        for (int i = 0; i < 5; i++) {
            length += doc.getInt(header + length);
        }
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(file, header + RecordDescriptor.CHECKSUMMED_FROM, length - RecordDescriptor.CHECKSUMMED_FROM);
        doc.putInt(header, (int) crc.getValue());
        try (RandomAccessFile raf = new RandomAccessFile(segment.toFile(), "rw")) {
            raf.seek(header);
            raf.write(file, header, length);
        }
        try (EventLog log = EventLog.open(dir)) {
            Partition p = log.topic("overlap").partition(0);
            try (PartitionTailer t = p.newTailer()) {
                List<Long> read = new java.util.ArrayList<>();
                LogException.CorruptRecord e = assertThrows(LogException.CorruptRecord.class, () -> {
                    while (t.poll(r -> read.add(r.offset()), 100) > 0) {
                        // read until the damage
                    }
                });
                assertEquals(List.of(0L, 1L, 2L, 3L, 4L), read);
                assertTrue(e.getMessage().contains("expected offset 5") && e.getMessage().contains("3 to 7"), e.getMessage());
            }
        }
    }

    private static long indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
