package io.kappa.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.log.BufferedEvents;
import io.kappa.log.Event;
import io.kappa.log.EventLog;
import io.kappa.log.Partition;
import io.kappa.log.PartitionTailer;
import io.kappa.log.RecordDescriptor;
import io.kappa.log.RecordHandler;
import io.kappa.log.RecordView;
import io.kappa.log.TopicConfig;
import io.kappa.processor.Groups;
import io.kappa.processor.InputRecord;
import io.kappa.processor.Processor;
import io.kappa.processor.ProcessorContext;
import io.kappa.processor.ProcessorRunner;
import io.kappa.processor.RunnerContext;
import io.kappa.processor.Serdes;
import io.kappa.processor.TaskCheckpoint;
import io.kappa.processor.Topology;
import io.kappa.processor.builtin.Builtins;
import io.kappa.processor.builtin.GroupKey;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The timed operations of {@link ProcessorBench}, each on one partition of a log the caller opened: the bare-reader,
 * raw Chronicle and copy baselines, a topology under {@link ProcessorRunner} (from {@code start()} until
 * {@code awaitCaughtUp} returns), and the checkpoint of a large count. Each returns its figures as JSON and checks
 * that it saw or wrote every event, so a broken run fails instead of reporting a rate.
 */
final class ProcessorWorkloads {
    /** Value bytes of every input event (the JMH benchmarks' 100-byte value). */
    static final int VALUE_LENGTH = BenchSupport.VALUE_LENGTH;
    /** Key bytes: the key's number as 8 ASCII digits, so that the count's group key (the key as text) reads well. */
    static final int KEY_LENGTH = BenchSupport.KEY_LENGTH;
    /** Events per poll of the baselines: the runner's default batch. */
    static final int BATCH = RunnerContext.DEFAULT_BATCH;
    private static final long CAUGHT_UP_TIMEOUT_MS = 30 * 60_000L;
    private static final long PRODUCER_ID = 42;

    private ProcessorWorkloads() {
    }

    /** Appends {@code events} keyed events to a partition: key {@code i mod keys} as 8 ASCII digits, 100-byte value. */
    static void fill(Partition partition, long events, long keys, boolean progress, String label) {
        if (keys < 1 || keys > 100_000_000L) {
            throw new IllegalArgumentException("keys must be 1..100,000,000 (8 digits), got " + keys);
        }
        UnsafeBuffer key = new UnsafeBuffer(new byte[KEY_LENGTH]);
        UnsafeBuffer value = BenchSupport.value();
        long[] done = {0};
        ProgressMeter meter = new ProgressMeter(label, events, () -> done[0], progress);
        try {
            for (long i = 0; i < events; i++) {
                digits(key, i % keys);
                value.putLong(0, i);
                partition.append(key, 0, KEY_LENGTH, value, 0, VALUE_LENGTH, Event.NO_TIME);
                done[0] = i + 1;
            }
        } finally {
            meter.close();
        }
    }

    private static void digits(UnsafeBuffer key, long n) {
        long v = n;
        for (int i = KEY_LENGTH - 1; i >= 0; i--) {
            key.putByte(i, (byte) ('0' + v % 10));
            v /= 10;
        }
    }

    /**
     * Wall time of one timed phase, with what else happened meanwhile: CPU time of this JVM, GC, bytes allocated, and
     * the CPU the rest of the machine used (from /proc/stat), to tell a slow phase from a disturbed one.
     */
    static final class Timer {
        private final long[] stat0 = procStat();
        private final long[] gc0 = gc();
        private final long allocated0 = allocatedBytes();
        private final long cpu0 = TcpIngestBench.clientCpuNanos();
        private final long wall0 = System.nanoTime();
        long wallNanos;
        private long cpu;
        private long allocated;
        private long[] gc;
        private long[] stat1;

        /** Ends the phase; call it while the threads that did the work are alive (their allocation is counted then). */
        long stop() {
            wallNanos = System.nanoTime() - wall0;
            cpu = TcpIngestBench.clientCpuNanos() - cpu0;
            allocated = allocatedBytes();
            gc = gc();
            stat1 = procStat();
            return wallNanos;
        }

