package io.kappa.log;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.*;

class FsyncPolicyTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(FsyncPolicy.class)
    void everyPolicyAppendsAndReopensTheSameRecords(FsyncPolicy policy) {
        LogContext context = new LogContext().dataDir(dir).fsyncPolicy(policy).fsyncIntervalMs(5);
        try (EventLog log = EventLog.open(context)) {
            Topic t = log.createTopic("f", TopicConfig.partitions(2));
            for (int i = 0; i < 100; i++) {
                t.append(Event.of("k" + i, "v" + i));
            }
            t.appendBatch(List.of(Event.of("a", "1"), Event.of("b", "2")));
        }
        try (EventLog log = EventLog.open(new LogContext().dataDir(dir))) {
            Topic t = log.topic("f");
            assertEquals(102, t.partition(0).endOffset() + t.partition(1).endOffset());
        }
    }

    @Test
    void policyNamesParseCaseInsensitivelyAndUnknownOnesAreRefused() {
        assertEquals(FsyncPolicy.INTERVAL, FsyncPolicy.parse("Interval"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FsyncPolicy.parse("sometimes"));
        assertTrue(e.getMessage().contains("none, interval or always"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new LogContext().fsyncPolicy(FsyncPolicy.INTERVAL).fsyncIntervalMs(0).conclude());
        assertThrows(IllegalArgumentException.class, () -> new LogContext().maxRecordBytes(0).conclude());
    }
}
