package io.kappa.processor.window;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.processor.InputRecord;
import io.kappa.processor.KeyValueStore;
import io.kappa.processor.Processor;
import io.kappa.processor.ProcessorContext;
import io.kappa.processor.Serde;

/**
 * An aggregation per group key and event-time window (hopping, tumbling or session, see {@link WindowSpec}),
 * written in one of three {@linkplain WindowSpec.Mode output modes}. Runs in any stage; its clock and watermark
 * are the stage's {@link io.kappa.processor.TimePolicy}.
 *
 * <p>State: one store entry per (key, window) for hopping windows, or per key (its sessions) for session windows,
 * snapshotted at checkpoints. Besides it, an index from close time to the windows that close then is rebuilt from
 * the store when a task starts; one timer per close time fires when the watermark reaches it. A window is
 * written (append mode) and evicted (append and update mode) when it closes, so state is bounded by the windows
 * open at once. Windows closing together are written in (start, serialized key) order, so the output does not
 * depend on when the task last restarted. A window already in state is looked up with a reused key, and an
 * aggregator that adds in place ({@link WindowAggregator#addsInPlace}) changes its aggregate rather than putting a
 * new one (the store keeps the state before, for the undo of a failed record), so such a record allocates nothing.
 *
 * <p>Records whose windows are all closed go to {@code GROUP.late} (see {@link LateRecords}) with the windows
 * they missed. A hopping record that is late for some of its windows and in time for others updates the open
 * ones and is also reported late, listing the windows it missed.
 */
public final class WindowedAggregate<KIn, VIn, K, A, KOut, VOut> implements Processor<KIn, VIn, KOut, VOut> {
    /** The group key of a record; a record without one is an error (it goes to the dead-letter topic). */
    @FunctionalInterface
    public interface KeySelector<KIn, VIn, K> {
        K key(InputRecord<KIn, VIn> record) throws Exception;
    }

    /** Writes results: windows with the same bounds, keys in order, their aggregates. */
    public interface Results<K, A, KOut, VOut> {
        void emit(long start, long end, List<K> keys, List<A> aggregates, ProcessorContext<KOut, VOut> ctx) throws Exception;

        /**
         * True when a result covers a whole window (a ranking), so update mode passes every key of the window
         * rather than the one that changed.
         */
        default boolean wholeWindow() {
            return false;
        }
    }

    static final String TIMER = "window-close";

    private final WindowSpec spec;
    private final WindowSpec.Mode mode;
    private final String storeName;
    private final KeySelector<KIn, VIn, K> selector;
    private final WindowAggregator<InputRecord<KIn, VIn>, A> aggregator;
    private final Serde<K> keySerde;
    private final Serde<A> aggregateSerde;
    private final Results<K, A, KOut, VOut> results;
    private final String timer;
    private KeyValueStore<WindowKey<K>, A> windows;
    // reused to look windows up; a window's state is put under a key of its own
    private final WindowKey<K> lookup = WindowKey.lookup();
    private final boolean inPlace;
    private KeyValueStore<K, Sessions<A>> sessions;
    // close time -> the windows (WindowKey) or session keys (K) that close then; a superset, checked against the store
    private final TreeMap<Long, ArrayList<Object>> index = new TreeMap<>();
    private long cachedClose = Long.MIN_VALUE;
    private ArrayList<Object> cachedList;

    public WindowedAggregate(WindowSpec spec, WindowSpec.Mode mode, String storeName, KeySelector<KIn, VIn, K> selector,
                             WindowAggregator<InputRecord<KIn, VIn>, A> aggregator, Serde<K> keySerde, Serde<A> aggregateSerde,
                             Results<K, A, KOut, VOut> results) {
        this(spec, mode, storeName, selector, aggregator, keySerde, aggregateSerde, results, TIMER);
    }

    /** With its own timer name, for several window aggregations in one processor. */
    public WindowedAggregate(WindowSpec spec, WindowSpec.Mode mode, String storeName, KeySelector<KIn, VIn, K> selector,
                             WindowAggregator<InputRecord<KIn, VIn>, A> aggregator, Serde<K> keySerde, Serde<A> aggregateSerde,
                             Results<K, A, KOut, VOut> results, String timerName) {
        this.timer = Objects.requireNonNull(timerName, "timerName");
        this.spec = Objects.requireNonNull(spec, "spec");
        this.mode = Objects.requireNonNull(mode, "mode");
        this.storeName = Objects.requireNonNull(storeName, "storeName");
        this.selector = Objects.requireNonNull(selector, "selector");
        this.aggregator = Objects.requireNonNull(aggregator, "aggregator");
        this.keySerde = Objects.requireNonNull(keySerde, "keySerde");
        this.aggregateSerde = Objects.requireNonNull(aggregateSerde, "aggregateSerde");
        this.results = Objects.requireNonNull(results, "results");
        this.inPlace = aggregator.addsInPlace();
        if (spec.isSession() && results.wholeWindow()) {
            throw new IllegalArgumentException("a ranking over session windows is not supported: sessions are per key");
        }
    }

