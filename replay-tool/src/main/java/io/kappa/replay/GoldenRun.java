package io.kappa.replay;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.log.Dirs;
import io.kappa.log.Event;
import io.kappa.log.EventLog;
import io.kappa.log.FsyncPolicy;
import io.kappa.log.LogContext;
import io.kappa.log.LogException;
import io.kappa.log.Partition;
import io.kappa.log.PartitionTailer;
import io.kappa.log.Position;
import io.kappa.log.RecordView;
import io.kappa.log.Topic;
import io.kappa.log.TopicConfig;
import io.kappa.log.TopicNames;
import io.kappa.processor.Groups;
import io.kappa.processor.OutputTap;
import io.kappa.processor.ProcessorRunner;
import io.kappa.processor.RunnerContext;
import io.kappa.processor.Serdes;
import io.kappa.processor.Stage;
import io.kappa.processor.Topology;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.CachedEpochClock;

/**
 * Golden runs ({@code kappa golden record} and {@code check}): a slice of a group's input, its processor spec and the
 * output that processor gives over the slice, frozen in a directory of text files meant to be kept in a repository,
 * and checked again against the current code without a running system.
 *
 * <p>The directory: {@code manifest.json} (format, kappa version, group, the spec from {@code group.json}, per input
 * topic its partition count and per partition the slice's offsets, record count and the SHA-256 of its file, the
 * partition counts of the output topics, and per expected file its record count and SHA-256),
 * {@code input/TOPIC-P.jsonl} (one record a line, every field a processor can read: offset, event time, append time,
 * key, id, value) and {@code expected/TOPIC-P.jsonl} (what the tasks write to each output partition, side outputs
 * {@code G.late} and {@code G.dlq} included, internal topics between stages not).
 *
 * <p>The expected output is never copied from the group's topics (they may hold several epochs after rewinds): it is
 * what the processor produces when the slice is loaded into a scratch log and run from empty state, the same way
 * {@code check} runs it, so recording and checking differ only in the code under test. Loading keeps every record's
 * offset ({@link Partition#continueFrom}), event time, append time, key, id and value, and each topic's partition count.
 */
public final class GoldenRun {
    public static final int FORMAT = 1;
    public static final String MANIFEST = "manifest.json";
    private static final int BATCH = 1_000;

    /** A golden run directory that cannot be used as it is (missing, changed or malformed files), or refused to be written. */
    public static final class GoldenRunException extends RuntimeException {
        public GoldenRunException(String message) {
            super(message);
        }
    }

    /** What a long record or check reports while it works: notes (a line each), records loaded, the processor's runner. */
    public interface Watcher {
        void note(String line);

        /** Called every {@value #LOAD_STEP} input records loaded, and at the end. */
        default void loaded(long records, long total) {
        }

        /** Called once the processor runs over the loaded slice of {@code total} records. */
        default void running(ProcessorRunner runner, long total) {
        }
    }

    static final int LOAD_STEP = 10_000;

    /** Builds the processor to check from the spec in the manifest (by default {@link GroupSpecs#topology}). */
    @FunctionalInterface
    public interface Processors {
        Topology topology(EventLog log, String group, Map<String, String> spec);
    }

    /** One output record, compared on key, value and event time; where it came from is reported, not compared. */
    public record Output(String topic, int partition, byte[] key, byte[] value, long eventTime, String stage, int task, String input,
                         long inputOffset) {
        boolean sameAs(Output o) {
            return Arrays.equals(key, o.key) && Arrays.equals(value, o.value) && eventTime == o.eventTime;
        }

        /** Key, value and event time as the divergences of {@code replay --verify} show them. */
        public String describe() {
            return VerifyTool.text(key, value, eventTime);
        }
    }

    /**
     * The first output that differs in one output partition: its index in the file (0-based, the line is one more),
     * what was expected (null: nothing more was expected) and what the processor produced (null: it produced no more).
     */
    public record Divergence(String topic, int partition, String file, long index, Output expected, Output actual) {
    }

    /** What a check found: records read and compared, the first divergence per output partition, and how many outputs differ. */
    public record Result(String group, long inputRecords, long processed, long expectedRecords, long actualRecords,
                         List<Divergence> divergences, long differing, boolean updated) {
        public boolean equal() {
            return divergences.isEmpty();
        }
    }

    private GoldenRun() {
    }