        /** The phase's figures for {@code events} events, into {@code r}. */
        ObjectNode put(ObjectNode r, long events) {
            if (gc == null) {
                stop();
            }
            r.put("events", events)
                .put("seconds", wallNanos / 1e9)
                .put("eventsPerSec", events * 1e9 / wallNanos)
                .put("nsPerEvent", (double) wallNanos / events)
                .put("cpuCores", cpu0 < 0 ? Double.NaN : (double) cpu / wallNanos)
                .put("gcCount", gc[0] - gc0[0])
                .put("gcMs", gc[1] - gc0[1]);
            if (allocated0 >= 0 && allocated >= 0) {
                r.put("allocatedBytesPerEvent", (double) (allocated - allocated0) / events);
            }
            if (stat0 != null && stat1 != null && stat1[1] > stat0[1]) {
                // cores of the whole machine busy, and taken by the hypervisor; minus ours: what the others used
                int cpus = Runtime.getRuntime().availableProcessors();
                double busy = cpus * (double) (stat1[0] - stat0[0]) / (stat1[1] - stat0[1]);
                double steal = cpus * (double) (stat1[2] - stat0[2]) / (stat1[1] - stat0[1]);
                r.put("machineBusyCores", busy).put("machineStealCores", steal);
                if (cpu0 >= 0) {
                    r.put("otherCores", Math.max(0, busy - (double) cpu / wallNanos));
                }
            }
            return r;
        }

        /** Busy, total and steal jiffies of all CPUs from /proc/stat; null where there is none. */
        private static long[] procStat() {
            try {
                String line = Files.readAllLines(Path.of("/proc/stat")).get(0);
                String[] f = line.trim().split("\\s+");
                long user = Long.parseLong(f[1]);
                long nice = Long.parseLong(f[2]);
                long system = Long.parseLong(f[3]);
                long idle = Long.parseLong(f[4]);
                long iowait = Long.parseLong(f[5]);
                long irq = Long.parseLong(f[6]);
                long softirq = Long.parseLong(f[7]);
                long steal = f.length > 8 ? Long.parseLong(f[8]) : 0;
                long busy = user + nice + system + irq + softirq;
                return new long[] {busy, busy + idle + iowait + steal, steal};
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }

        /**
         * Bytes allocated so far by the live threads of this JVM (a thread that ended is no longer counted, so
         * {@link #stop()} must come before the runner is closed).
         */
        private static long allocatedBytes() {
            if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t && t.isThreadAllocatedMemoryEnabled()) {
                long sum = 0;
                for (long b : t.getThreadAllocatedBytes(t.getAllThreadIds())) {
                    sum += Math.max(0, b);
                }
                return sum;
            }
            return -1;
        }

