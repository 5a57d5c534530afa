package io.kappa.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.log.Event;
import io.kappa.log.EventLog;
import io.kappa.processor.InputRecord;
import io.kappa.processor.Processor;
import io.kappa.processor.ProcessorContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/** {@code kappa golden record | check}, end to end: what is frozen, what a check finds, what it refuses. */
@Timeout(180)
class GoldenCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long T0 = 1_795_255_200_000L; // 2026-11-21T10:00:00Z

    @TempDir
    Path dir;

    private Path data() {
        return dir.resolve("data");
    }

    private Cli.Result kappa(String... args) {
        List<String> full = new ArrayList<>(List.of(args));
        int at = args[0].equals("golden") || args[0].equals("topic") ? 2 : 1;
        full.add(at, "--data-dir=" + data());
        return Cli.run(full.toArray(String[]::new));
    }

    private Cli.Result check(String... args) {
        List<String> full = new ArrayList<>(List.of("golden", "check"));
        full.addAll(List.of(args));
        return Cli.run(full.toArray(String[]::new));
    }

    private static List<JsonNode> lines(Path file) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(file)) {
            out.add(JSON.readTree(l));
        }
        return out;
    }

    /** Page views, key u(i%3), id e(i), page p(i%4); one value that is not UTF-8 (count dead-letters it). */
    private void clicks(int from, int to) {
        try (EventLog log = EventLog.open(data())) {
            if (!log.exists("clicks")) {
                log.createTopic("clicks", io.kappa.log.TopicConfig.partitions(2));
            }
            for (int i = from; i < to; i++) {
                byte[] value = i == 7 ? new byte[] {(byte) 0xff, 'x', (byte) 0xc3}
                    : ("{\"page\":\"p" + (i % 4) + "\",\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8);
                log.topic("clicks").append(i % 2, new Event(("u" + i % 3).getBytes(StandardCharsets.UTF_8), value, T0 + i * 1000L,
                    ("e" + i).getBytes(StandardCharsets.UTF_8)));
            }
        }
    }

    @Test
    void countIsRecordedOverItsSliceFromEmptyStateAndChecksEqual() throws Exception {
        clicks(0, 40);
        assertEquals(0, kappa("run", "count", "--by", "page", "--group", "pages", "--input", "clicks", "--output", "page-counts",
            "--until-caught-up").code());
        clicks(40, 60); // after the run: the slice is what is asked for, not what the group has read
        Path golden = dir.resolve("golden/pages");
        Cli.Result rec = kappa("golden", "record", "--group", "pages", "--out", golden.toString(), "--from", "2", "--to", "25");
        assertEquals(0, rec.code(), rec.err());
        assertTrue(rec.out().contains("46 input records"), rec.out());

        JsonNode manifest = JSON.readTree(golden.resolve("manifest.json").toFile());
        assertEquals(1, manifest.get("format").asInt());
        assertEquals("pages", manifest.get("group").asText());
        assertEquals("count", manifest.get("spec").get("processor").asText());
        assertEquals("page", manifest.get("spec").get("by").asText());
        JsonNode slice = manifest.get("inputs").get(0).get("slices").get(1);
        assertEquals(2, slice.get("from").asLong());
        assertEquals(25, slice.get("to").asLong());
        assertEquals(2, manifest.get("inputs").get(0).get("partitions").asInt());

        // partition 1 holds i = 1, 3, 5, ...: offset o is i = 2o + 1
        List<JsonNode> in1 = lines(golden.resolve("input/clicks-1.jsonl"));
        assertEquals(23, in1.size());
        JsonNode first = in1.get(0);
        assertEquals(2, first.get("offset").asLong());
        assertEquals(T0 + 5_000, first.get("time").asLong());
        assertTrue(first.get("appendTime").asLong() > T0, "the log's append time");
        assertEquals("u2", first.get("key").asText());
        assertEquals("e5", first.get("id").asText());
        assertEquals("p1", first.get("value").get("page").asText(), "a JSON value is embedded as JSON: " + first);
        JsonNode odd = in1.get(1); // i = 7
        assertEquals(Base64Of(new byte[] {(byte) 0xff, 'x', (byte) 0xc3}), odd.get("valueBase64").asText());
        assertNull(odd.get("value"));

        // expected: counts from empty state over the slice only (the live group counted from offset 0)
        Map<String, Long> latest = new TreeMap<>();
        int outputs = 0;
        for (Path f : Files.list(golden.resolve("expected")).sorted().toList()) {
            for (JsonNode o : lines(f)) {
                if (f.getFileName().toString().startsWith("page-counts-")) {
                    latest.put(o.get("value").get("key").asText(), o.get("value").get("count").asLong());
                    outputs++;
                }
            }
        }
        Map<String, Long> want = new TreeMap<>();
        for (int i = 0; i < 60; i++) {
            long offset = i / 2;
            if (offset >= 2 && offset < 25 && i != 7) {
                want.merge("p" + (i % 4), 1L, Long::sum);
            }
        }
        assertEquals(want, latest);
        assertEquals(45, outputs, "one output per counted record");
        List<JsonNode> dlq = lines(golden.resolve("expected/pages.dlq-0.jsonl"));
        assertEquals(1, dlq.size(), "the record that is not JSON is dead-lettered");
        assertEquals(3, dlq.get(0).get("inputOffset").asLong());

        Cli.Result ok = check(golden.toString());
        assertEquals(0, ok.code(), ok.out() + ok.err());
        assertEquals("equal: 46 input records of group pages give the 46 expected output records\n", ok.out());

        Cli.Result usage = check(golden.toString(), "--jar", "enrich.jar");
        assertEquals(2, usage.code());
        assertEquals("kappa: the golden run's processor is the built-in count: --jar and --option go with --class; see `kappa golden "
            + "check --help`\n", usage.err());

        // a checkout elsewhere: nothing of the data directory is needed
        Path copy = dir.resolve("elsewhere");
        copyTree(golden, copy);
        deleteTree(data());
        Cli.Result moved = check(copy.toString());
        assertEquals(0, moved.code(), moved.out() + moved.err());
    }

    @Test
    void aChangedOptionDivergesAtTheFirstDifferentOutputAndUpdateRewritesTheExpectedOutput() throws Exception {
        StringBuilder b = new StringBuilder();
        long[] at = {0, 20_000, 50_000, 70_000, 130_000, 150_000, 200_000};
        for (int i = 0; i < at.length; i++) {
            b.append("{\"key\":\"s\",\"time\":").append(T0 + at[i]).append(",\"value\":{\"v\":").append(i + 1).append("}}\n");
        }
        assertEquals(0, kappa("topic", "create", "m").code());
        assertEquals(0, Cli.runWithStdin(b.toString(), "append", "--data-dir=" + data(), "m").code());
        assertEquals(0, kappa("run", "window-agg", "--agg", "sum", "--field", "v", "--by", "key", "--size", "1m", "--group", "sums",
            "--input", "m", "--output", "sums-out", "--until-caught-up").code());
        Path golden = dir.resolve("golden-sums");
        assertEquals(0, kappa("golden", "record", "--group", "sums", "--out", golden.toString(), "--drain").code());
        List<JsonNode> windows = lines(golden.resolve("expected/sums-out-0.jsonl"));
        List<String> sums = new ArrayList<>();
        for (JsonNode w : windows) {
            sums.add(w.get("value").get("windowStart").asText().substring(11) + " " + w.get("value").get("sum").asLong());
        }
        assertEquals(List.of("10:00:00Z 6", "10:01:00Z 4", "10:02:00Z 11", "10:03:00Z 7"), sums, "--drain closes the last window");
        assertEquals(0, check(golden.toString()).code());

        // the group's size changes from 1m to 2m in the manifest (a change of logic under review)
        ObjectNode manifest = (ObjectNode) JSON.readTree(golden.resolve("manifest.json").toFile());
        ((ObjectNode) manifest.get("spec")).put("size", "2m");
        Files.writeString(golden.resolve("manifest.json"), manifest.toPrettyString());
        Cli.Result diverges = check(golden.toString());
        assertEquals(1, diverges.code(), diverges.out() + diverges.err());
        String out = diverges.out();
        assertTrue(out.startsWith("sums-out/0: DIVERGES at output 0 (expected/sums-out-0.jsonl line 1), from m/0 offset 4 (stage main):\n"),
            out);
        assertTrue(out.contains("  expected: s {\"key\":\"s\",\"windowStart\":\"2026-11-21T10:00:00Z\",\"windowEnd\":\"2026-11-21T10:01:00Z\""),
            out);
        assertTrue(out.contains("  actual:   s {\"key\":\"s\",\"windowStart\":\"2026-11-21T10:00:00Z\",\"windowEnd\":\"2026-11-21T10:02:00Z\""),
            out);
        assertTrue(out.endsWith("different: 4 of 4 expected output records differ or are missing or extra, in 1 partition(s); the "
            + "processor gave 2\n"), out);

        Cli.Result update = check(golden.toString(), "--update");
        assertEquals(0, update.code(), update.err());
        assertEquals(2, lines(golden.resolve("expected/sums-out-0.jsonl")).size());
        assertEquals(0, check(golden.toString()).code(), "the updated expected output is what the processor gives");
    }

    /** As {@link UpperCaseProcessor}, but a value starting with "c" gets a "!": a change of logic. */
    public static class Shout implements Processor<byte[], byte[], byte[], byte[]> {
        @Override
        public void process(InputRecord<byte[], byte[]> record, ProcessorContext<byte[], byte[]> context) {
            String v = new String(record.value(), StandardCharsets.UTF_8).toUpperCase();
            context.forward(record.key(), (v.startsWith("C") ? v + "!" : v).getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void aUserClassIsCheckedAndAnotherClassFailsNamingTheFirstDivergentOutput() throws Exception {
        upper("a0\nb1\nc2\nd3\nc4\n");
        Path golden = dir.resolve("golden-upper");
        assertEquals(0, kappa("golden", "record", "--group", "upper", "--out", golden.toString()).code());
        assertEquals(List.of("A0", "B1", "C2", "D3", "C4"),
            lines(golden.resolve("expected/upper-out-0.jsonl")).stream().map(n -> n.get("value").asText()).toList());
        assertEquals(0, check(golden.toString()).code());
        assertEquals(0, check(golden.toString(), "--class", UpperCaseProcessor.class.getName()).code());

        Cli.Result other = check(golden.toString(), "--class", Shout.class.getName());
        assertEquals(1, other.code(), other.out() + other.err());
        assertTrue(other.out().startsWith("upper-out/0: DIVERGES at output 2 (expected/upper-out-0.jsonl line 3), from words/0 offset 2"
            + " (stage main):\n  expected: (no key) C2 @"), other.out());
        assertTrue(other.out().contains("\n  actual:   (no key) C2! @"), other.out());
        assertTrue(other.out().endsWith("different: 2 of 5 expected output records differ or are missing or extra, in 1 partition(s);"
            + " the processor gave 5\n"), other.out());
        assertEquals(List.of("kappa: loading 5 input records into a scratch log", "kappa: loaded in", "kappa: processed 5 records in"),
            other.err().lines().map(l -> l.replaceAll(" [0-9.]+ s;.*", "")).toList(), "notes on stderr, the divergence on stdout");
    }

    /** Writes every field it reads, so its output shows whether a loaded slice gives a processor what the live log gave. */
    public static class Echo implements Processor<byte[], byte[], byte[], byte[]> {
        @Override
        public void process(InputRecord<byte[], byte[]> record, ProcessorContext<byte[], byte[]> context) {
            java.util.Base64.Encoder b64 = java.util.Base64.getEncoder();
            String v = record.topic() + "|" + record.partition() + "|" + record.offset() + "|" + record.eventTime() + "|"
                + record.appendTime() + "|" + (record.key() == null ? "none" : b64.encodeToString(record.key())) + "|" + record.id()
                + "|" + b64.encodeToString(record.value());
            context.forward(record.key(), v.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void aLoadedSliceGivesTheProcessorEveryFieldAsTheLiveLogDid() throws Exception {
        byte[][] values = {"{\"a\":1}".getBytes(StandardCharsets.UTF_8), "{\"a\":1.50}".getBytes(StandardCharsets.UTF_8),
            "{\"a\":1,\"a\":2}".getBytes(StandardCharsets.UTF_8), "\"quoted\"".getBytes(StandardCharsets.UTF_8), new byte[0],
            "[1, 2]".getBytes(StandardCharsets.UTF_8), new byte[] {0, (byte) 0x80, 'z'}, "line\nbreak \u00e9".getBytes(StandardCharsets.UTF_8),
            "{\"deep\":[{\"b\":null,\"c\":true}]}".getBytes(StandardCharsets.UTF_8)};
        try (EventLog log = EventLog.open(data())) {
            log.createTopic("raw", io.kappa.log.TopicConfig.partitions(3));
            for (int i = 0; i < 60; i++) {
                byte[] key = i % 5 == 0 ? null : i % 5 == 1 ? new byte[0] : i % 5 == 2 ? new byte[] {(byte) 0xfe, 1} : ("k" + i).getBytes(StandardCharsets.UTF_8);
                byte[] id = i % 4 == 0 ? null : ("id-" + i).getBytes(StandardCharsets.UTF_8);
                long time = i % 7 == 0 ? Event.NO_TIME : T0 - i * 60_000L; // times going backwards too
                log.topic("raw").append(i % 3, new Event(key, values[i % values.length], time, id));
                if (i == 30) {
                    Thread.sleep(5); // append times that differ within a partition
                }
            }
        }
        assertEquals(0, kappa("run", "--class", Echo.class.getName(), "--group", "echo", "--input", "raw", "--output", "echo-out",
            "--until-caught-up").code());
        Path golden = dir.resolve("golden-echo");
        Cli.Result rec = kappa("golden", "record", "--group", "echo", "--out", golden.toString(), "--from", "3");
        assertEquals(0, rec.code(), rec.err());
        List<JsonNode> in0 = lines(golden.resolve("input/raw-0.jsonl"));
        assertEquals("{\"a\":1}", in0.stream().filter(n -> n.path("value").isObject()).findFirst().orElseThrow().get("value").toString(),
            "an exact JSON value is embedded");
        assertTrue(Files.readString(golden.resolve("input/raw-1.jsonl")).contains("\"value\":\"{\\\"a\\\":1.50}\""),
            "JSON that would not write back to the same bytes is kept as text");

        // what the live group wrote for offsets >= 3, per partition, is exactly the expected output
        Map<Integer, List<String>> live = new TreeMap<>();
        try (EventLog log = EventLog.open(data())) {
            for (int p = 0; p < log.topic("echo-out").partitionCount(); p++) {
                try (io.kappa.log.PartitionTailer t = log.topic("echo-out").partition(p).newTailer()) {
                    int partition = p;
                    while (t.poll(r -> {
                        String v = r.valueString();
                        if (Long.parseLong(v.split("\\|")[2]) >= 3) {
                            live.computeIfAbsent(partition, k -> new ArrayList<>()).add(v);
                        }
                    }, 100) > 0) {
                        // read all
                    }
                }
            }
        }
        Map<Integer, List<String>> golden0 = new TreeMap<>();
        for (int p = 0; p < 3; p++) {
            Path f = golden.resolve("expected/echo-out-" + p + ".jsonl");
            if (Files.exists(f)) {
                List<String> vs = new ArrayList<>();
                for (JsonNode n : lines(f)) {
                    vs.add(n.get("value").asText());
                }
                golden0.put(p, vs);
            }
        }
        assertEquals(51, live.values().stream().mapToInt(List::size).sum());
        assertEquals(live, golden0);
        assertEquals(0, check(golden.toString()).code());
    }

    @Test
    void damagedGoldenRunsAreRefusedNamingTheFileAndLine() throws Exception {
        upper("a0\nb1\nc2\n");
        Path golden = dir.resolve("g");
        assertEquals(0, kappa("golden", "record", "--group", "upper", "--out", golden.toString()).code());

        Path expected = golden.resolve("expected/upper-out-0.jsonl");
        String saved = Files.readString(expected);
        Files.writeString(expected, saved.replace("B1", "B2"));
        assertRefused(golden, "kappa: expected/upper-out-0.jsonl: changed since it was recorded (SHA-256 ");
        Files.delete(expected);
        assertRefused(golden, "kappa: expected/upper-out-0.jsonl: missing (listed in manifest.json)");
        Files.writeString(expected, saved);
        Files.writeString(golden.resolve("expected/extra.jsonl"), "");
        assertRefused(golden, "kappa: expected/extra.jsonl: not listed in manifest.json");
        Files.delete(golden.resolve("expected/extra.jsonl"));
        assertEquals(0, check(golden.toString()).code());

        // a malformed line whose checksum was made to match: the file and line are named
        Path input = golden.resolve("input/words-0.jsonl");
        List<String> in = new ArrayList<>(Files.readAllLines(input));
        in.set(1, in.get(1).replace("\"offset\":1", "\"offset\":5"));
        Files.writeString(input, String.join("\n", in) + "\n");
        rewriteChecksum(golden, "input/words-0.jsonl");
        assertRefused(golden, "kappa: input/words-0.jsonl line 2: offset 5, expected 1");
        in.set(1, "{\"offset\":1,");
        Files.writeString(input, String.join("\n", in) + "\n");
        rewriteChecksum(golden, "input/words-0.jsonl");
        assertRefused(golden, "kappa: input/words-0.jsonl line 2: not JSON: ");

        // names from the manifest never become paths of their own
        ObjectNode manifest = (ObjectNode) JSON.readTree(golden.resolve("manifest.json").toFile());
        ((ObjectNode) manifest.get("inputs").get(0)).put("topic", "../../etc");
        Files.writeString(golden.resolve("manifest.json"), manifest.toPrettyString());
        assertRefused(golden, "kappa: manifest.json: invalid topic name '../../etc'");
        ((ObjectNode) manifest.get("inputs").get(0)).put("topic", "words");
        ((ObjectNode) manifest.get("inputs").get(0).get("slices").get(0)).put("file", "../../secret.jsonl");
        Files.writeString(golden.resolve("manifest.json"), manifest.toPrettyString());
        assertRefused(golden, "kappa: manifest.json: file \"../../secret.jsonl\" is not input/words-0.jsonl");
        manifest.put("format", 9);
        Files.writeString(golden.resolve("manifest.json"), manifest.toPrettyString());
        assertRefused(golden, "kappa: manifest.json: format 9: this kappa reads golden runs of format 1");
        assertRefused(dir.resolve("nowhere"), "kappa: no golden run at " + dir.resolve("nowhere") + ": it does not exist");

        // record: a directory that is not empty is kept unless --force
        Cli.Result again = kappa("golden", "record", "--group", "upper", "--out", golden.toString());
        assertEquals(1, again.code());
        assertEquals("kappa: " + golden + " exists and is not empty: give an empty or new directory, or --force to replace the golden "
            + "run there\n", again.err());
        Files.writeString(golden.resolve("README.md"), "kept");
        assertEquals(0, kappa("golden", "record", "--group", "upper", "--out", golden.toString(), "--force").code());
        assertEquals("kept", Files.readString(golden.resolve("README.md")));
        assertEquals(0, check(golden.toString()).code());
        Cli.Result backwards = kappa("golden", "record", "--group", "upper", "--out", dir.resolve("y").toString(), "--from", "2", "--to", "1");
        assertEquals(2, backwards.code());
        assertTrue(backwards.err().startsWith("kappa: --from 2 is after --to 1 in words/0 (offsets 2 > 1)"), backwards.err());
        assertFalse(Files.exists(dir.resolve("y")), "nothing written");
        Path groupJson = data().resolve("groups/upper/group.json");
        String savedJson = Files.readString(groupJson);
        Files.writeString(groupJson, savedJson.replace(UpperCaseProcessor.class.getName(), "io.kappa.NoSuchProcessor"));
        Cli.Result failing = kappa("golden", "record", "--group", "upper", "--out", dir.resolve("y").toString());
        assertNotEquals(0, failing.code());
        assertTrue(failing.err().contains("io.kappa.NoSuchProcessor"), failing.err());
        assertTrue(Files.isDirectory(dir.resolve("y")) && Files.list(dir.resolve("y")).toList().isEmpty(),
            "a failed recording leaves nothing that looks like a golden run");
        Files.writeString(groupJson, savedJson);
        Files.delete(dir.resolve("y"));
        Cli.Result bad = kappa("golden", "record", "--group", "../x", "--out", dir.resolve("y").toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().startsWith("kappa: invalid group name '../x'"), bad.err());
        Cli.Result unknown = kappa("golden", "record", "--group", "uper", "--out", dir.resolve("y").toString());
        assertEquals(1, unknown.code());
        assertTrue(unknown.err().contains("did you mean 'upper'?"), unknown.err());
    }

    @Test
    void realProcessesRecordAndCheckWithExitCodes() throws Exception {
        upper("x\ny\nz\n");
        Path golden = dir.resolve("g");
        Cli.Result rec = Cli.exec(data(), null, "golden", "record", "--group", "upper", "--out", golden.toString(), "--from", "1");
        assertEquals(0, rec.code(), rec.err());
        assertTrue(rec.out().contains("2 input records, 2 expected output records"), rec.out());
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        String[] checkArgs = {"golden", "check", golden.toString()};
        Cli.Result ok = Cli.waitFor(Cli.start(Map.of(), List.of("-Xmx256m", "-Djava.io.tmpdir=" + tmp), checkArgs), checkArgs);
        assertEquals(0, ok.code(), ok.err());
        try (var left = Files.list(tmp)) {
            assertEquals(List.of(), left.toList(), "the scratch log is removed");
        }
        assertEquals("equal: 2 input records of group upper give the 2 expected output records\n", ok.out());
        Cli.Result diverges = Cli.exec(null, null, "golden", "check", golden.toString(), "--class", Shout.class.getName());
        assertEquals(0, diverges.code(), "no value starts with c: " + diverges.out());
        Files.writeString(golden.resolve("input/words-0.jsonl"), "{}\n", java.nio.file.StandardOpenOption.APPEND);
        Cli.Result damaged = Cli.exec(null, null, "golden", "check", golden.toString());
        assertEquals(1, damaged.code());
        assertTrue(damaged.err().startsWith("kappa: input/words-0.jsonl: changed since it was recorded"), damaged.err());
        assertEquals(1, damaged.err().lines().count(), damaged.err());
        Cli.Result usage = Cli.exec(null, null, "golden", "check");
        assertEquals(2, usage.code());
        assertEquals("kappa: Missing required parameter: 'DIR'; see `kappa golden check --help`\n", usage.err());
    }

    /** Topic words with these raw lines, and group upper ({@link UpperCaseProcessor}) run over them into upper-out. */
    private void upper(String lines) {
        assertEquals(0, kappa("topic", "create", "words").code());
        assertEquals(0, Cli.runWithStdin(lines, "append", "--data-dir=" + data(), "words", "--raw").code());
        assertEquals(0, kappa("run", "--class", UpperCaseProcessor.class.getName(), "--group", "upper", "--input", "words",
            "--output", "upper-out", "--until-caught-up").code());
    }

    private void assertRefused(Path golden, String start) {
        Cli.Result r = check(golden.toString());
        assertEquals(1, r.code(), r.out() + r.err());
        assertEquals("", r.out());
        List<String> err = r.err().lines().toList();
        assertTrue(err.get(err.size() - 1).startsWith(start), r.err());
        for (String line : err.subList(0, err.size() - 1)) {
            assertTrue(line.startsWith("kappa: load"), "one line of error after the progress notes: " + r.err());
        }
    }

    private static void rewriteChecksum(Path golden, String file) throws Exception {
        ObjectNode manifest = (ObjectNode) JSON.readTree(golden.resolve("manifest.json").toFile());
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(golden.resolve(file))));
        for (JsonNode in : manifest.get("inputs")) {
            for (JsonNode s : in.get("slices")) {
                if (s.get("file").asText().equals(file)) {
                    ((ObjectNode) s).put("sha256", sha);
                }
            }
        }
        Files.writeString(golden.resolve("manifest.json"), manifest.toPrettyString());
    }

    private static String Base64Of(byte[] b) {
        return java.util.Base64.getEncoder().encodeToString(b);
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (var s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }

    private static void deleteTree(Path p) throws Exception {
        io.kappa.log.Dirs.deleteRecursively(p);
    }
}