    @Override
    public void init(ProcessorContext<KOut, VOut> ctx) {
        long watermark = ctx.watermark();
        if (spec.isSession()) {
            sessions = ctx.keyValueStore(storeName, keySerde, Sessions.serde(aggregateSerde, spec));
            sessions.forEach((key, s) -> {
                for (int i = 0; i < s.size(); i++) {
                    long close = spec.closeTime(s.end[i]);
                    if (!s.closed[i] && close > watermark) {
                        index(close, key);
                    }
                }
            });
        } else {
            windows = ctx.keyValueStore(storeName, WindowKey.serde(keySerde, spec), aggregateSerde);
            windows.forEach((wk, a) -> {
                long close = spec.closeTime(spec.windowEnd(wk.start()));
                if (close > watermark) {
                    index(close, wk);
                }
            });
        }
    }

    /** The number of windows (hopping) or keys with sessions held in state. */
    public long stateSize() {
        return spec.isSession() ? sessions.size() : windows.size();
    }

    @Override
    public void process(InputRecord<KIn, VIn> r, ProcessorContext<KOut, VOut> ctx) throws Exception {
        K key = selector.key(r);
        if (key == null) {
            throw new IllegalArgumentException("the record has no group key");
        }
        if (spec.isSession()) {
            session(r, ctx, key);
        } else {
            hopping(r, ctx, key);
        }
    }

    private void hopping(InputRecord<KIn, VIn> r, ProcessorContext<KOut, VOut> ctx, K key) throws Exception {
        long t = r.eventTime();
        long watermark = ctx.watermark();
        long[] missed = null;
        int missedCount = 0;
        boolean counted = false;
        long latest = spec.lastStart(t);
        if (spec.windowEnd(latest) <= t || spec.windowStart(latest) > t) {
            throw new IllegalArgumentException("event time " + LateRecords.iso(t) + " falls in no window of " + spec.describe()
                + " (a window bound inside a repeated hour of the zone's clock)");
        }
        for (long id = latest; spec.windowEnd(id) > t; id -= spec.advanceMs()) {
            long start = spec.windowStart(id);
            long end = spec.windowEnd(id);
            long close = spec.closeTime(end);
            if (close <= watermark) {
                if (missed == null) {
                    missed = new long[(int) (spec.sizeMs() / spec.advanceMs()) + 1];
                }
                missed[missedCount++] = id;
                continue;
            }
            counted = true;
            A now;
            A old = windows.get(lookup.set(key, id));
            if (old != null && inPlace) {
                windows.changing(lookup, old);
                aggregator.addInPlace(old, r);
                now = old;
            } else {
                WindowKey<K> wk = new WindowKey<>(key, id);
                if (old == null) {
                    old = aggregator.initial();
                    index(close, wk);
                    ctx.registerTimer(close, timer);
                }
                now = aggregator.add(old, r);
                windows.put(wk, now);
            }
            if (mode == WindowSpec.Mode.UPDATE) {
                if (results.wholeWindow()) {
                    emitWindow(start, end, byId(index.get(close)).get(id), ctx, false);
                } else {
                    results.emit(start, end, List.of(key), List.of(now), ctx);
                }
            }
        }
        if (missedCount > 0) {
            ObjectNode late = LateRecords.describe(r, ctx, counted ? "some of its windows had closed; counted in the others"
                : "its window had closed");
            ArrayNode list = late.putArray("missedWindows");
            for (int i = 0; i < missedCount; i++) {
                ObjectNode w = list.addObject();
                w.put("windowStart", spec.format(spec.windowStart(missed[i])));
                w.put("windowEnd", spec.format(spec.windowEnd(missed[i])));
            }
            LateRecords.send(r, ctx, late);
        }
    }

