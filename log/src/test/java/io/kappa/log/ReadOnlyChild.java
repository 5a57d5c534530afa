package io.kappa.log;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Child process of {@link ReadOnlyProcessTest}: declares itself read-only, reads partition 0 of a topic, then tries to
 * append. Prints "read OFFSET VALUE" per record, "native-binding CLASS" (Chronicle's posix binding in use), and
 * "append refused: MESSAGE" or "appended OFFSET".
 */
public final class ReadOnlyChild {
    public static void main(String[] args) {
        ReadOnlyProcess.declare();
        try (EventLog log = EventLog.open(new LogContext().dataDir(Path.of(args[0])).pretouch(false))) {
            Partition p = log.topic(args[1]).partition(0);
            try (PartitionTailer tailer = p.newTailer()) {
                tailer.poll(r -> System.out.println("read " + r.offset() + " " + r.valueString()), 100);
            }
            System.out.println("native-binding " + net.openhft.posix.PosixAPI.posix().getClass().getName());
            try {
                System.out.println("appended " + p.append("late".getBytes(StandardCharsets.UTF_8)));
            } catch (LogException e) {
                System.out.println("append refused: " + e.getMessage());
            }
        }
    }
}