    /**
     * Records a golden run of {@code group} into {@code dir}: the slice [from, to) of every partition of its inputs,
     * its spec, and the expected output computed by running the slice. A non-empty {@code dir} is refused unless
     * {@code force}, which replaces the golden run's files there (and only those).
     */
    public static Result record(EventLog log, String group, Position from, Position to, boolean drain, Path dir, boolean force,
                                String kappaVersion, Watcher watcher)
        throws InterruptedException {
        Map<String, String> spec = GroupSpecs.spec(log.dataDir(), group);
        // the slices first: a bad range is refused before anything is written
        Map<String, long[][]> slices = new LinkedHashMap<>();
        for (String name : GroupSpecs.inputs(spec)) {
            Topic topic = log.topic(name);
            long[][] ranges = new long[topic.partitionCount()][];
            for (int p = 0; p < ranges.length; p++) {
                Partition part = topic.partition(p);
                long start = clamp(from.resolve(part), part);
                long end = clamp(to.resolve(part), part);
                if (start > end) {
                    throw new IllegalArgumentException("--from " + from + " is after --to " + to + " in " + name + "/" + p
                        + " (offsets " + start + " > " + end + ")");
                }
                ranges[p] = new long[] {start, end};
            }
            slices.put(name, ranges);
        }
        prepare(dir, force);
        boolean done = false;
        try {
            long total = writeInputs(log, group, spec, slices, from + " to " + to, drain, dir, kappaVersion);
            watcher.note(String.format("recorded %,d input records of group %s in %s; computing the expected output", total, group, dir));
            Result r = check(dir, GroupSpecs::topology, true, watcher);
            done = true;
            return r;
        } finally {
            if (!done) {
                removeGoldenFiles(dir); // a failed recording leaves no golden run that looks whole
            }
        }
    }

    private static long writeInputs(EventLog log, String group, Map<String, String> spec, Map<String, long[][]> slices, String asked,
                                    boolean drain, Path dir, String kappaVersion) {
        ObjectNode manifest = Serdes.MAPPER.createObjectNode();
        manifest.put("format", FORMAT);
        manifest.put("kappa", kappaVersion);
        manifest.put("group", group);
        ObjectNode specNode = manifest.putObject("spec");
        spec.forEach(specNode::put);
        manifest.put("drain", drain);
        manifest.put("maxRecordBytes", log.context().maxRecordBytes());
        manifest.put("slice", asked); // how it was chosen, to record it again
        ArrayNode inputs = manifest.putArray("inputs");
        long total = 0;
        try {
            Files.createDirectories(dir.resolve("input"));
            for (Map.Entry<String, long[][]> e : slices.entrySet()) {
                Topic topic = log.topic(e.getKey());
                ObjectNode in = inputs.addObject();
                in.put("topic", e.getKey());
                in.put("partitions", topic.partitionCount());
                ArrayNode list = in.putArray("slices");
                for (int p = 0; p < e.getValue().length; p++) {
                    long start = e.getValue()[p][0];
                    long end = e.getValue()[p][1];
                    String file = inputFile(e.getKey(), p);
                    ObjectNode s = list.addObject();
                    s.put("partition", p);
                    s.put("from", start);
                    s.put("to", end);
                    s.put("records", end - start);
                    s.put("file", file);
                    s.put("sha256", writeSlice(topic.partition(p), start, end, dir.resolve(file)));
                    total += end - start;
                }
            }
            ArrayNode outputs = manifest.putArray("outputs");
            Topology live = GroupSpecs.topology(log, group, spec);
            Set<String> internal = RewindTool.internalTopics(live);
            Set<String> named = new TreeSet<>(live.outputs());
            named.add(group + ".late");
            named.add(group + ".dlq");
            for (String t : named) {
                if (!internal.contains(t) && log.exists(t)) {
                    ObjectNode o = outputs.addObject();
                    o.put("topic", t);
                    o.put("partitions", log.topic(t).partitionCount());
                }
            }
            manifest.putArray("expected");
            writeManifest(dir, manifest);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the golden run in " + dir + ": " + e.getMessage(), e);
        }
        return total;
    }

    private static long clamp(long offset, Partition p) {
        return Math.max(p.startOffset(), Math.min(offset, p.endOffset()));
    }

