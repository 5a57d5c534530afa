package io.kappa.processor.window;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** WindowSpec in a time zone: local days across daylight-saving changes, Seoul days, hopping and sub-hour windows. */
class ZonedWindowsTest {
    static final long HOUR = 3_600_000L;
    static final long DAY = 24 * HOUR;
    static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
    static final ZoneId SEOUL = ZoneId.of("Asia/Seoul");

    static long ms(String instant) {
        return Instant.parse(instant).toEpochMilli();
    }

    /** [start, end) of every window holding t, latest first. */
    static List<long[]> windows(WindowSpec spec, long t) {
        List<long[]> out = new ArrayList<>();
        for (long id = spec.lastStart(t); spec.windowEnd(id) > t; id -= spec.advanceMs()) {
            out.add(new long[] {spec.windowStart(id), spec.windowEnd(id)});
        }
        return out;
    }

    @Test
    void dailyWindowsInNewYorkLast23HoursInMarchAnd25InNovember() {
        WindowSpec days = WindowSpec.tumbling(DAY, 0).withZone(NEW_YORK);
        // 2026-03-08: clocks go from 02:00 EST to 03:00 EDT
        List<long[]> march = windows(days, ms("2026-03-08T12:00:00Z"));
        assertEquals(1, march.size());
        assertEquals(ms("2026-03-08T05:00:00Z"), march.get(0)[0], "local midnight, EST");
        assertEquals(ms("2026-03-09T04:00:00Z"), march.get(0)[1], "next local midnight, EDT");
        assertEquals(23 * HOUR, march.get(0)[1] - march.get(0)[0]);
        // 2026-11-01: clocks go from 02:00 EDT back to 01:00 EST
        List<long[]> november = windows(days, ms("2026-11-01T06:30:00Z")); // 01:30 EST, the second 01:30 of the day
        assertEquals(ms("2026-11-01T04:00:00Z"), november.get(0)[0]);
        assertEquals(ms("2026-11-02T05:00:00Z"), november.get(0)[1]);
        assertEquals(25 * HOUR, november.get(0)[1] - november.get(0)[0]);
        assertEquals("2026-11-01T00:00:00-04:00", days.format(november.get(0)[0]));
        assertEquals("2026-11-02T00:00:00-05:00", days.format(november.get(0)[1]));
        // an ordinary day and the instants at the bounds
        assertEquals(ms("2026-07-01T04:00:00Z"), windows(days, ms("2026-07-01T04:00:00Z")).get(0)[0], "midnight opens the day");
        assertEquals(ms("2026-06-30T04:00:00Z"), windows(days, ms("2026-07-01T03:59:59.999Z")).get(0)[0], "a ms before is the day before");
    }

    @Test
    void aKoreanTradingDayStartsAtMidnightKstWhichIs15UtcTheDayBefore() {
        WindowSpec days = WindowSpec.tumbling(DAY, 0).withZone(SEOUL);
        long[] w = windows(days, ms("2026-11-20T16:00:00Z")).get(0); // 01:00 KST on the 21st
        assertEquals(ms("2026-11-20T15:00:00Z"), w[0]);
        assertEquals(ms("2026-11-21T15:00:00Z"), w[1]);
        assertEquals("2026-11-21T00:00:00+09:00", days.format(w[0]));
        long[] before = windows(days, ms("2026-11-20T14:59:59.999Z")).get(0); // 23:59:59.999 KST on the 20th
        assertEquals(ms("2026-11-19T15:00:00Z"), before[0]);
        long[] utc = windows(WindowSpec.tumbling(DAY, 0), ms("2026-11-20T16:00:00Z")).get(0);
        assertEquals(ms("2026-11-20T00:00:00Z"), utc[0], "without a zone, the UTC day");
        assertEquals("2026-11-20T00:00:00Z", WindowSpec.tumbling(DAY, 0).format(utc[0]));
    }

    @Test
    void hoppingDaysEveryTwelveHoursFollowTheLocalClock() {
        WindowSpec spec = WindowSpec.hopping(DAY, 12 * HOUR, 0).withZone(NEW_YORK);
        List<long[]> w = windows(spec, ms("2026-03-08T18:00:00Z")); // 14:00 EDT on the day of the change
        assertEquals(2, w.size());
        assertEquals(ms("2026-03-08T16:00:00Z"), w.get(0)[0], "12:00 EDT");
        assertEquals(ms("2026-03-09T16:00:00Z"), w.get(0)[1], "12:00 EDT the next day: 24 h");
        assertEquals(ms("2026-03-08T05:00:00Z"), w.get(1)[0], "00:00 EST");
        assertEquals(ms("2026-03-09T04:00:00Z"), w.get(1)[1], "00:00 EDT: 23 h");
    }

    @Test
    void localHoursSkipTheSpringHourAndJoinTheRepeatedAutumnHour() {
        WindowSpec hours = WindowSpec.tumbling(HOUR, 0).withZone(NEW_YORK);
        long[] before = windows(hours, ms("2026-03-08T06:59:00Z")).get(0); // 01:59 EST
        long[] after = windows(hours, ms("2026-03-08T07:00:00Z")).get(0); // 03:00 EDT
        assertEquals(ms("2026-03-08T07:00:00Z"), before[1]);
        assertEquals(ms("2026-03-08T07:00:00Z"), after[0], "03:00 EDT follows 01:59 EST: no 02:00 window");
        long[] first = windows(hours, ms("2026-11-01T05:30:00Z")).get(0); // 01:30 EDT
        long[] second = windows(hours, ms("2026-11-01T06:30:00Z")).get(0); // 01:30 EST
        assertArrayEquals(first, second, "both 01:30s are in the one local hour 01:00-02:00");
        assertEquals(2 * HOUR, first[1] - first[0]);
    }

