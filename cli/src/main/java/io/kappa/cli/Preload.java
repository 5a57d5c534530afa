package io.kappa.cli;

import io.kappa.log.ReadOnlyProcess;

/**
 * Start-up of a short reading command ({@code topic list}, {@code topic describe}, {@code read}, {@code status}) run from
 * the shell: while the main thread builds picocli's model of the command and parses the line, a second thread
 * initialises the classes the command will need next (Jackson's {@code ObjectMapper}, Chronicle's {@code Jvm} and queue
 * builder, the log's metadata). Class initialisation is thread-safe in the JVM: whichever thread comes first does it,
 * and the other waits for it, so the command behaves the same; it only finds the work done. A machine with two cores
 * does picocli's ~70 ms and Chronicle's and Jackson's ~70 ms side by side (docs/benchmarks.md, start-up).
 */
final class Preload {
    /** Classes whose initialisation any short command needs: topic metadata and its JSON. */
    static final String[] METADATA = {"io.kappa.log.TopicMetadata", "io.kappa.log.Aliases", "io.kappa.processor.Serdes"};
    /**
     * Classes a command that opens partitions needs besides: Chronicle's runtime and queue builder, the log's partition,
     * then the classes whose static initialisers the opening of a queue runs (the main thread and the opening threads met
     * them first in profiles of {@code status}; here they are done while the main thread reads the group's files).
     */
    static final String[] QUEUES = {"net.openhft.chronicle.core.Jvm", "net.openhft.chronicle.core.OS",
        "net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder", "net.openhft.chronicle.queue.impl.table.SingleTableStore",
        "io.kappa.log.Partition",
        "net.openhft.chronicle.wire.Wires", "net.openhft.chronicle.threads.DiskSpaceMonitor", "net.openhft.chronicle.bytes.internal.NativeBytesStore",
        "net.openhft.chronicle.bytes.internal.NoBytesStore", "net.openhft.chronicle.wire.DocumentContext", "net.openhft.chronicle.wire.AbstractWire",
        "net.openhft.chronicle.queue.internal.AnalyticsHolder", "net.openhft.chronicle.core.io.BackgroundResourceReleaser",
        "net.openhft.chronicle.bytes.PageUtil", "net.openhft.chronicle.queue.RollCycles", "net.openhft.chronicle.wire.BinaryWire",
        "net.openhft.chronicle.bytes.BytesUtil", "net.openhft.chronicle.core.io.VanillaReferenceCounted",
        "net.openhft.chronicle.queue.impl.single.SingleChronicleQueue", "net.openhft.chronicle.queue.impl.single.StoreTailer",
        "net.openhft.chronicle.queue.impl.single.SingleChronicleQueueStore", "net.openhft.chronicle.queue.impl.single.TableDirectoryListing",
        "net.openhft.chronicle.bytes.MappedFile", "net.openhft.chronicle.bytes.internal.ChunkedMappedFile", "io.kappa.log.TopicHolds"};

    private Preload() {
    }

    /** What a command line's command needs preloaded. */
    enum Need {
        /** Nothing: not a short reading command (it may write, or it runs long enough not to matter). */
        NOTHING,
        /** The topics' metadata only ({@code topic list}). */
        METADATA,
        /** The metadata and the partitions' queues ({@code topic describe}, {@code read}, {@code status}): a read-only process. */
        QUEUES
    }

    /**
     * Starts the preloading thread for the command {@code args} name, when it is one of the short reading commands; such
     * a command, when it opens partitions, is also declared read-only here ({@link ReadOnlyProcess}), before Chronicle's
     * classes initialise. The system property {@code kappa.preload.off} turns it off (for a comparison of start-ups).
     */
    static void start(String[] args) {
        Need need = need(args);
        if (need == Need.NOTHING || Boolean.getBoolean("kappa.preload.off")) {
            return;
        }
        if (need == Need.QUEUES) {
            ReadOnlyProcess.declare();
        }
        Thread thread = new Thread(() -> {
            initialise(METADATA);
            if (need == Need.QUEUES) {
                initialise(QUEUES);
            }
        }, "kappa-preload");
        thread.setDaemon(true);
        thread.start();
    }

    /** What the command {@code args} name (after kappa's own {@code --data-dir} and {@code --profile}) needs preloaded. */
    static Need need(String[] args) {
        int i = Kappa.commandIndex(args);
        if (i == args.length) {
            return Need.NOTHING;
        }
        String command = args[i];
        String sub = i + 1 < args.length ? args[i + 1] : "";
        if (command.equals("read") || command.equals("status") || command.equals("topic") && sub.equals("describe")) {
            return Need.QUEUES;
        }
        return command.equals("topic") && sub.equals("list") ? Need.METADATA : Need.NOTHING;
    }

    private static void initialise(String[] classes) {
        ClassLoader loader = Preload.class.getClassLoader();
        for (String name : classes) {
            try {
                Class.forName(name, true, loader);
            } catch (Throwable e) {
                // the command itself will meet (and report) whatever failed here
                return;
            }
        }
    }
}
