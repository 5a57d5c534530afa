package io.kappa.processor;

import java.util.Arrays;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The output cache of {@code --emit latest-per-commit}: a task's keyed records for its group's output are held
 * here, the latest per key, and written at the task's next checkpoint (or sooner when the cache holds more than its
 * byte limit), so an aggregation writes the latest value of each key once per checkpoint instead of every change.
 *
 * <p>The cache is a store of the task ({@value #STORE}): it follows the record's undo, and a checkpoint holds its
 * entries. A task checkpoints with the entries in it first, then writes them ({@link #drainTo}), then checkpoints
 * again, empty. A checkpoint that holds entries is therefore one whose flush may have been cut short by a crash: a
 * task that restores one writes the entries first, and the outputs' recovery drops those already in the log (their
 * sequences follow from the checkpoint). Between checkpoints, what is cached depends only on the input and the
 * restored state, and the cache is written when it is full at the same records after a restart; so outputs stay
 * exactly-once, but which changes reach the output depends on when checkpoints happen (not a function of the input).
 */
final class EmitCache {
    /** The store holding the cache in a checkpoint; a processor's stores cannot take names starting with "kappa." ({@code StepContext}). */
    static final String STORE = "kappa.emit-cache";
    /** Bytes of keys and values the cache holds before it writes everything, by default (Kafka Streams: 10 MB). */
    static final long DEFAULT_MAX_BYTES = 16L << 20;

    /** A key's bytes, compared by content. */
    static final class Key {
        final byte[] bytes;
        private final int hash;

        Key(byte[] bytes) {
            this.bytes = bytes;
            this.hash = Arrays.hashCode(bytes);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && hash == k.hash && Arrays.equals(bytes, k.bytes);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /** The latest value written under a key, with its event time. */
    record Latest(long eventTime, byte[] value) {
    }

    private static final Serde<Key> KEY_SERDE = new Serde<>() {
        @Override
        public byte[] serialize(Key key) {
            return key.bytes;
        }

        @Override
        public Key deserialize(DirectBuffer buffer, int offset, int length) {
            byte[] b = new byte[length];
            buffer.getBytes(offset, b);
            return new Key(b);
        }
    };

    private static final Serde<Latest> LATEST_SERDE = new Serde<>() {
        @Override
        public byte[] serialize(Latest l) {
            byte[] b = new byte[8 + l.value.length];
            new org.agrona.concurrent.UnsafeBuffer(b).putLong(0, l.eventTime, java.nio.ByteOrder.BIG_ENDIAN);
            System.arraycopy(l.value, 0, b, 8, l.value.length);
            return b;
        }

        @Override
        public int serializeTo(Latest l, MutableDirectBuffer out, int offset) {
            out.putLong(offset, l.eventTime, java.nio.ByteOrder.BIG_ENDIAN);
            out.putBytes(offset + 8, l.value);
            return 8 + l.value.length;
        }

        @Override
        public Latest deserialize(DirectBuffer buffer, int offset, int length) {
            if (length < 8) {
                throw new IllegalArgumentException("a cached output of " + length + " bytes is shorter than its event time");
            }
            byte[] b = new byte[length - 8];
            buffer.getBytes(offset + 8, b);
            return new Latest(buffer.getLong(offset, java.nio.ByteOrder.BIG_ENDIAN), b);
        }
    };

    private final InMemoryKeyValueStore<Key, Latest> store;
    private final long maxBytes;
    private long bytes;
    private long bytesAtMark;

    /** Opens the cache as the store {@value #STORE} of {@code context} (restored from its checkpoint, if any). */
    EmitCache(TaskContext<?, ?> context, long maxBytes) {
        this.store = (InMemoryKeyValueStore<Key, Latest>) context.store(STORE, KEY_SERDE, LATEST_SERDE);
        this.maxBytes = maxBytes;
        store.forEach((k, v) -> bytes += k.bytes.length + v.value.length);
    }

    boolean isEmpty() {
        return store.size() == 0;
    }

    long size() {
        return store.size();
    }

    /** The start of a record's processing: {@link #rollback} returns the byte count here (the store undoes itself). */
    void mark() {
        bytesAtMark = bytes;
    }

    void rollback() {
        bytes = bytesAtMark;
    }

    /** Whether the cache holds more than its limit and must be written now. */
    boolean full() {
        return bytes > maxBytes;
    }

    /** Holds the record whose key and value are at the given places of {@code data}; replaces the key's earlier one. */
    void put(DirectBuffer data, int keyOffset, int keyLength, int valueOffset, int valueLength, long eventTime) {
        byte[] k = new byte[keyLength];
        data.getBytes(keyOffset, k);
        byte[] v = new byte[valueLength];
        data.getBytes(valueOffset, v);
        Key key = new Key(k);
        Latest old = store.get(key);
        store.put(key, new Latest(eventTime, v));
        bytes += old == null ? keyLength + valueLength : valueLength - old.value.length;
    }

    /** Takes one cached record at a time, in the order keys were first cached since the last write. */
    interface Sink {
        void write(byte[] key, byte[] value, long eventTime);
    }

    /** Writes every cached record to {@code sink}, in the order keys were first cached, and empties the cache. */
    void drainTo(Sink sink) {
        store.forEach((k, v) -> sink.write(k.bytes, v.value, v.eventTime));
        store.clear();
        bytes = 0;
        bytesAtMark = 0;
    }
}