        private static long[] gc() {
            long count = 0;
            long ms = 0;
            for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
                count += Math.max(0, b.getCollectionCount());
                ms += Math.max(0, b.getCollectionTime());
            }
            return new long[] {count, ms};
        }
    }

    // ---- baselines

    /** Touches what a processor looks at: the offset and the first 8 bytes of the value. */
    static final class TouchingHandler implements RecordHandler {
        long sum;
        long records;

        @Override
        public void onRecord(RecordView r) {
            sum += r.offset() ^ r.buffer().getLong(r.valueOffset());
            records++;
        }
    }

    /** The bare reader: {@code PartitionTailer.poll(handler, 1000)} from the start to the end of the partition. */
    static ObjectNode bareRead(Partition partition, long events) {
        TouchingHandler h = new TouchingHandler();
        Timer t;
        try (PartitionTailer tailer = partition.newTailer()) {
            t = new Timer();
            while (tailer.poll(h, BATCH) > 0) {
                // to the end
            }
            t.stop();
        }
        check("bare reader", events, h.records);
        return t.put(json(), events).put("checksum", h.sum);
    }

    /** Raw Chronicle Queue: {@code readingDocument()} over a raw queue of as many 156-byte documents (filling not timed). */
    static ObjectNode rawRead(Path dir, long events) {
        try (SingleChronicleQueue queue = BenchSupport.rawQueue(dir)) {
            BenchSupport.fill(queue, events);
            return rawRead(queue, events);
        }
    }

    /** Raw Chronicle Queue: {@code readingDocument()} over a queue already holding {@code events} documents. */
    static ObjectNode rawRead(SingleChronicleQueue queue, long events) {
        long n = 0;
        long sum = 0;
        Timer t;
        try (ExcerptTailer tailer = queue.createTailer()) {
            t = new Timer();
            while (true) {
                try (DocumentContext dc = tailer.readingDocument()) {
                    if (!dc.isPresent()) {
                        break;
                    }
                    Bytes<?> bytes = dc.wire().bytes();
                    long at = bytes.readPosition();
                    sum += bytes.readLong(at + RecordDescriptor.OFFSET_OFFSET)
                        ^ bytes.readLong(at + RecordDescriptor.HEADER_LENGTH + KEY_LENGTH);
                    n++;
                }
            }
            t.stop();
        }
        check("raw Chronicle read", events, n);
        return t.put(json(), events).put("checksum", sum);
    }

    /**
     * A hand-written copy, the least a pass-through must do: poll 1000 records, copy key and value to a buffer, append
     * them with one {@link Partition#appendBatch(BufferedEvents, int[], int, long, long[], long[])}, stamped with a
     * producer id and sequences as the runner's outputs are.
     */
    static ObjectNode copy(EventLog log, Partition in, String outTopic, long events) {
        Partition out = log.createTopic(outTopic, TopicConfig.partitions(1)).partition(0);
        CopyHandler h = new CopyHandler(out);
        Timer t;
        try (PartitionTailer tailer = in.newTailer()) {
            t = new Timer();
            while (tailer.poll(h, BATCH) > 0) {
                // to the end; onEndOfBatch appends
            }
            t.stop();
        }
        check("copy: records read", events, h.records);
        check("copy: records written", events, out.endOffset());
        return t.put(json(), events);
    }

    static final class CopyHandler implements RecordHandler, BufferedEvents {
        private final Partition out;
        private final ExpandableArrayBuffer data = new ExpandableArrayBuffer(BATCH * 128);
        private final int[] keyOffsets = new int[BATCH];
        private final int[] keyLengths = new int[BATCH];
        private final int[] valueOffsets = new int[BATCH];
        private final int[] valueLengths = new int[BATCH];
        private final long[] eventTimes = new long[BATCH];
        private final int[] indexes = new int[BATCH];
        private final long[] sequences = new long[BATCH];
        private final long[] offsetsOut = new long[BATCH];
        private int count;
        private int length;
        private long nextSequence;
        long records;

        CopyHandler(Partition out) {
            this.out = out;
            for (int i = 0; i < BATCH; i++) {
                indexes[i] = i;
            }
        }

        @Override
        public void onRecord(RecordView r) {
            int i = count++;
            int kl = r.keyLength();
            keyOffsets[i] = length;
            keyLengths[i] = kl;
            if (kl > 0) {
                data.putBytes(length, r.buffer(), r.keyOffset(), kl);
                length += kl;
            }
            int vl = r.valueLength();
            valueOffsets[i] = length;
            valueLengths[i] = vl;
            data.putBytes(length, r.buffer(), r.valueOffset(), vl);
            length += vl;
            eventTimes[i] = r.eventTime();
            sequences[i] = nextSequence++;
            records++;
        }

        @Override
        public void onEndOfBatch(int n) {
            out.appendBatch(this, indexes, count, PRODUCER_ID, sequences, offsetsOut);
            count = 0;
            length = 0;
        }

        @Override
        public DirectBuffer buffer() {
            return data;
        }

        @Override
        public int keyOffset(int i) {
            return keyOffsets[i];
        }

        @Override
        public int keyLength(int i) {
            return keyLengths[i];
        }

        @Override
        public int idOffset(int i) {
            return 0;
        }

        @Override
        public int idLength(int i) {
            return RecordDescriptor.NO_BYTES;
        }

        @Override
        public int valueOffset(int i) {
            return valueOffsets[i];
        }

        @Override
        public int valueLength(int i) {
            return valueLengths[i];
        }

        @Override
        public long eventTime(int i) {
            return eventTimes[i];
        }
    }

    // ---- processors

    /** Forwards key and value as they are: with {@link Serdes#view()} in and out, a copy from log to log. */
    static final class PassThrough implements Processor<DirectBuffer, DirectBuffer, DirectBuffer, DirectBuffer> {
        @Override
        public void process(InputRecord<DirectBuffer, DirectBuffer> r, ProcessorContext<DirectBuffer, DirectBuffer> ctx) {
            ctx.forward(r.key(), r.value());
        }
    }

    /** Touches the value and forwards nothing: the runner's read side alone. */
    static final class Sink implements Processor<DirectBuffer, DirectBuffer, Void, Void> {
        long sum;

        @Override
        public void process(InputRecord<DirectBuffer, DirectBuffer> r, ProcessorContext<Void, Void> ctx) {
            sum += r.offset() ^ r.value().getLong(0);
        }
    }

    static Topology passThrough(String input, String output) {
        return Topology.single(List.of(input), Serdes.view(), Serdes.view(), PassThrough::new, output, Serdes.view(), Serdes.view());
    }

    static Topology sink(String input) {
        return Topology.<DirectBuffer, DirectBuffer, Void, Void>single(List.of(input), Serdes.view(), Serdes.view(), Sink::new,
            null, null, null);
    }

    static Topology count(String group, String input, String output) {
        return Builtins.count(group, List.of(input), output, GroupKey.parse("key", false), false);
    }

    /**
     * Runs a topology over a pre-filled input until caught up: times {@code start()} to {@code awaitCaughtUp}, then
     * {@code close()} (which writes the last checkpoint). Checks that every input event was processed and, when the
     * topology has an output, that it holds {@code expectedOutputs} records.
     */
    static ObjectNode runTopology(EventLog log, Topology topology, RunnerContext context, long events, String output,
                                  long expectedOutputs, boolean progress, String label) throws InterruptedException {
        ProcessorRunner runner = new ProcessorRunner(log, topology, context);
        ObjectNode r = json();
        try (ProgressMeter meter = new ProgressMeter(label, events, runner::recordsProcessed, progress)) {
            Timer t = new Timer();
            runner.start();
            long startNanos = System.nanoTime() - t.wall0;
            boolean caughtUp = runner.awaitCaughtUp(CAUGHT_UP_TIMEOUT_MS);
            t.stop();
            if (!caughtUp) {
                throw new IllegalStateException(label + ": not caught up after " + CAUGHT_UP_TIMEOUT_MS + " ms");
            }
            t.put(r, events).put("startMs", startNanos / 1e6);
            var perSecond = r.putArray("perSecond");
            meter.perSecond().forEach(perSecond::add);
            long c0 = System.nanoTime();
            runner.close();
            r.put("closeMs", (System.nanoTime() - c0) / 1e6);
        } finally {
            runner.close();
        }
        if (runner.failure() != null) {
            throw new IllegalStateException(label + ": the runner failed", runner.failure());
        }
        check(label + ": records processed", events, runner.recordsProcessed());
        check(label + ": dead-lettered", 0, runner.deadLettered());
        if (output != null) {
            check(label + ": output records", expectedOutputs, log.topic(output).partition(0).endOffset());
        }
        return r;
    }

    /**
     * The checkpoint of a count over {@code keys} distinct keys (one event per key): the count runs with checkpoints
     * only at close, so {@code close()} writes the one checkpoint holding every key; its time and the file's size are
     * the figures. Then a second runner on the same group times {@code start()}, which reads the checkpoint and
     * restores the store, and its {@code close()} (a second checkpoint of the same state, with warm code). Last, the
     * cost of the disk alone: writing as many bytes to a new file in the same directory and fsyncing it.
     */
    static ObjectNode checkpoint(EventLog log, String input, long keys, boolean progress) throws InterruptedException {
        String group = "ckpt";
        String output = "ckpt-out";
        RunnerContext context = new RunnerContext().group(group).checkpointRecords(Long.MAX_VALUE).checkpointIntervalMs(Long.MAX_VALUE);
        ObjectNode r = json().put("keys", keys).put("file", "groups/" + group + "/main-0.ckpt");
        long heap0 = usedHeapAfterGc();
        ProcessorRunner runner = new ProcessorRunner(log, count(group, input, output), context);
        try {
            ProgressMeter meter = new ProgressMeter("count " + keys + " keys", keys, runner::recordsProcessed, progress);
            try {
                Timer t = new Timer();
                runner.start();
                if (!runner.awaitCaughtUp(CAUGHT_UP_TIMEOUT_MS)) {
                    throw new IllegalStateException("checkpoint: the count did not catch up");
                }
                t.stop();
                r.set("count", t.put(json(), keys));
            } finally {
                meter.close();
            }
            long heap1 = usedHeapAfterGc();
            r.put("stateHeapBytes", heap1 - heap0).put("stateHeapBytesPerKey", (double) (heap1 - heap0) / keys);
            Timer close = new Timer();
            runner.close();
            close.stop();
            r.put("closeMs", close.wallNanos / 1e6);
            // the runner thread that wrote the checkpoint has ended: its allocation is no longer counted
            r.set("close", close.put(json(), keys).without("allocatedBytesPerEvent"));
        } finally {
            runner.close();
        }
        if (runner.failure() != null) {
            throw new IllegalStateException("checkpoint: the runner failed", runner.failure());
        }
        check("checkpoint: records processed", keys, runner.recordsProcessed());
        TaskCheckpoint cp = single(log, group);
        check("checkpoint: store entries", keys, cp.storeSizes().values().stream().mapToLong(Long::longValue).sum());
        r.put("fileBytes", cp.fileBytes()).put("stateBytes", cp.stateBytes()).put("fileBytesPerKey", (double) cp.fileBytes() / keys);

        ProcessorRunner again = new ProcessorRunner(log, count(group, input, output), context);
        try {
            Timer restore = new Timer();
            again.start();
            restore.stop();
            r.put("restoreStartMs", restore.wallNanos / 1e6);
            r.set("restore", restore.put(json(), keys));
            if (!again.awaitCaughtUp(CAUGHT_UP_TIMEOUT_MS)) {
                throw new IllegalStateException("checkpoint: the restored count did not catch up");
            }
            Timer close = new Timer();
            again.close();
            close.stop();
            r.put("secondCloseMs", close.wallNanos / 1e6);
            r.set("secondClose", close.put(json(), keys).without("allocatedBytesPerEvent"));
        } finally {
            again.close();
        }
        if (again.failure() != null) {
            throw new IllegalStateException("checkpoint: the restored runner failed", again.failure());
        }
        check("checkpoint: records processed after restore", keys, again.recordsProcessed());
        check("checkpoint: file size after restore", cp.fileBytes(), single(log, group).fileBytes());
        Path scratch = Groups.dir(log.dataDir(), group).resolve("disk-baseline.tmp");
        r.put("writeFsyncSameBytesMs", writeAndFsync(scratch, cp.fileBytes()) / 1e6);
        return r;
    }

    private static TaskCheckpoint single(EventLog log, String group) {
        List<TaskCheckpoint> cps = Groups.checkpoints(log.dataDir(), group);
        if (cps.size() != 1) {
            throw new IllegalStateException("expected one checkpoint of group " + group + ", found " + cps.size());
        }
        return cps.get(0);
    }

    /** Nanoseconds to write {@code bytes} to a new file in 64 KiB writes and fsync it (then delete it). */
    static long writeAndFsync(Path file, long bytes) {
        ByteBuffer block = ByteBuffer.allocate(1 << 16);
        for (int i = 0; i < block.capacity(); i++) {
            block.put(i, (byte) i);
        }
        try {
            long t0 = System.nanoTime();
            try (FileChannel c = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                long left = bytes;
                while (left > 0) {
                    block.clear().limit((int) Math.min(block.capacity(), left));
                    left -= c.write(block);
                }
                c.force(true);
            }
            long nanos = System.nanoTime() - t0;
            Files.delete(file);
            return nanos;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 2; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    static void check(String what, long expected, long actual) {
        if (expected != actual) {
            throw new IllegalStateException(what + ": expected " + expected + ", got " + actual);
        }
    }

    private static ObjectNode json() {
        return TcpIngestBench.JSON.createObjectNode();
    }
}
