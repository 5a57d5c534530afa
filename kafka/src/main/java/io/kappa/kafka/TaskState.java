package io.kappa.kafka;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.kappa.processor.TaskCheckpoint.Timer;
import io.kappa.processor.Watermarks;
import io.kappa.processor.internal.Timers;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Everything a kappa task keeps, in the one Kafka Streams store of its stage (changelogged, so Kafka restores it
 * on another machine after a rebalance or a crash, in the same transaction as the input offsets under
 * exactly_once_v2): the processor's key-value stores ({@link KafkaKeyValueStore}), its timers, and the task's
 * stream time and watermark sources. Key layout: a one-byte kind, then
 * <ul>
 *   <li>{@code DATA}: the store name and the entry's key;</li>
 *   <li>{@code TIMER}: the time and the timer name (empty value);</li>
 *   <li>{@code META}: nothing; the value is stream time, watermark and the watermark sources.</li>
 * </ul>
 */
final class TaskState implements Timers.Changes {
    static final byte DATA = 1;
    static final byte TIMER = 2;
    static final byte META = 3;
    private static final Bytes META_KEY = Bytes.wrap(new byte[] {META});

    record Meta(long streamTime, long watermark, List<Watermarks.Source> sources) {
    }

    private final KeyValueStore<Bytes, byte[]> kv;
    final Map<String, List<byte[][]>> data = new HashMap<>();
    final List<Timer> timers = new ArrayList<>();
    Meta meta;

    TaskState(KeyValueStore<Bytes, byte[]> kv) {
        this.kv = kv;
        try (KeyValueIterator<Bytes, byte[]> it = kv.all()) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> e = it.next();
                byte[] k = e.key.get();
                switch (k[0]) {
                    case DATA -> {
                        int n = ((k[1] & 0xff) << 8) | (k[2] & 0xff);
                        String store = new String(k, 3, n, StandardCharsets.UTF_8);
                        data.computeIfAbsent(store, s -> new ArrayList<>()).add(new byte[][] {Arrays.copyOfRange(k, 3 + n, k.length), e.value});
                    }
                    case TIMER -> timers.add(new Timer(ByteBuffer.wrap(k, 1, 8).getLong(),
                        new String(k, 9, k.length - 9, StandardCharsets.UTF_8)));
                    case META -> meta = readMeta(e.value);
                    default -> throw new IllegalStateException("unknown entry kind " + k[0] + " in the task's store " + kv.name());
                }
            }
        }
    }

    @Override
    public void added(Timer t) {
        kv.put(timerKey(t), new byte[0]);
    }

    @Override
    public void removed(Timer t) {
        kv.delete(timerKey(t));
    }

    private static Bytes timerKey(Timer t) {
        byte[] n = t.name().getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(9 + n.length).put(TIMER).putLong(t.time()).put(n).array());
    }

    void putMeta(long streamTime, long watermark, List<Watermarks.Source> sources) {
        kv.put(META_KEY, encodeMeta(streamTime, watermark, sources));
    }

    private static byte[] encodeMeta(long streamTime, long watermark, List<Watermarks.Source> sources) {
        ByteBuffer b = ByteBuffer.allocate(20 + sources.size() * 28);
        b.putLong(streamTime).putLong(watermark).putInt(sources.size());
        for (Watermarks.Source s : sources) {
            b.putInt(s.input()).putLong(s.producer()).putLong(s.maxTime()).putLong(s.lastAppendTime());
        }
        return b.array();
    }

    /** Whether a changelog key is the task's {@code META} entry. */
    static boolean isMeta(byte[] key) {
        return key.length == 1 && key[0] == META;
    }

    /** A {@code META} value with its watermark sources' producers renamed ({@code from -> to}; others kept). */
    static byte[] withSourcesRenamed(byte[] meta, Map<Long, Long> renamed) {
        Meta m = readMeta(meta);
        List<Watermarks.Source> sources = new ArrayList<>();
        for (Watermarks.Source s : m.sources()) {
            sources.add(new Watermarks.Source(s.input(), renamed.getOrDefault(s.producer(), s.producer()), s.maxTime(), s.lastAppendTime()));
        }
        return encodeMeta(m.streamTime(), m.watermark(), sources);
    }

    private static Meta readMeta(byte[] v) {
        ByteBuffer b = ByteBuffer.wrap(v);
        long streamTime = b.getLong();
        long watermark = b.getLong();
        int n = b.getInt();
        List<Watermarks.Source> sources = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            sources.add(new Watermarks.Source(b.getInt(), b.getLong(), b.getLong(), b.getLong()));
        }
        return new Meta(streamTime, watermark, sources);
    }
}
