package io.kappa.processor.builtin;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class KeyStringsTest {
    private static String through(KeyStrings strings, String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        // the key sits at the start of a larger buffer, as a record view's key does
        byte[] padded = java.util.Arrays.copyOf(b, b.length + 7);
        return strings.of(new UnsafeBuffer(padded, 0, b.length), b.length);
    }

    @Test
    void everyKeyComesBackAsItsTextAndARepeatIsTheSameInstance() {
        KeyStrings strings = new KeyStrings();
        Random random = new Random(7);
        String[] keys = new String[300_000];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = random.nextInt(10) == 0 ? "ü-" + random.nextInt(1000) : "k" + random.nextInt(50_000);
            assertEquals(keys[i], through(strings, keys[i]));
        }
        assertEquals("", through(strings, ""));
        String first = through(strings, "hot");
        assertSame(first, through(strings, "hot"), "a key seen just before is the same String");
        // keys of equal length and hash slot never come back as each other: checked against the text above
    }

    @Test
    void aWorkingSetThatFitsKeepsEveryInstance() {
        KeyStrings strings = new KeyStrings();
        String[] first = new String[10_000];
        for (int i = 0; i < first.length; i++) {
            first[i] = through(strings, "key-" + i);
        }
        Random random = new Random(11);
        for (int n = 0; n < 100_000; n++) {
            int i = random.nextInt(first.length);
            assertSame(first[i], through(strings, "key-" + i), "key-" + i + " was made again");
        }
    }

    @Test
    void moreKeysThanItHoldsStartOverAndStillComeBackAsTheirText() {
        KeyStrings strings = new KeyStrings();
        for (int i = 0; i < KeyStrings.MAX_KEYS + 5_000; i++) {
            assertEquals("k" + i, through(strings, "k" + i));
        }
        for (int i = 0; i < KeyStrings.MAX_KEYS + 5_000; i += 7) {
            assertEquals("k" + i, through(strings, "k" + i));
        }
        String recent = through(strings, "k3");
        assertSame(recent, through(strings, "k3"));
    }
}
