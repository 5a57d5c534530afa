package io.kappa.processor.builtin;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import io.kappa.processor.InputRecord;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The repartition record's value: the original record in layout 2, and layout 1 as earlier versions wrote it. */
class EnvelopeTest {
    record Rec(String topic, int partition, long offset, long eventTime, DirectBuffer key, DirectBuffer value)
        implements InputRecord<DirectBuffer, DirectBuffer> {
        @Override
        public long appendTime() {
            return eventTime + 1;
        }

        @Override
        public String id() {
            return null;
        }

        @Override
        public byte[] keyBytes() {
            throw new UnsupportedOperationException();
        }

        @Override
        public byte[] valueBytes() {
            throw new UnsupportedOperationException();
        }
    }

    static DirectBuffer buf(String s) {
        return s == null ? null : new UnsafeBuffer(s.getBytes(StandardCharsets.UTF_8));
    }

    static String str(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    /** The repartition record the first stage writes for {@code original}, keyed by {@code groupKey}. */
    static Rec repartitioned(Rec original, String groupKey) {
        ExpandableArrayBuffer out = new ExpandableArrayBuffer(64);
        int n = new Envelope().write(out, 0, original);
        return new Rec("g.repartition", 3, 77, original.eventTime(), buf(groupKey), new UnsafeBuffer(out, 0, n));
    }

    @Test
    void layout2CarriesWhereTheRecordWasItsKeyAndValue() {
        Rec original = new Rec("clicks", 1, 12_345_678_901L, 5_000, buf("u1"), buf("{\"page\":\"a\"}"));
        Envelope e = new Envelope().wrap(repartitioned(original, "a"));
        assertEquals("clicks", e.topic());
        assertEquals(1, e.partition());
        assertEquals(12_345_678_901L, e.offset());
        assertEquals("u1", str(e.keyBytes()));
        assertEquals("{\"page\":\"a\"}", str(e.valueBytes()));
        assertEquals("a", e.groupKey());
        assertEquals(5_000, e.eventTime(), "times are the repartition record's");
        assertEquals(5_001, e.appendTime());
    }

    @Test
    void layout2WithoutKeyOrValue() {
        Envelope e = new Envelope().wrap(repartitioned(new Rec("t", 0, 0, 0, null, buf("")), "k"));
        assertNull(e.key());
        assertNull(e.keyBytes());
        assertEquals(0, e.valueBytes().length);
        assertEquals("t", e.topic());
    }

    @Test
    void layout1IsStillReadAndNamesTheRepartitionRecord() {
        UnsafeBuffer old = new UnsafeBuffer(new byte[4 + 2 + 3]);
        old.putInt(0, 2, ByteOrder.LITTLE_ENDIAN);
        old.putStringWithoutLengthUtf8(4, "u1");
        old.putStringWithoutLengthUtf8(6, "abc");
        Envelope e = new Envelope().wrap(new Rec("g.repartition", 3, 77, 9, buf("a"), old));
        assertEquals("u1", str(e.keyBytes()));
        assertEquals("abc", str(e.valueBytes()));
        assertEquals("g.repartition", e.topic(), "layout 1 does not say where the record was");
        assertEquals(3, e.partition());
        assertEquals(77, e.offset());

        UnsafeBuffer noKey = new UnsafeBuffer(new byte[4 + 1]);
        noKey.putInt(0, -1, ByteOrder.LITTLE_ENDIAN);
        noKey.putByte(4, (byte) 'x');
        assertNull(new Envelope().wrap(noKey).key());
    }

    @Test
    void anUnknownLayoutOrABrokenRecordIsRefused() {
        UnsafeBuffer newer = new UnsafeBuffer(new byte[32]);
        newer.putInt(0, -3, ByteOrder.LITTLE_ENDIAN);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Envelope().wrap(newer)).getMessage()
            .contains("unknown layout -3"));
        UnsafeBuffer shortTopic = new UnsafeBuffer(new byte[24]);
        shortTopic.putInt(0, Envelope.LAYOUT_2, ByteOrder.LITTLE_ENDIAN);
        shortTopic.putShort(16, (short) 100, ByteOrder.LITTLE_ENDIAN);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Envelope().wrap(shortTopic)).getMessage()
            .contains("bad topic length 100"));
        assertThrows(IllegalArgumentException.class, () -> new Envelope().wrap(new UnsafeBuffer(new byte[3])));
    }
}
