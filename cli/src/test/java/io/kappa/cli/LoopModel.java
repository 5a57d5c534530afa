package io.kappa.cli;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import io.kappa.log.Partitioner;

/**
 * The reference for {@link LoopSequenceTest}: what a user should observe after any sequence of operations, computed
 * by plain batch code from the events the test appended, never by kappa. A group's state always covers a prefix of
 * the input (per partition, the offsets it has consumed); a run from prefix S to the end E writes, for every key
 * whose events lie in [S, E), the value a batch computation over prefix E gives.
 */
final class LoopModel {
    /** One input event as the test appended it. */
    record Ev(String key, String page, int n, long time, String id, boolean poison) {
        String json() {
            return "{\"key\":\"" + key + "\",\"id\":\"" + id + "\",\"time\":" + time + ",\"value\":" + value() + "}";
        }

        /** The value as stored: the id is in it too, so that a dedup's output names what it kept. */
        String value() {
            return "{\"page\":\"" + page + "\",\"n\":" + (poison ? "\"x\"" : Integer.toString(n)) + ",\"i\":\"" + id + "\"}";
        }
    }

    /** The processors the test runs, each with a batch function over a prefix of the input. */
    enum Kind {
        COUNT_BY_KEY("count", "--by", "key"),
        COUNT_BY_PAGE("count", "--by", "page"),
        SUM_BY_KEY("sum", "--by", "key", "--field", "n"),
        FILTER("filter", "--where", "n > 4"),
        MAP("map", "--select", "page,n"),
        WINDOW_COUNT("window-count", "--by", "key", "--size", "10s", "--out-of-order", "5s", "--idle-timeout", "1h"),
        WINDOW_SUM("window-agg", "--agg", "sum", "--field", "n", "--by", "key", "--size", "10s", "--out-of-order", "5s", "--idle-timeout",
            "1h"),
        /** The 3 keys with the highest latest n per window; several partitions go through G.gather (two stages). */
        TOP("top", "--by", "n", "--n", "3", "--size", "10s", "--out-of-order", "5s", "--idle-timeout", "1h"),
        /**
         * Windows by a field, through a repartition: which records come too late depends on the upstream tasks'
         * watermarks, so its outputs are not modelled; what it sends to G.late is checked against the input.
         */
        WINDOW_BY_PAGE("window-count", "--by", "page", "--size", "10s", "--out-of-order", "5s", "--idle-timeout", "1h"),
        DEDUP("dedup", "--window", "1m", "--out-of-order", "5s", "--idle-timeout", "1h"),
        /** A user topology of two stages that writes what isReplaying() said ({@link ReplayFlagTopology}). */
        FLAGS("--class", ReplayFlagTopology.class.getName());

        final String[] args;

        Kind(String... args) {
            this.args = args;
        }

        boolean windowed() {
            return this == WINDOW_COUNT || this == WINDOW_SUM;
        }

        /** Whether a world of this kind may run with {@code --emit latest-per-commit}: a table whose latest rows the model knows. */
        boolean cacheable() {
            return this == COUNT_BY_KEY || this == COUNT_BY_PAGE || this == SUM_BY_KEY;
        }

        /** Whether some records come too late for their window (those the test draws so). */
        boolean hasLate() {
            return this == WINDOW_COUNT || this == WINDOW_SUM || this == WINDOW_BY_PAGE;
        }

        /** The row a key of the output maps to in {@link #expected}: the record key, or key and window start. */
        String rowOf(com.fasterxml.jackson.databind.JsonNode record) {
            if (this == DEDUP) {
                return record.path("value").path("i").asText();
            }
            if (this == FLAGS) {
                String v = record.path("value").asText();
                return v.substring(0, v.indexOf('|'));
            }
            if (this == TOP) {
                return record.path("value").path("windowStart").asText();
            }
            String key = record.path("key").asText();
            return windowed() ? key + "@" + record.path("value").path("windowStart").asText() : key;
        }
    }

    static final long WINDOW_MS = 10_000;
    static final long DISORDER_MS = 5_000;
    static final long DEDUP_WINDOW_MS = 60_000;

    final int partitions;
    final Kind kind;
    /** Every event appended to the input, per partition, in offset order. */
    final List<List<Ev>> input = new ArrayList<>();

    LoopModel(int partitions, Kind kind) {
        this.partitions = partitions;
        this.kind = kind;
        for (int p = 0; p < partitions; p++) {
            input.add(new ArrayList<>());
        }
    }

