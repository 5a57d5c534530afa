package io.kappa.processor;

import java.nio.charset.StandardCharsets;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class SerdesTest {
    /** A small POJO for json(Class): a record, as users would write one. */
    public record Order(String id, long cents, List<String> tags) {
    }

    /** Serializes with serialize() and with serializeTo() (at a non-zero offset), and reads both back from a slice. */
    static <T> void assertRoundTrip(Serde<T> serde, T value) {
        byte[] bytes = serde.serialize(value);
        assertEquals(value, serde.deserialize(bytes), "deserialize(byte[])");

        byte[] framed = new byte[bytes.length + 10];
        System.arraycopy(bytes, 0, framed, 3, bytes.length);
        framed[0] = framed[1] = framed[2] = '#';
        for (int i = 3 + bytes.length; i < framed.length; i++) {
            framed[i] = '#';
        }
        assertEquals(value, serde.deserialize(new UnsafeBuffer(framed), 3, bytes.length), "deserialize of a slice");

        ExpandableArrayBuffer out = new ExpandableArrayBuffer(2);
        out.putByte(0, (byte) '#');
        int n = serde.serializeTo(value, out, 5);
        assertEquals(bytes.length, n, "serializeTo returns the length");
        byte[] written = new byte[n];
        out.getBytes(5, written);
        assertArrayEquals(bytes, written, "serializeTo writes what serialize returns");
        assertEquals(value, serde.deserialize(out, 5, n));
    }

    static IllegalArgumentException invalid(Serde<?> serde, byte[] bytes) {
        return assertThrows(IllegalArgumentException.class, () -> serde.deserialize(new UnsafeBuffer(bytes), 0, bytes.length));
    }

    static void assertMessage(Exception e, String... fragments) {
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), () -> "'" + e.getMessage() + "' should contain '" + f + "'");
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    @org.junit.jupiter.api.Timeout(10)
    void jsonNestedAHundredThousandDeepOrWithAnOverlongNumberIsRefusedNamingTheLimit() {
        byte[] deep = ("[".repeat(100_000) + "]".repeat(100_000)).getBytes(StandardCharsets.UTF_8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> Serdes.json().deserialize(new UnsafeBuffer(deep), 0, deep.length));
        assertTrue(e.getMessage().contains("nesting depth (501) exceeds the maximum allowed (500"), e.getMessage());
        byte[] atLimit = ("[".repeat(500) + "]".repeat(500)).getBytes(StandardCharsets.UTF_8);
        assertEquals(500, depth(Serdes.json().deserialize(new UnsafeBuffer(atLimit), 0, atLimit.length)));

        byte[] number = ("{\"n\":" + "9".repeat(1_001) + "}").getBytes(StandardCharsets.UTF_8);
        e = assertThrows(IllegalArgumentException.class, () -> Serdes.json().deserialize(new UnsafeBuffer(number), 0, number.length));
        assertTrue(e.getMessage().contains("Number value length (1001) exceeds the maximum allowed (1000"), e.getMessage());
    }

    private static int depth(JsonNode node) {
        int d = 0;
        for (JsonNode n = node; n != null && n.isArray(); n = n.get(0)) {
            d++;
        }
        return d;
    }

    @Test
    void bytesRoundTrip() {
        byte[] value = {0, 1, -1, 127, -128};
        assertArrayEquals(value, Serdes.bytes().serialize(value));
        assertArrayEquals(value, Serdes.bytes().deserialize(new UnsafeBuffer(new byte[] {9, 0, 1, -1, 127, -128, 9}), 1, 5));
        assertArrayEquals(new byte[0], Serdes.bytes().deserialize(new UnsafeBuffer(new byte[4]), 2, 0));
        ExpandableArrayBuffer out = new ExpandableArrayBuffer(1);
        assertEquals(5, Serdes.bytes().serializeTo(value, out, 3));
        assertEquals(-1, out.getByte(5));
    }

    @Test
    void stringRoundTripIncludingNonAscii() {
        for (String s : List.of("", "plain", "naïve café", "ключ", "日本語", "emoji 🙂 and \u0000 nul", "a\"b\\c\n")) {
            assertRoundTrip(Serdes.string(), s);
        }
        assertArrayEquals(new byte[] {(byte) 0xC3, (byte) 0xA9}, Serdes.string().serialize("é"), "UTF-8 on the wire");
    }

    @Test
    void longsRoundTripAsEightBigEndianBytes() {
        for (long v : new long[] {0, 1, -1, 42, Long.MAX_VALUE, Long.MIN_VALUE, 0x0102030405060708L}) {
            assertRoundTrip(Serdes.longs(), v);
        }
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, Serdes.longs().serialize(0x0102030405060708L));
    }

    @Test
    void longsRefuseAWrongLength() {
        assertMessage(invalid(Serdes.longs(), new byte[7]), "a long takes 8 bytes, got 7");
        assertMessage(invalid(Serdes.longs(), new byte[9]), "got 9");
        assertMessage(invalid(Serdes.longs(), new byte[0]), "got 0");
    }

    @Test
    void longTextRoundTripAsDecimalText() {
        for (long v : new long[] {0, 7, -7, 1_000_000, Long.MAX_VALUE, Long.MIN_VALUE}) {
            assertRoundTrip(Serdes.longText(), v);
        }
        assertEquals("-12345", new String(Serdes.longText().serialize(-12345L), StandardCharsets.US_ASCII));
    }

    @Test
    void longTextRefusesWhatIsNotADecimalNumber() {
        assertMessage(invalid(Serdes.longText(), utf8("12a")), "not a decimal long: '12a'");
        assertMessage(invalid(Serdes.longText(), utf8("abc")), "not a decimal long");
        assertMessage(invalid(Serdes.longText(), utf8("1.5")), "not a decimal long");
        assertMessage(invalid(Serdes.longText(), utf8("99999999999999999999")), "not a decimal long");
        assertMessage(invalid(Serdes.longText(), new byte[0]), "an empty value is not a number");
    }

    @Test
    void longTextQuotesAtMostFortyCharactersOfABadValue() {
        String junk = "x".repeat(1000);
        IllegalArgumentException e = invalid(Serdes.longText(), utf8(junk));
        assertTrue(e.getMessage().length() < 100, e.getMessage());
    }

    @Test
    void doublesRoundTrip() {
        for (double v : new double[] {0.0, -0.0, 1.5, -1e300, Double.MIN_VALUE, Double.MAX_VALUE, Double.POSITIVE_INFINITY}) {
            assertRoundTrip(Serdes.doubles(), v);
        }
        assertTrue(Serdes.doubles().deserialize(Serdes.doubles().serialize(Double.NaN)).isNaN());
        assertMessage(invalid(Serdes.doubles(), new byte[4]), "a double takes 8 bytes, got 4");
    }

    @Test
    void jsonTreeRoundTrip() throws Exception {
        ObjectMapper m = new ObjectMapper();
        for (String text : List.of("{\"a\":1,\"b\":[true,null,\"ü\"],\"c\":{\"d\":2.5}}", "[]", "42", "\"s\"", "null", "true")) {
            JsonNode node = m.readTree(text);
            assertRoundTrip(Serdes.json(), node);
            assertEquals(node, Serdes.json().deserialize(utf8(text)));
        }
        // a slice in the middle of other bytes: the parser must stop at the slice's end
        byte[] framed = utf8("xx{\"a\":1}yy");
        assertEquals(m.readTree("{\"a\":1}"), Serdes.json().deserialize(new UnsafeBuffer(framed), 2, 7));
    }

    @Test
    void jsonRefusesTrailingGarbage() {
        assertMessage(invalid(Serdes.json(), utf8("{\"a\":1} x")), "not valid JSON");
        assertMessage(invalid(Serdes.json(), utf8("{\"a\":1}{\"b\":2}")), "not valid JSON");
        assertMessage(invalid(Serdes.json(), utf8("1 2")), "not valid JSON");
    }

    @Test
    void jsonRefusesEmptyAndBlankValues() {
        assertMessage(invalid(Serdes.json(), new byte[0]), "empty");
        assertMessage(invalid(Serdes.json(), utf8("   ")), "empty");
    }

    @Test
    void jsonErrorsSayWhereParsingStoppedWithoutDumpingTheSource() {
        IllegalArgumentException e = invalid(Serdes.json(), utf8("{\"a\":}"));
        assertMessage(e, "not valid JSON", "(at column ");
        assertFalse(e.getMessage().contains("Source:"), e.getMessage());
        assertMessage(invalid(Serdes.json(), utf8("{\"a\":1,\"a\":2}")), "not valid JSON", "Duplicate field 'a'");
    }

    @Test
    void jsonOfAClassRoundTrip() {
        Serde<Order> serde = Serdes.json(Order.class);
        assertRoundTrip(serde, new Order("o-1", 1999, List.of("gift", "ü")));
        assertEquals(new Order("o-2", 5, List.of()), serde.deserialize(utf8("{\"id\":\"o-2\",\"cents\":5,\"tags\":[]}")));
    }

    @Test
    void jsonOfAClassRefusesInvalidInputNamingTheClass() {
        Serde<Order> serde = Serdes.json(Order.class);
        assertMessage(invalid(serde, utf8("{\"id\":\"o\",\"cents\":1,\"tags\":[]} trailing")), "not a valid JSON Order");
        assertMessage(invalid(serde, new byte[0]), "not a valid JSON Order");
        assertMessage(invalid(serde, utf8("{\"cents\":\"many\"}")), "not a valid JSON Order");
    }

    @Test
    void viewIsValidOverExactlyTheGivenSlice() {
        Serde<DirectBuffer> view = Serdes.view();
        byte[] backing = utf8("headerPAYLOADtrailer");
        UnsafeBuffer buffer = new UnsafeBuffer(backing);
        DirectBuffer v = view.deserialize(buffer, 6, 7);
        assertEquals(7, v.capacity());
        assertEquals("PAYLOAD", v.getStringWithoutLengthUtf8(0, 7));
        assertThrows(IndexOutOfBoundsException.class, () -> v.getByte(7), "the view ends at the slice's end");

        backing[6] = 'p'; // no copy: the view sees the record's bytes
        assertEquals('p', v.getByte(0));

        assertArrayEquals(utf8("pAYLOAD"), view.serialize(v));
        ExpandableArrayBuffer out = new ExpandableArrayBuffer(4);
        assertEquals(7, view.serializeTo(v, out, 2));
        assertEquals("pAYLOAD", out.getStringWithoutLengthUtf8(2, 7));
    }

    @Test
    void viewOfAnEmptySliceHasNoBytes() {
        Serde<DirectBuffer> view = Serdes.view();
        DirectBuffer v = view.deserialize(new UnsafeBuffer(new byte[8]), 8, 0);
        assertEquals(0, v.capacity());
        assertArrayEquals(new byte[0], view.serialize(v));
    }

    @Test
    void viewIsReusedSoItIsValidOnlyUntilTheNextCall() {
        Serde<DirectBuffer> view = Serdes.view();
        DirectBuffer first = view.deserialize(new UnsafeBuffer(utf8("one")), 0, 3);
        DirectBuffer second = view.deserialize(new UnsafeBuffer(utf8("three")), 0, 5);
        assertSame(first, second, "one view per thread, no allocation per record");
        assertEquals("three", second.getStringWithoutLengthUtf8(0, 5));

        Serde<DirectBuffer> other = Serdes.view();
        assertNotSame(second, other.deserialize(new UnsafeBuffer(utf8("k")), 0, 1), "each view() has its own view for keys vs values");
    }
}
