package io.kappa.cli;

import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/** Every command in-process through picocli, with its error cases. */
class CliCommandsTest {
    @TempDir
    Path dir;

    private String[] args(String... a) {
        String[] all = new String[a.length + 2];
        System.arraycopy(a, 0, all, 0, a.length);
        all[a.length] = "--data-dir";
        all[a.length + 1] = dir.toString();
        return all;
    }

    private Cli.Result ok(String stdin, String... a) {
        Cli.Result r = Cli.runWithStdin(stdin, args(a));
        assertEquals(0, r.code(), () -> "kappa " + String.join(" ", a) + " failed: " + r.err());
        return r;
    }

    private Cli.Result fails(String expectedInError, String... a) {
        Cli.Result r = Cli.runWithStdin(null, args(a));
        assertNotEquals(0, r.code(), "kappa " + String.join(" ", a) + " should fail");
        assertTrue(r.err().contains(expectedInError), "stderr: " + r.err());
        assertEquals(1, r.err().strip().lines().count(), "one-line reason: " + r.err());
        return r;
    }

    private static JsonNode json(String line) throws Exception {
        return EventJson.MAPPER.readTree(line);
    }

    @Test
    void topicLifecycle() {
        assertTrue(ok(null, "topic", "create", "orders", "--partitions", "3", "--retention-ms", "60000").out().contains("3 partitions"));
        ok(null, "topic", "create", "audit");
        assertEquals("audit\norders\n", ok(null, "topic", "list").out());
        String d = ok(null, "topic", "describe", "orders").out();
        assertTrue(d.contains("3 partitions") && d.contains("retention 60000 ms"), d);
        assertEquals(5, d.lines().count(), d);
        fails("already exists", "topic", "create", "orders");
        fails("invalid topic name", "topic", "create", "../x");
        Cli.Result zero = Cli.runWithStdin(null, args("topic", "create", "zero", "--partitions", "0"));
        assertEquals(2, zero.code(), zero.err());
        assertEquals("kappa: --partitions must be in 1..1024, was 0; see `kappa topic create --help`\n", zero.err());
        fails("unknown segment", "topic", "create", "seg", "--segment", "3h");
        ok(null, "topic", "delete", "orders");
        fails("unknown topic 'orders'", "topic", "describe", "orders");
        fails("unknown topic 'orders'", "topic", "delete", "orders");
        assertEquals("audit\n", ok(null, "topic", "list").out());
    }