    int partitionOf(Ev e) {
        return (Partitioner.murmur2(e.key().getBytes(StandardCharsets.UTF_8)) & 0x7fffffff) % partitions;
    }

    void append(Ev e) {
        input.get(partitionOf(e)).add(e);
    }

    long[] ends() {
        long[] e = new long[partitions];
        for (int p = 0; p < partitions; p++) {
            e[p] = input.get(p).size();
        }
        return e;
    }

    /**
     * Applies a run that takes the state from prefix {@code from} to prefix {@code to} to the latest output rows
     * {@code latest} (row -> value as the test compares it).
     */
    void run(Map<String, String> latest, long[] from, boolean fromDrained, long[] to, boolean drain, long[] reached, boolean replay) {
        if (kind == Kind.WINDOW_BY_PAGE) {
            return;
        }
        if (kind == Kind.FLAGS) {
            // isReplaying(): a replay throughout; a run for what the group had read before its last rewind
            for (int p = 0; p < partitions; p++) {
                for (long o = from[p]; o < to[p]; o++) {
                    boolean again = replay || o < reached[p];
                    latest.put(input.get(p).get((int) o).value(), "first=" + again + "|second=" + again);
                }
            }
            return;
        }
        Map<String, String> now = kind == Kind.FILTER || kind == Kind.DEDUP || kind == Kind.MAP ? Map.of() : expected(to, drain);
        if (kind.windowed() || kind == Kind.TOP) {
            // a window is written once, when it closes: those closed at `to` but not at `from`
            Map<String, String> before = expected(from, fromDrained);
            now.forEach((row, v) -> {
                if (!before.containsKey(row)) {
                    latest.put(row, v);
                }
            });
            return;
        }
        if (kind == Kind.DEDUP) {
            for (int p = 0; p < partitions; p++) {
                boolean[] kept = kept(p);
                for (long o = from[p]; o < to[p]; o++) {
                    if (kept[(int) o]) {
                        // each kept record is written once per run that processes it: a duplicate let through shows
                        latest.merge(input.get(p).get((int) o).id(), "kept=1", (a, b) -> "kept=" + (times(a) + 1));
                    }
                }
            }
            return;
        }
        Set<String> touched = new LinkedHashSet<>();
        for (int p = 0; p < partitions; p++) {
            for (long o = from[p]; o < to[p]; o++) {
                Ev e = input.get(p).get((int) o);
                if (kind == Kind.FILTER) {
                    if (e.n() > 4) {
                        latest.put(e.key(), e.value());
                    }
                } else if (kind == Kind.MAP) {
                    latest.put(e.key(), "{\"page\":\"" + e.page() + "\",\"n\":" + e.n() + "}");
                } else if (!e.poison()) {
                    touched.add(kind == Kind.COUNT_BY_PAGE ? e.page() : e.key());
                }
            }
        }
        for (String k : touched) {
            latest.put(k, now.get(k));
        }
    }

