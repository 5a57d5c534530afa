package io.kappa.cli;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/** After {@code kappa promote T --to v2}, T means T.v2 for every command: append, read, topic, run, status. */
@Timeout(120)
class PromoteCommandTest {
    @TempDir
    Path dir;

    private Cli.Result kappa(String... args) {
        return kappaWithStdin(null, args);
    }

    private Cli.Result kappaWithStdin(String stdin, String... args) {
        int sub = args[0].equals("topic") ? 2 : 1;
        String[] full = new String[args.length + 1];
        System.arraycopy(args, 0, full, 0, sub);
        full[sub] = "--data-dir=" + dir;
        System.arraycopy(args, sub, full, sub + 1, args.length - sub);
        return Cli.runWithStdin(stdin, full);
    }

    private Cli.Result ok(String... args) {
        Cli.Result r = kappa(args);
        assertEquals(0, r.code(), String.join(" ", args) + ": " + r.err());
        return r;
    }

    /** The values of a topic read by name, in order. */
    private List<String> values(String name) {
        return ok("read", name).lines().stream().map(l -> l.replaceAll(".*\"value\":\"([^\"]*)\".*", "$1")).toList();
    }

    @BeforeEach
    void firstVersionThenPromote() {
        ok("topic", "create", "T");
        ok("append", "T", "old");
        ok("topic", "create", "T.v2");
        ok("promote", "T", "--to", "v2", "--force");
    }

    @Test
    void appendToAPromotedNameGoesToTheNewVersion() {
        Cli.Result one = ok("append", "T", "one");
        assertTrue(one.err().contains("T is an alias of T.v2"), one.err());
        Cli.Result lines = kappaWithStdin("{\"value\":\"two\"}\n{\"topic\":\"T\",\"value\":\"three\"}\n", "append", "T");
        assertEquals(0, lines.code(), lines.err());
        assertEquals(List.of("one", "two", "three"), values("T"));
        assertEquals(List.of("one", "two", "three"), values("T.v2"));
        assertEquals(List.of("old"), values("T.v1"), "the first version gets nothing written to the promoted name");
    }

    @Test
    void diffComparesWhatTheNamesMeanNow() {
        ok("append", "T", "--key", "k", "new");
        // found by LoopSequenceTest: diff read the physical topic T (the first version), not what T means after the promote
        Cli.Result same = kappa("diff", "T", "T.v2");
        assertEquals(0, same.code(), same.out() + same.err());
        assertTrue(same.out().contains("equal"), same.out());
        assertEquals(1, kappa("diff", "T.v1", "T").code(), "the first version differs from the current one");
    }

    @Test
    void describeFollowsTheAliasAndTheFirstVersionIsDescribedByItsNewName() {
        ok("append", "T", "one");
        String t = ok("topic", "describe", "T").out();
        assertTrue(t.startsWith("T -> T.v2  (alias)\ntopic T.v2:"), t);
        String v1 = ok("topic", "describe", "T.v1").out();
        assertTrue(v1.startsWith("T.v1 -> T  (alias)\ntopic T:"), v1);
        assertTrue(v1.contains("           0            1            1"), "the first version's one record: " + v1);
    }

    @Test
    void listShowsAliasesBesideTheTopics() {
        assertEquals(List.of("T -> T.v2  (alias)", "T  (read as T.v1)", "T.v1 -> T  (alias)", "T.v2  (also T)"),
            ok("topic", "list").lines());
    }

    @Test
    void deleteRefusesAnAliasNameAndATopicThatAliasesPointAt() {
        Cli.Result r = kappa("topic", "delete", "T");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("T is an alias of topic T.v2 (kappa promote); nothing deleted")
            && r.err().contains("kappa topic delete T.v2 --force") && r.err().contains("kappa topic delete T --physical --force"), r.err());
        r = kappa("topic", "delete", "T.v1");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("T.v1 is an alias of topic T") && r.err().contains("kappa topic delete T --physical --force"), r.err());
        r = kappa("topic", "delete", "T.v2");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("topic 'T.v2' is read and written as T (alias)") && r.err().contains("add --force"), r.err());
        assertEquals(List.of("old"), values("T.v1"));

        assertEquals("deleted topic T and its alias T.v1\n", ok("topic", "delete", "T", "--physical", "--force").out());
        assertEquals(List.of("T -> T.v2  (alias)", "T.v2  (also T)"), ok("topic", "list").lines());
    }

    @Test
    void runWritesAPromotedOutputToItsNewVersionAndStatusNamesTheAliases() {
        ok("topic", "create", "in");
        assertEquals(0, kappaWithStdin("{\"value\":{\"n\":1}}\n", "append", "in").code());
        Cli.Result run = ok("run", "filter", "--where", "n = 1", "--group", "g", "--input", "in", "--output", "T",
            "--until-caught-up");
        assertTrue(run.err().contains("output T writes as T.v2 (promoted)"), run.err());
        assertEquals(1, values("T").size(), values("T").toString());
        assertEquals(List.of("old"), values("T.v1"));

        ok("topic", "create", "in.v2");
        ok("promote", "in", "--to", "v2", "--force");
        String status = ok("status", "g").out();
        assertTrue(status.contains(" in  (read as in.v1) "), status);
    }

    @Test
    void aGroupStartedAfterThePromoteKeepsTheNewVersionWhenItRunsAgain() {
        Cli.Result first = kappaWithStdin("{\"value\":{\"n\":1}}\n", "append", "T");
        assertEquals(0, first.code(), first.err());
        ok("run", "filter", "--where", "n = 1", "--group", "g", "--input", "T", "--output", "out", "--until-caught-up");
        assertEquals(0, kappaWithStdin("{\"value\":{\"n\":1}}\n", "append", "T").code());
        Cli.Result again = ok("run", "filter", "--where", "n = 1", "--group", "g", "--input", "T", "--output", "out", "--until-caught-up");
        assertFalse(again.err().contains("keeps"), again.err());
        assertTrue(again.out().contains("1 records processed"), "only the new record of T.v2: " + again.out());
        assertEquals(2, ok("read", "out").lines().size());
    }
}
