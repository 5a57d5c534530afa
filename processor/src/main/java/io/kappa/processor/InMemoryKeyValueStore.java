package io.kappa.processor;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;

import org.agrona.ExpandableArrayBuffer;

/**
 * A {@link KeyValueStore} on a {@link LinkedHashMap} of live objects; serdes are used only for snapshots, so a
 * read or write costs a hash lookup. While a record is processed every write keeps the key's previous value in
 * an undo list (a value changed in place, its state in a reused array of longs: see {@link InPlaceValue}), so a
 * record that fails leaves the store as it was ({@link #rollback}). Not thread-safe: a task owns its stores.
 */
final class InMemoryKeyValueStore<K, V> implements KeyValueStore<K, V> {
    private static final Object ABSENT = new Object();
    // an undo entry whose key slot holds an InPlaceValue changed in place; its state is on top of undoStates
    private static final Object CHANGED = new Object();

    private final String name;
    private final Serde<K> keySerde;
    private final Serde<V> valueSerde;
    private LinkedHashMap<K, V> map = new LinkedHashMap<>();
    private Object[] undoKeys = new Object[16];
    private Object[] undoValues = new Object[16];
    private int undoCount;
    private long[] undoStates = new long[16];
    private int undoStateCount;

    InMemoryKeyValueStore(String name, Serde<K> keySerde, Serde<V> valueSerde) {
        this.name = name;
        this.keySerde = keySerde;
        this.valueSerde = valueSerde;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public V get(K key) {
        return map.get(Objects.requireNonNull(key, "key"));
    }

    @Override
    public void put(K key, V value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value (use delete to remove a key)");
        V old = map.put(key, value);
        remember(key, old);
    }

    @Override
    public void changing(K key, V value) {
        Objects.requireNonNull(key, "key");
        InPlaceValue v = (InPlaceValue) Objects.requireNonNull(value, "value");
        int n = v.stateLongs();
        if (undoStateCount + n > undoStates.length) {
            undoStates = java.util.Arrays.copyOf(undoStates, Math.max(undoStates.length * 2, undoStateCount + n));
        }
        v.saveTo(undoStates, undoStateCount);
        undoStateCount += n;
        remember(v, CHANGED);
    }

    @Override
    public V delete(K key) {
        Objects.requireNonNull(key, "key");
        V old = map.remove(key); // values are never null, so null means absent
        if (old != null) {
            remember(key, old);
        }
        return old;
    }

    @Override
    public long size() {
        return map.size();
    }

    @Override
    public void forEach(BiConsumer<? super K, ? super V> action) {
        map.forEach(action);
    }

    @Override
    public K firstKey() {
        Iterator<K> it = map.keySet().iterator();
        return it.hasNext() ? it.next() : null;
    }

    private void remember(Object key, Object old) {
        if (undoCount == undoKeys.length) {
            undoKeys = java.util.Arrays.copyOf(undoKeys, undoCount * 2);
            undoValues = java.util.Arrays.copyOf(undoValues, undoCount * 2);
        }
        undoKeys[undoCount] = key;
        undoValues[undoCount] = old == null ? ABSENT : old;
        undoCount++;
    }

    /** Forgets every entry, for good: between records only (nothing to undo, and nothing of it can be undone). */
    void clear() {
        map.clear();
        commit();
    }

    /** The record's writes stand. */
    void commit() {
        if (undoCount > 0) {
            java.util.Arrays.fill(undoKeys, 0, undoCount, null);
            java.util.Arrays.fill(undoValues, 0, undoCount, null);
            undoCount = 0;
            undoStateCount = 0;
        }
    }

    /**
     * Undoes the writes since the last commit, newest first. A key that was absent is removed again; a key that
     * was present gets its value back (its insertion position may change only if it had been deleted); a value
     * changed in place gets its state back.
     */
    @SuppressWarnings("unchecked")
    void rollback() {
        for (int i = undoCount - 1; i >= 0; i--) {
            Object old = undoValues[i];
            if (old == CHANGED) {
                InPlaceValue v = (InPlaceValue) undoKeys[i];
                undoStateCount -= v.stateLongs();
                v.restoreFrom(undoStates, undoStateCount);
                continue;
            }
            K key = (K) undoKeys[i];
            if (old == ABSENT) {
                map.remove(key);
            } else {
                map.put(key, (V) old);
            }
        }
        commit();
    }

    /**
     * Entries as (key length, key, value length, value), in insertion order, lengths big-endian. Entries are
     * serialized straight into {@code scratch} and written in chunks of about 1 MiB.
     */
    void writeSnapshot(DataOutput out, ExpandableArrayBuffer scratch) throws IOException {
        out.writeLong(map.size());
        int at = 0;
        for (Map.Entry<K, V> e : map.entrySet()) {
            int kl = keySerde.serializeTo(e.getKey(), scratch, at + 4);
            scratch.putInt(at, kl, java.nio.ByteOrder.BIG_ENDIAN);
            at += 4 + kl;
            int vl = valueSerde.serializeTo(e.getValue(), scratch, at + 4);
            scratch.putInt(at, vl, java.nio.ByteOrder.BIG_ENDIAN);
            at += 4 + vl;
            if (at >= 1 << 20) {
                write(out, scratch, at);
                at = 0;
            }
        }
        write(out, scratch, at);
    }

    /** Restores from a snapshot section in memory (as {@link #writeSnapshot} wrote it), without copying entries. */
    void readSnapshot(byte[] bytes, int offset, int length, String where) throws IOException {
        org.agrona.concurrent.UnsafeBuffer b = new org.agrona.concurrent.UnsafeBuffer(bytes, offset, length);
        if (length < 8) {
            throw new IOException(where + ": store '" + name + "' is cut short");
        }
        long count = b.getLong(0, java.nio.ByteOrder.BIG_ENDIAN);
        if (count < 0 || count > length / 8) {
            throw new IOException(where + ": store '" + name + "' has an impossible entry count " + count);
        }
        map = new LinkedHashMap<>((int) Math.min(Integer.MAX_VALUE, count * 4 / 3 + 16));
        int at = 8;
        for (long i = 0; i < count; i++) {
            int kl = length(b, at, where);
            K key = keySerde.deserialize(b, at + 4, kl);
            at += 4 + kl;
            int vl = length(b, at, where);
            V value = valueSerde.deserialize(b, at + 4, vl);
            at += 4 + vl;
            map.put(key, value);
        }
    }

    private int length(org.agrona.concurrent.UnsafeBuffer b, int at, String where) throws IOException {
        if (at + 4 > b.capacity()) {
            throw new IOException(where + ": store '" + name + "' is cut short");
        }
        int n = b.getInt(at, java.nio.ByteOrder.BIG_ENDIAN);
        if (n < 0 || at + 4 + n > b.capacity()) {
            throw new IOException(where + ": store '" + name + "' has an entry with impossible length " + n);
        }
        return n;
    }

    private static void write(DataOutput out, ExpandableArrayBuffer scratch, int length) throws IOException {
        out.write(scratch.byteArray(), 0, length);
    }

    void readSnapshot(DataInput in, ExpandableArrayBuffer scratch, String where) throws IOException {
        map.clear();
        long count = in.readLong();
        if (count < 0) {
            throw new IOException(where + ": store '" + name + "' has a negative entry count " + count);
        }
        for (long i = 0; i < count; i++) {
            int kl = in.readInt();
            read(in, scratch, kl, where);
            K key = keySerde.deserialize(scratch, 0, kl);
            int vl = in.readInt();
            read(in, scratch, vl, where);
            V value = valueSerde.deserialize(scratch, 0, vl);
            map.put(key, value);
        }
    }

    private void read(DataInput in, ExpandableArrayBuffer scratch, int length, String where) throws IOException {
        if (length < 0) {
            throw new IOException(where + ": store '" + name + "' has an entry with negative length " + length);
        }
        scratch.checkLimit(length);
        in.readFully(scratch.byteArray(), 0, length);
    }
}
