package io.kappa.kafka;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import io.kappa.log.Event;
import io.kappa.log.EventLog;
import io.kappa.log.LogContext;
import io.kappa.log.Partitioner;
import io.kappa.log.PartitionTailer;
import io.kappa.log.Record;
import io.kappa.log.Topic;
import io.kappa.log.TopicConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link LogToKafka} and {@link KafkaToLog} against a real broker: what goes out comes back, once. */
class MirrorTest {
    @org.junit.jupiter.api.extension.RegisterExtension
    static final TestBroker broker = new TestBroker();

    @TempDir
    Path dir;

    static void append(Topic t, Random rnd, int n, int from) {
        for (int i = from; i < from + n; i++) {
            boolean keyless = rnd.nextInt(10) == 0;
            byte[] key = keyless ? null : ("k" + rnd.nextInt(100)).getBytes(StandardCharsets.UTF_8);
            byte[] id = rnd.nextBoolean() ? ("e" + i).getBytes(StandardCharsets.UTF_8) : null;
            Event e = new Event(key, ("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8), 1_763_800_000_000L + i * 7L, id);
            if (keyless) {
                t.append(i % t.partitionCount(), e);
            } else {
                t.append(e);
            }
        }
    }

    static List<Record> read(Topic t, int p) {
        List<Record> out = new ArrayList<>();
        try (PartitionTailer tailer = t.partition(p).newTailer()) {
            tailer.toStart();
            while (tailer.poll(v -> out.add(v.toRecord()), 1000) > 0) {
                // drain
            }
        }
        return out;
    }

    @Test
    void mirrorsToKafkaResumesAndComesBackTheSame() throws Exception {
        Random rnd = new Random(7);
        try (EventLog log = EventLog.open(new LogContext().dataDir(dir.resolve("a")).pretouch(false));
             EventLog laptop = EventLog.open(new LogContext().dataDir(dir.resolve("b")).pretouch(false))) {
            Topic t = log.createTopic("events", TopicConfig.partitions(3));
            append(t, rnd, 2000, 0);
            try (LogToKafka m = new LogToKafka(log, "events", broker.bootstrap(), "m-events", p -> p.startOffset(), 30_000, 500)) {
                assertFalse(m.resumed());
                LogToKafka.Progress pr = m.run(() -> false, true);
                assertEquals(2000, pr.total());
            }
            append(t, rnd, 500, 2000);
            try (LogToKafka m = new LogToKafka(log, "events", broker.bootstrap(), "m-events", p -> p.startOffset(), 30_000, 500)) {
                assertTrue(m.resumed(), "goes on from its progress in Kafka");
                assertEquals(500, m.run(() -> false, true).total(), "only the new events");
            }
            List<ConsumerRecord<byte[], byte[]>> out = broker.readAll("m-events");
            assertEquals(2500, out.size(), "every event once");
            int i = 0;
            for (int p = 0; p < 3; p++) {
                for (Record r : read(t, p)) {
                    ConsumerRecord<byte[], byte[]> k = out.get(i++);
                    assertEquals(p, k.partition(), "same partition");
                    assertArrayEquals(r.key(), k.key());
                    assertArrayEquals(r.value(), k.value());
                    assertEquals(r.eventTime(), k.timestamp(), "event time is the timestamp");
                    assertEquals(r.appendTime(), KappaHeaders.getLong(k.headers(), KappaHeaders.APPEND_TIME, -1));
                    assertEquals(r.idString(), KappaHeaders.getString(k.headers(), KappaHeaders.ID));
                }
            }

            // and back, onto a laptop, twice: the second run copies nothing again
            try (KafkaToLog back = new KafkaToLog(laptop, broker.bootstrap(), "m-events", "events", KafkaToLog.Start.EARLIEST, -1, 30_000)) {
                assertEquals(2500, java.util.Arrays.stream(back.run(() -> false, true)).sum());
            }
            try (KafkaToLog back = new KafkaToLog(laptop, broker.bootstrap(), "m-events", "events", KafkaToLog.Start.EARLIEST, -1, 30_000)) {
                assertTrue(back.resumed());
                assertEquals(0, java.util.Arrays.stream(back.run(() -> false, true)).sum());
            }
            Topic copy = laptop.topic("events");
            for (int p = 0; p < 3; p++) {
                List<Record> a = read(t, p);
                List<Record> b = read(copy, p);
                assertEquals(a.size(), b.size());
                for (int j = 0; j < a.size(); j++) {
                    assertArrayEquals(a.get(j).key(), b.get(j).key());
                    assertArrayEquals(a.get(j).value(), b.get(j).value());
                    assertEquals(a.get(j).eventTime(), b.get(j).eventTime());
                    assertEquals(a.get(j).idString(), b.get(j).idString());
                }
            }
        }
    }

    @Test
    void aKafkaTopicWithAnotherPartitionCountGetsKeysByMurmur2() throws Exception {
        try (EventLog log = EventLog.open(new LogContext().dataDir(dir.resolve("c")).pretouch(false))) {
            Topic t = log.createTopic("two", TopicConfig.partitions(2));
            append(t, new Random(3), 600, 0);
            broker.createTopic("m-five", 5);
            try (LogToKafka m = new LogToKafka(log, "two", broker.bootstrap(), "m-five", p -> p.startOffset(), 30_000, 100)) {
                assertEquals(600, m.run(() -> false, true).total());
            }
            for (ConsumerRecord<byte[], byte[]> r : broker.readAll("m-five")) {
                if (r.key() != null) {
                    assertEquals(new Partitioner().partition(r.key(), 5), r.partition(), "where Kafka's producer would put it");
                }
            }
            assertEquals(600, broker.readAll("m-five").size());
        }
    }

    @Test
    void unknownTopicsAreClearErrors() throws Exception {
        try (EventLog log = EventLog.open(new LogContext().dataDir(dir.resolve("d")).pretouch(false))) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new KafkaToLog(log, broker.bootstrap(), "no-such", "x", KafkaToLog.Start.EARLIEST, -1, 10_000));
            assertTrue(e.getMessage().contains("no topic 'no-such' on the Kafka cluster"), e.getMessage());
            assertNull(log.exists("x") ? "created" : null, "nothing created locally");
        }
    }
}
