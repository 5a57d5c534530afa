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
import java.time.Instant;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.node.ArrayNode;
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
import io.kappa.processor.builtin.BuiltinSpec;
import io.kappa.processor.builtin.Builtins;
import io.kappa.processor.builtin.GroupKey;
import io.kappa.processor.window.LateRecords;
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

    /**
     * Appends {@code events} keyed events to a partition: key {@code i mod keys} as 8 ASCII digits, 100-byte value, in
     * batches of {@link KeyedBatch#BATCH} as kappa's writers append (record batches, not a document per event).
     */
    static void fill(Partition partition, long events, long keys, boolean progress, String label) {
        if (keys < 1 || keys > 100_000_000L) {
            throw new IllegalArgumentException("keys must be 1..100,000,000 (8 digits), got " + keys);
        }
        KeyedBatch batch = new KeyedBatch();
        long[] done = {0};
        ProgressMeter meter = new ProgressMeter(label, events, () -> done[0], progress);
        try {
            for (long i = 0; i < events; i++) {
                if (batch.add(i % keys, i, Event.NO_TIME)) {
                    done[0] += batch.appendTo(partition);
                }
            }
            done[0] += batch.appendTo(partition);
        } finally {
            meter.close();
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
        return runTopology(log, topology, context, events, output, expectedOutputs, progress, label, null);
    }

    /**
     * As above; {@code whenCaughtUp}, when not null, is called with the figures once the timing has stopped and before
     * {@code close()}, while the runner still holds its state.
     */
    static ObjectNode runTopology(EventLog log, Topology topology, RunnerContext context, long events, String output,
                                  long expectedOutputs, boolean progress, String label, Consumer<ObjectNode> whenCaughtUp)
        throws InterruptedException {
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
            if (whenCaughtUp != null) {
                whenCaughtUp.accept(r);
            }
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

    // ---- event-time windows

    /** The window workload's built-in, as {@code kappa run window-count --by key --size 1m --out-of-order 2s} builds it. */
    static final Map<String, String> WINDOW_OPTIONS = Map.of("by", "key", "size", "1m", "out-of-order", "2s");
    static final long WINDOW_MS = 60_000;
    /** The out-of-orderness the built-in is given ({@code --out-of-order 2s}). */
    static final long WINDOW_OUT_OF_ORDER_MS = 2_000;
    /** How far at most an input event is set back in time: half the out-of-orderness, so none is late. */
    static final long WINDOW_DISORDER_MS = 1_000;
    /** The event time of the first input event: a minute boundary. */
    static final long WINDOW_EPOCH_MS = Instant.parse("2026-11-22T00:00:00Z").toEpochMilli();

    /** The window count's topology over {@code input}, exactly as the CLI builds it from its options. */
    static Topology windowCount(EventLog log, String group, String input, String output) {
        return new BuiltinSpec("window-count", WINDOW_OPTIONS).topology(log, group, List.of(input), output);
    }

    /**
     * The input of the window workload: each event's key chosen uniformly at random among {@code keys} (8 ASCII
     * digits, 100-byte value as elsewhere); event time advancing steadily from {@link #WINDOW_EPOCH_MS} so that each
     * 1-minute window holds {@code perKey * keys} events ({@code perKey} per key on average), each event set back by
     * a random 0 to {@link #WINDOW_DISORDER_MS} ms (within the allowed out-of-orderness, so none is late).
     * Deterministic for a seed: {@link #expect} replays the same sequence without writing it.
     */
    record WindowInput(long keys, long perKey, long seed) {
        WindowInput {
            if (keys < 1 || keys > 100_000_000L || perKey < 1) {
                throw new IllegalArgumentException("window keys must be 1..100,000,000 and events per key per window >= 1");
            }
        }

        long eventsPerWindow() {
            return keys * perKey;
        }

        /** The i-th event's time before its disorder (from 1 s into the first window, so no event falls before it). */
        long baseTime(long i) {
            return WINDOW_EPOCH_MS + WINDOW_DISORDER_MS + Math.multiplyExact(i, WINDOW_MS) / eventsPerWindow();
        }
    }

    /** The events of a {@link WindowInput}, one after the other. */
    static final class WindowEvents {
        private final WindowInput input;
        private final SplittableRandom random;
        private long i;
        long key;
        long time;

        WindowEvents(WindowInput input) {
            this.input = input;
            this.random = new SplittableRandom(input.seed());
        }

        void next() {
            key = random.nextLong(input.keys());
            time = input.baseTime(i++) - random.nextLong(WINDOW_DISORDER_MS + 1);
        }
    }

    /**
     * What the window count must write after the first {@code events} events of {@code input}: one record per key
     * and closed window, a window being closed once the watermark (highest event time - out-of-orderness) has
     * reached its end.
     */
    record WindowExpectation(long events, long maxTime, long watermark, long windows, long closedWindows, long outputs,
                             long openEntries) {
    }

    static WindowExpectation expect(WindowInput input, long events) {
        WindowEvents e = new WindowEvents(input);
        Map<Long, BitSet> seen = new HashMap<>();
        long max = Long.MIN_VALUE;
        for (long n = 0; n < events; n++) {
            e.next();
            max = Math.max(max, e.time);
            seen.computeIfAbsent(Math.floorDiv(e.time, WINDOW_MS), w -> new BitSet((int) input.keys())).set((int) e.key);
        }
        long watermark = events == 0 ? Long.MIN_VALUE : max - WINDOW_OUT_OF_ORDER_MS;
        long closed = 0;
        long outputs = 0;
        long open = 0;
        for (Map.Entry<Long, BitSet> w : seen.entrySet()) {
            if ((w.getKey() + 1) * WINDOW_MS <= watermark) {
                closed++;
                outputs += w.getValue().cardinality();
            } else {
                open += w.getValue().cardinality();
            }
        }
        return new WindowExpectation(events, max, watermark, seen.size(), closed, outputs, open);
    }

    /** Appends {@code events} events of {@code input} to a partition, in batches as {@link #fill} does. */
    static void fillWindowed(Partition partition, WindowInput input, long events, boolean progress, String label) {
        KeyedBatch batch = new KeyedBatch();
        WindowEvents e = new WindowEvents(input);
        long[] done = {0};
        ProgressMeter meter = new ProgressMeter(label, events, () -> done[0], progress);
        try {
            for (long i = 0; i < events; i++) {
                e.next();
                if (batch.add(e.key, i, e.time)) {
                    done[0] += batch.appendTo(partition);
                }
            }
            done[0] += batch.appendTo(partition);
        } finally {
            meter.close();
        }
    }

    /**
     * The window count over the first {@code events} events of the one-partition topic {@code input} (filled by
     * {@link #fillWindowed}), timed as {@link #runTopology}; checks that it wrote one record per key and closed window,
     * nothing late and nothing dead-lettered. Adds the state at the end: used heap after {@code System.gc()} with the
     * runner holding its state (and the difference to before the runner was made), and from the checkpoint that
     * {@code close()} writes, the store's entries and bytes.
     */
    static ObjectNode window(EventLog log, String input, WindowInput in, long events, boolean progress) throws InterruptedException {
        String group = "window";
        String output = "window-out";
        WindowExpectation x = expect(in, events);
        long heap0 = usedHeapAfterGc();
        ObjectNode r = runTopology(log, windowCount(log, group, input, output), new RunnerContext().group(group), events, output,
            x.outputs(), progress, "window-count", n -> {
                long heap = usedHeapAfterGc();
                n.put("heapAfterGcBytes", heap).put("heapStateBytes", heap - heap0);
            });
        long heapClosed = usedHeapAfterGc();
        r.put("heapAfterCloseBytes", heapClosed).put("heapRunnerBytes", r.path("heapAfterGcBytes").asLong() - heapClosed);
        windowChecks(log, group, "window-count", r, x, 0);
        log.deleteTopic(output);
        return r;
    }

    /** Puts the expectation and the final checkpoint's figures into {@code r}; checks the late topic is empty. */
    private static void windowChecks(EventLog log, String group, String label, ObjectNode r, WindowExpectation x, long lateBefore) {
        String late = LateRecords.topic(group);
        long lateRecords = log.exists(late) ? log.topic(late).partition(0).endOffset() : 0;
        check(label + ": late records", lateBefore, lateRecords);
        TaskCheckpoint cp = TaskCheckpoint.read(Groups.checkpointPath(log.dataDir(), group, "main", 0));
        if (cp == null) {
            throw new IllegalStateException(label + ": no checkpoint of group " + group);
        }
        check(label + ": records in the checkpoint", x.events(), cp.records());
        long entries = cp.storeSizes().values().stream().mapToLong(Long::longValue).sum();
        // the windows open at the end are exactly what the store holds
        check(label + ": store entries", x.openEntries(), entries);
        r.put("windows", x.windows()).put("closedWindows", x.closedWindows()).put("outputs", x.outputs())
            .put("stateEntries", entries).put("stateBytes", cp.stateBytes()).put("checkpointFileBytes", cp.fileBytes())
            .put("timers", cp.timers().size()).put("watermark", LateRecords.iso(cp.watermark()));
    }

    /**
     * Whether the window count's state stays flat as the stream grows: one run over {@code 10 * events} events of
     * {@code input}, stopped once at {@code events} ({@code stopAt}: the runner closes, writing a checkpoint, and a
     * second runner of the same group restores it and goes on to the end). At both stops: used heap after
     * {@code System.gc()} with the runner holding its state, the store's entries and bytes from the checkpoint, and
     * the throughput of each leg; in between, every checkpoint the runner writes (each 1M records or 2 s) is read
     * as a sample of entries and bytes.
     */
    static ObjectNode windowState(EventLog log, String input, WindowInput in, long events, boolean progress)
        throws InterruptedException {
        String group = "window-state";
        String output = "window-state-out";
        long total = 10 * events;
        ObjectNode r = json().put("keys", in.keys()).put("eventsPerWindow", in.eventsPerWindow()).put("events", events)
            .put("longEvents", total);
        long heap0 = usedHeapAfterGc();
        r.put("heapBeforeBytes", heap0);
        ArrayNode samples = r.putArray("samples");
        for (String leg : List.of("atN", "at10N")) {
            ObjectNode n = windowLeg(log, group, input, output, in, leg.equals("atN") ? events : total, heap0, samples, progress);
            // the runner is unreachable once windowLeg has returned: what its close() left behind is the log's
            long heapClosed = usedHeapAfterGc();
            n.put("heapAfterCloseBytes", heapClosed).put("heapRunnerBytes", n.path("heapAfterGcBytes").asLong() - heapClosed);
            r.set(leg, n);
        }
        long maxEntries = 0;
        long maxBytes = 0;
        for (var s : samples) {
            maxEntries = Math.max(maxEntries, s.path("stateEntries").asLong());
            maxBytes = Math.max(maxBytes, s.path("stateBytes").asLong());
        }
        r.put("maxSampledEntries", maxEntries).put("maxSampledStateBytes", maxBytes);
        log.deleteTopic(output);
        return r;
    }

    /** One leg of {@link #windowState}: the group (from its checkpoint, if any) up to offset {@code until}. */
    private static ObjectNode windowLeg(EventLog log, String group, String input, String output, WindowInput in, long until,
                                        long heap0, ArrayNode samples, boolean progress) throws InterruptedException {
        WindowExpectation x = expect(in, until);
        Path file = Groups.checkpointPath(log.dataDir(), group, "main", 0);
        TaskCheckpoint before = TaskCheckpoint.read(file);
        long from = before == null ? 0 : before.records();
        RunnerContext context = new RunnerContext().group(group).stopAt(Map.of(input, new long[] {until}));
        ProcessorRunner runner = new ProcessorRunner(log, windowCount(log, group, input, output), context);
        ObjectNode r = json().put("from", from).put("until", until);
        long lastSampled = from;
        try (ProgressMeter meter = new ProgressMeter("window-count to " + until, until - from,
            () -> Math.max(0, runner.recordsProcessed() - from), progress)) {
            Timer t = new Timer();
            runner.start();
            while (!runner.awaitCaughtUp(500)) {
                lastSampled = sample(file, lastSampled, samples);
            }
            t.stop();
            t.put(r, until - from);
            var perSecond = r.putArray("perSecond");
            meter.perSecond().forEach(perSecond::add);
            long heap = usedHeapAfterGc();
            r.put("heapAfterGcBytes", heap).put("heapStateBytes", heap - heap0);
            runner.close();
        } finally {
            runner.close();
        }
        if (runner.failure() != null) {
            throw new IllegalStateException("window state: the runner failed", runner.failure());
        }
        check("window state: records processed", until, runner.recordsProcessed());
        check("window state: dead-lettered", 0, runner.deadLettered());
        check("window state: output records", x.outputs(), log.topic(output).partition(0).endOffset());
        windowChecks(log, group, "window state", r, x, 0);
        sample(file, lastSampled, samples);
        return r;
    }

    /** Adds the checkpoint's figures to {@code samples} if it is newer than {@code last} records; returns its records. */
    private static long sample(Path file, long last, ArrayNode samples) {
        TaskCheckpoint cp = TaskCheckpoint.read(file);
        if (cp == null || cp.records() <= last) {
            return last;
        }
        samples.addObject().put("records", cp.records())
            .put("stateEntries", cp.storeSizes().values().stream().mapToLong(Long::longValue).sum())
            .put("stateBytes", cp.stateBytes());
        return cp.records();
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