    /**
     * The batch result over a prefix: per row its value, for the aggregations and the closed windows ({@code drained}:
     * the watermark went to the end of time, every window is closed).
     */
    Map<String, String> expected(long[] prefix, boolean drained) {
        Map<String, String> out = new TreeMap<>();
        switch (kind) {
            case COUNT_BY_KEY, COUNT_BY_PAGE -> {
                Map<String, Long> c = new HashMap<>();
                each(prefix, e -> c.merge(kind == Kind.COUNT_BY_PAGE ? e.page() : e.key(), 1L, Long::sum));
                c.forEach((k, v) -> out.put(k, "count=" + v));
            }
            case SUM_BY_KEY -> {
                Map<String, Long> s = new HashMap<>();
                each(prefix, e -> {
                    if (!e.poison()) {
                        s.merge(e.key(), (long) e.n(), Long::sum);
                    }
                });
                s.forEach((k, v) -> out.put(k, "sum=" + v));
            }
            case WINDOW_COUNT, WINDOW_SUM -> {
                for (int p = 0; p < partitions; p++) {
                    long max = Long.MIN_VALUE;
                    Map<String, Long> c = new HashMap<>();
                    boolean[] late = late(p);
                    for (long o = 0; o < prefix[p]; o++) {
                        Ev e = input.get(p).get((int) o);
                        max = Math.max(max, e.time());
                        if (!late[(int) o]) {
                            c.merge(e.key() + "@" + windowStart(e), kind == Kind.WINDOW_SUM ? e.n() : 1L, Long::sum);
                        }
                    }
                    // one source per task: the watermark is the highest time seen less the allowed disorder
                    long watermark = drained ? Long.MAX_VALUE : max == Long.MIN_VALUE ? Long.MIN_VALUE : max - DISORDER_MS;
                    String field = kind == Kind.WINDOW_SUM ? "sum=" : "count=";
                    c.forEach((row, n) -> {
                        if (closed(row.substring(row.indexOf('@') + 1), watermark)) {
                            out.put(row, field + n);
                        }
                    });
                }
            }
            case TOP -> {
                // through G.gather one task sees every partition: its watermark waits for the slowest
                long watermark = drained ? Long.MAX_VALUE : Long.MAX_VALUE - 1;
                Map<String, Map<String, Ev>> last = new TreeMap<>();
                for (int p = 0; p < partitions; p++) {
                    long max = Long.MIN_VALUE;
                    for (long o = 0; o < prefix[p]; o++) {
                        Ev e = input.get(p).get((int) o);
                        max = Math.max(max, e.time());
                        // a key's value is its latest by event time, the highest at equal times
                        last.computeIfAbsent(windowStart(e), w -> new TreeMap<>()).merge(e.key(), e, (a, b) ->
                            b.time() > a.time() || (b.time() == a.time() && b.n() > a.n()) ? b : a);
                    }
                    if (!drained) {
                        watermark = Math.min(watermark, max == Long.MIN_VALUE ? Long.MIN_VALUE : max - DISORDER_MS);
                    }
                }
                long wm = watermark;
                last.forEach((start, keys) -> {
                    if (closed(start, wm)) {
                        List<Ev> ranked = new ArrayList<>(keys.values());
                        ranked.sort((a, b) -> a.n() != b.n() ? Integer.compare(b.n(), a.n()) : a.key().compareTo(b.key()));
                        StringBuilder b = new StringBuilder();
                        for (int i = 0; i < Math.min(3, ranked.size()); i++) {
                            b.append(i == 0 ? "" : ",").append(ranked.get(i).key()).append('=').append(ranked.get(i).n());
                        }
                        out.put(start, "top=" + b);
                    }
                });
            }
            case FILTER, MAP, DEDUP, FLAGS, WINDOW_BY_PAGE -> throw new IllegalStateException("a filter or dedup has no batch state here");
        }
        return out;
    }

    static String windowStart(Ev e) {
        return java.time.Instant.ofEpochMilli(Math.floorDiv(e.time(), WINDOW_MS) * WINDOW_MS).toString();
    }

    /** Whether the window starting at {@code start} (ISO-8601) is closed at {@code watermark}. */
    static boolean closed(String start, long watermark) {
        return watermark == Long.MAX_VALUE || java.time.Instant.parse(start).toEpochMilli() + WINDOW_MS <= watermark;
    }

    /**
     * Which events of a partition a window-count sends to {@code G.late}: those whose window had closed when they
     * were read (its end at or below the watermark, the highest time seen less the allowed disorder).
     */
    boolean[] late(int p) {
        List<Ev> evs = input.get(p);
        boolean[] late = new boolean[evs.size()];
        if (kind != Kind.WINDOW_COUNT && kind != Kind.WINDOW_SUM) {
            return late;
        }
        long max = Long.MIN_VALUE;
        for (int i = 0; i < evs.size(); i++) {
            long t = evs.get(i).time();
            max = Math.max(max, t);
            late[i] = Math.floorDiv(t, WINDOW_MS) * WINDOW_MS + WINDOW_MS <= max - DISORDER_MS;
        }
        return late;
    }

