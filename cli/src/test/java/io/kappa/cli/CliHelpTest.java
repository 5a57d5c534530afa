package io.kappa.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/** Help per processor, examples everywhere, wrapping between words only, read-only commands without write options, completion. */
class CliHelpTest {
    private static final List<List<String>> COMMANDS = List.of(List.of(), List.of("topic"), List.of("topic", "create"),
        List.of("topic", "list"), List.of("topic", "describe"), List.of("topic", "delete"), List.of("append"), List.of("read"),
        List.of("serve"), List.of("run"), List.of("mirror"), List.of("status"), List.of("rewind"), List.of("replay"), List.of("diff"),
        List.of("promote"), List.of("golden"), List.of("golden", "record"), List.of("golden", "check"), List.of("demo"),
        List.of("completion"), List.of("run", "count"), List.of("replay", "window-count"));

    @TempDir
    Path dir;

    private static String help(List<String> command) {
        String[] args = new String[command.size() + 1];
        for (int i = 0; i < command.size(); i++) {
            args[i] = command.get(i);
        }
        args[command.size()] = "--help";
        Cli.Result r = Cli.run(args);
        assertEquals(0, r.code(), command + ": " + r.err());
        return r.out();
    }

    @Test
    void runHelpIsPerProcessor() {
        String count = help(List.of("run", "count"));
        assertTrue(count.startsWith("Usage: kappa run count [OPTIONS] --group G --input TOPIC[,TOPIC...] --output TOPIC\n"), count);
        assertTrue(count.contains("--by=key|FIELD") && count.contains("--group=G") && count.contains("--until-caught-up"), count);
        assertFalse(count.contains("--window=") || count.contains("--where=") || count.contains("--size="), "only count's: " + count);
        assertTrue(count.contains("kappa run count --by page"), count);
        String join = help(List.of("run", "join"));
        assertTrue(join.contains("--left=TOPIC") && join.contains("--within=DURATION") && !join.contains("--by="), join);
        String run = help(List.of("run"));
        assertFalse(run.contains("--size=") || run.contains("--by="), "processor options only in the processor's help: " + run);
        for (String p : io.kappa.processor.builtin.BuiltinSpec.NAMES) {
            assertTrue(run.contains("\n  " + p + " "), p + " listed: " + run);
        }
        assertEquals(Cli.run("help", "run").out(), run, "kappa help run is kappa run --help");
        assertTrue(help(List.of("replay", "top")).contains("--n=N"));
        Cli.Result unknown = Cli.run("run", "cuont", "--help");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("did you mean 'count'?"), unknown.err());
    }

    @Test
    void helpNamesACommandAtAnyDepth() {
        assertEquals(help(List.of("topic", "list")), Cli.run("help", "topic", "list").out(), "kappa help topic list is kappa topic list --help");
        assertEquals(help(List.of("run", "count")), Cli.run("help", "run", "count").out(), "kappa help run count is kappa run count --help");
        assertEquals(help(List.of("topic")), Cli.run("help", "topic").out());
        Cli.Result unknown = Cli.run("help", "topic", "lst");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().startsWith("kappa: unknown command 'topic lst' ('kappa topic' has create, list, describe, delete)"
            + "; see `kappa topic --help`"), unknown.err());
        assertEquals(2, Cli.run("help", "read", "more").code());
    }

    @Test
    void optionsOfKappaBeforeTheCommand() {
        assertEquals(0, Cli.run("topic", "create", "--data-dir=" + dir, "t").code());
        Cli.Result list = Cli.run("--data-dir", dir.toString(), "topic", "list");
        assertEquals("t\n", list.out(), list.err());
        String all = Cli.run("--data-dir", dir.toString(), "--help").out();
        for (String c : List.of("topic", "append", "read", "serve", "run", "status", "completion", "help")) {
            assertTrue(all.contains("\n  " + c + " "), c + " listed: " + all);
        }
        Cli.Result typo = Cli.run("--data-dir=" + dir, "topc");
        assertEquals(2, typo.code());
        assertTrue(typo.err().contains("did you mean 'topic'"), typo.err());
    }

    @Test
    void everyCommandHasExamplesAndWrapsBetweenWords() {
        for (List<String> c : COMMANDS) {
            String text = help(c);
            assertTrue(text.contains("\nExamples:\n  kappa "), c + " has examples: " + text);
            String body = text.substring(0, text.indexOf("\nExamples:"));
            for (String line : body.split("\n")) {
                assertTrue(line.length() <= HelpLayout.WIDTH, c + ": longer than " + HelpLayout.WIDTH + ": " + line);
                assertFalse(line.endsWith(" e.") || line.endsWith("GROUP."), c + ": broken inside a word: " + line);
            }
        }
        String run = help(List.of("run", "window-count"));
        assertTrue(run.contains("GROUP.late"), run);
        assertTrue(help(List.of()).contains("\n  run                         Run a processor for a group, from its checkpoint"), "whole summaries");
    }

    @Test
    void readOnlyCommandsHaveNoWriteOptions() {
        for (List<String> c : List.of(List.of("topic", "list"), List.of("topic", "describe"), List.of("read"), List.of("status"),
            List.of("diff"), List.of("rewind"))) {
            String text = help(c);
            assertFalse(text.contains("--fsync") || text.contains("--max-record-bytes"), c + ": " + text);
            assertTrue(text.contains("--data-dir"), c + ": " + text);
        }
        for (List<String> c : List.of(List.of("append"), List.of("serve"), List.of("run"))) {
            assertTrue(help(c).contains("--fsync"), c.toString());
        }
    }

    @Test
    void completionScriptsCompleteCommandsAndOptions() throws Exception {
        Cli.Result bash = Cli.run("completion", "bash");
        assertEquals(0, bash.code(), bash.err());
        Path script = dir.resolve("kappa.bash");
        Files.writeString(script, bash.out());
        // complete `kappa re` and `kappa read --fr` in a real bash
        String probe = "source " + script + "\nCOMP_WORDS=(kappa re); COMP_CWORD=1; COMP_LINE='kappa re'; COMP_POINT=8; "
            + "_complete_kappa kappa re kappa; echo \"${COMPREPLY[*]}\"\nCOMP_WORDS=(kappa read --fr); COMP_CWORD=2; "
            + "COMP_LINE='kappa read --fr'; COMP_POINT=15; _complete_kappa kappa --fr read; echo \"${COMPREPLY[*]}\"\n";
        Process p = new ProcessBuilder("bash", "-c", probe).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        List<String> lines = List.of(out.split("\n"));
        assertTrue(lines.get(0).contains("read") && lines.get(0).contains("replay") && lines.get(0).contains("rewind"), out);
        assertTrue(lines.get(1).contains("--from") && lines.get(1).contains("--from-event-time"), out);
        assertEquals(bash.out(), Cli.run("completion", "zsh").out(), "zsh runs the bash script through bashcompinit");
        String fish = Cli.run("completion", "fish").out();
        assertTrue(fish.contains("complete -c kappa -n '__fish_use_subcommand' -a read -d "), fish);
        assertTrue(fish.contains("complete -c kappa -n '__fish_seen_subcommand_from read' -l from-event-time -r"), fish);
        assertEquals(2, Cli.run("completion", "tcsh").code());
    }
}
