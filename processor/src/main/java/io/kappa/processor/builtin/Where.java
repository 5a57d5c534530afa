package io.kappa.processor.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A compiled {@code filter --where} expression: one or more conditions joined by {@code and} (any case,
 * or {@code &&}), all of which must hold. A condition is {@code PATH exists}, true when the field is
 * present even if it is JSON null, or {@code PATH OP VALUE} with {@code OP} one of {@code =} ({@code ==}),
 * {@code !=}, {@code <}, {@code >}, {@code <=}, {@code >=}; {@code PATH} is a dotted {@link JsonPath}.
 * {@code VALUE} is a number, a string in single or double quotes (escapes {@code \"}, {@code \'} and
 * {@code \\}), {@code true}, {@code false}, {@code null}, or any other word up to whitespace, which is
 * a string.
 *
 * <p>Numbers compare numerically with numeric fields and with text fields that hold a number, so
 * {@code price > 10} matches {@code {"price": "12.5"}} and {@code 1 = 1.0} holds. Strings compare
 * with text fields ({@code <} and friends by {@link String#compareTo}) and for equality with the text form
 * of numbers and booleans. A text field holds a number when it has the syntax of a number literal in at
 * most 1,000 characters; longer text is only a string, so a hostile record is never parsed at length. A condition whose field is missing, or whose value cannot be compared with the
 * field, is false, except that {@code !=} is always the negation of {@code =}; {@code != null} therefore
 * holds for a missing field. A value that is not a JSON object has no fields.
 *
 * <p>Errors name the problem and its position, counted in characters from 0.
 */
public final class Where {

    private final Condition[] conditions;
    private final String normalized;

    private Where(Condition[] conditions) {
        this.conditions = conditions;
        StringBuilder text = new StringBuilder();
        for (Condition condition : conditions) {
            if (text.length() > 0) {
                text.append(" and ");
            }
            text.append(condition);
        }
        this.normalized = text.toString();
    }

    /**
     * Compiles an expression.
     *
     * @throws IllegalArgumentException if the expression is not valid; the message quotes it and says what
     *     is wrong at which position
     */
    public static Where parse(String expr) {
        Objects.requireNonNull(expr, "expr");
        return new Parser(expr).parse();
    }

    /** Whether {@code value} satisfies every condition. */
    public boolean test(JsonNode value) {
        for (Condition condition : conditions) {
            if (!condition.test(value)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The expression in a normalized form that parses back to the same expression: {@code and} between
     * conditions, single spaces, {@code =} for {@code ==}, strings double-quoted, numbers as written.
     */
    @Override
    public String toString() {
        return normalized;
    }

    // ---------------------------------------------------------------------------------------------------
    // Evaluation

    private enum Op {
        EXISTS("exists"), EQ("="), NE("!="), LT("<"), GT(">"), LE("<="), GE(">=");

        final String symbol;

        Op(String symbol) {
            this.symbol = symbol;
        }

        static Op ofSymbol(String symbol) {
            switch (symbol) {
                case "=":
                case "==":
                    return EQ;
                case "!=":
                    return NE;
                case "<":
                    return LT;
                case ">":
                    return GT;
                case "<=":
                    return LE;
                case ">=":
                    return GE;
                default:
                    return null;
            }
        }
    }

    private static final class Condition {
        final JsonPath path;
        final Op op;
        final Literal literal;

        Condition(JsonPath path, Op op, Literal literal) {
            this.path = path;
            this.op = op;
            this.literal = literal;
        }

        boolean test(JsonNode root) {
            JsonNode node = path.find(root);
            switch (op) {
                case EXISTS:
                    return node != null;
                case EQ:
                    return node != null && literal.matches(node);
                case NE:
                    return node == null || !literal.matches(node);
                default:
                    break;
            }
            if (node == null) {
                return false;
            }
            int c = literal.compare(node);
            if (c == Literal.INCOMPARABLE) {
                return false;
            }
            switch (op) {
                case LT:
                    return c < 0;
                case GT:
                    return c > 0;
                case LE:
                    return c <= 0;
                case GE:
                    return c >= 0;
                default:
                    throw new AssertionError(op);
            }
        }

        @Override
        public String toString() {
            return op == Op.EXISTS ? path.text() + " exists" : path.text() + " " + op.symbol + " " + literal;
        }
    }

    /** The value on the right of an operator, converted at parse time into the forms the tests need. */
    private abstract static class Literal {
        /** What {@link #compare} returns when the node and the literal have no order. */
        static final int INCOMPARABLE = Integer.MIN_VALUE;

        /** Whether a present node equals this literal. */
        abstract boolean matches(JsonNode node);

        /** The sign of (node - literal), or {@link #INCOMPARABLE}. */
        abstract int compare(JsonNode node);
    }

    private static final class StringLiteral extends Literal {
        final String value;

        StringLiteral(String value) {
            this.value = value;
        }

        @Override
        boolean matches(JsonNode node) {
            if (node.isTextual()) {
                return value.equals(node.textValue());
            }
            return (node.isNumber() || node.isBoolean()) && value.equals(node.asText());
        }

        @Override
        int compare(JsonNode node) {
            return node.isTextual() ? Integer.signum(node.textValue().compareTo(value)) : INCOMPARABLE;
        }

        @Override
        public String toString() {
            StringBuilder quoted = new StringBuilder(value.length() + 2).append('"');
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c == '"' || c == '\\') {
                    quoted.append('\\');
                }
                quoted.append(c);
            }
            return quoted.append('"').toString();
        }
    }

    private static final class BooleanLiteral extends Literal {
        static final BooleanLiteral TRUE = new BooleanLiteral(true);
        static final BooleanLiteral FALSE = new BooleanLiteral(false);

        final boolean value;
        final String text;

        private BooleanLiteral(boolean value) {
            this.value = value;
            this.text = Boolean.toString(value);
        }

        @Override
        boolean matches(JsonNode node) {
            if (node.isBoolean()) {
                return node.booleanValue() == value;
            }
            return node.isTextual() && text.equals(node.textValue());
        }

        @Override
        int compare(JsonNode node) {
            return INCOMPARABLE;
        }

        @Override
        public String toString() {
            return text;
        }
    }

    private static final class NullLiteral extends Literal {
        static final NullLiteral INSTANCE = new NullLiteral();

        @Override
        boolean matches(JsonNode node) {
            return node.isNull();
        }

        @Override
        int compare(JsonNode node) {
            return INCOMPARABLE;
        }

        @Override
        public String toString() {
            return "null";
        }
    }

    private static final class NumberLiteral extends Literal {
        private static final BigDecimal LONG_MIN = BigDecimal.valueOf(Long.MIN_VALUE);
        private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);

        /** How a long compares with this literal; see {@link #compareLong}. */
        private enum LongMode { EXACT, FRACTION, ABOVE_ALL, BELOW_ALL }

        final String text;
        final BigDecimal decimal;
        final double doubleValue;
        final float floatValue;
        final LongMode longMode;
        /** EXACT: the literal; FRACTION: its floor; otherwise unused. */
        final long longValue;

        /** @throws NumberFormatException if the exponent is out of range */
        NumberLiteral(String text) {
            this.text = text;
            this.decimal = new BigDecimal(text);
            this.doubleValue = decimal.doubleValue();
            this.floatValue = decimal.floatValue();
            // Every comparison below is cheap even for extreme exponents such as 1e-999999999: compareTo
            // looks at the magnitudes first, and setScale only runs on values within the range of a long.
            if (decimal.compareTo(LONG_MAX) > 0) {
                longMode = LongMode.ABOVE_ALL;
                longValue = 0;
            } else if (decimal.compareTo(LONG_MIN) < 0) {
                longMode = LongMode.BELOW_ALL;
                longValue = 0;
            } else if (decimal.signum() == 0 || decimal.scale() <= 0 || decimal.stripTrailingZeros().scale() <= 0) {
                longMode = LongMode.EXACT;
                longValue = decimal.longValueExact();
            } else {
                longMode = LongMode.FRACTION;
                if (decimal.abs().compareTo(BigDecimal.ONE) < 0) {
                    longValue = decimal.signum() > 0 ? 0 : -1;
                } else {
                    longValue = decimal.setScale(0, RoundingMode.FLOOR).longValueExact();
                }
            }
        }

        @Override
        boolean matches(JsonNode node) {
            return compare(node) == 0;
        }

        @Override
        int compare(JsonNode node) {
            if (node.isNumber()) {
                switch (node.numberType()) {
                    case INT:
                    case LONG:
                        return compareLong(node.longValue());
                    case DOUBLE:
                        // Both sides were rounded from decimal text to the nearest double, so 0.1 = 0.1.
                        return compareDouble(node.doubleValue());
                    case FLOAT:
                        return compareFloat(node.floatValue());
                    default:
                        return Integer.signum(node.decimalValue().compareTo(decimal));
                }
            }
            if (node.isTextual()) {
                return compareText(node.textValue());
            }
            return INCOMPARABLE;
        }

        private int compareLong(long v) {
            switch (longMode) {
                case EXACT:
                    return Long.compare(v, longValue);
                case FRACTION:
                    return v <= longValue ? -1 : 1;
                case ABOVE_ALL:
                    return -1;
                default:
                    return 1;
            }
        }

        private int compareDouble(double v) {
            if (Double.isNaN(v)) {
                return INCOMPARABLE;
            }
            return v < doubleValue ? -1 : (v > doubleValue ? 1 : 0);
        }

        private int compareFloat(float v) {
            if (Float.isNaN(v)) {
                return INCOMPARABLE;
            }
            return v < floatValue ? -1 : (v > floatValue ? 1 : 0);
        }

        private int compareText(String s) {
            if (s.length() > NumberText.MAX_CHARS) {
                return INCOMPARABLE; // not a number by rule; BigDecimal would take seconds on a million digits
            }
            switch (NumberText.shape(s)) {
                case NumberText.SMALL_INTEGER:
                    return compareLong(NumberText.parseSmallInteger(s));
                case NumberText.OTHER_NUMBER:
                    // At most MAX_CHARS digits, and compareTo looks at the magnitudes (adjusted exponents) first,
                    // so even 1e999999999 compares at once.
                    try {
                        return Integer.signum(new BigDecimal(s).compareTo(decimal));
                    } catch (NumberFormatException e) {
                        return INCOMPARABLE; // exponent out of range
                    }
                default:
                    return INCOMPARABLE;
            }
        }

        @Override
        public String toString() {
            return text;
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Parsing

    private static final class Parser {
        /** Characters that make up operators; a field name or an operator ends where they begin. */
        private static final String OPERATOR_CHARS = "=!<>~^|&";

        private final String expr;
        private final int n;
        private int pos;

        Parser(String expr) {
            this.expr = expr;
            this.n = expr.length();
        }

        Where parse() {
            skipWhitespace();
            if (pos == n) {
                throw new IllegalArgumentException(prefix() + "the expression is empty");
            }
            List<Condition> conditions = new ArrayList<>();
            while (true) {
                conditions.add(condition());
                skipWhitespace();
                if (pos == n) {
                    return new Where(conditions.toArray(new Condition[0]));
                }
                int andStart = pos;
                int andLength = andAt(pos);
                if (andLength == 0) {
                    throw error("expected 'and' or the end of the expression but found '" + tokenAt(pos) + "'", pos);
                }
                pos += andLength;
                skipWhitespace();
                if (pos == n) {
                    throw error("dangling '" + expr.substring(andStart, andStart + andLength)
                            + "' with no condition after it", andStart);
                }
            }
        }

        private Condition condition() {
            int start = pos;
            int andLength = andAt(pos);
            if (andLength > 0) {
                throw error("expected a condition but found '" + expr.substring(pos, pos + andLength) + "'", pos);
            }
            if (isOperatorChar(expr.charAt(pos))) {
                int end = pos;
                while (end < n && isOperatorChar(expr.charAt(end))) {
                    end++;
                }
                throw error("missing field name before '" + expr.substring(pos, end) + "'", pos);
            }
            while (pos < n && !Character.isWhitespace(expr.charAt(pos)) && !isOperatorChar(expr.charAt(pos))) {
                pos++;
            }
            String pathText = expr.substring(start, pos);
            if (pathText.equalsIgnoreCase("and")) { // "and>3": a field cannot be called and
                throw error("expected a condition but found '" + pathText + "'", start);
            }
            int bad = JsonPath.invalidIndex(pathText);
            if (bad >= 0) {
                throw error(JsonPath.problemAt(pathText, bad) + " in field path '" + pathText + "'", start + bad);
            }
            JsonPath path = JsonPath.parse(pathText);

            skipWhitespace();
            if (pos == n || andAt(pos) > 0) {
                throw error("missing operator after '" + pathText + "'", pos);
            }
            int opStart = pos;
            if (!isOperatorChar(expr.charAt(pos))) {
                int wordEnd = pos;
                while (wordEnd < n && !Character.isWhitespace(expr.charAt(wordEnd))
                        && !isOperatorChar(expr.charAt(wordEnd))) {
                    wordEnd++;
                }
                String word = expr.substring(pos, wordEnd);
                if (word.equalsIgnoreCase("exists")) {
                    pos = wordEnd;
                    return new Condition(path, Op.EXISTS, null);
                }
                if (isLetters(word) && !restIsBlank(wordEnd)) {
                    // "price is 3": a word used as an operator
                    throw unknownOperator(word, opStart);
                }
                throw error("missing operator after '" + pathText + "'", opStart);
            }
            // Longest run of operator characters, so "=<" is reported as one unknown operator; a run
            // stops before "&&" so that "price >&& ..." reads as a missing value.
            while (pos < n && isOperatorChar(expr.charAt(pos)) && !(pos > opStart && expr.startsWith("&&", pos))) {
                pos++;
            }
            String opText = expr.substring(opStart, pos);
            Op op = Op.ofSymbol(opText);
            if (op == null) {
                throw unknownOperator(opText, opStart);
            }

            skipWhitespace();
            if (pos == n || andAt(pos) > 0) {
                throw error("missing value after '" + opText + "'", pos);
            }
            return new Condition(path, op, literal());
        }

        private Literal literal() {
            char first = expr.charAt(pos);
            if (first == '"' || first == '\'') {
                return new StringLiteral(quoted());
            }
            int start = pos;
            while (pos < n && !Character.isWhitespace(expr.charAt(pos)) && !expr.startsWith("&&", pos)) {
                pos++;
            }
            String word = expr.substring(start, pos);
            if (NumberText.shape(word) != NumberText.NOT_A_NUMBER) {
                if (word.length() > NumberText.MAX_CHARS) {
                    throw error("number '" + tokenAt(start) + "' is longer than " + NumberText.MAX_CHARS
                            + " characters", start);
                }
                try {
                    return new NumberLiteral(word);
                } catch (NumberFormatException | ArithmeticException e) {
                    throw error("number '" + word + "' is out of range", start);
                }
            }
            switch (word) {
                case "true":
                    return BooleanLiteral.TRUE;
                case "false":
                    return BooleanLiteral.FALSE;
                case "null":
                    return NullLiteral.INSTANCE;
                default:
                    return new StringLiteral(word);
            }
        }

        private String quoted() {
            char quote = expr.charAt(pos);
            int start = pos++;
            StringBuilder value = new StringBuilder();
            while (pos < n) {
                char c = expr.charAt(pos);
                if (c == '\\' && pos + 1 < n) {
                    char next = expr.charAt(pos + 1);
                    if (next == '"' || next == '\'' || next == '\\') {
                        value.append(next);
                        pos += 2;
                        continue;
                    }
                }
                if (c == quote) {
                    pos++;
                    return value.toString();
                }
                value.append(c);
                pos++;
            }
            throw error("unterminated " + (quote == '"' ? "double" : "single") + "-quoted string starting", start);
        }

        /** Length of the {@code and} or {@code &&} at {@code i}, or 0 when there is none. */
        private int andAt(int i) {
            if (expr.startsWith("&&", i)) {
                return 2;
            }
            if (expr.regionMatches(true, i, "and", 0, 3) && (i + 3 == n || Character.isWhitespace(expr.charAt(i + 3)))) {
                return 3;
            }
            return 0;
        }

        private void skipWhitespace() {
            while (pos < n && Character.isWhitespace(expr.charAt(pos))) {
                pos++;
            }
        }

        private boolean restIsBlank(int from) {
            for (int i = from; i < n; i++) {
                if (!Character.isWhitespace(expr.charAt(i))) {
                    return false;
                }
            }
            return true;
        }

        /** The text from {@code i} up to the next whitespace, shortened if long, for error messages. */
        private String tokenAt(int i) {
            int end = i;
            while (end < n && !Character.isWhitespace(expr.charAt(end))) {
                end++;
            }
            return end - i > 20 ? expr.substring(i, i + 20) + "..." : expr.substring(i, end);
        }

        private static boolean isOperatorChar(char c) {
            return OPERATOR_CHARS.indexOf(c) >= 0;
        }

        private static boolean isLetters(String word) {
            for (int i = 0; i < word.length(); i++) {
                if (!Character.isLetter(word.charAt(i))) {
                    return false;
                }
            }
            return !word.isEmpty();
        }

        private String prefix() {
            return "invalid --where expression \"" + expr + "\": ";
        }

        private IllegalArgumentException error(String problem, int position) {
            return new IllegalArgumentException(prefix() + problem + " at position " + position);
        }

        private IllegalArgumentException unknownOperator(String operator, int position) {
            return new IllegalArgumentException(prefix() + "unknown operator '" + operator + "' at position "
                    + position + ", expected one of =, ==, !=, <, >, <=, >= or exists");
        }
    }
}
