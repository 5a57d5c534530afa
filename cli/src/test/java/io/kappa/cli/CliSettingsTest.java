package io.kappa.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/** The global --data-dir, the config file and its profiles, --json listings, hidden internal topics, read-only commands. */
class CliSettingsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Cli.Result kappa(String... args) {
        return Cli.run(Cli.inDir(dir, args));
    }

    @Test
    void aGlobalDataDirAndProfilesOfTheConfigFileChooseTheData() throws Exception {
        Path work = Files.createDirectories(dir.resolve("work"));
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        assertEquals(0, Cli.run("--data-dir", a.toString(), "topic", "create", "in-a").code());
        assertEquals(0, Cli.run("topic", "create", "in-b", "--data-dir", b.toString()).code());
        Path config = Files.createDirectories(dir.resolve("xdg/kappa")).resolve("config.json");
        Files.writeString(config, "{\"profile\":\"first\",\"profiles\":{\"first\":{\"dataDir\":\"" + a + "\"},\"second\":{\"dataDir\":\"" + b
            + "\"}}}");
        Map<String, String> env = Map.of("XDG_CONFIG_HOME", dir.resolve("xdg").toString());

        Cli.Result global = Cli.execIn(work, Map.of(), "--data-dir", a.toString(), "topic", "list");
        assertEquals("in-a\n", global.out(), global.err());
        assertEquals("in-a\n", Cli.execIn(work, env, "topic", "list").out(), "the default profile");
        assertEquals("in-b\n", Cli.execIn(work, env, "--profile", "second", "topic", "list").out());
        assertEquals("in-b\n", Cli.execIn(work, Map.of("XDG_CONFIG_HOME", dir.resolve("xdg").toString(), "KAPPA_DATA_DIR", b.toString()),
            "topic", "list").out(), "the environment beats the default profile");
        assertEquals("in-a\n", Cli.execIn(work, env, "--profile", "second", "topic", "list", "--data-dir", a.toString()).out(),
            "the command's own --data-dir wins");
        Cli.Result unknown = Cli.execIn(work, env, "--profile", "secnd", "topic", "list");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("unknown profile 'secnd'") && unknown.err().contains("did you mean 'second'?"), unknown.err());
        Cli.Result bareKafka = Cli.execIn(work, env, "status", "g", "--kafka");
        assertEquals(2, bareKafka.code());
        assertTrue(bareKafka.err().contains("--kafka needs BOOTSTRAP (host:port,...) or the name of a cluster in " + config), bareKafka.err());
        assertFalse(Files.exists(work.resolve("kappa-data")), "nothing created in the working directory");
    }

    @Test
    void aReadOnlyCommandCreatesNothing() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Cli.Result list = Cli.execIn(empty, Map.of(), "topic", "list");
        assertEquals(0, list.code(), list.err());
        assertEquals("", list.out());
        assertTrue(list.err().contains("no kappa data in kappa-data") && list.err().contains("kappa topic create"), list.err());
        Cli.Result read = Cli.execIn(empty, Map.of(), "read", "t");
        assertEquals(1, read.code());
        assertTrue(read.err().contains("no kappa data in kappa-data"), read.err());
        assertEquals(0, Cli.execIn(empty, Map.of(), "status").code());
        assertEquals(2, Cli.execIn(empty, Map.of(), "diff", "a", "b").code());
        try (var files = Files.list(empty)) {
            assertEquals(0, files.count(), "nothing created");
        }
    }

    @Test
    void listingsSpeakJsonAndHideInternalTopicsUnlessAll() throws Exception {
        assertEquals(0, kappa("topic", "create", "clicks", "--partitions", "2").code());
        assertEquals(0, Cli.runWithStdin("{\"key\":\"u1\",\"value\":{\"page\":\"p1\"}}\n{\"key\":\"u2\",\"value\":{\"page\":\"p2\"}}\n",
            Cli.inDir(dir, "append", "clicks")).code());
        assertEquals(0, kappa("run", "count", "--by", "page", "--group", "pages", "--input", "clicks", "--output", "counts",
            "--until-caught-up").code());
        Cli.Result list = kappa("topic", "list");
        assertEquals("clicks\ncounts\n", list.out());
        assertTrue(list.err().contains("1 internal topic not shown (--all shows them)"), list.err());
        assertEquals("clicks\ncounts\npages.repartition  (internal)\n", kappa("topic", "list", "--all").out());
        Cli.Result json = kappa("topic", "list", "--all", "--json");
        assertEquals(3, json.lines().size(), json.out());
        JsonNode internal = JSON.readTree(json.lines().get(2));
        assertEquals("pages.repartition", internal.get("name").asText());
        assertTrue(internal.get("internal").asBoolean());

        JsonNode describe = JSON.readTree(kappa("topic", "describe", "clicks", "--json").out());
        assertEquals(2, describe.get("partitions").asInt());
        assertEquals(2, describe.get("partitionStats").get(0).get("end").asLong() + describe.get("partitionStats").get(1).get("end").asLong());

        assertEquals(0, kappa("run", "count", "--by", "page", "--group", "pages2", "--input", "clicks", "--output", "counts2",
            "--until-caught-up").code());
        Cli.Result diff = kappa("diff", "counts", "counts2", "--json");
        assertEquals(0, diff.code(), diff.err());
        JsonNode d = JSON.readTree(diff.out());
        assertTrue(d.get("equal").asBoolean());
        assertEquals(2, d.get("leftKeys").asLong());

        Cli.Result plan = kappa("rewind", "--group", "pages", "--to", "earliest", "--dry-run", "--json");
        assertEquals(0, plan.code(), plan.err());
        JsonNode p = JSON.readTree(plan.out());
        assertTrue(p.get("dryRun").asBoolean());
        assertEquals(2, p.get("events").asLong());
        assertTrue(p.get("moves").isArray() && p.get("moves").size() > 0, plan.out());
    }

    @Test
    void aGroupRunWithAnotherProcessorSpecIsRefusedUnlessForced() {
        assertEquals(0, kappa("topic", "create", "in").code());
        assertEquals(0, kappa("append", "in", "--key", "k", "{\"page\":\"p\"}").code());
        assertEquals(0, kappa("run", "count", "--by", "key", "--group", "g", "--input", "in", "--output", "out", "--until-caught-up").code());
        assertEquals(0, kappa("run", "count", "--by", "key", "--group", "g", "--input", "in", "--output", "out", "--until-caught-up",
            "--from", "latest").code(), "--from only applies to a new group: not a change");
        Cli.Result changed = kappa("run", "count", "--by", "page", "--group", "g", "--input", "in", "--output", "out", "--until-caught-up");
        assertEquals(1, changed.code());
        assertTrue(changed.err().contains("group g was run as `count --by key`; this run changes by key -> page")
            && changed.err().contains("--force"), changed.err());
        Cli.Result forced = kappa("run", "count", "--by", "page", "--group", "g", "--input", "in", "--output", "out", "--until-caught-up",
            "--force");
        assertEquals(0, forced.code(), forced.err());
        assertTrue(forced.err().contains("kappa: warning: group g was run as"), forced.err());
    }
}