    @Test
    void subHourWindowsAlignToTheZonesStandardOffset() {
        WindowSpec quarter = WindowSpec.tumbling(15 * 60_000L, 0).withZone(ZoneId.of("Asia/Kolkata")); // +05:30
        long[] w = windows(quarter, ms("2026-11-21T10:07:00Z")).get(0); // 15:37 IST
        assertEquals(ms("2026-11-21T10:00:00Z"), w[0], "15:30 IST");
        assertEquals(ms("2026-11-21T10:15:00Z"), w[1]);
        WindowSpec ninety = WindowSpec.tumbling(90 * 60_000L, 0).withZone(NEW_YORK);
        long winter = windows(ninety, ms("2026-01-15T12:00:00Z")).get(0)[0];
        long summer = windows(ninety, ms("2026-07-15T12:00:00Z")).get(0)[0];
        assertEquals(0, Math.floorMod(winter - 5 * HOUR, 90 * 60_000L), "aligned to local midnight of EST");
        assertEquals(0, Math.floorMod(summer - 5 * HOUR, 90 * 60_000L), "and in summer still to EST, the standard offset");
        assertEquals(90 * 60_000L, windows(ninety, ms("2026-03-08T07:10:00Z")).get(0)[1]
            - windows(ninety, ms("2026-03-08T07:10:00Z")).get(0)[0], "fixed length across the change");
    }

    @Test
    void refusesUnknownZonesAndZonedSessions() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WindowSpec.parseZone("Mars/Olympus"));
        assertTrue(e.getMessage().contains("unknown --zone 'Mars/Olympus'"), e.getMessage());
        assertEquals(ZoneId.of("+09:00"), WindowSpec.parseZone("+09:00"));
        assertThrows(IllegalArgumentException.class, () -> WindowSpec.session(1_000, 0).withZone(SEOUL));
    }

    /**
     * Any zone, any time, tumbling or hopping with whole-hour or other sizes: every window found for t holds t, there
     * are size/advance of them at most, and windows tile time (a tumbling window ends where the next one starts).
     */
    @Property(tries = 3000)
    void windowsHoldTheirRecordsAndTileTime(@ForAll @IntRange(min = 0, max = 599) int zoneIndex,
                                            @ForAll @LongRange(min = -2_000_000_000_000L, max = 4_000_000_000_000L) long t,
                                            @ForAll @IntRange(min = 0, max = 5) int shape) {
        List<String> ids = new ArrayList<>(ZoneId.getAvailableZoneIds());
        ids.sort(null);
        ZoneId zone = ZoneId.of(ids.get(zoneIndex % ids.size()));
        long[][] shapes = {{DAY, DAY}, {HOUR, HOUR}, {7 * DAY, DAY}, {6 * HOUR, 2 * HOUR}, {15 * 60_000L, 15 * 60_000L},
            {90 * 60_000L, 30 * 60_000L}};
        WindowSpec spec = WindowSpec.hopping(shapes[shape][0], shapes[shape][1], 0).withZone(zone);
        String where = zone + " " + spec.describe() + " t=" + Instant.ofEpochMilli(t);
        if (spec.windowStart(spec.lastStart(t)) > t || spec.windowEnd(spec.lastStart(t)) <= t) {
            // a whole-hour bound inside a repeated half hour (Lord Howe, historic oddities): WindowedAggregate refuses
            // the record (to the dead-letter topic) rather than misplace it
            return;
        }
        List<long[]> w = windows(spec, t);
        assertFalse(w.isEmpty(), where);
        assertTrue(w.size() <= shapes[shape][0] / shapes[shape][1], where);
        for (long[] x : w) {
            assertTrue(x[0] <= t && t < x[1], where + ": [" + x[0] + ", " + x[1] + ")");
        }
        if (shapes[shape][0] == shapes[shape][1]) {
            long id = spec.lastStart(t);
            assertEquals(spec.windowEnd(id), spec.windowStart(id + spec.advanceMs()), where + ": tumbling windows tile");
        }
        if (shapes[shape][0] == DAY && shapes[shape][1] == DAY) {
            LocalDate day = Instant.ofEpochMilli(t).atZone(zone).toLocalDate();
            assertEquals(day.atStartOfDay(zone).toInstant().toEpochMilli(), w.get(0)[0], where + ": the local day");
            assertEquals(day.plusDays(1).atStartOfDay(zone).toInstant().toEpochMilli(), w.get(0)[1], where + ": the local day");
        }
    }

    @Test
    void describeNamesTheZone() {
        assertEquals("tumbling 86400000 ms, zone Asia/Seoul", WindowSpec.tumbling(DAY, 0).withZone(SEOUL).describe());
        assertEquals(ZonedDateTime.parse("2026-11-21T00:00+09:00[Asia/Seoul]").toInstant().toEpochMilli(),
            ms("2026-11-20T15:00:00Z"));
    }
}
