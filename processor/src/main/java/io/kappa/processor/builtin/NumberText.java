package io.kappa.processor.builtin;

/**
 * The rule for a number held in a text field ({@code {"price": "12.5"}}), shared by {@code filter --where} and
 * the sums of {@code aggregate} and {@code window}: an optional sign, ASCII digits with an optional decimal
 * point (at least one digit), and an optional exponent, in at most {@link #MAX_CHARS} characters. Longer text is
 * not a number, whatever it holds, so a hostile record costs at most a linear scan: parsing a million digits
 * with {@code BigDecimal} takes seconds. JSON numbers obey the same length through the mappers' read limits
 * ({@code Serdes.READ_LIMITS}).
 */
final class NumberText {
    /** The longest text that can be a number; the same as the longest JSON number a mapper reads. */
    static final int MAX_CHARS = 1000;

    static final int NOT_A_NUMBER = 0;
    /** An integer without exponent of at most 18 digits, which always fits a long. */
    static final int SMALL_INTEGER = 1;
    static final int OTHER_NUMBER = 2;

    private NumberText() {
    }

    /**
     * Classifies {@code s} as {@link #NOT_A_NUMBER}, {@link #SMALL_INTEGER} or {@link #OTHER_NUMBER} by the
     * syntax alone; the caller applies {@link #MAX_CHARS}.
     */
    static int shape(String s) {
        int n = s.length();
        int i = 0;
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            i++;
        }
        int digits = 0;
        while (i < n && isDigit(s.charAt(i))) {
            i++;
            digits++;
        }
        boolean point = false;
        if (i < n && s.charAt(i) == '.') {
            point = true;
            i++;
            while (i < n && isDigit(s.charAt(i))) {
                i++;
                digits++;
            }
        }
        if (digits == 0) {
            return NOT_A_NUMBER;
        }
        boolean exponent = false;
        if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            exponent = true;
            i++;
            if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                i++;
            }
            int exponentDigits = 0;
            while (i < n && isDigit(s.charAt(i))) {
                i++;
                exponentDigits++;
            }
            if (exponentDigits == 0) {
                return NOT_A_NUMBER;
            }
        }
        if (i != n) {
            return NOT_A_NUMBER;
        }
        return !point && !exponent && digits <= 18 ? SMALL_INTEGER : OTHER_NUMBER;
    }

    /** Parses a string that {@link #shape} classified as {@link #SMALL_INTEGER}. */
    static long parseSmallInteger(String s) {
        int i = 0;
        boolean negative = false;
        if (s.charAt(0) == '+' || s.charAt(0) == '-') {
            negative = s.charAt(0) == '-';
            i = 1;
        }
        long value = 0;
        for (; i < s.length(); i++) {
            value = value * 10 + (s.charAt(i) - '0');
        }
        return negative ? -value : value;
    }

    /**
     * The text as the nearest double (infinite when out of range), or NaN when it is not a number by this rule.
     * Linear in the length: {@link Double#parseDouble} on text the syntax check has accepted.
     */
    static double toDouble(String s) {
        if (s.length() > MAX_CHARS || shape(s) == NOT_A_NUMBER) {
            return Double.NaN;
        }
        return Double.parseDouble(s);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
