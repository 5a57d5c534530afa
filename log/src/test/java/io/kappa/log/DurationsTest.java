package io.kappa.log;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class DurationsTest {
    static void assertError(String text, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text, "--window"), text);
        assertTrue(e.getMessage().startsWith("--window: "), () -> "'" + e.getMessage() + "' should name the option");
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), () -> "'" + e.getMessage() + "' should contain '" + f + "'");
        }
    }

    @Test
    void parsesEachUnit() {
        assertEquals(500L, Durations.parse("500ms", "--x"));
        assertEquals(10_000L, Durations.parse("10s", "--x"));
        assertEquals(300_000L, Durations.parse("5m", "--x"));
        assertEquals(300_000L, Durations.parse("5min", "--x"));
        assertEquals(7_200_000L, Durations.parse("2h", "--x"));
        assertEquals(86_400_000L, Durations.parse("1d", "--x"));
        assertEquals(0L, Durations.parse("0s", "--x"));
    }

    @Test
    void acceptsUpperCaseAndSurroundingSpace() {
        assertEquals(500L, Durations.parse("500MS", "--x"));
        assertEquals(10_000L, Durations.parse("10S", "--x"));
        assertEquals(7_200_000L, Durations.parse("2H", "--x"));
        assertEquals(86_400_000L, Durations.parse(" 1D ", "--x"));
    }

    @Test
    void parsesTheLargestThatFits() {
        assertEquals(Long.MAX_VALUE, Durations.parse(Long.MAX_VALUE + "ms", "--x"));
        assertEquals(106_751_991_167L * 86_400_000L, Durations.parse("106751991167d", "--x"));
    }

    @Test
    void emptyOrMissingIsAnError() {
        assertError("", "'' is not a duration", "500ms");
        assertError("   ", "is not a duration");
        assertError(null, "is not a duration");
    }

    @Test
    void aNumberWithoutAUnitIsAnError() {
        assertError("10", "'10' is not a duration", "use a number and a unit");
    }

    @Test
    void aUnitWithoutANumberIsAnError() {
        assertError("s", "is not a duration");
        assertError("-5s", "is not a duration");
    }

    @Test
    void anUnknownUnitIsAnError() {
        assertError("10x", "unknown unit 'x'", "'10x'", "ms, s, m, h or d");
        assertError("10 s", "unknown unit");
        assertError("1.5s", "unknown unit");
        assertError("3w", "unknown unit 'w'");
    }

    @Test
    void overflowIsAnError() {
        assertError("99999999999999999999ms", "is too large");
        assertError("106751991168d", "is too large");
        assertError(Long.MAX_VALUE + "s", "is too large");
    }
}
