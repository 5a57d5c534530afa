package io.kappa.kafka;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;

import io.kappa.processor.InPlaceValue;
import io.kappa.processor.KeyValueStore;
import io.kappa.processor.Serde;
import org.apache.kafka.common.utils.Bytes;

/**
 * A kappa {@link KeyValueStore} on Kafka Streams: live objects in a {@link LinkedHashMap}, as in the local runtime,
 * written through to the stage's Kafka Streams store (and with it to its changelog topic) when a record's
 * processing succeeds. Each entry carries its insertion sequence, so a store restored from the changelog iterates
 * in the same order as before, which kappa promises and windows rely on. A record that fails leaves both the map
 * and the Kafka store as they were.
 *
 * <p>Entries are kept in the stage's single Kafka store under the key {@code [1][name length][name][key bytes]},
 * with the value {@code [sequence][value bytes]}.
 */
final class KafkaKeyValueStore<K, V> implements KeyValueStore<K, V> {
    private static final Object ABSENT = new Object();

    private record Entry<V>(long seq, V value) {
    }

    /** The undo of a value changed in place: its state before. */
    private record Changed(InPlaceValue value, long[] state) {
    }

    private final String name;
    private final byte[] prefix;
    private final Serde<K> keySerde;
    private final Serde<V> valueSerde;
    private final org.apache.kafka.streams.state.KeyValueStore<Bytes, byte[]> kv;
    private final LinkedHashMap<K, Entry<V>> map = new LinkedHashMap<>();
    private final List<Object> undoKeys = new ArrayList<>();
    private final List<Object> undoEntries = new ArrayList<>();
    private long nextSeq;

    KafkaKeyValueStore(String name, Serde<K> keySerde, Serde<V> valueSerde,
                       org.apache.kafka.streams.state.KeyValueStore<Bytes, byte[]> kv) {
        this.name = name;
        this.prefix = prefix(name);
        this.keySerde = keySerde.forTask();
        this.valueSerde = valueSerde.forTask();
        this.kv = kv;
    }

    static byte[] prefix(String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        if (n.length > 0xffff) {
            throw new IllegalArgumentException("store name too long");
        }
        return ByteBuffer.allocate(3 + n.length).put(TaskState.DATA).putShort((short) n.length).put(n).array();
    }

    /** Loads the entries found in the Kafka store (key bytes, sequence + value bytes), in sequence order. */
    void restore(List<byte[][]> entries, String where) {
        entries.sort((a, b) -> Long.compare(ByteBuffer.wrap(a[1]).getLong(), ByteBuffer.wrap(b[1]).getLong()));
        for (byte[][] e : entries) {
            long seq = ByteBuffer.wrap(e[1]).getLong();
            K key;
            V value;
            try {
                key = keySerde.deserialize(e[0]);
                value = valueSerde.deserialize(Arrays.copyOfRange(e[1], 8, e[1].length));
            } catch (RuntimeException ex) {
                throw new IllegalStateException(where + ": store '" + name + "' cannot be restored with the serdes given: " + ex, ex);
            }
            map.put(key, new Entry<>(seq, value));
            nextSeq = Math.max(nextSeq, seq + 1);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public V get(K key) {
        Entry<V> e = map.get(Objects.requireNonNull(key, "key"));
        return e == null ? null : e.value;
    }

    @Override
    public void put(K key, V value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value (use delete to remove a key)");
        Entry<V> old = map.get(key);
        map.put(key, new Entry<>(old == null ? nextSeq++ : old.seq, value));
        remember(key, old);
    }

    @Override
    public void changing(K key, V value) {
        Objects.requireNonNull(key, "key");
        InPlaceValue v = (InPlaceValue) Objects.requireNonNull(value, "value");
        long[] state = new long[v.stateLongs()];
        v.saveTo(state, 0);
        undoKeys.add(keySerde.deserialize(keySerde.serialize(key))); // the caller may reuse its key
        undoEntries.add(new Changed(v, state));
    }

    @Override
    public V delete(K key) {
        Objects.requireNonNull(key, "key");
        Entry<V> old = map.remove(key);
        if (old == null) {
            return null;
        }
        remember(key, old);
        return old.value;
    }

    @Override
    public long size() {
        return map.size();
    }

    @Override
    public void forEach(BiConsumer<? super K, ? super V> action) {
        for (Map.Entry<K, Entry<V>> e : map.entrySet()) {
            action.accept(e.getKey(), e.getValue().value);
        }
    }

    @Override
    public K firstKey() {
        Iterator<K> it = map.keySet().iterator();
        return it.hasNext() ? it.next() : null;
    }

    private void remember(K key, Entry<V> old) {
        undoKeys.add(key);
        undoEntries.add(old == null ? ABSENT : old);
    }

    /** The record succeeded: its writes go to the Kafka store. */
    @SuppressWarnings("unchecked")
    void commit() {
        for (int i = 0; i < undoKeys.size(); i++) {
            writeThrough((K) undoKeys.get(i));
        }
        undoKeys.clear();
        undoEntries.clear();
    }

    /**
     * The record failed: its writes are undone, newest first. A key it deleted comes back as the newest entry,
     * with a new sequence written to the Kafka store, so a restore keeps that order too.
     */
    @SuppressWarnings("unchecked")
    void rollback() {
        List<K> reinserted = new ArrayList<>();
        for (int i = undoKeys.size() - 1; i >= 0; i--) {
            K key = (K) undoKeys.get(i);
            Object old = undoEntries.get(i);
            if (old instanceof Changed c) {
                c.value().restoreFrom(c.state(), 0);
            } else if (old == ABSENT) {
                map.remove(key);
            } else if (map.containsKey(key)) {
                map.put(key, (Entry<V>) old);
            } else {
                map.put(key, new Entry<>(nextSeq++, ((Entry<V>) old).value));
                reinserted.add(key);
            }
        }
        undoKeys.clear();
        undoEntries.clear();
        for (K key : reinserted) {
            writeThrough(key);
        }
    }

    private void writeThrough(K key) {
        byte[] k = keySerde.serialize(key);
        byte[] full = new byte[prefix.length + k.length];
        System.arraycopy(prefix, 0, full, 0, prefix.length);
        System.arraycopy(k, 0, full, prefix.length, k.length);
        Entry<V> e = map.get(key);
        if (e == null) {
            kv.delete(Bytes.wrap(full));
        } else {
            byte[] v = valueSerde.serialize(e.value);
            kv.put(Bytes.wrap(full), ByteBuffer.allocate(8 + v.length).putLong(e.seq).put(v).array());
        }
    }
}
