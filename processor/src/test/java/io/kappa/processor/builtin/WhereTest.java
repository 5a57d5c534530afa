package io.kappa.processor.builtin;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class WhereTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private static JsonNode json(String text) {
        try {
            return MAPPER.readTree(text.replace('\'', '"'));
        } catch (JsonProcessingException e) {
            throw new AssertionError(text, e);
        }
    }

    private static boolean matches(String expr, String record) {
        return Where.parse(expr).test(json(record));
    }

    private static void assertMatch(String expr, String record) {
        assertTrue(matches(expr, record), () -> expr + " should match " + record);
    }

    private static void assertNoMatch(String expr, String record) {
        assertFalse(matches(expr, record), () -> expr + " should not match " + record);
    }

    private static IllegalArgumentException parseError(String expr) {
        return assertThrows(IllegalArgumentException.class, () -> Where.parse(expr), expr);
    }

    private static void assertError(String expr, String... fragments) {
        String message = parseError(expr).getMessage();
        assertTrue(message.startsWith("invalid --where expression \"" + expr + "\": "), message);
        for (String fragment : fragments) {
            assertTrue(message.contains(fragment), () -> "'" + message + "' should contain '" + fragment + "'");
        }
    }

    // --- JsonPath ---------------------------------------------------------------------------------------

    @Test
    void jsonPathFindsNestedFields() {
        JsonNode root = json("{'user': {'country': 'NO', 'address': {'zip': 123}, 'nick': null}, 'n': 1}");
        assertEquals("NO", JsonPath.parse("user.country").find(root).textValue());
        assertEquals(123, JsonPath.parse("user.address.zip").find(root).intValue());
        assertTrue(JsonPath.parse("user.nick").find(root).isNull());
        assertEquals("user.address.zip", JsonPath.parse("user.address.zip").text());
        assertEquals("n", JsonPath.parse("n").toString());
    }

    @Test
    void jsonPathReturnsNullForMissingStepsAndNonObjects() {
        JsonNode root = json("{'user': {'country': 'NO'}, 'n': 1, 'list': [{'a': 1}]}");
        assertNull(JsonPath.parse("user.city").find(root));
        assertNull(JsonPath.parse("nope.country").find(root));
        assertNull(JsonPath.parse("n.x").find(root));
        assertNull(JsonPath.parse("user.country.x").find(root));
        assertNull(JsonPath.parse("list.a").find(root));
        assertNull(JsonPath.parse("a").find(json("[1, 2]")));
        assertNull(JsonPath.parse("a").find(json("\"text\"")));
        assertNull(JsonPath.parse("a").find(null));
    }

    @Test
    void jsonPathSegmentsMayHoldAnyCharacterButDotAndWhitespace() {
        JsonNode root = json("{'@timestamp': 1, 'user-id': {'$ref': 'x'}}");
        assertEquals(1, JsonPath.parse("@timestamp").find(root).intValue());
        assertEquals("x", JsonPath.parse("user-id.$ref").find(root).textValue());
    }

    @Test
    void jsonPathRejectsEmptySegmentsAndWhitespace() {
        String[][] cases = {
            {"", "empty path at position 0"},
            {"a..b", "empty field name at position 2"},
            {".a", "empty field name at position 0"},
            {"a.", "empty field name at position 2"},
            {"a b", "whitespace in field name at position 1"},
        };
        for (String[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JsonPath.parse(c[0]), c[0]);
            assertEquals("invalid field path \"" + c[0] + "\": " + c[1], e.getMessage());
        }
    }

    // --- operators and literals -------------------------------------------------------------------------

    @Test
    void numericOperators() {
        String record = "{'price': 10}";
        assertMatch("price = 10", record);
        assertMatch("price == 10", record);
        assertNoMatch("price != 10", record);
        assertMatch("price != 11", record);
        assertMatch("price < 11", record);
        assertNoMatch("price < 10", record);
        assertMatch("price > 9", record);
        assertNoMatch("price > 10", record);
        assertMatch("price <= 10", record);
        assertNoMatch("price <= 9", record);
        assertMatch("price >= 10", record);
        assertNoMatch("price >= 11", record);
    }

    @Test
    void numberLiteralForms() {
        String record = "{'i': 1000, 'neg': -3, 'd': 2.5, 'tiny': 0.001}";
        assertMatch("i = 1e3", record);
        assertMatch("i = 1E+3", record);
        assertMatch("i = 1000.000", record);
        assertMatch("i = +1000", record);
        assertMatch("neg = -3", record);
        assertMatch("neg < -2.5", record);
        assertMatch("d = 2.50", record);
        assertMatch("d = 25e-1", record);
        assertMatch("d > .5", record);
        assertMatch("tiny = 1e-3", record);
        assertMatch("tiny > 0", record);
    }

    @Test
    void integersAndDecimalsCompareByValue() {
        assertMatch("x = 1.0", "{'x': 1}");
        assertMatch("x = 1", "{'x': 1.0}");
        assertMatch("x < 1.5", "{'x': 1}");
        assertMatch("x > 0.5", "{'x': 1}");
        assertNoMatch("x = 1.5", "{'x': 1}");
        assertMatch("x > -0.5", "{'x': 0}");
        assertMatch("x < -0.5", "{'x': -1}");
        assertMatch("x = 0.1", "{'x': 0.1}");
        assertNoMatch("x < 0.1", "{'x': 0.1}");
        assertMatch("x <= 0.1", "{'x': 0.1}");
        assertMatch("x > 0.3", "{'x': 0.30000000000000004}");
    }

    @Test
    void longsCompareExactlyBeyondDoublePrecision() {
        String record = "{'id': 9007199254740993}"; // 2^53 + 1, not a double
        assertMatch("id = 9007199254740993", record);
        assertNoMatch("id = 9007199254740992", record);
        assertMatch("id > 9007199254740992", record);
        assertMatch("id < 9007199254740993.5", record);
        assertMatch("id > 9007199254740992.5", record);
        assertMatch("id = \"9007199254740993\"", record);
        assertMatch("m = 9223372036854775807", "{'m': 9223372036854775807}");
        assertMatch("m < 9223372036854775808", "{'m': 9223372036854775807}");
        assertMatch("m > -9223372036854775809", "{'m': -9223372036854775808}");
        assertMatch("m < 1e400", "{'m': 5}");
        assertMatch("m > -1e400", "{'m': 5}");
        assertMatch("m < 1e-400", "{'m': 0}");
        assertMatch("m > -1e-400", "{'m': 0}");
        assertMatch("m > 1e-400", "{'m': 1}");
    }

    @Test
    void bigIntegerDecimalAndFloatNodes() {
        ObjectNode record = NODES.objectNode();
        record.set("big", NODES.numberNode(new BigInteger("123456789012345678901234567890")));
        record.set("dec", NODES.numberNode(new BigDecimal("0.1000")));
        record.set("f", NODES.numberNode(0.1f));
        record.set("short", NODES.numberNode((short) 7));
        record.set("nan", NODES.numberNode(Double.NaN));
        assertTrue(Where.parse("big = 123456789012345678901234567890").test(record));
        assertTrue(Where.parse("big > 123456789012345678901234567889.5").test(record));
        assertTrue(Where.parse("dec = 0.1").test(record));
        assertTrue(Where.parse("dec < 0.10000000000000000001").test(record));
        assertTrue(Where.parse("f = 0.1").test(record));
        assertTrue(Where.parse("f < 0.2").test(record));
        assertTrue(Where.parse("short = 7").test(record));
        assertFalse(Where.parse("nan = 1").test(record));
        assertTrue(Where.parse("nan != 1").test(record));
        assertFalse(Where.parse("nan < 1").test(record));
        assertFalse(Where.parse("nan >= 1").test(record));
    }

    @Test
    @Timeout(10) // BigDecimal on the million digits took 16 s
    void aMillionDigitTextIsNotANumberAndAHugeExponentComparesAtOnce() {
        ObjectNode record = NODES.objectNode();
        record.put("long", "9".repeat(1_000_000));
        record.put("limit", "9".repeat(1_000));
        record.put("exp", "1e999999999");
        record.put("negexp", "-1e-999999999");
        assertFalse(Where.parse("long > 10").test(record), "text over 1,000 characters is not a number");
        assertFalse(Where.parse("long < 10").test(record));
        assertTrue(Where.parse("long != 10").test(record));
        assertTrue(Where.parse("limit > 10").test(record), "1,000 characters still are");
        assertTrue(Where.parse("limit = " + "9".repeat(1_000)).test(record));
        assertTrue(Where.parse("exp > 10").test(record));
        assertTrue(Where.parse("exp = 10e999999998").test(record));
        assertTrue(Where.parse("exp < 1e1000000000").test(record));
        assertTrue(Where.parse("negexp < 0").test(record));
        assertTrue(Where.parse("negexp > -1e-999999998").test(record));
    }

    @Test
    void aNumberLiteralOverAThousandCharactersIsRefused() {
        String expr = "price > " + "1".repeat(1_001);
        assertTrue(parseError(expr).getMessage().contains("is longer than 1000 characters at position 8"),
            () -> parseError(expr).getMessage().substring(0, 200));
    }

    @Test
    void numbersInTextFieldsCompareNumerically() {
        String record = "{'price': '12.5', 'count': '7', 'huge': '123456789012345678901234567890', 'exp': '1e2'}";
        assertMatch("price > 10", record);
        assertMatch("price = 12.50", record);
        assertNoMatch("price < 12.5", record);
        assertMatch("count = 7.0", record);
        assertMatch("count >= 7", record);
        assertMatch("count < 7.5", record);
        assertMatch("huge > 1e29", record);
        assertMatch("exp = 100", record);
        assertMatch("neg < 0", "{'neg': '-4'}");
        assertMatch("plus = 4", "{'plus': '+4'}");
        assertMatch("n = 0.1", "{'n': '0.1'}");
        assertNoMatch("x < 1e999", "{'x': '1e99999999999'}");
    }

    @Test
    void numberLiteralAgainstOtherKindsIsNeitherEqualNorOrdered() {
        for (String record : new String[] {
            "{'x': 'abc'}", "{'x': ''}", "{'x': '12abc'}", "{'x': ' 12'}", "{'x': true}", "{'x': null}",
            "{'x': {'y': 1}}", "{'x': [1]}", "{'x': '1e'}", "{'x': '-'}"}) {
            assertNoMatch("x = 1", record);
            assertMatch("x != 1", record);
            assertNoMatch("x < 1", record);
            assertNoMatch("x > 1", record);
            assertNoMatch("x <= 1", record);
            assertNoMatch("x >= 1", record);
        }
    }

    @Test
    void stringLiterals() {
        String record = "{'country': 'NO', 'code': 'b'}";
        assertMatch("country = NO", record);
        assertMatch("country = 'NO'", record);
        assertMatch("country = \"NO\"", record);
        assertNoMatch("country = no", record);
        assertMatch("country != SE", record);
        assertNoMatch("country != NO", record);
        assertMatch("code > a", record);
        assertMatch("code < c", record);
        assertMatch("code <= b", record);
        assertMatch("code >= b", record);
        assertNoMatch("code < b", record);
        assertMatch("code < 'bb'", record);
        assertMatch("empty = ''", "{'empty': ''}");
        assertMatch("s = 'two words'", "{'s': 'two words'}");
        assertMatch("s = \"a and b\"", "{'s': 'a and b'}");
        assertMatch("s = 'a \"q\" b'", "{'s': 'a \\\"q\\\" b'}");
        assertMatch("s = \"=<>\"", "{'s': '=<>'}");
    }

    @Test
    void quotedStringEscapes() {
        ObjectNode record = NODES.objectNode();
        record.put("dq", "say \"hi\"");
        record.put("sq", "it's");
        record.put("bs", "a\\b");
        record.put("other", "a\\d");
        assertTrue(Where.parse("dq = \"say \\\"hi\\\"\"").test(record));
        assertTrue(Where.parse("sq = 'it\\'s'").test(record));
        assertTrue(Where.parse("sq = \"it's\"").test(record));
        assertTrue(Where.parse("sq = \"it\\'s\"").test(record));
        assertTrue(Where.parse("bs = 'a\\\\b'").test(record));
        assertTrue(Where.parse("other = 'a\\d'").test(record), "an unknown escape keeps its backslash");
    }

    @Test
    void quotedNumbersAreStrings() {
        assertMatch("x = '10'", "{'x': '10'}");
        assertNoMatch("x = '10'", "{'x': '10.0'}");
        assertMatch("x = \"10\"", "{'x': 10}");
        assertNoMatch("x = '10'", "{'x': 10.0}");
        assertMatch("x != '10'", "{'x': 10.0}");
        assertNoMatch("x < '20'", "{'x': 10}");
        assertNoMatch("x > '5'", "{'x': 10}");
        assertMatch("x > '5'", "{'x': '6'}");
        assertNoMatch("x > '5'", "{'x': '10'}"); // strings order as strings
    }

    @Test
    void stringLiteralAgainstBooleansNullsAndContainers() {
        assertMatch("x = 'true'", "{'x': true}");
        assertMatch("x = yes", "{'x': 'yes'}");
        assertNoMatch("x = 'null'", "{'x': null}");
        assertMatch("x != 'null'", "{'x': null}");
        assertNoMatch("x = a", "{'x': {'a': 1}}");
        assertNoMatch("x > a", "{'x': true}");
        assertNoMatch("x < z", "{'x': null}");
    }

    @Test
    void bareWords() {
        assertMatch("path = /api/v1?x=1", "{'path': '/api/v1?x=1'}");
        assertMatch("email = a@b.c", "{'email': 'a@b.c'}");
        assertMatch("level = -", "{'level': '-'}");
        assertMatch("v = 1e", "{'v': '1e'}");
        assertMatch("v = 1.2.3", "{'v': '1.2.3'}");
        assertMatch("x = TRUE", "{'x': 'TRUE'}");
        assertMatch("x = andy", "{'x': 'andy'}");
        assertMatch("x = b=c", "{'x': 'b=c'}");
        assertMatch("zip = 0123", "{'zip': '123'}");
        assertMatch("zip = 0123", "{'zip': 123}");
    }

    @Test
    void booleanLiterals() {
        assertMatch("ok = true", "{'ok': true}");
        assertNoMatch("ok = false", "{'ok': true}");
        assertMatch("ok = false", "{'ok': false}");
        assertMatch("ok != false", "{'ok': true}");
        assertMatch("ok = true", "{'ok': 'true'}");
        assertMatch("ok = false", "{'ok': 'false'}");
        assertNoMatch("ok = true", "{'ok': 'True'}");
        assertNoMatch("ok = true", "{'ok': 1}");
        assertNoMatch("ok = true", "{'ok': null}");
        assertMatch("ok != true", "{'ok': 1}");
        assertNoMatch("ok > false", "{'ok': true}");
        assertNoMatch("ok >= true", "{'ok': true}");
        assertNoMatch("ok <= true", "{'ok': true}");
        assertNoMatch("ok = true", "{}");
        assertMatch("ok != true", "{}");
    }

    @Test
    void nullLiteral() {
        assertMatch("x = null", "{'x': null}");
        assertNoMatch("x != null", "{'x': null}");
        assertNoMatch("x = null", "{'x': 0}");
        assertNoMatch("x = null", "{'x': 'null'}");
        assertMatch("x != null", "{'x': 0}");
        assertNoMatch("x = null", "{}");
        assertMatch("x != null", "{}");
        assertNoMatch("x <= null", "{'x': null}");
        assertNoMatch("x >= null", "{'x': null}");
    }

    @Test
    void exists() {
        assertMatch("x exists", "{'x': 1}");
        assertMatch("x exists", "{'x': null}");
        assertMatch("x exists", "{'x': false}");
        assertNoMatch("x exists", "{'y': 1}");
        assertMatch("x EXISTS", "{'x': 1}");
        assertMatch("a.b exists", "{'a': {'b': null}}");
        assertNoMatch("a.b exists", "{'a': {'c': 1}}");
        assertNoMatch("a.b exists", "{'a': 5}");
        assertMatch("exists exists", "{'exists': 1}");
    }

    @Test
    void missingFields() {
        for (String record : new String[] {"{}", "{'other': 1}", "{'user': 'x'}", "{'user': {}}"}) {
            for (String literal : new String[] {"1", "'a'", "b", "true", "1.5"}) {
                assertNoMatch("user.age = " + literal, record);
                assertMatch("user.age != " + literal, record);
                assertNoMatch("user.age < " + literal, record);
                assertNoMatch("user.age > " + literal, record);
                assertNoMatch("user.age <= " + literal, record);
                assertNoMatch("user.age >= " + literal, record);
            }
        }
    }

    @Test
    void nonObjectValuesHaveNoFields() {
        for (String value : new String[] {"5", "\"x\"", "null", "[{'x': 1}]", "true"}) {
            assertNoMatch("x = 5", value);
            assertMatch("x != 5", value);
            assertNoMatch("x exists", value);
            assertMatch("x != null", value);
        }
        assertFalse(Where.parse("x = 5").test(null));
        assertTrue(Where.parse("x != 5").test(null));
    }

    @Test
    void nestedPaths() {
        String record = "{'user': {'country': 'NO', 'age': 42, 'geo': {'lat': 59.9}}}";
        assertMatch("user.country = NO", record);
        assertMatch("user.age >= 18", record);
        assertMatch("user.geo.lat > 59", record);
        assertNoMatch("user.geo.lon > 0", record);
        assertNoMatch("user.country.code = NO", record);
    }

    @Test
    void andChains() {
        String record = "{'a': 1, 'b': 'x', 'c': {'d': true}}";
        assertMatch("a = 1 and b = x", record);
        assertMatch("a = 1 AND b = x And c.d = true", record);
        assertMatch("a = 1 && b = x && c.d exists", record);
        assertMatch("a=1&&b=x", record);
        assertMatch("a = 1 and b = x && c.d = true", record);
        assertNoMatch("a = 1 and b = y", record);
        assertNoMatch("a = 2 and b = x", record);
        assertNoMatch("a = 1 and b = x and z exists", record);
        assertMatch("a > 0 and a < 2 and a != 5", record);
    }

    @Test
    void whitespaceVariants() {
        String record = "{'price': 12, 'country': 'NO'}";
        for (String expr : new String[] {
            "price>10", "price > 10", "price>  10", "price   >10", "  price > 10  ", "\tprice\t>\t10\t",
            "price >10 and country=NO", "price>10 and country = NO", "price>10\nand\ncountry=NO", "price>10&&country=NO",
            "price > 10 && country = 'NO'", "price>=12", "price<=12", "price!=11", "price==12", "price=12"}) {
            assertMatch(expr, record);
        }
    }

    @Test
    void toStringIsNormalizedAndParsesBack() {
        String[][] cases = {
            {"price>10", "price > 10"},
            {"  price  ==  10.50  ", "price = 10.50"},
            {"country=NO AND x != 'a b' && y exists", "country = \"NO\" and x != \"a b\" and y exists"},
            {"a.b <= -1e3 and c = true and d = null and e = 'true'", "a.b <= -1e3 and c = true and d = null and e = \"true\""},
            {"s = 'say \"hi\" \\\\ bye'", "s = \"say \\\"hi\\\" \\\\ bye\""},
            {"x EXISTS", "x exists"},
            {"x >= '10'", "x >= \"10\""},
        };
        for (String[] c : cases) {
            Where where = Where.parse(c[0]);
            assertEquals(c[1], where.toString(), c[0]);
            assertEquals(c[1], Where.parse(where.toString()).toString(), c[0]);
        }
        ObjectNode record = NODES.objectNode();
        record.put("s", "say \"hi\" \\ bye");
        assertTrue(Where.parse(Where.parse(cases[4][0]).toString()).test(record));
    }

    // --- errors -----------------------------------------------------------------------------------------

    @Test
    void emptyExpression() {
        assertError("", "empty");
        assertError("   ", "empty");
    }

    @Test
    void missingValue() {
        assertEquals("invalid --where expression \"price >\": missing value after '>' at position 7",
                parseError("price >").getMessage());
        assertError("price >   ", "missing value after '>' at position 10");
        assertError("price>", "missing value after '>' at position 6");
        assertError("price = and b = 1", "missing value after '=' at position 8");
        assertError("price = && b = 1", "missing value after '=' at position 8");
        assertError("price=&&b=1", "missing value after '=' at position 6");
    }

    @Test
    void missingOperator() {
        assertError("price", "missing operator after 'price' at position 5");
        assertError("price 10", "missing operator after 'price' at position 6");
        assertError("status ok", "missing operator after 'status' at position 7");
        assertError("a and b = 1", "missing operator after 'a' at position 2");
        assertError("a&&b = 1", "missing operator after 'a' at position 1");
        assertError("a = 1 and b", "missing operator after 'b' at position 11");
    }

    @Test
    void unknownOperator() {
        assertError("price ~ 3", "unknown operator '~' at position 6");
        assertError("price~3", "unknown operator '~' at position 5");
        assertError("price =< 3", "unknown operator '=<' at position 6");
        assertError("price === 3", "unknown operator '===' at position 6");
        assertError("price ! 3", "unknown operator '!' at position 6");
        assertError("price <> 3", "unknown operator '<>' at position 6");
        assertError("price is 3", "unknown operator 'is' at position 6");
        assertError("name contains x", "unknown operator 'contains'", "expected", "position 5");
    }

    @Test
    void missingFieldName() {
        assertError("= 3", "missing field name before '=' at position 0");
        assertError("a = 1 and >= 3", "missing field name before '>=' at position 10");
        assertError("a = 1 and and b = 2", "expected a condition but found 'and' at position 10");
        assertError("and a = 1", "expected a condition but found 'and' at position 0");
        assertError("&& a = 1", "expected a condition but found '&&' at position 0");
        assertError("a = 1 and AND>3", "expected a condition but found 'AND' at position 10");
    }

    @Test
    void invalidFieldPath() {
        assertError("a..b = 1", "empty field name in field path 'a..b' at position 2");
        assertError("x = 1 and .a = 1", "empty field name in field path '.a' at position 10");
        assertError("a. = 1", "empty field name in field path 'a.' at position 2");
    }

    @Test
    void unterminatedQuote() {
        assertError("name = \"bob", "unterminated double-quoted string starting at position 7");
        assertError("name = 'bob", "unterminated single-quoted string starting at position 7");
        assertError("name = 'bob\\'", "unterminated single-quoted string starting at position 7");
        assertError("a = 1 and name = \"x\\\"", "unterminated double-quoted string starting at position 17");
    }

    @Test
    void danglingAnd() {
        assertError("a = 1 and", "dangling 'and' with no condition after it at position 6");
        assertError("a = 1 and   ", "dangling 'and' with no condition after it at position 6");
        assertError("a = 1 &&", "dangling '&&' with no condition after it at position 6");
        assertError("a = 1&&", "dangling '&&' with no condition after it at position 5");
        assertError("a = 1 AND", "dangling 'AND'", "position 6");
    }

    @Test
    void trailingGarbage() {
        assertError("price > 10 20", "expected 'and' or the end of the expression but found '20' at position 11");
        assertError("a = 'x'b", "found 'b' at position 7");
        assertError("a = 'x' 'y'", "found ''y'' at position 8");
        assertError("a = 1 or b = 2", "found 'or' at position 6");
        assertError("x exists 3", "found '3' at position 9");
        assertError("a = 1 andb = 2", "found 'andb' at position 6");
    }

    @Test
    void numberOutOfRange() {
        assertError("x = 1e99999999999", "number '1e99999999999' is out of range at position 4");
    }

    @Test
    void nullExpressionIsRejected() {
        assertThrows(NullPointerException.class, () -> Where.parse(null));
    }

    // --- allocation -------------------------------------------------------------------------------------

    @Test
    void testDoesNotAllocateInCommonPaths() {
        assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        Where where = Where.parse(
                "user.age >= 18 and user.country = NO and score < 99.5 and id != 7 and count > 3 and ok = true");
        JsonNode record = json(
                "{'user': {'age': 42, 'country': 'NO'}, 'score': 12.25, 'id': 9, 'count': '12', 'ok': true}");
        long thread = Thread.currentThread().getId();
        int matched = 0;
        for (int i = 0; i < 20_000; i++) { // warm up, and let the measurement below see steady state
            matched += where.test(record) ? 1 : 0;
        }
        long before = threads.getThreadAllocatedBytes(thread);
        for (int i = 0; i < 100_000; i++) {
            matched += where.test(record) ? 1 : 0;
        }
        long allocated = threads.getThreadAllocatedBytes(thread) - before;
        assertEquals(120_000, matched);
        assertTrue(allocated < 10_000, "allocated " + allocated + " bytes in 100000 calls");
    }

    // --- property test ----------------------------------------------------------------------------------

    private static final String[] OPERATORS = {"=", "==", "!=", "<", ">", "<=", ">="};

    /** A field value for the property test: null when missing; otherwise the JSON node and its exact value. */
    private static final class Value {
        final JsonNode node;
        final BigDecimal number; // null when the node is not numeric

        Value(JsonNode node, BigDecimal number) {
            this.node = node;
            this.number = number;
        }
    }

    private static Value randomValue(Random random) {
        switch (random.nextInt(9)) {
            case 0:
                return null; // missing
            case 1:
                return new Value(NODES.nullNode(), null);
            case 2:
                return new Value(NODES.textNode(random.nextBoolean() ? "abc" : ""), null);
            case 3: {
                long v = random.nextInt(21) - 10;
                return new Value(NODES.textNode(Long.toString(v)), BigDecimal.valueOf(v));
            }
            case 4: {
                BigDecimal v = BigDecimal.valueOf(random.nextInt(81) - 40, 2); // e.g. "-0.25"
                return new Value(NODES.textNode(v.toPlainString()), v);
            }
            case 5: {
                double v = (random.nextInt(81) - 40) / 4.0; // exact in binary
                return new Value(NODES.numberNode(v), new BigDecimal(v));
            }
            case 6: {
                long v = (1L << 53) + random.nextInt(5) - 2; // where doubles lose precision
                return new Value(NODES.numberNode(v), BigDecimal.valueOf(v));
            }
            default: {
                int v = random.nextInt(21) - 10;
                return new Value(NODES.numberNode(v), BigDecimal.valueOf(v));
            }
        }
    }

    /** A random number literal and its exact value. */
    private static String randomLiteral(Random random, BigDecimal[] exact) {
        BigDecimal value;
        String text;
        switch (random.nextInt(5)) {
            case 0:
                value = BigDecimal.valueOf(random.nextInt(21) - 10);
                text = value.toPlainString();
                break;
            case 1:
                value = BigDecimal.valueOf(random.nextInt(81) - 40, 2);
                text = value.toPlainString();
                break;
            case 2:
                value = BigDecimal.valueOf(random.nextInt(21) - 10);
                text = value.signum() >= 0 ? "+" + value.toPlainString() : value.toPlainString() + ".0";
                break;
            case 3:
                value = BigDecimal.valueOf((1L << 53) + random.nextInt(5) - 2)
                        .add(random.nextBoolean() ? BigDecimal.ZERO : new BigDecimal("0.5"));
                text = value.toPlainString();
                break;
            default:
                value = BigDecimal.valueOf(random.nextInt(21) - 10, 1); // -1.0 .. 1.0
                text = value.unscaledValue() + "e-1";
                break;
        }
        exact[0] = value;
        return text;
    }

    private static boolean expected(Value value, String op, BigDecimal literal) {
        if (value == null || value.number == null) {
            return op.equals("!=");
        }
        int c = value.number.compareTo(literal);
        switch (op) {
            case "=":
            case "==":
                return c == 0;
            case "!=":
                return c != 0;
            case "<":
                return c < 0;
            case ">":
                return c > 0;
            case "<=":
                return c <= 0;
            case ">=":
                return c >= 0;
            default:
                throw new AssertionError(op);
        }
    }

    private static String space(Random random) {
        return random.nextInt(3) == 0 ? "" : " ";
    }

    @Test
    void randomExpressionsAgreeWithBruteForce() {
        long seed = Long.getLong("where.seed", 0x5EEDL);
        Random random = new Random(seed);
        for (int iteration = 0; iteration < 20_000; iteration++) {
            Value a = randomValue(random);
            Value b = randomValue(random);
            ObjectNode record = NODES.objectNode();
            if (a != null) {
                record.set("a", a.node);
            }
            if (b != null) {
                record.set("b", b.node);
            }
            BigDecimal[] n = new BigDecimal[1];
            BigDecimal[] m = new BigDecimal[1];
            String opA = OPERATORS[random.nextInt(OPERATORS.length)];
            String opB = OPERATORS[random.nextInt(OPERATORS.length)];
            String and = random.nextBoolean() ? " and " : space(random) + "&&" + space(random);
            String expr = "a" + space(random) + opA + space(random) + randomLiteral(random, n)
                    + and + "b" + space(random) + opB + space(random) + randomLiteral(random, m);
            boolean expected = expected(a, opA, n[0]) && expected(b, opB, m[0]);
            Where where = Where.parse(expr);
            int i = iteration;
            assertEquals(expected, where.test(record),
                    () -> "seed " + seed + ", iteration " + i + ": " + expr + " on " + record);
            assertEquals(expected, Where.parse(where.toString()).test(record),
                    () -> "seed " + seed + ", iteration " + i + ": normalized " + where + " on " + record);
        }
    }

    @Test
    void parserDoesNotThrowAnythingButIllegalArgumentOnRandomInput() {
        long seed = Long.getLong("where.seed", 0x5EEDL);
        Random random = new Random(seed);
        String alphabet = "ab.=!<>~&'\"\\ 01-e+and";
        for (int iteration = 0; iteration < 20_000; iteration++) {
            StringBuilder expr = new StringBuilder();
            int length = random.nextInt(16);
            for (int k = 0; k < length; k++) {
                expr.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String text = expr.toString();
            Where where;
            try {
                where = Where.parse(text);
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage().startsWith("invalid --where expression \"" + text + "\": "), e.getMessage());
                assertTrue(e.getMessage().contains(" at position ") || e.getMessage().endsWith("is empty"),
                        () -> "seed " + seed + ": " + e.getMessage());
                continue;
            }
            String normalized = where.toString();
            Where reparsed = assertDoesNotThrow(() -> Where.parse(normalized), () -> "seed " + seed + ": " + text);
            assertEquals(normalized, reparsed.toString(), () -> "seed " + seed + ": " + text);
            where.test(json("{'a': 1, 'b': {'a': 'x'}}"));
        }
    }
}
