package io.kappa.bench;

import java.io.PrintWriter;
import java.io.StringWriter;

import io.kappa.cli.Kappa;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** With the bench module on the class path (as the launcher runs it), {@code kappa --help} lists bench and {@code kappa help bench} works. */
class BenchInKappaHelpTest {
    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Kappa.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new String[] {Integer.toString(code), out.toString(), err.toString()};
    }

    @Test
    void benchIsAKappaCommand() {
        String[] help = run("--help");
        assertEquals("0", help[0], help[2]);
        assertTrue(help[1].contains("\n  bench ") && help[1].contains("kappa bench --help"), help[1]);
        String[] benchHelp = run("help", "bench");
        assertEquals("0", benchHelp[0], benchHelp[2]);
        assertTrue(benchHelp[1].startsWith("Usage: kappa bench"), benchHelp[1]);
        assertEquals(benchHelp[1], run("bench", "--help")[1]);
        String[] bad = run("bench", "nope");
        assertEquals("2", bad[0], bad[2]);
    }
}
