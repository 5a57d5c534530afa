package io.kappa.log;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.*;

class TopicTest {
    @TempDir
    Path dir;

    @Test
    void topicsAreCreatedListedReopenedAndDeleted() {
        try (EventLog log = EventLog.open(dir)) {
            Topic t = log.createTopic("orders.v1", TopicConfig.partitions(4).withRetentionMs(60_000).withRetentionBytes(1 << 30));
            assertEquals(4, t.partitionCount());
            t.append(Event.of("k", "v"));
            log.createTopic("a_b-c", TopicConfig.partitions(1));
            assertEquals(List.of("a_b-c", "orders.v1"), log.topicNames());
            assertThrows(LogException.TopicExists.class, () -> log.createTopic("orders.v1", TopicConfig.partitions(1)));
        }
        try (EventLog log = EventLog.open(dir)) {
            Topic t = log.topic("orders.v1");
            TopicMetadata m = t.metadata();
            assertEquals(4, m.partitions());
            assertEquals(60_000, m.retentionMs());
            assertEquals(1 << 30, m.retentionBytes());
            assertEquals("1h", m.segment());
            assertEquals(TopicMetadata.FORMAT_VERSION, m.formatVersion());
            assertNotNull(m.createdTime());
            long total = 0;
            for (int p = 0; p < 4; p++) {
                total += t.partition(p).endOffset();
            }
            assertEquals(1, total);
            log.deleteTopic("orders.v1");
            assertEquals(List.of("a_b-c"), log.topicNames());
            assertThrows(LogException.UnknownTopic.class, () -> log.topic("orders.v1"));
            assertThrows(LogException.UnknownTopic.class, () -> log.deleteTopic("orders.v1"));
            // the name is free again
            assertEquals(0, log.createTopic("orders.v1", TopicConfig.partitions(2)).partition(1).endOffset());
        }
    }

    @Test
    void aTopicOpenInAnotherLogIsNotDeletedUnderItUntilThatLogClosesIt() {
        try (EventLog deleter = EventLog.open(dir)) {
            deleter.createTopic("t", TopicConfig.partitions(1));
            EventLog holder = EventLog.open(new LogContext().dataDir(dir).holder("the holder"));
            holder.topic("t").append(Event.of("k", "v"));
            LogException.TopicInUse e = assertThrows(LogException.TopicInUse.class, () -> deleter.deleteTopic("t", true));
            assertEquals(List.of("the holder (pid " + ProcessHandle.current().pid() + ", this process)"), e.holders());
            assertEquals(1, deleter.topic("t").partition(0).endOffset(), "nothing deleted");
            holder.close();
            deleter.deleteTopic("t"); // its own copy is closed first
            assertFalse(deleter.exists("t"));
            assertEquals(0, deleter.createTopic("t", TopicConfig.partitions(1)).partition(0).endOffset(), "a new, empty topic");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "../x", "/", "a/b", "..", ".", "with space", "tab\t", "ünïcode", "a\u0000b", "x:y"})
    void badTopicNamesAreRefusedWithAClearError(String name) {
        try (EventLog log = EventLog.open(dir)) {
            LogException e = assertThrows(LogException.InvalidTopicName.class, () -> log.createTopic(name, TopicConfig.partitions(1)));
            assertTrue(e.getMessage().startsWith("invalid topic name"), e.getMessage());
            assertThrows(LogException.InvalidTopicName.class, () -> log.topic(name));
        }
        assertFalse(Files.exists(dir.getParent().resolve("x")), "nothing was created outside the data directory");
    }

    @Test
    void nameLengthIsLimitedTo200() {
        try (EventLog log = EventLog.open(dir)) {
            log.createTopic("n".repeat(200), TopicConfig.partitions(1));
            LogException e = assertThrows(LogException.InvalidTopicName.class, () -> log.createTopic("n".repeat(201), TopicConfig.partitions(1)));
            assertTrue(e.getMessage().contains("201"), e.getMessage());
        }
    }

