package io.kappa.processor;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class InMemoryKeyValueStoreTest {
    static InMemoryKeyValueStore<String, Long> newStore() {
        return new InMemoryKeyValueStore<>("s", Serdes.string(), Serdes.longs());
    }

    static <K, V> List<Map.Entry<K, V>> entries(KeyValueStore<K, V> store) {
        List<Map.Entry<K, V>> out = new ArrayList<>();
        store.forEach((k, v) -> out.add(Map.entry(k, v)));
        return out;
    }

    static <K, V> List<Map.Entry<K, V>> entries(Map<K, V> map) {
        List<Map.Entry<K, V>> out = new ArrayList<>();
        map.forEach((k, v) -> out.add(Map.entry(k, v)));
        return out;
    }

    static byte[] snapshot(InMemoryKeyValueStore<?, ?> store) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            store.writeSnapshot(out, new ExpandableArrayBuffer(16));
        }
        return bytes.toByteArray();
    }

    @Test
    void putGetDeleteSizeAndFirstKeyFollowInsertionOrder() {
        InMemoryKeyValueStore<String, Long> s = newStore();
        assertEquals("s", s.name());
        assertNull(s.firstKey());
        assertEquals(0, s.size());
        assertNull(s.get("a"));

        s.put("c", 3L);
        s.put("a", 1L);
        s.put("b", 2L);
        assertEquals(3, s.size());
        assertEquals(1L, s.get("a"));
        assertEquals("c", s.firstKey());
        assertEquals(List.of(Map.entry("c", 3L), Map.entry("a", 1L), Map.entry("b", 2L)), entries(s));

        s.put("c", 30L); // an overwrite keeps the key's place
        assertEquals(List.of(Map.entry("c", 30L), Map.entry("a", 1L), Map.entry("b", 2L)), entries(s));

        assertEquals(30L, s.delete("c"));
        assertNull(s.delete("c"), "deleting an absent key returns null");
        assertEquals("a", s.firstKey());
        assertEquals(2, s.size());

        s.put("c", 4L); // re-inserted after a delete: now the newest
        assertEquals(List.of(Map.entry("a", 1L), Map.entry("b", 2L), Map.entry("c", 4L)), entries(s));
    }

    @Test
    void refusesNullKeysAndValues() {
        InMemoryKeyValueStore<String, Long> s = newStore();
        assertThrows(NullPointerException.class, () -> s.put(null, 1L));
        NullPointerException e = assertThrows(NullPointerException.class, () -> s.put("a", null));
        assertTrue(e.getMessage().contains("delete"), e.getMessage());
        assertThrows(NullPointerException.class, () -> s.get(null));
        assertThrows(NullPointerException.class, () -> s.delete(null));
        assertEquals(0, s.size());
    }

    @Test
    void rollbackUndoesPutsOverwritesAndDeletesOfOneRecord() {
        InMemoryKeyValueStore<String, Long> s = newStore();
        s.put("a", 1L);
        s.put("b", 2L);
        s.put("c", 3L);
        s.commit();
        List<Map.Entry<String, Long>> before = entries(s);

        s.put("new", 9L);        // put of an absent key
        s.put("a", 10L);         // overwrite
        s.put("a", 11L);         // second overwrite of the same key
        s.put("tmp", 5L);        // put then delete of the same key
        s.delete("tmp");
        s.delete("absent");      // delete of an absent key
        s.delete("b");           // delete of a present key
        s.rollback();

        assertEquals(3, s.size());
        assertEquals(1L, s.get("a"));
        assertEquals(2L, s.get("b"));
        assertEquals(3L, s.get("c"));
        assertNull(s.get("new"));
        assertNull(s.get("tmp"));
        assertNull(s.get("absent"));
        assertEquals(Map.of("a", 1L, "b", 2L, "c", 3L), toMap(s));
        assertEquals(3, before.size());
    }

    @Test
    void rollbackWithoutDeletesKeepsIterationOrder() {
        InMemoryKeyValueStore<String, Long> s = newStore();
        s.put("a", 1L);
        s.put("b", 2L);
        s.commit();
        s.put("b", 20L);
        s.put("z", 26L);
        s.put("a", 10L);
        s.rollback();
        assertEquals(List.of(Map.entry("a", 1L), Map.entry("b", 2L)), entries(s));
        assertEquals("a", s.firstKey());
    }

    /** Documented in {@link KeyValueStore}: contents come back exactly, a deleted key as the newest entry. */
    @Test
    void rollbackOfADeleteBringsTheKeyBackAsTheNewestEntry() {
        InMemoryKeyValueStore<String, Long> s = newStore();
        s.put("oldest", 1L);
        s.put("middle", 2L);
        s.put("newest", 3L);
        s.commit();
        s.delete("oldest");
        s.delete("middle");
        s.rollback();
        assertEquals("newest", s.firstKey());
        assertEquals(List.of(Map.entry("newest", 3L), Map.entry("middle", 2L), Map.entry("oldest", 1L)), entries(s));
    }

    @Test
    void rollbackOfPutThenDeleteOfANewKeyLeavesItAbsent() {
        InMemoryKeyValueStore<String, Long> s = newStore();
        s.put("x", 1L);
        s.delete("x");
        s.put("x", 2L);
        s.delete("x");
        s.rollback();
        assertEquals(0, s.size());
        assertNull(s.firstKey());
    }

    @Test
    void rollbackOfDeleteThenPutOfAnExistingKeyRestoresItsValue() {
        InMemoryKeyValueStore<String, Long> s = newStore();
        s.put("x", 1L);
        s.commit();
        s.delete("x");
        s.put("x", 2L);
        s.rollback();
        assertEquals(1L, s.get("x"));
        assertEquals(1, s.size());
    }

    @Test
    void commitKeepsTheWritesAndALaterRollbackDoesNotUndoThem() {
        InMemoryKeyValueStore<String, Long> s = newStore();
        s.put("a", 1L);
        s.put("b", 2L);
        s.delete("a");
        s.commit();
        s.rollback(); // nothing since the commit
        assertEquals(List.of(Map.entry("b", 2L)), entries(s));

        s.put("c", 3L);
        s.rollback();
        assertEquals(List.of(Map.entry("b", 2L)), entries(s), "only the writes after the commit are undone");
    }

    static List<String> tallies(KeyValueStore<String, Tally> store) {
        List<String> out = new ArrayList<>();
        store.forEach((k, v) -> out.add(k + "=" + v));
        return out;
    }

    @Test
    void aValueChangedInPlaceGetsItsStateBackOnRollbackAndKeepsItOnCommit() throws IOException {
        InMemoryKeyValueStore<String, Tally> s = new InMemoryKeyValueStore<>("t", Serdes.string(), Tally.SERDE);
        s.put("a", new Tally(1, 10));
        s.put("b", new Tally(1, 20));
        s.commit();

        Tally a = s.get("a");
        s.changing("a", a);
        a.add(11);
        s.changing("a", a); // twice in one record: the undo goes back to the state before the first
        a.add(12);
        Tally b = s.get("b");
        s.changing("b", b);
        b.add(21);
        s.delete("b");
        s.put("c", new Tally(1, 30));
        assertEquals(List.of("a=3/12", "c=1/30"), tallies(s));
        s.rollback();
        assertEquals(List.of("a=1/10", "b=1/20"), tallies(s));
        assertSame(a, s.get("a"), "the value itself is restored, not replaced");

        s.changing("a", a);
        a.add(13);
        s.commit();
        s.rollback(); // nothing since the commit
        assertEquals(List.of("a=2/13", "b=1/20"), tallies(s));
        InMemoryKeyValueStore<String, Tally> restored = new InMemoryKeyValueStore<>("t", Serdes.string(), Tally.SERDE);
        restored.readSnapshot(new DataInputStream(new ByteArrayInputStream(snapshot(s))), new ExpandableArrayBuffer(4), "t");
        assertEquals(List.of("a=2/13", "b=1/20"), tallies(restored), "a snapshot holds the state changed in place");
    }

    @Test
    void manyInPlaceChangesInOneRecordAreAllUndone() {
        InMemoryKeyValueStore<String, Tally> s = new InMemoryKeyValueStore<>("t", Serdes.string(), Tally.SERDE);
        for (int i = 0; i < 100; i++) {
            s.put("k" + i, new Tally(0, 0));
        }
        s.commit();
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 100; i++) {
                Tally t = s.get("k" + i);
                s.changing("k" + i, t);
                t.add(round * 100 + i);
            }
        }
        s.rollback();
        for (int i = 0; i < 100; i++) {
            assertEquals("0/0", s.get("k" + i).toString());
        }
    }

    @Test
    void changingAValueThatCannotChangeInPlaceIsRefused() {
        InMemoryKeyValueStore<String, Long> s = newStore();
        s.put("a", 1L);
        assertThrows(ClassCastException.class, () -> s.changing("a", 1L));
    }

    @Test
    void rollbackUndoesManyWritesBeyondTheInitialUndoCapacity() {
        InMemoryKeyValueStore<String, Long> s = newStore();
        s.put("keep", 0L);
        s.commit();
        for (long i = 0; i < 1000; i++) {
            s.put("k" + (i % 37), i);
            if (i % 5 == 0) {
                s.delete("k" + (i % 11));
            }
        }
        s.rollback();
        assertEquals(List.of(Map.entry("keep", 0L)), entries(s));
    }

    @Test
    void snapshotRoundTripPreservesContentsAndIterationOrder() throws IOException {
        InMemoryKeyValueStore<String, Long> s = newStore();
        s.put("zeta", Long.MAX_VALUE);
        s.put("alpha", Long.MIN_VALUE);
        s.put("ключ", 0L);
        s.put("", -1L);
        s.put("mid", 42L);
        s.delete("alpha");
        s.put("alpha", 7L);
        s.commit();

        InMemoryKeyValueStore<String, Long> restored = newStore();
        restored.put("stale", 1L); // a restore replaces whatever the store held
        restored.readSnapshot(new DataInputStream(new ByteArrayInputStream(snapshot(s))), new ExpandableArrayBuffer(4), "test");

        assertEquals(entries(s), entries(restored));
        assertEquals("zeta", restored.firstKey());
        assertArrayEquals(snapshot(s), snapshot(restored), "a restored store snapshots to the same bytes");
    }

    @Test
    void snapshotOfAnEmptyStoreRestoresEmpty() throws IOException {
        InMemoryKeyValueStore<String, Long> restored = newStore();
        restored.readSnapshot(new DataInputStream(new ByteArrayInputStream(snapshot(newStore()))), new ExpandableArrayBuffer(4), "t");
        assertEquals(0, restored.size());
    }

    @Test
    void snapshotWithLargeValuesGrowsTheScratchBuffer() throws IOException {
        InMemoryKeyValueStore<String, String> s = new InMemoryKeyValueStore<>("big", Serdes.string(), Serdes.string());
        String big = "x".repeat(100_000);
        s.put("k", big);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        s.writeSnapshot(new DataOutputStream(bytes), new ExpandableArrayBuffer(8));
        InMemoryKeyValueStore<String, String> r = new InMemoryKeyValueStore<>("big", Serdes.string(), Serdes.string());
        r.readSnapshot(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), new ExpandableArrayBuffer(8), "t");
        assertEquals(big, r.get("k"));
    }

    @Test
    void snapshotWithANegativeLengthIsRefusedWithTheStoreName() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeLong(1);
        out.writeInt(-5);
        out.flush();
        IOException e = assertThrows(IOException.class, () -> newStore().readSnapshot(
            new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), new ExpandableArrayBuffer(4), "where"));
        assertTrue(e.getMessage().contains("store 's'") && e.getMessage().contains("negative length -5"), e.getMessage());
    }

    /**
     * Random puts, overwrites and deletes in "records" that commit or roll back, against a LinkedHashMap that
     * takes only committed records. Contents must always agree; iteration order must agree except that a
     * rolled-back delete of a committed key may bring the key back as the newest (as the store documents).
     */
    @Test
    void randomOperationsWithCommitAndRollbackMatchALinkedHashMap() throws IOException {
        long seed = Long.getLong("kappa.test.seed", System.nanoTime());
        System.out.println("InMemoryKeyValueStoreTest seed: " + seed + " (rerun with -Dkappa.test.seed=" + seed + ")");
        Random random = new Random(seed);
        InMemoryKeyValueStore<String, Long> store = newStore();
        LinkedHashMap<String, Long> committed = new LinkedHashMap<>();
        for (int record = 0; record < 3000; record++) {
            LinkedHashMap<String, Long> working = new LinkedHashMap<>(committed);
            java.util.Set<String> deletedCommitted = new java.util.HashSet<>();
            int ops = 1 + random.nextInt(6);
            for (int i = 0; i < ops; i++) {
                String key = "k" + random.nextInt(40);
                switch (random.nextInt(5)) {
                    case 0, 1, 2 -> {
                        long v = random.nextLong();
                        store.put(key, v);
                        working.put(key, v);
                    }
                    case 3 -> {
                        if (committed.containsKey(key)) {
                            deletedCommitted.add(key);
                        }
                        assertEquals(working.remove(key), store.delete(key), "seed " + seed + " record " + record);
                    }
                    default -> assertEquals(working.get(key), store.get(key), "seed " + seed + " record " + record);
                }
            }
            assertEquals(entries(working), entries(store), "seed " + seed + " record " + record + " before commit/rollback");
            if (random.nextInt(3) == 0) {
                store.rollback();
                assertEquals(committed, toMap(store), "seed " + seed + " record " + record + " after rollback");
                if (!deletedCommitted.isEmpty()) {
                    // contents equal; the keys that were not deleted keep their relative order
                    List<String> untouched = new ArrayList<>(committed.keySet());
                    untouched.removeAll(deletedCommitted);
                    List<String> storeOrder = new ArrayList<>();
                    store.forEach((k, v) -> {
                        if (!deletedCommitted.contains(k)) {
                            storeOrder.add(k);
                        }
                    });
                    assertEquals(untouched, storeOrder, "seed " + seed + " record " + record + " order of keys not deleted");
                    committed = toMap(store); // continue from the store's (documented) order
                } else {
                    assertEquals(entries(committed), entries(store), "seed " + seed + " record " + record + " order after rollback");
                }
            } else {
                store.commit();
                committed = working;
            }
            assertEquals(committed.size(), store.size(), "seed " + seed);
            assertEquals(committed.isEmpty() ? null : committed.keySet().iterator().next(), store.firstKey(), "seed " + seed);
            if (record % 500 == 0) {
                InMemoryKeyValueStore<String, Long> restored = newStore();
                restored.readSnapshot(new DataInputStream(new ByteArrayInputStream(snapshot(store))), new ExpandableArrayBuffer(4), "t");
                assertEquals(entries(store), entries(restored), "seed " + seed + " snapshot at record " + record);
            }
        }
    }

    private static LinkedHashMap<String, Long> toMap(KeyValueStore<String, Long> store) {
        LinkedHashMap<String, Long> m = new LinkedHashMap<>();
        store.forEach(m::put);
        return m;
    }
}
