package io.kappa.cli;

import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/** {@code append --values}: each line is the value, key and time from flags or from fields of the value. */
class AppendValuesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Cli.Result kappa(String stdin, String... args) {
        return Cli.runWithStdin(stdin, Cli.inDir(dir, args));
    }

    @Test
    void aPlainObjectPerLineIsRefusedWithAHintAndTakenAsTheValueWithValues() throws Exception {
        assertEquals(0, kappa(null, "topic", "create", "t").code());
        String lines = "{\"user\":\"u1\",\"at\":\"2026-11-21T10:05:00Z\",\"n\":1}\n{\"user\":\"u2\",\"at\":1763719500000,\"n\":2}\n";
        Cli.Result refused = kappa(lines, "append", "t");
        assertEquals(1, refused.code());
        List<String> errors = List.of(refused.err().split("\n"));
        assertTrue(errors.get(0).startsWith("kappa: line 1: unknown field 'user'") && errors.get(0).contains("use --values"), refused.err());
        assertFalse(errors.get(1).contains("--values"), "the hint once: " + refused.err());

        Cli.Result ok = kappa(lines, "append", "t", "--values", "--key-field", "user", "--time-field", "at");
        assertEquals(0, ok.code(), ok.err());
        List<String> read = kappa(null, "read", "t").lines();
        assertEquals(2, read.size());
        JsonNode first = JSON.readTree(read.get(0));
        assertEquals("u1", first.get("key").asText());
        assertEquals("2026-11-21T10:05:00.000Z", first.get("time").asText());
        assertEquals(1, first.get("value").get("n").asInt(), "the whole line is the value");
        assertEquals("u1", first.get("value").get("user").asText());
        assertEquals("2025-11-21T10:05:00.000Z", JSON.readTree(read.get(1)).get("time").asText(), "epoch millis");

        Cli.Result constant = kappa("[1,2]\n\"text\"\n", "append", "t", "--values", "--key", "k", "--time", "2026-01-01T00:00:00Z");
        assertEquals(0, constant.code(), constant.err());
        List<String> all = kappa(null, "read", "t", "--from", "2").lines();
        assertEquals("[1,2]", JSON.readTree(all.get(0)).get("value").toString());
        assertEquals("text", JSON.readTree(all.get(1)).get("value").asText(), "a string value is stored as its text");
        assertEquals("k", JSON.readTree(all.get(1)).get("key").asText());
    }

    @Test
    void badValueLinesAreReportedByNumber() {
        assertEquals(0, kappa(null, "topic", "create", "t").code());
        Cli.Result r = kappa("{\"user\":\"u1\"}\n{\"id\":3}\nnot json\n", "append", "t", "--values", "--key-field", "user");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("line 2: the value has no field 'user' (--key-field)"), r.err());
        assertTrue(r.err().contains("line 3: not JSON"), r.err());
        assertEquals(1, kappa(null, "read", "t").lines().size());
        Cli.Result usage = kappa("{}\n", "append", "t", "--key-field", "user");
        assertEquals(2, usage.code());
        assertTrue(usage.err().contains("go with --values"), usage.err());
    }
}
