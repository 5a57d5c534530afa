package io.kappa.log;

import java.util.Locale;

/** Durations as people write them on a command line: {@code 500ms}, {@code 10s}, {@code 5m}, {@code 2h}, {@code 1d}. */
public final class Durations {
    private Durations() {
    }

    /** Milliseconds; {@code what} names the option in the error. */
    public static long parse(String text, String what) {
        String s = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        int i = 0;
        while (i < s.length() && Character.isDigit(s.charAt(i))) {
            i++;
        }
        if (i == 0 || i == s.length()) {
            throw new IllegalArgumentException(what + ": '" + text + "' is not a duration (use a number and a unit: 500ms, 10s, 5m, 2h, 1d)");
        }
        long n;
        try {
            n = Long.parseLong(s.substring(0, i));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + ": '" + text + "' is too large");
        }
        long unit = switch (s.substring(i)) {
            case "ms" -> 1L;
            case "s" -> 1_000L;
            case "m", "min" -> 60_000L;
            case "h" -> 3_600_000L;
            case "d" -> 86_400_000L;
            default -> throw new IllegalArgumentException(what + ": unknown unit '" + s.substring(i) + "' in '" + text
                + "' (use ms, s, m, h or d)");
        };
        try {
            return Math.multiplyExact(n, unit);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(what + ": '" + text + "' is too large");
        }
    }
}
