package io.kappa.log;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/** A process declared read-only reads as any other, runs on Chronicle's no-op posix binding, and cannot append. */
class ReadOnlyProcessTest {
    @TempDir
    Path dir;

    @Test
    void aDeclaredProcessReadsButDoesNotAppend() throws Exception {
        try (EventLog log = EventLog.open(dir)) {
            Partition p = log.createTopic("t", TopicConfig.partitions(1)).partition(0);
            p.append("a".getBytes(StandardCharsets.UTF_8));
            p.append("b".getBytes(StandardCharsets.UTF_8));
        }
        Path err = dir.resolve("child.err");
        Process child = ChildJvm.start(ReadOnlyChild.class, err, dir.toString(), "t");
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, child.exitValue(), Files.readString(err));
        List<String> lines = List.of(out.split("\n"));
        assertEquals(List.of("read 0 a", "read 1 b", "native-binding net.openhft.posix.internal.noop.NoOpPosixAPI",
            "append refused: this process declared it only reads (ReadOnlyProcess), so it cannot append to topic 't' partition 0"), lines);
        try (EventLog log = EventLog.open(dir)) {
            assertEquals(2, log.topic("t").partition(0).endOffset(), "nothing appended");
        }
    }
}
