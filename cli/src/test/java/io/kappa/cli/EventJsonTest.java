package io.kappa.cli;

import java.nio.charset.StandardCharsets;

import io.kappa.log.Event;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class EventJsonTest {
    private static String value(EventJson.Parsed p) {
        return new String(p.event().value(), StandardCharsets.UTF_8);
    }

    @Test
    void valuesAreStoredAsTheirTextAndNestedJsonAsSent() {
        assertEquals("plain", value(EventJson.parse("{\"value\":\"plain\"}")));
        assertEquals("{\"a\":[1,{\"b\":null}]}", value(EventJson.parse("{\"value\":{\"a\":[1,{\"b\":null}]},\"key\":\"k\"}")));
        assertEquals("[1, 2]", value(EventJson.parse("{\"key\":\"k\", \"value\":[1, 2]}")));
        assertEquals("-1.5e3", value(EventJson.parse("{\"value\":-1.5e3}")));
        assertEquals("null", value(EventJson.parse("{\"value\":null}")));
        EventJson.Parsed p = EventJson.parse("{\"key\":42,\"id\":\"e\",\"time\":\"2026-11-21T10:00:00.5Z\",\"partition\":3,\"topic\":\"t\",\"value\":true}");
        assertEquals("42", new String(p.event().key(), StandardCharsets.UTF_8));
        assertEquals("e", new String(p.event().id(), StandardCharsets.UTF_8));
        assertEquals(1_795_255_200_500L, p.event().eventTime());
        assertEquals(3, p.event().partition());
        assertEquals("t", p.topic());
        assertEquals(Event.NO_TIME, EventJson.parse("{\"value\":1}").event().eventTime());
    }

    @Test
    void badEventsAreRefusedWithTheReason() {
        assertMessage("{\"value\":1} {\"value\":2}", "trailing content");
        assertMessage("{\"value\":1} trailing", "malformed JSON");
        assertMessage("[1,2]", "expected a JSON object");
        assertMessage("{\"value\":1", "malformed JSON");
        assertMessage("{\"key\":{\"a\":1},\"value\":1}", "\"key\" must be a string");
        assertMessage("{\"value\":1,\"partition\":-1}", "non-negative integer");
        assertMessage("{\"value\":1,\"partition\":1.5}", "non-negative integer");
        assertMessage("{\"value\":1,\"time\":true}", "\"time\" must be");
        assertMessage("{\"value\":1,\"producer\":5,\"sequence\":1}", "unknown field 'producer'");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> EventJson.parse("{\"value\":1,\"producer\":5}", true));
        assertTrue(e.getMessage().contains("go together"), e.getMessage());
        EventJson.Parsed ok = EventJson.parse("{\"value\":1,\"producer\":5,\"sequence\":0}", true);
        assertEquals(5, ok.producerId());
        assertEquals(0, ok.sequence());
    }

    private static void assertMessage(String line, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EventJson.parse(line));
        assertTrue(e.getMessage().contains(expected), line + " -> " + e.getMessage());
    }
}
