package io.kappa.log;

import java.nio.file.Path;

import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Child process that appends {@code n} records, then opens a Chronicle document on the partition, writes
 * part of a record into it and halts the JVM with the document still open: a torn write, as a kill -9 in the
 * middle of an append leaves it.
 */
public final class TornWriteChild {
    public static void main(String[] args) throws Exception {
        Path dataDir = Path.of(args[0]);
        int n = Integer.parseInt(args[1]);
        EventLog log = EventLog.open(dataDir);
        Partition p = log.topic("torn").partition(0);
        for (int i = 0; i < n; i++) {
            p.append(AppendChild.event(p.endOffset()));
        }
        ExcerptAppender raw = p.queue().createAppender();
        DocumentContext dc = raw.writingDocument();
        dc.wire().bytes().writeLong(0xDEADBEEFL).write(new byte[500]);
        System.out.println("halting with a document open");
        System.out.flush();
        Runtime.getRuntime().halt(9);
    }
}