    private void session(InputRecord<KIn, VIn> r, ProcessorContext<KOut, VOut> ctx, K key) throws Exception {
        long t = r.eventTime();
        long s = t;
        long e = t + spec.gapMs();
        if (e < t) {
            e = Long.MAX_VALUE;
        }
        Sessions<A> current = sessions.get(key);
        boolean[] overlap = null;
        A merged = null;
        int overlapping = 0;
        if (current != null) {
            for (int i = 0; i < current.size(); i++) {
                if (!current.closed[i] && current.start[i] < e && s < current.end[i]) {
                    if (overlap == null) {
                        overlap = new boolean[current.size()];
                    }
                    overlap[i] = true;
                    merged = overlapping == 0 ? current.aggregate(i) : aggregator.merge(merged, current.aggregate(i));
                    overlapping++;
                }
            }
        }
        if (overlapping == 0 && spec.closeTime(e) <= ctx.watermark()) {
            ObjectNode late = LateRecords.describe(r, ctx, "its session window had closed");
            late.put("windowStart", LateRecords.iso(s));
            late.put("windowEnd", LateRecords.iso(e));
            LateRecords.send(r, ctx, late);
            return;
        }
        long ns = s;
        long ne = e;
        if (overlap != null) {
            for (int i = 0; i < current.size(); i++) {
                if (overlap[i]) {
                    ns = Math.min(ns, current.start[i]);
                    ne = Math.max(ne, current.end[i]);
                }
            }
        }
        A now = aggregator.add(overlapping == 0 ? aggregator.initial() : merged, r);
        Sessions<A> base = current == null ? Sessions.empty() : current;
        sessions.put(key, base.replace(overlap, ns, ne, now));
        long close = spec.closeTime(ne);
        index(close, key);
        ctx.registerTimer(close, timer);
        if (mode == WindowSpec.Mode.UPDATE) {
            results.emit(ns, ne, List.of(key), List.of(now), ctx);
        }
    }

    @Override
    public void onTimer(long time, String name, ProcessorContext<KOut, VOut> ctx) throws Exception {
        if (!timer.equals(name)) {
            return;
        }
        ArrayList<Object> closing = index.remove(time);
        if (cachedClose == time) {
            cachedClose = Long.MIN_VALUE;
            cachedList = null;
        }
        if (closing != null) {
            if (spec.isSession()) {
                closeSessions(time, closing, ctx);
            } else {
                // usually one window id; in a zone, windows whose local ends a spring change skipped close together
                for (Map.Entry<Long, List<Object>> e : byId(closing).entrySet()) {
                    emitWindow(spec.windowStart(e.getKey()), spec.windowEnd(e.getKey()), e.getValue(), ctx, true);
                }
            }
        }
        if (mode == WindowSpec.Mode.COMPLETE) {
            emitAll(ctx);
        }
    }

    /**
     * The windows in {@code list} (all with the same start) that are in the store, in key order: written when
     * {@code closing} in append mode or on every change for a ranking, and evicted when closing (not in complete
     * mode).
     */
    @SuppressWarnings("unchecked")
    private void emitWindow(long start, long end, List<Object> list, ProcessorContext<KOut, VOut> ctx, boolean closing)
        throws Exception {
        if (list == null) {
            return;
        }
        List<WindowKey<K>> present = new ArrayList<>(list.size());
        for (Object o : list) {
            WindowKey<K> wk = (WindowKey<K>) o;
            if (windows.get(wk) != null) {
                present.add(wk);
            }
        }
        List<WindowKey<K>> sorted = sortedDistinct(present);
        if (sorted.isEmpty()) {
            return;
        }
        List<K> keys = new ArrayList<>(sorted.size());
        List<A> aggregates = new ArrayList<>(sorted.size());
        boolean evict = closing && mode != WindowSpec.Mode.COMPLETE;
        for (WindowKey<K> wk : sorted) {
            keys.add(wk.key());
            aggregates.add(evict ? windows.delete(wk) : windows.get(wk));
        }
        if (!closing || mode == WindowSpec.Mode.APPEND) {
            results.emit(start, end, keys, aggregates, ctx);
        }
    }