    /** Refuses a non-empty directory without {@code force}; with it, removes the golden run's own files there. */
    private static void prepare(Path dir, boolean force) {
        try {
            if (Files.exists(dir) && !Files.isDirectory(dir)) {
                throw new GoldenRunException(dir + " exists and is not a directory");
            }
            if (Files.isDirectory(dir)) {
                boolean empty;
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                    empty = !ds.iterator().hasNext();
                }
                if (!empty && !force) {
                    throw new GoldenRunException(dir + " exists and is not empty: give an empty or new directory, or --force to replace "
                        + "the golden run there");
                }
                removeGoldenFiles(dir);
            }
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Removes a golden run's own files from {@code dir} (the manifest first: what is left is never taken for one). */
    private static void removeGoldenFiles(Path dir) {
        try {
            Files.deleteIfExists(dir.resolve(MANIFEST));
            Dirs.deleteRecursively(dir.resolve("input"));
            Dirs.deleteRecursively(dir.resolve("expected"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the golden run in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static String writeSlice(Partition part, long start, long end, Path file) throws IOException {
        MessageDigest sha = sha256();
        try (DigestOutputStream digest = new DigestOutputStream(Files.newOutputStream(file), sha);
             Writer w = new BufferedWriter(new OutputStreamWriter(digest, StandardCharsets.UTF_8), 1 << 16)) {
            if (start < end) {
                IOException[] failed = {null};
                try (PartitionTailer t = part.newTailer()) {
                    t.moveToOffset(start);
                    long[] next = {start};
                    while (next[0] < end && t.poll(r -> {
                        if (r.offset() < end && failed[0] == null) {
                            try {
                                w.write(inputLine(r));
                                w.write('\n');
                            } catch (IOException e) {
                                failed[0] = e;
                            }
                            next[0] = r.offset() + 1;
                        } else {
                            next[0] = end;
                        }
                    }, BATCH) > 0) {
                        if (failed[0] != null) {
                            throw failed[0];
                        }
                    }
                    if (failed[0] != null) {
                        throw failed[0];
                    }
                }
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    static String inputLine(RecordView r) {
        ObjectNode n = Serdes.MAPPER.createObjectNode();
        n.put("offset", r.offset());
        n.put("time", r.eventTime());
        n.put("appendTime", r.appendTime());
        if (r.hasKey()) {
            putBytes(n, "key", r.keyBytes(), false);
        }
        if (r.hasId()) {
            putBytes(n, "id", r.idBytes(), false);
        }
        putBytes(n, "value", r.valueBytes(), true);
        return n.toString();
    }

    static String outputLine(Output o) {
        ObjectNode n = Serdes.MAPPER.createObjectNode();
        if (o.key() != null) {
            putBytes(n, "key", o.key(), false);
        }
        putBytes(n, "value", o.value(), true);
        n.put("time", o.eventTime());
        n.put("stage", o.stage());
        n.put("task", o.task());
        n.put("input", o.input());
        n.put("inputOffset", o.inputOffset());
        return n.toString();
    }

    /**
     * Bytes as a field, so that they read back exactly: text when they are UTF-8 (a value that is a JSON object or
     * array and writes back to the same bytes is embedded as JSON, for review), else base64 under {@code NAMEBase64}.
     */
    private static void putBytes(ObjectNode n, String name, byte[] b, boolean json) {
        if (json && b.length > 0 && (b[0] == '{' || b[0] == '[')) {
            try {
                JsonNode parsed = Serdes.MAPPER.readTree(b);
                if (parsed != null && parsed.isContainerNode() && Arrays.equals(Serdes.MAPPER.writeValueAsBytes(parsed), b)) {
                    n.set(name, parsed);
                    return;
                }
            } catch (IOException e) {
                // not JSON: text or base64 below
            }
        }
        String text = Serdes.strictUtf8(b);
        if (text != null) {
            n.put(name, text);
        } else {
            n.put(name + "Base64", Base64.getEncoder().encodeToString(b));
        }
    }

    /** The bytes {@link #putBytes} wrote, null when the field is absent. */
    private static byte[] bytes(JsonNode line, String name, Where where) {
        JsonNode v = line.get(name);
        JsonNode b64 = line.get(name + "Base64");
        if (v != null && b64 != null) {
            throw where.bad("both \"" + name + "\" and \"" + name + "Base64\"");
        }
        if (b64 != null) {
            if (!b64.isTextual()) {
                throw where.bad("\"" + name + "Base64\" is not a string");
            }
            try {
                return Base64.getDecoder().decode(b64.asText());
            } catch (IllegalArgumentException e) {
                throw where.bad("\"" + name + "Base64\" is not base64: " + e.getMessage());
            }
        }
        if (v == null) {
            return null;
        }
        if (v.isTextual()) {
            return v.asText().getBytes(StandardCharsets.UTF_8);
        }
        if (v.isContainerNode()) {
            try {
                return Serdes.MAPPER.writeValueAsBytes(v);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw where.bad("\"" + name + "\" is neither a string, an object nor an array");
    }

    /** A file and line, for messages. */
    private record Where(String file, long line) {
        GoldenRunException bad(String what) {
            return new GoldenRunException(file + (line > 0 ? " line " + line : "") + ": " + what);
        }
    }

    /** The processor spec a golden run was recorded with (its manifest read and checked, its files not). */
    public static Map<String, String> spec(Path dir) {
        return Manifest.read(dir).spec;
    }

    /**
     * Checks the golden run in {@code dir}: loads its slice into a scratch log, runs the processor (from the manifest's
     * spec, or {@code processors}), and compares every output partition record by record with the expected files.
     * With {@code update} the expected files are rewritten with what the processor produced instead.
     */
    public static Result check(Path dir, Processors processors, boolean update, Watcher watcher) throws InterruptedException {
        Manifest m = Manifest.read(dir);
        m.verifyFiles();
        Path scratch;
        try {
            scratch = Files.createTempDirectory("kappa-golden-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a scratch directory: " + e.getMessage(), e);
        }
        CachedEpochClock clock = new CachedEpochClock();
        LogContext scratchContext = new LogContext().dataDir(scratch).clock(clock).fsyncPolicy(FsyncPolicy.NONE).pretouch(false)
            .maxRecordBytes(m.maxRecordBytes);
        try (EventLog log = EventLog.open(scratchContext)) {
            long started = System.nanoTime();
            watcher.note(String.format("loading %,d input records into a scratch log", m.inputRecords));
            Map<String, long[]> startAt = new LinkedHashMap<>();
            Map<String, long[]> stopAt = new LinkedHashMap<>();
            long last = 0;
            long[] loaded = {0};
            for (Manifest.Input in : m.inputs) {
                Topic t = log.createTopic(in.topic, TopicConfig.partitions(in.partitions));
                long[] start = new long[in.partitions];
                long[] stop = new long[in.partitions];
                for (Manifest.Slice s : in.slices) {
                    last = Math.max(last, load(dir, s, t.partition(s.partition), clock, () -> {
                        if (++loaded[0] % LOAD_STEP == 0) {
                            watcher.loaded(loaded[0], m.inputRecords);
                        }
                    }));
                    start[s.partition] = s.records == 0 ? 0 : s.from;
                    stop[s.partition] = s.records == 0 ? 0 : s.to;
                }
                startAt.put(in.topic, start);
                stopAt.put(in.topic, stop);
            }
            watcher.loaded(loaded[0], m.inputRecords);
            watcher.note(String.format("loaded in %.1f s; running group %s's processor over them", (System.nanoTime() - started) / 1e9,
                m.group));
            started = System.nanoTime();
            clock.update(last); // what the processor's stages write between them is stamped at the slice's last append time
            for (Map.Entry<String, Integer> o : m.outputs.entrySet()) {
                if (!log.exists(o.getKey())) {
                    log.createTopic(o.getKey(), TopicConfig.partitions(o.getValue()));
                }
            }
            Topology topology = processors.topology(log, m.group, m.spec);
            List<String> reads = topology.externalInputs();
            if (!new TreeSet<>(reads).equals(m.inputs.stream().map(i -> i.topic).collect(java.util.stream.Collectors.toCollection(TreeSet::new)))) {
                throw new IllegalArgumentException("the processor reads " + String.join(",", reads) + ", the golden run holds the inputs "
                    + String.join(",", m.inputs.stream().map(i -> i.topic).toList()));
            }
            Set<String> internal = RewindTool.internalTopics(topology);
            Collector collector = new Collector(topology);
            RunnerContext context = new RunnerContext().group(m.group).threads(1).muteOutputs(true).outputTap(collector)
                .writtenWhenMuted(internal).startAt(startAt).stopAt(stopAt).drain(m.drain).checkpointIntervalMs(Long.MAX_VALUE)
                .checkpointRecords(Long.MAX_VALUE).description("golden check of " + m.group);
            long records;
            try (ProcessorRunner runner = new ProcessorRunner(log, topology, context)) {
                runner.start();
                watcher.running(runner, m.inputRecords);
                while (!(m.drain ? runner.awaitDrained(1_000) : runner.awaitCaughtUp(1_000))) {
                    if (runner.failure() != null) {
                        break;
                    }
                }
                runner.close();
                if (runner.failure() != null) {
                    throw new IllegalStateException("the processor failed over the golden run: " + runner.failure().getMessage(),
                        runner.failure());
                }
                records = runner.recordsProcessed();
            }
            Map<String, List<Output>> actual = collector.files();
            watcher.note(String.format("processed %,d records in %.1f s; %s", records, (System.nanoTime() - started) / 1e9,
                update ? "writing the expected output" : "comparing"));
            return update ? update(dir, m, actual, records) : compare(dir, m, actual, records);
        } finally {
            try {
                Dirs.deleteRecursively(scratch);
            } catch (IOException e) {
                watcher.note("cannot remove the scratch directory " + scratch + ": " + e.getMessage());
            }
        }
    }

    /** Appends one slice file to its partition with its offsets and append times; returns the last append time. */
    private static long load(Path dir, Manifest.Slice s, Partition p, CachedEpochClock clock, Runnable eachRecord) {
        String file = inputFile(s.topic, s.partition);
        long expected = s.from;
        long lastAppend = Long.MIN_VALUE;
        long count = 0;
        List<Event> batch = new ArrayList<>();
        long batchTime = Long.MIN_VALUE;
        if (s.records > 0) {
            p.continueFrom(s.from);
        }
        try (BufferedReader r = Files.newBufferedReader(dir.resolve(file), StandardCharsets.UTF_8)) {
            String text;
            long lineNo = 0;
            while ((text = r.readLine()) != null) {
                lineNo++;
                Where where = new Where(file, lineNo);
                JsonNode line = parse(text, where);
                long offset = number(line, "offset", where);
                long time = number(line, "time", where);
                long append = number(line, "appendTime", where);
                if (offset != expected) {
                    throw where.bad("offset " + offset + ", expected " + expected + " (offsets of a slice follow one another from "
                        + s.from + ")");
                }
                if (offset >= s.to) {
                    throw where.bad("offset " + offset + " is past the slice's end " + s.to + " in " + MANIFEST);
                }
                if (append < lastAppend) {
                    throw where.bad("append time " + append + " is before the previous record's " + lastAppend);
                }
                byte[] value = bytes(line, "value", where);
                if (value == null) {
                    throw where.bad("no \"value\"");
                }
                if (append != batchTime && !batch.isEmpty() || batch.size() == BATCH) {
                    flush(p, batch, batchTime, clock);
                }
                batchTime = append;
                batch.add(new Event(bytes(line, "key", where), value, time, bytes(line, "id", where)));
                lastAppend = append;
                expected++;
                count++;
                eachRecord.run();
            }
            flush(p, batch, batchTime, clock);
        } catch (IOException e) {
            throw new GoldenRunException(file + ": cannot read: " + e.getMessage());
        }
        if (count != s.records) {
            throw new GoldenRunException(file + ": " + count + " records, " + MANIFEST + " says " + s.records);
        }
        return lastAppend;
    }

    private static void flush(Partition p, List<Event> batch, long appendTime, CachedEpochClock clock) {
        if (batch.isEmpty()) {
            return;
        }
        clock.update(appendTime); // the log stamps max(clock, previous append time): the recorded time, which never decreases
        p.appendBatch(batch);
        batch.clear();
    }

    private static JsonNode parse(String text, Where where) {
        try {
            JsonNode n = Serdes.MAPPER.readTree(text);
            if (n == null || !n.isObject()) {
                throw where.bad("not a JSON object");
            }
            return n;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw where.bad("not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long number(JsonNode n, String field, Where where) {
        JsonNode v = n.get(field);
        if (v == null || !v.canConvertToExactIntegral() || !v.canConvertToLong()) {
            throw where.bad("\"" + field + "\" is " + (v == null ? "missing" : "not an integer: " + v));
        }
        return v.asLong();
    }

    private static int integer(JsonNode n, String field, Where where, int min) {
        long v = number(n, field, where);
        if (v < min || v > Integer.MAX_VALUE) {
            throw where.bad("\"" + field + "\" is " + v + ", out of range");
        }
        return (int) v;
    }

    private static String text(JsonNode n, String field, Where where) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw where.bad("\"" + field + "\" is " + (v == null ? "missing" : "not a string"));
        }
        return v.asText();
    }

    static String inputFile(String topic, int partition) {
        return "input/" + topic + "-" + partition + ".jsonl";
    }

    static String expectedFile(String topic, int partition) {
        return "expected/" + topic + "-" + partition + ".jsonl";
    }

    private static Result compare(Path dir, Manifest m, Map<String, List<Output>> actual, long records) {
        List<Divergence> divergences = new ArrayList<>();
        long differing = 0;
        long expectedCount = 0;
        long actualCount = 0;
        Set<String> files = new TreeSet<>(actual.keySet());
        files.addAll(m.expected.keySet());
        for (String key : files) {
            Manifest.Expected e = m.expected.get(key);
            List<Output> mine = actual.getOrDefault(key, List.of());
            List<Output> theirs = e == null ? List.of() : readExpected(dir, e);
            expectedCount += theirs.size();
            actualCount += mine.size();
            Divergence first = null;
            int n = Math.max(mine.size(), theirs.size());
            for (int i = 0; i < n; i++) {
                Output a = i < mine.size() ? mine.get(i) : null;
                Output x = i < theirs.size() ? theirs.get(i) : null;
                if (a == null || x == null || !a.sameAs(x)) {
                    differing++;
                    if (first == null) {
                        String topic = e != null ? e.topic : a.topic();
                        int partition = e != null ? e.partition : a.partition();
                        first = new Divergence(topic, partition, expectedFile(topic, partition), i, x, a);
                    }
                }
            }
            if (first != null) {
                divergences.add(first);
            }
        }
        return new Result(m.group, m.inputRecords, records, expectedCount, actualCount, divergences, differing, false);
    }

    private static List<Output> readExpected(Path dir, Manifest.Expected e) {
        List<Output> out = new ArrayList<>();
        String file = expectedFile(e.topic, e.partition);
        try (BufferedReader r = Files.newBufferedReader(dir.resolve(file), StandardCharsets.UTF_8)) {
            String text;
            long lineNo = 0;
            while ((text = r.readLine()) != null) {
                Where where = new Where(file, ++lineNo);
                JsonNode line = parse(text, where);
                byte[] value = bytes(line, "value", where);
                if (value == null) {
                    throw where.bad("no \"value\"");
                }
                JsonNode input = line.get("input");
                out.add(new Output(e.topic, e.partition, bytes(line, "key", where), value, number(line, "time", where), text(line, "stage", where),
                    integer(line, "task", where, 0), input == null ? "" : input.asText(), number(line, "inputOffset", where)));
            }
        } catch (IOException ex) {
            throw new GoldenRunException(file + ": cannot read: " + ex.getMessage());
        }
        if (out.size() != e.records) {
            throw new GoldenRunException(file + ": " + out.size() + " records, " + MANIFEST + " says " + e.records);
        }
        return out;
    }

    /** Rewrites the expected files and their entries in the manifest with what the processor produced. */
    private static Result update(Path dir, Manifest m, Map<String, List<Output>> actual, long records) {
        long total = 0;
        try {
            Dirs.deleteRecursively(dir.resolve("expected"));
            Files.createDirectories(dir.resolve("expected"));
            ArrayNode expected = Serdes.MAPPER.createArrayNode();
            for (Map.Entry<String, List<Output>> f : new TreeMap<>(actual).entrySet()) {
                List<Output> outs = f.getValue();
                String topic = outs.get(0).topic();
                int partition = outs.get(0).partition();
                String file = expectedFile(topic, partition);
                MessageDigest sha = sha256();
                try (DigestOutputStream digest = new DigestOutputStream(Files.newOutputStream(dir.resolve(file)), sha);
                     Writer w = new BufferedWriter(new OutputStreamWriter(digest, StandardCharsets.UTF_8), 1 << 16)) {
                    for (Output o : outs) {
                        w.write(outputLine(o));
                        w.write('\n');
                    }
                }
                ObjectNode e = expected.addObject();
                e.put("topic", topic);
                e.put("partition", partition);
                e.put("records", outs.size());
                e.put("file", file);
                e.put("sha256", HexFormat.of().formatHex(sha.digest()));
                total += outs.size();
            }
            m.json.set("expected", expected);
            writeManifest(dir, m.json);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the expected output in " + dir + ": " + e.getMessage(), e);
        }
        return new Result(m.group, m.inputRecords, records, total, total, List.of(), 0, true);
    }

    private static void writeManifest(Path dir, ObjectNode manifest) throws IOException {
        byte[] text = (Serdes.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(manifest) + "\n").getBytes(StandardCharsets.UTF_8);
        Dirs.writeAtomically(dir.resolve(MANIFEST), text);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(Path file) throws IOException {
        MessageDigest sha = sha256();
        try (java.io.InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                sha.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    static String fileKey(String topic, int partition) {
        return topic + "\u0000" + partition;
    }

    /** manifest.json read and checked: names are valid, numbers in range, every file listed where it must be. */
    private static final class Manifest {
        record Slice(String topic, int partition, long from, long to, long records, String sha256) {
        }

        record Input(String topic, int partitions, List<Slice> slices) {
        }

        record Expected(String topic, int partition, long records, String sha256) {
        }

        final Path dir;
        final ObjectNode json;
        final String group;
        final Map<String, String> spec = new LinkedHashMap<>();
        final boolean drain;
        final int maxRecordBytes;
        final List<Input> inputs = new ArrayList<>();
        final Map<String, Integer> outputs = new LinkedHashMap<>();
        final Map<String, Expected> expected = new TreeMap<>();
        long inputRecords;

        private Manifest(Path dir, ObjectNode json) {
            this.dir = dir;
            this.json = json;
            Where where = new Where(MANIFEST, 0);
            long format = number(json, "format", where);
            if (format != FORMAT) {
                throw where.bad("format " + format + ": this kappa reads golden runs of format " + FORMAT);
            }
            group = text(json, "group", where);
            try {
                Groups.validateName(group);
            } catch (IllegalArgumentException e) {
                throw where.bad(e.getMessage());
            }
            JsonNode specNode = json.get("spec");
            if (specNode == null || !specNode.isObject()) {
                throw where.bad("\"spec\" is missing or not an object");
            }
            specNode.fields().forEachRemaining(e -> spec.put(e.getKey(), e.getValue().asText()));
            drain = json.path("drain").asBoolean(false);
            // records and outputs as large as the recording log allowed
            maxRecordBytes = json.has("maxRecordBytes") ? integer(json, "maxRecordBytes", where, 1) : LogContext.DEFAULT_MAX_RECORD_BYTES;
            if (maxRecordBytes > LogContext.MAX_RECORD_BYTES_LIMIT) {
                throw where.bad("maxRecordBytes " + maxRecordBytes + " is above the " + LogContext.MAX_RECORD_BYTES_LIMIT + " a log takes");
            }
            for (JsonNode in : array(json, "inputs", where)) {
                String topic = topic(text(in, "topic", where), where);
                int partitions = integer(in, "partitions", where, 1);
                List<Slice> slices = new ArrayList<>();
                Set<Integer> seen = new TreeSet<>();
                for (JsonNode s : array(in, "slices", where)) {
                    int p = integer(s, "partition", where, 0);
                    if (p >= partitions || !seen.add(p)) {
                        throw where.bad(topic + ": slice of partition " + p + " is out of range or repeated (" + partitions + " partitions)");
                    }
                    long from = number(s, "from", where);
                    long to = number(s, "to", where);
                    long records = number(s, "records", where);
                    if (from < 0 || to < from || records != to - from) {
                        throw where.bad(topic + "/" + p + ": from " + from + ", to " + to + " and records " + records + " do not agree");
                    }
                    fileName(s, inputFile(topic, p), where);
                    slices.add(new Slice(topic, p, from, to, records, text(s, "sha256", where)));
                    inputRecords += records;
                }
                inputs.add(new Input(topic, partitions, slices));
            }
            if (inputs.isEmpty()) {
                throw where.bad("no inputs");
            }
            for (JsonNode o : array(json, "outputs", where)) {
                outputs.put(topic(text(o, "topic", where), where), integer(o, "partitions", where, 1));
            }
            for (JsonNode e : array(json, "expected", where)) {
                String topic = topic(text(e, "topic", where), where);
                int p = integer(e, "partition", where, 0);
                long records = number(e, "records", where);
                fileName(e, expectedFile(topic, p), where);
                if (expected.put(fileKey(topic, p), new Expected(topic, p, records, text(e, "sha256", where))) != null) {
                    throw where.bad("expected output " + topic + "/" + p + " is listed twice");
                }
            }
        }

        static Manifest read(Path dir) {
            Path file = dir.resolve(MANIFEST);
            if (!Files.isRegularFile(file)) {
                throw new GoldenRunException(Files.isDirectory(dir) ? "no " + MANIFEST + " in " + dir + ": not a golden run (`kappa golden "
                    + "record` makes one)" : "no golden run at " + dir + ": it does not exist");
            }
            try {
                JsonNode n = Serdes.MAPPER.readTree(file.toFile());
                if (n == null || !n.isObject()) {
                    throw new GoldenRunException(MANIFEST + " in " + dir + " is not a JSON object");
                }
                return new Manifest(dir, (ObjectNode) n);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new GoldenRunException(MANIFEST + " in " + dir + " is not JSON: line " + e.getLocation().getLineNr() + ": "
                    + e.getOriginalMessage());
            } catch (IOException e) {
                throw new GoldenRunException("cannot read " + file + ": " + e.getMessage());
            }
        }

        private static String topic(String name, Where where) {
            try {
                return TopicNames.validate(name);
            } catch (LogException.InvalidTopicName e) {
                throw where.bad(e.getMessage());
            }
        }

        private static Iterable<JsonNode> array(JsonNode n, String field, Where where) {
            JsonNode v = n.get(field);
            if (v == null || !v.isArray()) {
                throw where.bad("\"" + field + "\" is missing or not an array");
            }
            return v;
        }

        /** The "file" of an entry, if given, must be the name kappa derives from topic and partition (never a path of its own). */
        private static void fileName(JsonNode entry, String derived, Where where) {
            JsonNode f = entry.get("file");
            if (f != null && !derived.equals(f.asText())) {
                throw where.bad("file \"" + f.asText() + "\" is not " + derived + ": files are named by topic and partition");
            }
        }

        /** Every listed file is there with its checksum; nothing else is in input/ or expected/. */
        void verifyFiles() {
            Set<String> listed = new TreeSet<>();
            for (Input in : inputs) {
                for (Slice s : in.slices) {
                    verify(inputFile(s.topic, s.partition), s.sha256);
                    listed.add(inputFile(s.topic, s.partition));
                }
            }
            for (Expected e : expected.values()) {
                verify(expectedFile(e.topic, e.partition), e.sha256);
                listed.add(expectedFile(e.topic, e.partition));
            }
            for (String sub : List.of("input", "expected")) {
                Path d = dir.resolve(sub);
                if (!Files.isDirectory(d)) {
                    continue;
                }
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(d)) {
                    for (Path f : ds) {
                        String name = sub + "/" + f.getFileName();
                        if (!listed.contains(name)) {
                            throw new GoldenRunException(name + ": not listed in " + MANIFEST + " (a golden run's files are recorded "
                                + "there with their checksums; remove it, or record again)");
                        }
                    }
                } catch (IOException e) {
                    throw new GoldenRunException("cannot list " + d + ": " + e.getMessage());
                }
            }
        }

        private void verify(String name, String sha) {
            Path f = dir.resolve(name);
            if (!Files.isRegularFile(f)) {
                throw new GoldenRunException(name + ": missing (listed in " + MANIFEST + ")");
            }
            try {
                String actual = sha256(f);
                if (!actual.equalsIgnoreCase(sha)) {
                    throw new GoldenRunException(name + ": changed since it was recorded (SHA-256 " + actual + ", " + MANIFEST + " says "
                        + sha + "); expected output changes only through `kappa golden check --update`, input by recording again");
                }
            } catch (IOException e) {
                throw new GoldenRunException("cannot read " + f + ": " + e.getMessage());
            }
        }
    }

    /** Outputs as the tasks produce them, gathered per output partition and task; files in a stable order. */
    private static final class Collector implements OutputTap {
        private final Map<String, Integer> stageOrder = new LinkedHashMap<>();
        // output file -> (stage order, task) -> records, each list written by its task's thread only
        private final Map<String, Map<Long, List<Output>>> byFile = new ConcurrentHashMap<>();

        Collector(Topology topology) {
            for (Stage<?, ?, ?, ?> s : topology.stages()) {
                stageOrder.put(s.name(), stageOrder.size());
            }
        }

        @Override
        public void onOutput(String stage, int task, String inputTopic, long inputOffset, String topic, int partition, DirectBuffer data,
                             int keyOffset, int keyLength, int valueOffset, int valueLength, long eventTime) {
            byte[] key = OutputTap.copy(data, keyOffset, keyLength);
            byte[] value = OutputTap.copy(data, valueOffset, valueLength);
            long order = ((long) stageOrder.getOrDefault(stage, Integer.MAX_VALUE) << 32) | task;
            byFile.computeIfAbsent(fileKey(topic, partition), k -> new ConcurrentHashMap<>())
                .computeIfAbsent(order, k -> java.util.Collections.synchronizedList(new ArrayList<>()))
                .add(new Output(topic, partition, key, value, eventTime, stage, task, inputTopic, inputOffset));
        }

        /**
         * Per output partition (keyed as the manifest's expected entries): the records of each task in the order it
         * wrote them, tasks by stage and id. How the tasks' records interleave in a partition is timing, not logic.
         */
        Map<String, List<Output>> files() {
            Map<String, List<Output>> out = new TreeMap<>();
            byFile.forEach((k, tasks) -> {
                List<Output> all = new ArrayList<>();
                new TreeMap<>(tasks).values().forEach(all::addAll);
                out.put(k, all);
            });
            return out;
        }
    }
}