    @Test
    void appendOneEventAndReadItBack() throws Exception {
        ok(null, "topic", "create", "t", "--partitions", "2");
        JsonNode a = json(ok(null, "append", "t", "--key", "u1", "--time", "2026-11-21T10:00:00.123Z", "--id", "e-1", "{\"page\":\"/\"}").out());
        int p = a.get("partition").asInt();
        assertEquals(0, a.get("offset").asLong());
        ok(null, "append", "t", "--partition", "1", "--time", "@1763719200000", "plain text");
        List<String> lines = ok(null, "read", "t", "--partition", Integer.toString(p)).lines();
        JsonNode r = json(lines.get(0));
        assertEquals("u1", r.get("key").asText());
        assertEquals("e-1", r.get("id").asText());
        assertEquals("2026-11-21T10:00:00.123Z", r.get("time").asText());
        assertTrue(r.get("value").isObject(), "JSON values print as JSON");
        assertEquals("/", r.get("value").get("page").asText());
        JsonNode plain = json(ok(null, "read", "t", "--partition", "1").lines().get(p == 1 ? 1 : 0));
        assertEquals("plain text", plain.get("value").asText());
        assertEquals("2025-11-21T10:00:00.000Z", plain.get("time").asText());
        assertTrue(plain.get("key").isNull());
        assertTrue(plain.get("appendTime").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"));

        fails("unknown topic 'nope'", "append", "nope", "v");
        fails("has no partition 7", "append", "t", "--partition", "7", "v");
        fails("bad --time", "append", "t", "--time", "yesterday", "v");
        fails("over the maximum", "append", "t", "--max-record-bytes", "4", "12345");
    }

    @Test
    void jsonLinesImportSkipsMalformedLinesWithTheirNumbers() throws Exception {
        ok(null, "topic", "create", "in", "--partitions", "2");
        String input = String.join("\n",
            "{\"key\":\"u1\",\"value\":{\"n\":1},\"time\":\"2026-11-21T10:00:00Z\",\"id\":\"a\"}",
            "{not json",
            "{\"key\":\"u2\"}",
            "",
            "{\"value\":\"s\",\"time\":1763719200000}",
            "{\"value\":1,\"color\":\"red\"}",
            "{\"value\":[1,2],\"partition\":1}",
            "{\"value\":2,\"partition\":9}",
            "{\"value\":3,\"time\":\"later\"}") + "\n";
        Cli.Result r = Cli.runWithStdin(input, args("append", "in"));
        assertEquals(1, r.code(), "rejected lines make the import fail overall");
        assertTrue(r.err().contains("line 2: malformed JSON"), r.err());
        assertTrue(r.err().contains("line 3: missing \"value\""), r.err());
        assertTrue(r.err().contains("line 6: unknown field 'color'"), r.err());
        assertTrue(r.err().contains("line 8: topic 'in' has no partition 9"), r.err());
        assertTrue(r.err().contains("line 9: bad \"time\""), r.err());
        assertTrue(r.err().contains("appended 3 events, rejected 5 lines"), r.err());
        List<String> read = ok(null, "read", "in").lines();
        assertEquals(3, read.size());
        assertTrue(read.stream().anyMatch(l -> l.contains("\"value\":[1,2]") && l.startsWith("{\"partition\":1")), read.toString());
    }

    @Test
    void strictImportStopsAtTheFirstBadLineKeepingTheOnesBefore() {
        ok(null, "topic", "create", "strict");
        Cli.Result r = Cli.runWithStdin("{\"value\":1}\n{\"value\":2}\n{oops\n{\"value\":4}\n", args("append", "strict", "--strict"));
        assertEquals(1, r.code());
        assertTrue(r.err().contains("line 3") && r.err().contains("appended 2 events before it"), r.err());
        assertEquals(2, ok(null, "read", "strict").lines().size());
    }

    @Test
    void linesThatAreNotUtf8AreRejectedWithTheirNumbersNotStoredWithReplacementCharacters() throws Exception {
        ok(null, "topic", "create", "utf");
        byte[] input = concat("{\"value\":\"ok\"}\n{\"value\":\"caf", new byte[] {(byte) 0xe9}, "\"}\n"
            + "{\"value\":{\"x\":\"", new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, "\"}}\n{\"value\":\"caf\u00e9\"}\n");
        Cli.Result r = Cli.runWithStdinBytes(input, args("append", "utf"));
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("line 2: not valid UTF-8 (byte 13 of the line) (skipped)"), r.err());
        assertTrue(r.err().contains("line 3: not valid UTF-8 (byte 15 of the line) (skipped)"), "a surrogate is not UTF-8: " + r.err());
        assertTrue(r.err().contains("appended 2 events, rejected 2 lines"), r.err());
        List<String> read = ok(null, "read", "utf").lines();
        assertEquals(List.of("ok", "caf\u00e9"), read.stream().map(l -> {
            try {
                return json(l).get("value").asText();
            } catch (Exception e) {
                throw new AssertionError(l, e);
            }
        }).toList());

        ok(null, "topic", "create", "utfraw");
        r = Cli.runWithStdinBytes(concat("a\n", new byte[] {(byte) 0xff}, "b\nc\n"), args("append", "utfraw", "--raw", "--strict"));
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("line 2: not valid UTF-8 (byte 0 of the line)"), r.err());
        assertTrue(r.err().contains("stopped at line 2 (--strict): appended 1 events before it"), r.err());
    }

    private static byte[] concat(Object... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (Object part : parts) {
            out.writeBytes(part instanceof byte[] b ? b : ((String) part).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    @Test
    @org.junit.jupiter.api.Timeout(30)
    void aValueNestedAHundredThousandDeepIsRefusedNamingTheLimit() {
        ok(null, "topic", "create", "deep");
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        String nested501 = "[".repeat(501) + "]".repeat(501);
        String nested500 = "[".repeat(500) + "]".repeat(500);
        Cli.Result r = Cli.runWithStdin("{\"value\":" + deep + "}\n{\"value\":" + nested501 + "}\n{\"value\":"
            + nested500.substring(1, nested500.length() - 1) + "}\n", args("append", "deep"));
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("line 1: malformed JSON: Document nesting depth (501) exceeds the maximum allowed (500"), r.err());
        assertTrue(r.err().contains("line 2: malformed JSON: Document nesting depth (501)"), r.err());
        assertTrue(r.err().contains("appended 1 events, rejected 2 lines"), r.err());
    }

    @Test
    void numericOptionsOutOfRangeAreUsageErrorsNamingTheOptionAndItsRange() {
        ok(null, "topic", "create", "t");
        String[][] cases = {
            {"--batch must be in 1..1000000, was -1", "append", "t", "--batch", "-1"},
            {"--batch must be in 1..1000000, was 0", "append", "t", "--batch", "0"},
            {"--batch must be in 1..1000000, was 0", "mirror", "t", "--kafka", "localhost:1", "--batch", "0"},
            {"--partition must be at least 0, was -1", "append", "t", "--partition", "-1", "v"},
            {"--max-record-bytes must be in 1..67108864, was 0", "append", "t", "--max-record-bytes", "0", "v"},
            {"--threads must be in 1..1024, was 0", "run", "filter", "--group", "g", "--input", "t", "--output", "o", "--where", "a exists", "--threads", "0"},
            {"--checkpoint-records must be at least 1, was -5", "run", "filter", "--group", "g", "--input", "t", "--output", "o", "--where", "a exists", "--checkpoint-records", "-5"},
            {"--block must be at least 1, was 0", "replay", "--verify", "--group", "g", "--block", "0"},
            {"--max-rate must be at least 0, was -1", "replay", "filter", "--input", "t", "--output", "o", "--where", "a exists", "--max-rate", "-1"},
            {"--limit must be at least 0, was -3", "read", "t", "--limit", "-3"},
            {"--events must be in 1..2147483647, was 0", "demo", "--events", "0"},
            {"--port must be in 0..65535, was 70000", "serve", "--port", "70000"},
            {"--idle-timeout-ms must be at least 1, was 0", "serve", "--idle-timeout-ms", "0"},
        };
        for (String[] c : cases) {
            String[] a = java.util.Arrays.copyOfRange(c, 1, c.length);
            Cli.Result r = Cli.runWithStdin(null, args(a));
            assertEquals(2, r.code(), () -> String.join(" ", a) + ": " + r.err());
            assertTrue(r.err().startsWith("kappa: " + c[0] + "; see `kappa ") && r.err().endsWith(" --help`\n"),
                () -> String.join(" ", a) + ": " + r.err());
        }
        assertTrue(ok(null, "read", "t").lines().isEmpty(), "nothing was appended");
    }

    @Test
    void rawImportAppendsEachLineAsTheValue() throws Exception {
        ok(null, "topic", "create", "raw");
        Cli.Result r = ok("first line\n{\"not\":\"parsed\"}\r\nthird\n", "append", "raw", "--raw", "--key", "k");
        assertTrue(r.err().contains("appended 3 events"), r.err());
        List<String> lines = ok(null, "read", "raw").lines();
        assertEquals("first line", json(lines.get(0)).get("value").asText());
        assertEquals("parsed", json(lines.get(1)).get("value").get("not").asText(), "a raw line that is JSON reads back as JSON");
        assertEquals("third", json(lines.get(2)).get("value").asText());
        assertEquals("k", json(lines.get(2)).get("key").asText());
    }

    @Test
    void oversizedLinesAreRejectedWithoutReadingThemIntoMemory() {
        ok(null, "topic", "create", "big");
        String huge = "x".repeat(5000);
        Cli.Result r = Cli.runWithStdin("small\n" + huge + "\nafter\n", args("append", "big", "--raw", "--max-record-bytes", "1000"));
        assertEquals(1, r.code());
        assertTrue(r.err().contains("line 2: longer than 1000 bytes"), r.err());
        assertEquals(2, ok(null, "read", "big").lines().size());
    }

    @Test
    void readPositionsLimitsAndErrors() throws Exception {
        ok(null, "topic", "create", "r", "--partitions", "2");
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            in.append("{\"value\":").append(i).append(",\"partition\":").append(i % 2).append("}\n");
        }
        ok(in.toString(), "append", "r");
        assertEquals(10, ok(null, "read", "r").lines().size());
        assertEquals(4, ok(null, "read", "r", "--limit", "4").lines().size());
        assertEquals(0, ok(null, "read", "r", "--from", "latest").lines().size());
        List<String> fromTwo = ok(null, "read", "r", "--partition", "1", "--from", "2").lines();
        assertEquals(List.of(2L, 3L, 4L), fromTwo.stream().map(l -> {
            try {
                return json(l).get("offset").asLong();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }).toList());
        assertEquals(10, ok(null, "read", "r", "--from", "@0").lines().size(), "a time before everything starts at the beginning");
        assertEquals(10, ok(null, "read", "r", "--from", "2000-01-01T00:00:00Z").lines().size());
        assertEquals(0, ok(null, "read", "r", "--from", "2999-01-01T00:00:00Z").lines().size());
        fails("out of range", "read", "r", "--partition", "0", "--from", "6");
        fails("bad position", "read", "r", "--from", "soon");
        fails("bad position '@x'", "read", "r", "--from", "@x");
        fails("has no partition 2", "read", "r", "--partition", "2");
        fails("unknown topic", "read", "missing");
    }

    @Test
    void largeImportsShowProgress() {
        ok(null, "topic", "create", "bulk");
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            in.append("{\"value\":").append(i).append("}\n");
        }
        Cli.Result r = ok(in.toString(), "append", "bulk", "--progress");
        assertTrue(r.err().matches("(?s).*appended [0-9,]+ \\([0-9,]+/s.*"), r.err());
        assertTrue(r.err().contains("appended 5000 events"), r.err());
    }

    @Test
    void everyCommandHasHelp() {
        for (String[] c : new String[][] {{"topic", "create"}, {"topic", "list"}, {"topic", "describe"}, {"topic", "delete"},
            {"append"}, {"read"}, {"serve"}, {"demo"}}) {
            String[] a = java.util.Arrays.copyOf(c, c.length + 1);
            a[c.length] = "--help";
            Cli.Result r = Cli.run(a);
            assertEquals(0, r.code(), String.join(" ", c));
            assertTrue(r.out().contains("Usage: kappa " + String.join(" ", c)), r.out());
            if (!c[0].equals("demo")) {
                assertTrue(r.out().contains("--data-dir"), String.join(" ", c) + " takes --data-dir");
            }
        }
    }
}