    @Test
    void badTopicConfigsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> TopicConfig.partitions(0));
        assertThrows(IllegalArgumentException.class, () -> TopicConfig.partitions(1).withRetentionMs(0));
        assertThrows(IllegalArgumentException.class, () -> TopicConfig.partitions(1).withRetentionBytes(-5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TopicConfig.partitions(1).withSegment("3h"));
        assertTrue(e.getMessage().contains("3h"), e.getMessage());
    }

    @Test
    void unknownPartitionIsAClearError() {
        try (EventLog log = EventLog.open(dir)) {
            Topic t = log.createTopic("p", TopicConfig.partitions(2));
            LogException e = assertThrows(LogException.UnknownPartition.class, () -> t.partition(2));
            assertTrue(e.getMessage().contains("0..1"), e.getMessage());
            assertThrows(LogException.UnknownPartition.class, () -> t.append(-1, Event.of("k", "v")));
        }
    }

    @Test
    void keyedRecordsGoToTheirMurmur2PartitionAndKeylessOnesSpreadEvenly() {
        try (EventLog log = EventLog.open(dir)) {
            Topic t = log.createTopic("spread", TopicConfig.partitions(4));
            for (int i = 0; i < 100; i++) {
                Event e = Event.of("user-" + (i % 7), "v" + i);
                Appended a = t.append(e);
                assertEquals((Partitioner.murmur2(e.key()) & 0x7fffffff) % 4, a.partition());
            }
            long[] before = new long[4];
            for (int p = 0; p < 4; p++) {
                before[p] = t.partition(p).endOffset();
            }
            for (int i = 0; i < 400; i++) {
                t.append(Event.of(("v" + i).getBytes()));
            }
            for (int p = 0; p < 4; p++) {
                assertEquals(100, t.partition(p).endOffset() - before[p], "partition " + p);
            }
            List<Appended> batch = t.appendBatch(List.of(Event.of("a", "1"), Event.of("b", "2"), Event.of("a", "3")));
            assertEquals(batch.get(0).partition(), batch.get(2).partition());
            int between = batch.get(1).partition() == batch.get(0).partition() ? 2 : 1;
            assertEquals(batch.get(0).offset() + between, batch.get(2).offset(), "a batch keeps the order of each partition's records");
            long end3 = t.partition(3).endOffset();
            assertEquals(new Appended(3, end3), t.append(3, Event.of("x", "explicit")), "an explicit partition wins over the key");
        }
    }

    @Test
    void corruptOrMissingMetadataIsAClearErrorAndHarmsNothing() throws Exception {
        try (EventLog log = EventLog.open(dir)) {
            log.createTopic("good", TopicConfig.partitions(1)).append(Event.of("k", "v"));
            log.createTopic("bad", TopicConfig.partitions(2)).append(Event.of("k", "v"));
        }
        Path meta = dir.resolve("topics/bad/topic.json");
        String original = Files.readString(meta);

        Files.writeString(meta, "{ not json");
        assertMetadataError("is corrupt");
        Files.writeString(meta, "");
        assertMetadataError("bad");
        Files.writeString(meta, original.replace("\"formatVersion\" : 1", "\"formatVersion\" : 99"));
        assertMetadataError("format version 99");
        Files.writeString(meta, original.replace("\"partitions\" : 2,", ""));
        assertMetadataError("partitions");
        Files.writeString(meta, original.replace("\"name\" : \"bad\"", "\"name\" : \"other\""));
        assertMetadataError("names topic 'other'");
        Files.delete(meta);
        assertMetadataError("is missing");

        Files.writeString(meta, original);
        Path p1 = dir.resolve("topics/bad/1");
        Files.move(p1, dir.resolve("p1-aside"));
        assertMetadataError("partition 1");
        Files.move(dir.resolve("p1-aside"), p1);

        try (EventLog log = EventLog.open(dir)) {
            assertEquals(1, log.topic("good").partition(0).endOffset(), "other topics are untouched");
            Topic bad = log.topic("bad");
            assertEquals(1, bad.partition(0).endOffset() + bad.partition(1).endOffset(), "data survives once metadata is repaired");
        }
    }

    private void assertMetadataError(String expected) {
        try (EventLog log = EventLog.open(dir)) {
            LogException.CorruptMetadata e = assertThrows(LogException.CorruptMetadata.class, () -> log.topic("bad"));
            assertTrue(e.getMessage().contains(expected), e.getMessage());
            assertTrue(e.getMessage().contains("bad"), e.getMessage());
            assertEquals(1, log.topic("good").partition(0).endOffset());
        }
    }
}
