package io.kappa.cli;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/** {@code kappa run window-count | window-agg | top | join} and {@code kappa diff --by key,windowStart}, end to end. */
@Timeout(120)
class WindowCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long T0 = Instant.parse("2026-11-21T10:00:00Z").toEpochMilli();

    @TempDir
    Path dir;

    private Cli.Result kappa(String... args) {
        List<String> full = new ArrayList<>();
        int sub = args[0].equals("topic") ? 2 : 1;
        for (int i = 0; i < args.length; i++) {
            full.add(args[i]);
            if (i == sub - 1) {
                full.add("--data-dir=" + dir);
            }
        }
        return Cli.run(full.toArray(new String[0]));
    }

    private Cli.Result append(String topic, String lines) {
        return Cli.runWithStdin(lines, "append", "--data-dir=" + dir, topic);
    }

    private List<JsonNode> read(String topic) throws Exception {
        Cli.Result r = kappa("read", topic);
        assertEquals(0, r.code(), r.err());
        List<JsonNode> out = new ArrayList<>();
        for (String line : r.lines()) {
            out.add(JSON.readTree(line));
        }
        return out;
    }

    private static String click(String user, String page, long ms) {
        return "{\"key\":\"" + user + "\",\"time\":" + (T0 + ms) + ",\"value\":{\"user\":\"" + user + "\",\"page\":\"" + page + "\"}}\n";
    }

    @Test
    void windowCountClosesWindowsByTheWatermarkAndSendsLateRecordsAside() throws Exception {
        assertEquals(0, kappa("topic", "create", "clicks").code());
        StringBuilder b = new StringBuilder();
        // minute 0: a x3, b x1 (one of them 4 s out of order); minute 1: a x1; then a record that closes minute 1
        b.append(click("u1", "a", 10_000)).append(click("u2", "a", 30_000)).append(click("u3", "b", 59_000))
            .append(click("u1", "a", 55_000)).append(click("u2", "a", 70_000)).append(click("u2", "a", 200_000))
            .append(click("u9", "a", 1_000)); // minute 0 closed long ago: late
        assertEquals(0, append("clicks", b.toString()).code());
        Cli.Result run = kappa("run", "window-count", "--by", "page", "--size", "1m", "--out-of-order", "5s", "--group", "wc",
            "--input", "clicks", "--output", "per-minute", "--until-caught-up");
        assertEquals(0, run.code(), run.err());
        List<String> results = new ArrayList<>();
        for (JsonNode r : read("per-minute")) {
            JsonNode v = r.get("value");
            results.add(v.get("key").asText() + " " + v.get("windowStart").asText() + " " + v.get("windowEnd").asText() + " "
                + v.get("count").asLong());
        }
        assertEquals(List.of("a 2026-11-21T10:00:00Z 2026-11-21T10:01:00Z 3", "b 2026-11-21T10:00:00Z 2026-11-21T10:01:00Z 1",
            "a 2026-11-21T10:01:00Z 2026-11-21T10:02:00Z 1"), results, "minute 3 is still open");
        List<JsonNode> late = read("wc.late");
        assertEquals(1, late.size());
        assertEquals("u9", late.get(0).get("key").asText());
        assertTrue(late.get(0).get("value").get("reason").asText().contains("closed"), late.get(0).toString());

        JsonNode status = JSON.readTree(kappa("status", "wc", "--json").out());
        assertEquals("window-count --by page --size 1m --out-of-order 5s", status.get("processor").asText());
        assertEquals("2026-11-21T10:03:15Z", status.get("partitions").get(0).get("watermark").asText(),
            "the highest event time (10:03:20) minus 5 s, kept in the checkpoint");
        assertTrue(kappa("status", "wc").out().contains("2026-11-21T10:03:15Z"), "in the table too");

        // the same logic replayed under another group writes the same windows: diff by key and window says equal
        Cli.Result replay = kappa("replay", "window-count", "--by", "page", "--size", "1m", "--out-of-order", "5s", "--input",
            "clicks", "--output", "per-minute.v2", "--until-caught-up");
        assertEquals(0, replay.code(), replay.err());
        Cli.Result diff = kappa("diff", "per-minute", "per-minute.v2", "--by", "key,windowStart");
        assertEquals(0, diff.code(), diff.out() + diff.err());
        assertTrue(diff.out().contains("3 equal"), diff.out());
        // --verify: the group's own processor reproduces its output and state; a changed one diverges, and says where
        Cli.Result same = kappa("replay", "--verify", "--group", "wc");
        assertEquals(0, same.code(), same.out() + same.err());
        assertTrue(same.out().contains("clicks/0 (stage main): equal through offset 6"), same.out());
        assertTrue(same.out().contains("equal: the replay reproduces the recorded output and state"), same.out());
        Cli.Result changed = kappa("replay", "window-count", "--by", "page", "--size", "1m", "--out-of-order", "5s", "--where",
            "user != u3", "--verify", "--group", "wc");
        assertEquals(1, changed.code(), changed.out() + changed.err());
        // u3's click (offset 2) is left out: minute 0 of page b is missing, noticed at the next output (offset 5)
        assertTrue(changed.out().contains("DIVERGES at offset 5 (block 0; outputs equal through offset 4)"), changed.out());
        assertTrue(changed.out().contains("\"key\":\"b\""), "the recorded window b: " + changed.out());
        Cli.Result noGroup = kappa("replay", "--verify", "--group", "ghost");
        assertEquals(1, noGroup.code());
        assertTrue(noGroup.err().contains("unknown group 'ghost'"), noGroup.err());

        Cli.Result byKey = kappa("diff", "per-minute", "per-minute.v2", "--by", "windowStart");
        assertEquals(2, byKey.code(), "trouble, not a difference");
        assertTrue(byKey.err().contains("must start with key"), byKey.err());

        // A record of another shape (no windowStart, or not JSON) is a row of its own, shown with the field missing
        assertEquals(0, kappa("append", "per-minute", "--key", "m", "{\"marker\":1}").code());
        Cli.Result marker = kappa("diff", "per-minute", "per-minute.v2", "--by", "key,windowStart");
        assertEquals(1, marker.code(), marker.out() + marker.err());
        assertTrue(marker.out().contains("m (missing)"), marker.out());
        assertEquals(0, kappa("append", "per-minute.v2", "--key", "m", "{\"marker\":1}").code());
        Cli.Result both = kappa("diff", "per-minute", "per-minute.v2", "--by", "key,windowStart");
        assertEquals(0, both.code(), both.out() + both.err());
        assertTrue(both.out().contains("4 equal"), both.out());
    }

    @Test
    void windowAggHoppingAndSessionOptions() throws Exception {
        assertEquals(0, kappa("topic", "create", "m").code());
        StringBuilder b = new StringBuilder();
        long[] at = {0, 1_000, 2_000, 10_000, 11_000, 60_000};
        int[] v = {5, 7, 3, 10, 20, 1};
        for (int i = 0; i < at.length; i++) {
            b.append("{\"key\":\"s\",\"time\":").append(T0 + at[i]).append(",\"value\":{\"v\":").append(v[i]).append("}}\n");
        }
        assertEquals(0, append("m", b.toString()).code());
        assertEquals(0, kappa("run", "window-agg", "--agg", "max", "--field", "v", "--by", "key", "--session-gap", "5s", "--group",
            "sess", "--input", "m", "--output", "sess-out", "--until-caught-up").code());
        List<String> sessions = new ArrayList<>();
        for (JsonNode r : read("sess-out")) {
            JsonNode x = r.get("value");
            sessions.add(x.get("windowStart").asText().substring(11) + "-" + x.get("windowEnd").asText().substring(11) + " max "
                + x.get("max").asLong());
        }
        assertEquals(List.of("10:00:00Z-10:00:07Z max 7", "10:00:10Z-10:00:16Z max 20"), sessions);

        assertEquals(0, kappa("run", "window-agg", "--agg", "avg", "--field", "v", "--by", "key", "--size", "10s", "--advance", "5s",
            "--mode", "update", "--group", "hop", "--input", "m", "--output", "hop-out", "--until-caught-up").code());
        List<JsonNode> hop = read("hop-out");
        assertEquals("2026-11-21T10:00:00Z", hop.get(0).get("value").get("windowStart").asText());
        JsonNode earlier = hop.get(1).get("value");
        assertEquals("2026-11-21T09:59:55Z", earlier.get("windowStart").asText(), "hopping windows overlap: t=0 is in two");
        assertEquals(5.0, earlier.get("avg").asDouble());
        assertEquals(1, earlier.get("count").asLong());
        JsonNode last = null;
        for (JsonNode r : hop) {
            if (r.get("value").get("windowStart").asText().equals("2026-11-21T10:00:00Z")) {
                last = r.get("value");
            }
        }
        assertEquals(15.0 / 3, last.get("avg").asDouble(), "update mode: the window's latest value, (5 + 7 + 3) / 3");
    }

    /**
     * The seed notes' three asks through the real command: the 99th percentile of a load per window, daily unique users
     * ({@code count(distinct user) ... group by date}), and days of a time zone (a Korean trading day starts at 15:00 UTC).
     */
    @Test
    void windowAggPercentilesAndDistinctUsersPerKoreanDay() throws Exception {
        assertEquals(0, kappa("topic", "create", "orders", "--partitions", "2").code());
        long kstDay = Instant.parse("2026-11-20T15:00:00Z").toEpochMilli(); // 2026-11-21 00:00 KST
        java.util.Random rnd = new java.util.Random(18);
        StringBuilder b = new StringBuilder();
        List<Long> day1 = new ArrayList<>();
        java.util.Set<String> users1 = new java.util.HashSet<>();
        int before = 0;
        long[] times = new long[400];
        for (int i = 0; i < times.length; i++) {
            times[i] = kstDay - 3_600_000L + (long) (rnd.nextDouble() * 26 * 3_600_000L); // 23:00 KST the day before .. 01:00 after
        }
        java.util.Arrays.sort(times);
        for (long t : times) {
            long ms = 1 + rnd.nextInt(rnd.nextInt(10) == 0 ? 5_000 : 200);
            String user = "u" + rnd.nextInt(150);
            if (t >= kstDay && t < kstDay + 86_400_000L) {
                day1.add(ms);
                users1.add(user);
            } else if (t < kstDay) {
                before++;
            }
            b.append("{\"key\":\"KRX\",\"time\":").append(t).append(",\"value\":{\"user\":\"").append(user)
                .append("\",\"ms\":").append(ms).append("}}\n");
        }
        assertEquals(0, append("orders", b.toString()).code());
        Cli.Result p99 = kappa("run", "window-agg", "--agg", "p99", "--field", "ms", "--by", "key", "--size", "1d", "--zone",
            "Asia/Seoul", "--group", "lat", "--input", "orders", "--output", "lat-daily", "--until-caught-up", "--drain");
        assertEquals(0, p99.code(), p99.err());
        List<JsonNode> out = read("lat-daily");
        assertEquals(3, out.size(), "the day before, the day, the day after: " + out);
        JsonNode day = out.get(1).get("value");
        assertEquals("2026-11-21T00:00:00+09:00", day.get("windowStart").asText());
        assertEquals("2026-11-22T00:00:00+09:00", day.get("windowEnd").asText());
        assertEquals(day1.size(), day.get("count").asLong());
        day1.sort(null);
        long exact = day1.get((int) Math.ceil(0.99 * day1.size()) - 1);
        assertEquals(exact, day.get("p99").asDouble(), exact * 0.01, "within 1% of the batch p99: " + day);
        assertEquals(before, out.get(0).get("value").get("count").asLong(), "the 23:00 KST records are the day before's");

        Cli.Result distinct = kappa("run", "window-agg", "--agg", "distinct", "--field", "user", "--by", "key", "--size", "1d",
            "--zone", "Asia/Seoul", "--group", "dau", "--input", "orders", "--output", "dau", "--until-caught-up", "--drain");
        assertEquals(0, distinct.code(), distinct.err());
        JsonNode users = read("dau").get(1).get("value");
        assertEquals(users1.size(), users.get("distinct").asLong(), "exact below 1024: " + users);
        assertTrue(users.get("exact").asBoolean());

        JsonNode status = JSON.readTree(kappa("status", "dau", "--json").out());
        assertEquals("window-agg --by key --field user --agg distinct --size 1d --zone Asia/Seoul", status.get("processor").asText());
        Cli.Result verify = kappa("replay", "--verify", "--group", "lat");
        assertEquals(0, verify.code(), verify.out() + verify.err());
        assertTrue(verify.out().contains("equal: the replay reproduces the recorded output and state"), verify.out());
        Cli.Result badZone = kappa("run", "window-agg", "--agg", "p50", "--field", "ms", "--by", "key", "--size", "1d", "--zone",
            "Seoul", "--group", "bad", "--input", "orders", "--output", "x");
        assertEquals(2, badZone.code(), "a usage error");
        assertTrue(badZone.err().contains("unknown --zone 'Seoul'"), badZone.err());
    }

    @Test
    void topRanksPerWindow() throws Exception {
        assertEquals(0, kappa("topic", "create", "changes").code());
        StringBuilder b = new StringBuilder();
        String[] sym = {"A", "B", "C", "D"};
        double[] chg = {1.5, -2, 3.25, 0.5};
        for (int i = 0; i < 4; i++) {
            b.append("{\"key\":\"").append(sym[i]).append("\",\"time\":").append(T0 + i).append(",\"value\":{\"change\":")
                .append(chg[i]).append("}}\n");
        }
        b.append("{\"key\":\"A\",\"time\":").append(T0 + 86_400_000L * 2).append(",\"value\":{\"change\":0}}\n");
        assertEquals(0, append("changes", b.toString()).code());
        Cli.Result run = kappa("run", "top", "--by", "change", "--n", "2", "--size", "1d", "--group", "t", "--input", "changes",
            "--output", "top2", "--until-caught-up");
        assertEquals(0, run.code(), run.err());
        List<JsonNode> out = read("top2");
        assertEquals(1, out.size());
        JsonNode top = out.get(0).get("value").get("top");
        assertEquals("C", top.get(0).get("key").asText());
        assertEquals(3.25, top.get(0).get("value").asDouble());
        assertEquals("A", top.get(1).get("key").asText());
        assertEquals(2, top.size());
    }

    @Test
    void joinEnrichesWithATableAndPairsStreamsWithinAnInterval() throws Exception {
        assertEquals(0, kappa("topic", "create", "orders", "--partitions", "2").code());
        assertEquals(0, kappa("topic", "create", "users", "--partitions", "2").code());
        assertEquals(0, kappa("topic", "create", "payments", "--partitions", "2").code());
        assertEquals(0, append("users", "{\"key\":\"u1\",\"time\":" + T0 + ",\"value\":{\"name\":\"Ann\"}}\n").code());
        assertEquals(0, append("orders", "{\"key\":\"u1\",\"time\":" + (T0 + 1_000) + ",\"value\":{\"order\":1}}\n"
            + "{\"key\":\"u2\",\"time\":" + (T0 + 2_000) + ",\"value\":{\"order\":2}}\n").code());
        Cli.Result table = kappa("run", "join", "--left", "orders", "--right", "users", "--table", "--join", "left", "--group", "enrich",
            "--output", "enriched", "--until-caught-up");
        assertEquals(0, table.code(), table.err());
        List<String> enriched = new ArrayList<>();
        for (JsonNode r : read("enriched")) {
            enriched.add(r.get("value").toString());
        }
        enriched.sort(null);
        assertEquals(List.of("{\"key\":\"u1\",\"left\":{\"order\":1},\"right\":{\"name\":\"Ann\"}}",
            "{\"key\":\"u2\",\"left\":{\"order\":2},\"right\":null}"), enriched);

        assertEquals(0, append("payments", "{\"key\":\"u1\",\"time\":" + (T0 + 4_000) + ",\"value\":{\"paid\":1}}\n"
            + "{\"key\":\"u2\",\"time\":" + (T0 + 60_000) + ",\"value\":{\"paid\":2}}\n").code());
        Cli.Result pairs = kappa("run", "join", "--left", "orders", "--right", "payments", "--within", "10s", "--group", "paid",
            "--output", "paid-orders", "--until-caught-up");
        assertEquals(0, pairs.code(), pairs.err());
        List<JsonNode> paid = read("paid-orders");
        assertEquals(1, paid.size(), "u1 paid within 10 s of ordering; u2 58 s later");
        assertEquals("{\"key\":\"u1\",\"left\":{\"order\":1},\"right\":{\"paid\":1}}", paid.get(0).get("value").toString());

        assertEquals(0, kappa("topic", "create", "three", "--partitions", "3").code());
        Cli.Result mismatch = kappa("run", "join", "--left", "orders", "--right", "three", "--table", "--group", "bad", "--output", "x");
        assertEquals(2, mismatch.code(), "topics that cannot be joined are a usage error");
        assertTrue(mismatch.err().contains("three") && mismatch.err().contains("orders"), mismatch.err());
    }

    @Test
    void refusesBadWindowOptions() {
        assertEquals(0, kappa("topic", "create", "in").code());
        String[][] cases = {
            {"window-count needs --size (or --session-gap)", "window-count", "--by", "key"},
            {"--session-gap does not go with --size", "window-count", "--by", "key", "--size", "1m", "--session-gap", "5s"},
            {"advance must be positive and at most the size", "window-count", "--by", "key", "--size", "1m", "--advance", "2m"},
            {"unknown output mode 'sometimes'", "window-count", "--by", "key", "--size", "1m", "--mode", "sometimes"},
            {"unknown --agg 'median'", "window-agg", "--agg", "median", "--field", "v", "--by", "key", "--size", "1m"},
            {"window-agg --agg p99 needs --field", "window-agg", "--agg", "p99", "--by", "key", "--size", "1m"},
            {"session windows (--session-gap) are not aligned", "window-count", "--by", "key", "--session-gap", "5s", "--zone", "UTC"},
            {"--out-of-order: 'soon'", "window-count", "--by", "key", "--size", "1m", "--out-of-order", "soon"},
            {"--n must be a positive whole number", "top", "--by", "v", "--n", "zero", "--size", "1d"},
            {"window-count does not take --n", "window-count", "--by", "key", "--size", "1m", "--n", "3"},
            {"unknown time 'wall'", "window-count", "--by", "key", "--size", "1m", "--time", "wall"},
        };
        for (String[] c : cases) {
            List<String> args = new ArrayList<>(List.of("run"));
            args.addAll(List.of(c).subList(1, c.length));
            args.addAll(List.of("--group", "g", "--input", "in", "--output", "o"));
            Cli.Result r = kappa(args.toArray(new String[0]));
            assertEquals(2, r.code(), "a usage error: " + String.join(" ", args) + ": " + r.err());
            assertTrue(r.err().contains(c[0]), "'" + r.err() + "' should contain '" + c[0] + "'");
        }
        Cli.Result r = kappa("run", "join", "--left", "in", "--group", "g", "--output", "o");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("join needs --left and --right"), r.err());
        r = kappa("run", "count", "--by", "key", "--left", "in", "--group", "g", "--input", "in", "--output", "o");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("for join only"), r.err());
    }
}
