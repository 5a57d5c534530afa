package io.kappa.cli;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/** Errors are one line that says where help is; every usage error exits 2; an unknown name gets the nearest existing one. */
class CliErrorsTest {
    @TempDir
    Path dir;

    private Cli.Result kappa(String... args) {
        return Cli.run(Cli.inDir(dir, args));
    }

    private static void assertOneLineUsageError(Cli.Result r, String reason, String helpFor) {
        assertEquals(2, r.code(), r.err());
        assertEquals("", r.out(), "no usage on stdout after an error");
        assertEquals(1, r.err().split("\n").length, "one line, no usage: " + r.err());
        assertTrue(r.err().startsWith("kappa: ") && r.err().contains(reason), r.err());
        assertTrue(r.err().endsWith("; see `kappa " + helpFor + " --help`\n"), r.err());
    }

    @Test
    void aMissingOptionIsOneLineEndingWithWhereHelpIs() throws Exception {
        assertEquals(0, kappa("topic", "create", "t").code());
        Cli.Result r = Cli.exec(dir, null, "run", "count", "--by", "key", "--input", "t", "--output", "o");
        assertOneLineUsageError(r, "Missing required option: '--group=G'", "run");
    }

    @Test
    void validationErrorsAreUsageErrors() {
        assertEquals(0, kappa("topic", "create", "t").code());
        assertOneLineUsageError(kappa("run", "count", "--group", "g", "--input", "t", "--output", "o", "--threads", "0"),
            "--threads must be in 1..1024", "run");
        assertOneLineUsageError(kappa("run", "count", "--group", "g", "--input", "t", "--output", "o"), "count needs --by", "run");
        assertOneLineUsageError(kappa("read", "t", "--from", "yesterday"), "bad position 'yesterday'", "read");
        assertOneLineUsageError(kappa("run", "count", "--by", "key", "--group", "g", "--input", "t", "--output", "o", "--emit", "latest"),
            "--emit takes changes or latest-per-commit, not 'latest'", "run");
        assertOneLineUsageError(kappa("run", "count", "--by", "key", "--group", "g", "--input", "t", "--output", "o", "--emit",
            "latest-per-commit", "--kafka", "localhost:1"), "--emit latest-per-commit is for the local log", "run");
        assertOneLineUsageError(kappa("run", "count", "--by", "key", "--group", "g", "--input", "t", "--output", "o",
            "--emit-cache-bytes", "0"), "--emit-cache-bytes must be at least 1, was 0", "run");
        assertOneLineUsageError(kappa("topic", "create", "bad/name"), "bad/name", "topic create");
    }

    @Test
    void anUnknownCommandOrOptionNamesTheNearestOne() {
        Cli.Result r = Cli.run("topc", "list");
        assertEquals(2, r.code());
        assertEquals("kappa: unknown command 'topc'; did you mean 'topic'?; see `kappa --help`\n", r.err());
        r = kappa("read", "t", "--limt", "3");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("did you mean '--limit'?") && r.err().endsWith("see `kappa read --help`\n"), r.err());
    }

    @Test
    void anUnknownTopicOrGroupNamesTheNearestExistingOne() {
        assertEquals(0, kappa("topic", "create", "clicks").code());
        assertEquals(0, kappa("topic", "create", "orders").code());
        Cli.Result r = kappa("read", "clikcs");
        assertEquals(1, r.code(), "an unknown name is a failure, not a usage error");
        assertEquals("kappa: unknown topic 'clikcs'; did you mean 'clicks'?\n", r.err());
        r = kappa("read", "zzzzzzzz");
        assertEquals("kappa: unknown topic 'zzzzzzzz'\n", r.err(), "nothing near: no guess");
        assertEquals(0, kappa("append", "clicks", "x").code());
        assertEquals(0, kappa("run", "map", "--select", "a", "--group", "pages", "--input", "clicks", "--output", "out",
            "--until-caught-up").code());
        r = kappa("status", "page");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("unknown group 'page'") && r.err().contains("did you mean 'pages'?"), r.err());
        r = kappa("rewind", "--group", "pagse", "--to", "earliest");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("did you mean 'pages'?"), r.err());
    }
}