    /** Where the records sent aside ({@code G.late} or {@code G.dlq}) by a run over [from, to) came from: "p/offset". */
    List<String> asideIn(long[] from, long[] to) {
        List<String> out = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            boolean[] late = late(p);
            for (long o = from[p]; o < to[p]; o++) {
                if (late[(int) o] || (kind == Kind.SUM_BY_KEY && input.get(p).get((int) o).poison())) {
                    out.add(p + "/" + o);
                }
            }
        }
        return out;
    }

    /**
     * Whether a run that took the state from prefix {@code from} towards {@code end} and was killed somewhere could
     * have written {@code value} as the latest of {@code row}.
     */
    boolean couldWrite(String row, String value, String before, long[] from, long[] end) {
        switch (kind) {
            case COUNT_BY_KEY, COUNT_BY_PAGE, SUM_BY_KEY -> {
                // an aggregation's value only grows: it lies between the values at the two prefixes
                long v = Long.parseLong(value.substring(value.indexOf('=') + 1));
                String lo = expected(from, false).get(row);
                String hi = expected(end, false).get(row);
                long low = lo == null ? 0 : Long.parseLong(lo.substring(lo.indexOf('=') + 1));
                long high = hi == null ? 0 : Long.parseLong(hi.substring(hi.indexOf('=') + 1));
                return low <= v && v <= high;
            }
            case WINDOW_COUNT, WINDOW_SUM, TOP -> {
                return value.equals(expected(end, false).get(row)); // a closed window's result is final
            }
            case MAP -> {
                for (int p = 0; p < partitions; p++) {
                    for (long o = from[p]; o < end[p]; o++) {
                        Ev e = input.get(p).get((int) o);
                        if (e.key().equals(row) && value.equals("{\"page\":\"" + e.page() + "\",\"n\":" + e.n() + "}")) {
                            return true;
                        }
                    }
                }
                return false;
            }
            case FILTER -> {
                for (int p = 0; p < partitions; p++) {
                    for (long o = from[p]; o < end[p]; o++) {
                        Ev e = input.get(p).get((int) o);
                        if (e.key().equals(row) && e.n() > 4 && e.value().equals(value)) {
                            return true;
                        }
                    }
                }
                return false;
            }
            case DEDUP -> {
                // each kept record of the id in [from, end) written at most once more than the model had
                long more = 0;
                for (int p = 0; p < partitions; p++) {
                    boolean[] kept = kept(p);
                    for (long o = from[p]; o < end[p]; o++) {
                        if (kept[(int) o] && input.get(p).get((int) o).id().equals(row)) {
                            more++;
                        }
                    }
                }
                long had = before == null ? 0 : times(before);
                return times(value) > had && times(value) <= had + more;
            }
            case WINDOW_BY_PAGE -> {
                return true; // not modelled
            }
            default -> {
                return false;
            }
        }
    }

    /** N of a dedup row's "kept=N". */
    static long times(String value) {
        return Long.parseLong(value.substring(value.indexOf('=') + 1));
    }

    /**
     * Which events of a partition a dedup keeps, as one with unlimited memory would: an event is dropped when an
     * earlier kept event of its id is at most the window away in event time.
     */
    boolean[] kept(int p) {
        List<Ev> evs = input.get(p);
        boolean[] kept = new boolean[evs.size()];
        Map<String, List<Long>> keptTimes = new HashMap<>();
        for (int i = 0; i < evs.size(); i++) {
            Ev e = evs.get(i);
            List<Long> times = keptTimes.computeIfAbsent(e.id(), x -> new ArrayList<>());
            kept[i] = times.stream().noneMatch(t -> Math.abs(t - e.time()) <= DEDUP_WINDOW_MS);
            if (kept[i]) {
                times.add(e.time());
            }
        }
        return kept;
    }

    private void each(long[] prefix, java.util.function.Consumer<Ev> f) {
        for (int p = 0; p < partitions; p++) {
            for (long o = 0; o < prefix[p]; o++) {
                f.accept(input.get(p).get((int) o));
            }
        }
    }

    /** The value of an output record as the model writes it. */
    String valueOf(com.fasterxml.jackson.databind.JsonNode record) {
        com.fasterxml.jackson.databind.JsonNode v = record.path("value");
        return switch (kind) {
            case COUNT_BY_KEY, COUNT_BY_PAGE, WINDOW_COUNT, WINDOW_BY_PAGE -> "count=" + v.path("count").asLong();
            case WINDOW_SUM -> "sum=" + v.path("sum").asLong();
            case MAP -> v.toString();
            case TOP -> {
                StringBuilder b = new StringBuilder("top=");
                for (com.fasterxml.jackson.databind.JsonNode t : v.path("top")) {
                    b.append(b.length() == 4 ? "" : ",").append(t.path("key").asText()).append('=').append(t.path("value").asLong());
                }
                yield b.toString();
            }
            case DEDUP -> "kept=1"; // counted by LoopWorld.latestRows
            case FLAGS -> v.asText().substring(v.asText().indexOf('|') + 1);
            case SUM_BY_KEY -> "sum=" + v.path("sum").asLong();
            case FILTER -> v.toString();
        };
    }
}