    @SuppressWarnings("unchecked")
    private void closeSessions(long time, List<Object> list, ProcessorContext<KOut, VOut> ctx) throws Exception {
        List<K> keys = sortedDistinct(list, o -> (K) o);
        for (K key : keys) {
            Sessions<A> s = sessions.get(key);
            if (s == null) {
                continue;
            }
            boolean[] which = new boolean[s.size()];
            boolean any = false;
            for (int i = 0; i < s.size(); i++) {
                if (!s.closed[i] && spec.closeTime(s.end[i]) <= time) {
                    which[i] = true;
                    any = true;
                    if (mode == WindowSpec.Mode.APPEND) {
                        results.emit(s.start[i], s.end[i], List.of(key), List.of(s.aggregate(i)), ctx);
                    }
                }
            }
            if (!any) {
                continue;
            }
            Sessions<A> left = s.close(which, mode == WindowSpec.Mode.COMPLETE);
            if (left == null) {
                sessions.delete(key);
            } else {
                sessions.put(key, left);
            }
        }
    }

    /** Windows (WindowKey) by id, in id order. */
    private static TreeMap<Long, List<Object>> byId(List<Object> windowKeys) {
        TreeMap<Long, List<Object>> out = new TreeMap<>();
        for (Object o : windowKeys) {
            out.computeIfAbsent(((WindowKey<?>) o).start(), x -> new ArrayList<>()).add(o);
        }
        return out;
    }

    /** Complete mode: every window in state, by start then key. */
    private void emitAll(ProcessorContext<KOut, VOut> ctx) throws Exception {
        if (spec.isSession()) {
            TreeMap<Long, List<Object[]>> byStart = new TreeMap<>();
            sessions.forEach((key, s) -> {
                for (int i = 0; i < s.size(); i++) {
                    byStart.computeIfAbsent(s.start[i], x -> new ArrayList<>()).add(new Object[] {key, s.end[i], s.aggregate(i)});
                }
            });
            for (Map.Entry<Long, List<Object[]>> e : byStart.entrySet()) {
                List<Object[]> rows = e.getValue();
                sortRows(rows);
                for (Object[] row : rows) {
                    @SuppressWarnings("unchecked") K k = (K) row[0];
                    @SuppressWarnings("unchecked") A a = (A) row[2];
                    results.emit(e.getKey(), (Long) row[1], List.of(k), List.of(a), ctx);
                }
            }
            return;
        }
        TreeMap<Long, List<Object>> byStart = new TreeMap<>();
        windows.forEach((wk, a) -> byStart.computeIfAbsent(wk.start(), x -> new ArrayList<>()).add(wk));
        for (Map.Entry<Long, List<Object>> e : byStart.entrySet()) {
            emitWindow(spec.windowStart(e.getKey()), spec.windowEnd(e.getKey()), e.getValue(), ctx, false);
        }
    }

    private void sortRows(List<Object[]> rows) {
        byte[][] bytes = new byte[rows.size()][];
        Integer[] order = new Integer[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            @SuppressWarnings("unchecked") K k = (K) rows.get(i)[0];
            bytes[i] = keySerde.serialize(k);
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Arrays.compareUnsigned(bytes[x], bytes[y]));
        List<Object[]> sorted = new ArrayList<>(rows.size());
        for (Integer i : order) {
            sorted.add(rows.get(i));
        }
        rows.clear();
        rows.addAll(sorted);
    }

    /** The distinct windows of {@code items} (all with one start), ordered by their keys' serialized bytes. */
    private List<WindowKey<K>> sortedDistinct(List<WindowKey<K>> items) {
        List<K> keys = sortedDistinct(items, WindowKey::key);
        List<WindowKey<K>> out = new ArrayList<>(keys.size());
        long start = items.get(0).start();
        for (K k : keys) {
            out.add(new WindowKey<>(k, start));
        }
        return out;
    }

    /** The distinct keys of {@code items}, ordered by their serialized bytes (unsigned). */
    private <T> List<K> sortedDistinct(List<T> items, java.util.function.Function<T, K> key) {
        int n = items.size();
        if (n == 0) {
            return Collections.emptyList();
        }
        byte[][] bytes = new byte[n][];
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            bytes[i] = keySerde.serialize(key.apply(items.get(i)));
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Arrays.compareUnsigned(bytes[x], bytes[y]));
        List<K> out = new ArrayList<>(n);
        byte[] previous = null;
        for (Integer i : order) {
            if (previous == null || !Arrays.equals(previous, bytes[i])) {
                out.add(key.apply(items.get(i)));
                previous = bytes[i];
            }
        }
        return out;
    }

    private void index(long close, Object window) {
        ArrayList<Object> list;
        if (close == cachedClose) {
            list = cachedList;
        } else {
            list = index.get(close);
            if (list == null) {
                list = new ArrayList<>();
                index.put(close, list);
            }
            cachedClose = close;
            cachedList = list;
        }
        list.add(window);
    }
}
