package io.kappa.bench;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableSet;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.log.EventLog;
import io.kappa.log.Partition;
import io.kappa.log.PartitionTailer;
import io.kappa.log.RecordDescriptor;
import io.kappa.log.RecordHandler;
import io.kappa.log.RecordView;
import io.kappa.log.TopicConfig;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;
import org.HdrHistogram.Histogram;

/**
 * The {@code seek} scenario of {@code kappa bench}: random access on one partition of {@code --events} records (the
 * operations of {@link LogSeekBenchmark}, measured in a closed loop instead of under JMH):
 * <ul>
 *   <li>{@code PartitionTailer.moveToOffset} to a random offset, then {@code poll} of that one record;</li>
 *   <li>{@code Partition.offsetForTime} for a random time between the first and the last record's append time;</li>
 *   <li>the baseline of both, in the same run: raw Chronicle {@code moveToIndex} to a random index of a raw queue of
 *       as many records of the same bytes, then {@code readingDocument()}.</li>
 * </ul>
 * Each operation is timed on its own (two {@code System.nanoTime()} calls, included in the rates) into an
 * HdrHistogram of nanoseconds; an untimed warm-up pass of the same operations comes first. The random targets are
 * drawn before the timing (fixed seed), and each result is checked.
 */
final class SeekBench {
    private static final long SEED = 0x6b61707061L;
    /** Operations per figure by default ({@code --seek-ops}; fewer when the partition is smaller). */
    static final long DEFAULT_OPS = 50_000;

    private SeekBench() {
    }


    static ObjectNode run(BenchScenarios.Settings s) throws Exception {
        ObjectNode section = TcpIngestBench.JSON.createObjectNode().put("scenario", "seek");
        long n = s.events();
        int ops = (int) Math.min(n, s.seekOps());
        Path out = s.out().resolve("seek");
        Files.createDirectories(out);
        section.put("records", n).put("operations", ops).put("valueBytes", s.valueBytes());
        Path dir = BenchSupport.newDirectory("seek");
        try (EventLog log = EventLog.open(dir.resolve("log"));
             SingleChronicleQueue raw = BenchSupport.rawQueue(dir.resolve("raw"))) {
            Partition partition = log.createTopic(BenchSupport.TOPIC, TopicConfig.partitions(1)).partition(0);
            status(s, "seek: filling a partition and a raw queue with " + n + " records (not timed)");
            BenchSupport.fill(partition, n, s.valueBytes());
            BenchSupport.fill(raw, n, BenchSupport.rawPayload(s.valueBytes()));

            SplittableRandom random = new SplittableRandom(SEED);
            long[] offsets = new long[ops];
            for (int i = 0; i < ops; i++) {
                offsets[i] = random.nextLong(n);
            }
            long[] indexes = rawIndexes(raw, offsets, n);
            long[] times = new long[ops];
            try (PartitionTailer tailer = partition.newTailer()) {
                long first = appendTimeAt(tailer, 0);
                long last = appendTimeAt(tailer, n - 1);
                for (int i = 0; i < ops; i++) {
                    times[i] = first + random.nextLong(last - first + 1);
                }
            }

            status(s, "seek: warm-up, " + ops + " of each operation (not reported)");
            kappaSeek(partition, offsets, new Histogram(3));
            offsetForTime(partition, times, n, new Histogram(3));
            rawSeek(raw, indexes, offsets, new Histogram(3));

            int passes = s.passesOr(1);
            section.put("passes", passes);
            // every pass's operations go into the same histograms: the percentiles are over all passes
            Histogram kh = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
            Histogram th = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
            Histogram rh = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
            List<ObjectNode> rawFigures = new ArrayList<>();
            List<ObjectNode> kappaFigures = new ArrayList<>();
            List<ObjectNode> timeFigures = new ArrayList<>();
            for (int pass = 1; pass <= passes; pass++) {
                status(s, "seek: " + (passes > 1 ? "pass " + pass + "/" + passes + ", " : "") + ops
                    + " random seeks and time lookups over " + n + " records");
                long rawNanos;
                long kappaNanos;
                if (pass % 2 == 1) {
                    rawNanos = rawSeek(raw, indexes, offsets, rh);
                    kappaNanos = kappaSeek(partition, offsets, kh);
                } else {
                    kappaNanos = kappaSeek(partition, offsets, kh);
                    rawNanos = rawSeek(raw, indexes, offsets, rh);
                }
                long timeNanos = offsetForTime(partition, times, n, th);
                ObjectNode rawFigure = BenchScenarios.figure("raw Chronicle moveToIndex(random) + readingDocument()", ops, rawNanos, -1);
                ObjectNode kappaFigure = BenchScenarios.figure("PartitionTailer.moveToOffset(random) + poll(handler, 1)", ops, kappaNanos, -1);
                ObjectNode timeFigure = BenchScenarios.figure("Partition.offsetForTime(random time)", ops, timeNanos, -1);
                for (ObjectNode f : new ObjectNode[] {rawFigure, kappaFigure, timeFigure}) {
                    f.put("unit", "operations");
                }
                rawFigures.add(rawFigure);
                kappaFigures.add(kappaFigure);
                timeFigures.add(timeFigure);
            }
            ArrayNode comparisons = section.putArray("comparisons");
            comparisons.add(BenchScenarios.compareMedian("random seek + read one", kappaFigures, rawFigures));
            comparisons.add(BenchScenarios.compareMedian("offsetForTime vs raw seek + read one", timeFigures, rawFigures));

            ArrayNode latency = section.putArray("latency");
            latency.add(entry("kappa seek + read one", kh, out.resolve("seek-kappa.hgrm")));
            latency.add(entry("kappa offsetForTime", th, out.resolve("offset-for-time.hgrm")));
            latency.add(entry("raw moveToIndex + read one", rh, out.resolve("seek-raw.hgrm")));
        } finally {
            BenchSupport.delete(dir);
        }
        return section;
    }

