package io.kappa.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import io.kappa.log.EventLog;
import io.kappa.log.LogContext;
import io.kappa.log.PartitionTailer;
import io.kappa.log.RecordDescriptor;
import io.kappa.log.Topic;
import io.kappa.log.TopicConfig;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The processor scenarios' fill stores its events as record batches, as kappa's writers do, with the keys and values it says. */
class KeyedBatchTest {
    @TempDir
    Path tmp;

    @Test
    void fillAppendsInRecordBatches() {
        long events = 2 * KeyedBatch.BATCH + 500;
        long keys = 700;
        Path partitionDir;
        try (EventLog log = EventLog.open(new LogContext().dataDir(tmp))) {
            Topic t = log.createTopic("in", TopicConfig.partitions(1));
            ProcessorWorkloads.fill(t.partition(0), events, keys, false, "fill");
            assertEquals(events, t.partition(0).endOffset());
            long[] seen = {0};
            try (PartitionTailer tailer = t.partition(0).newTailer()) {
                while (tailer.poll(r -> {
                    long i = r.offset();
                    assertEquals(String.format("%08d", i % keys), r.keyString());
                    assertEquals(i, r.buffer().getLong(r.valueOffset()));
                    assertEquals(BenchSupport.VALUE_LENGTH, r.valueLength());
                    assertEquals(r.appendTime(), r.eventTime(), "no event time given: the append time");
                    seen[0]++;
                }, 1000) > 0) {
                    // to the end
                }
            }
            assertEquals(events, seen[0]);
            partitionDir = t.dir().resolve("0");
        }
        // one Chronicle document per stored batch: as many as BATCH_TARGET_BYTES allows per document, not one per event
        long documents = 0;
        try (SingleChronicleQueue q = SingleChronicleQueueBuilder.binary(partitionDir).readOnly(true).build();
             ExcerptTailer tailer = q.createTailer()) {
            while (true) {
                try (DocumentContext dc = tailer.readingDocument()) {
                    if (!dc.isPresent()) {
                        break;
                    }
                    if (!dc.isMetaData()) {
                        documents++;
                    }
                }
            }
        }
        long perDocument = RecordDescriptor.BATCH_TARGET_BYTES / (BenchSupport.KEY_LENGTH + BenchSupport.VALUE_LENGTH + 64);
        assertTrue(documents > 0 && documents <= events / perDocument + 3,
            documents + " documents for " + events + " events: not stored in batches");
    }
}
