package io.kappa.processor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The stores of one task's checkpoint, read as its stage's processor reads them: a fresh processor of the stage is
 * initialised against a context that only opens stores (restored from the checkpoint with the serdes the processor
 * gives), so each entry comes back as the processor's own key and value objects. Reads only the checkpoint; nothing
 * is written. What {@code kappa state} shows.
 */
public final class StoreContents {
    /** One store, its entries in the store's (insertion) order, and the serdes to describe them. */
    public record Store(String name, KeyValueStore<Object, Object> entries, Serde<Object> keySerde, Serde<Object> valueSerde) {
    }

    private StoreContents() {
    }

    /**
     * The stores in {@code checkpoint}, in its order, decoded through the serdes with which {@code stage}'s processor
     * opens them; a store the processor does not open at init is given with its raw bytes.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static List<Store> read(Stage<?, ?, ?, ?> stage, TaskCheckpoint checkpoint) {
        ReadContext ctx = new ReadContext(stage, checkpoint);
        Processor processor = stage.processor().get();
        if (processor == null) {
            throw new IllegalStateException("the processor supplier of stage '" + stage.name() + "' returned null");
        }
        try {
            processor.init(ctx);
        } finally {
            processor.close();
        }
        List<Store> out = new ArrayList<>();
        for (TaskCheckpoint.StoreSnapshot s : checkpoint.stores().values()) {
            Store opened = ctx.opened.get(s.name());
            if (opened == null) {
                Serde<Object> raw = (Serde) Serdes.bytes();
                InMemoryKeyValueStore<Object, Object> store = restore(s, raw, raw, checkpoint);
                opened = new Store(s.name(), store, raw, raw);
            }
            out.add(opened);
        }
        return out;
    }

    private static <K, V> InMemoryKeyValueStore<K, V> restore(TaskCheckpoint.StoreSnapshot s, Serde<K> keySerde, Serde<V> valueSerde,
                                                             TaskCheckpoint c) {
        InMemoryKeyValueStore<K, V> store = new InMemoryKeyValueStore<>(s.name(), keySerde, valueSerde);
        try {
            store.readSnapshot(s.bytes(), s.offset(), s.length(), "group '" + c.group() + "' stage '" + c.stage() + "' task " + c.task());
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
        return store;
    }

    /** Opens stores from the checkpoint; a processor that forwards from init is refused, as a runner refuses it. */
    private static final class ReadContext implements ProcessorContext<Object, Object> {
        private final Stage<?, ?, ?, ?> stage;
        private final TaskCheckpoint checkpoint;
        private final Map<String, Store> opened = new LinkedHashMap<>();

        ReadContext(Stage<?, ?, ?, ?> stage, TaskCheckpoint checkpoint) {
            this.stage = stage;
            this.checkpoint = checkpoint;
        }

        @Override
        public String group() {
            return checkpoint.group();
        }

        @Override
        public int taskId() {
            return checkpoint.task();
        }

        @Override
        public void forward(Object key, Object value) {
            throw forwarding();
        }

        @Override
        public void forward(Object key, Object value, long eventTime) {
            throw forwarding();
        }

        @Override
        public void forwardTo(String topic, byte[] key, byte[] value, long eventTime) {
            throw forwarding();
        }

        private IllegalStateException forwarding() {
            return new IllegalStateException("stage '" + stage.name() + "': a record can only be forwarded while processing a record"
                + " or a timer, not from init() or close()");
        }

        @Override
        @SuppressWarnings("unchecked")
        public <K, V> KeyValueStore<K, V> keyValueStore(String name, Serde<K> keySerde, Serde<V> valueSerde) {
            Store s = opened.get(name);
            if (s == null) {
                Serde<K> k = keySerde.forTask();
                Serde<V> v = valueSerde.forTask();
                TaskCheckpoint.StoreSnapshot snapshot = checkpoint.stores().get(name);
                InMemoryKeyValueStore<K, V> store = snapshot != null ? restore(snapshot, k, v, checkpoint)
                    : new InMemoryKeyValueStore<>(name, k, v);
                s = new Store(name, (KeyValueStore<Object, Object>) store, (Serde<Object>) k, (Serde<Object>) v);
                opened.put(name, s);
            }
            return (KeyValueStore<K, V>) s.entries();
        }

        @Override
        public long streamTime() {
            return checkpoint.streamTime();
        }

        @Override
        public long watermark() {
            return checkpoint.watermark();
        }

        @Override
        public TimePolicy timePolicy() {
            return stage.time();
        }

        @Override
        public void registerTimer(long time, String name) {
            // the timers are in the checkpoint; reading the state fires none
        }

        @Override
        public void cancelTimer(long time, String name) {
        }

        @Override
        public long wallClockTime() {
            return System.currentTimeMillis();
        }

        @Override
        public boolean isReplaying() {
            return true;
        }
    }
}