    /** A closed-loop latency entry: no offered rate, one operation after the other. */
    private static ObjectNode entry(String name, Histogram h, Path hgrm) throws Exception {
        try (PrintStream ps = new PrintStream(Files.newOutputStream(hgrm), false, "UTF-8")) {
            h.outputPercentileDistribution(ps, 5, 1000.0);
        }
        ObjectNode l = TcpIngestBench.JSON.createObjectNode();
        l.put("name", name).put("closedLoop", true).put("offeredEventsPerSec", 0).put("saturated", false)
            .put("hgrm", "seek/" + hgrm.getFileName());
        l.set("latencyUs", TcpIngestBench.percentiles(h, 1e3));
        return l;
    }

    private static long kappaSeek(Partition partition, long[] offsets, Histogram h) {
        LastOffset handler = new LastOffset();
        try (PartitionTailer tailer = partition.newTailer()) {
            long t0 = System.nanoTime();
            long prev = t0;
            for (long offset : offsets) {
                if (tailer.moveToOffset(offset).poll(handler, 1) != 1 || handler.offset != offset) {
                    throw new IllegalStateException("seek to " + offset + " read offset " + handler.offset);
                }
                long now = System.nanoTime();
                h.recordValue(now - prev);
                prev = now;
            }
            return prev - t0;
        }
    }

    private static long offsetForTime(Partition partition, long[] times, long n, Histogram h) {
        long t0 = System.nanoTime();
        long prev = t0;
        for (long time : times) {
            long offset = partition.offsetForTime(time);
            if (offset < 0 || offset > n) {
                throw new IllegalStateException("offsetForTime(" + time + ") = " + offset + ", not in 0.." + n);
            }
            long now = System.nanoTime();
            h.recordValue(now - prev);
            prev = now;
        }
        return prev - t0;
    }

    private static long rawSeek(SingleChronicleQueue queue, long[] indexes, long[] offsets, Histogram h) {
        try (ExcerptTailer tailer = queue.createTailer()) {
            long t0 = System.nanoTime();
            long prev = t0;
            for (int i = 0; i < indexes.length; i++) {
                if (!tailer.moveToIndex(indexes[i])) {
                    throw new IllegalStateException("moveToIndex(" + indexes[i] + ") failed");
                }
                long offset;
                try (DocumentContext dc = tailer.readingDocument()) {
                    Bytes<?> bytes = dc.wire().bytes();
                    offset = bytes.readLong(bytes.readPosition() + RecordDescriptor.OFFSET_OFFSET);
                }
                if (offset != offsets[i]) {
                    throw new IllegalStateException("raw seek to record " + offsets[i] + " read " + offset);
                }
                long now = System.nanoTime();
                h.recordValue(now - prev);
                prev = now;
            }
            return prev - t0;
        }
    }

    /** Chronicle indexes of record numbers {@code records} of a raw queue of {@code n} records (which may span cycles). */
    static long[] rawIndexes(SingleChronicleQueue queue, long[] records, long n) {
        RollCycle rollCycle = queue.rollCycle();
        NavigableSet<Long> cycles = queue.listCyclesBetween(queue.firstCycle(), queue.lastCycle());
        int[] cycle = new int[cycles.size()];
        long[] first = new long[cycles.size() + 1];
        try (ExcerptTailer tailer = queue.createTailer()) {
            int c = 0;
            for (long cy : cycles) {
                cycle[c] = (int) cy;
                first[c + 1] = first[c] + Math.max(0, tailer.excerptsInCycle((int) cy));
                c++;
            }
            ProcessorWorkloads.check("seek: raw queue records", n, first[c]);
        }
        long[] indexes = new long[records.length];
        for (int i = 0; i < records.length; i++) {
            int k = 0;
            while (records[i] >= first[k + 1]) {
                k++;
            }
            indexes[i] = rollCycle.toIndex(cycle[k], records[i] - first[k]);
        }
        return indexes;
    }

    private static long appendTimeAt(PartitionTailer tailer, long offset) {
        long[] time = new long[1];
        if (tailer.moveToOffset(offset).poll(r -> time[0] = r.appendTime(), 1) != 1) {
            throw new IllegalStateException("no record at offset " + offset);
        }
        return time[0];
    }

    static final class LastOffset implements RecordHandler {
        long offset = -1;

        @Override
        public void onRecord(RecordView record) {
            offset = record.offset();
        }
    }

    private static void status(BenchScenarios.Settings s, String message) {
        if (s.progress()) {
            System.err.println("== " + message);
        }
    }
}
