package io.kappa.log;

import java.nio.file.Path;
import java.util.List;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.DirectBuffer;
import org.agrona.checksum.Crc32c;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.UnsafeBuffer;

import static io.kappa.log.RecordDescriptor.*;

/**
 * One append-only partition of a topic: a Chronicle Queue in its own directory, one record per document.
 *
 * <p><b>Offsets.</b> Each record stores its offset. The offset is decided inside Chronicle's write lock (which
 * is shared by every thread and process appending to this partition): it is the previous record's offset
 * plus one. This process remembers the last record it wrote; when the document it is about to write does
 * not directly follow that one (another process wrote, a new segment starts, or it is the first append),
 * it reads the previous record from the file. A rolled-back or torn document never becomes visible and
 * does not consume an offset, so offsets stay dense across segments, restarts and crashes.
 *
 * <p><b>Append time</b> is {@code max(clock, previous append time)}, so it never decreases in a partition,
 * which lets {@link #offsetForTime(long)} binary-search.
 *
 * <p><b>Threads.</b> Appends from many threads are serialised on this object. Any number of
 * {@link PartitionTailer}s may read concurrently; each belongs to one thread.
 */
public final class Partition implements AutoCloseable {
    private final String topic;
    private final int id;
    private final String where;
    private final LogContext context;
    private final SingleChronicleQueue queue;
    private final RollCycle rollCycle;
    private final SegmentIndex segments;
    private final long retentionMs;
    private final long retentionBytes;

    // Appender state, guarded by this.
    private ExcerptAppender appender;
    private ExcerptTailer tailProbe;
    private final UnsafeBuffer writeBuffer = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer sourceBuffer = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer sourceBuffer2 = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer sourceBuffer3 = new UnsafeBuffer(0, 0);
    private final RecordView tailView = new RecordView();
    private long lastIndex = Long.MIN_VALUE;
    private long lastOffset = -1;
    private long lastAppendTime = Long.MIN_VALUE;
    private boolean startedSegment;
    private final java.util.concurrent.atomic.AtomicLong knownEnd = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean unsynced;
    private final SegmentPretoucher pretoucher = new SegmentPretoucher();
    private final java.util.concurrent.atomic.AtomicLong writeEnd = new java.util.concurrent.atomic.AtomicLong(-1);
    private volatile java.io.File writeFile;
    private volatile boolean closed;

    Partition(TopicMetadata metadata, int id, Path dir, LogContext context) {
        this.topic = metadata.name();
        this.retentionMs = metadata.retentionMs();
        this.retentionBytes = metadata.retentionBytes();
        String segment = metadata.segment();
        this.id = id;
        this.where = "topic '" + topic + "' partition " + id;
        this.context = context;
        RollCycles cycle = TopicConfig.rollCycleOf(segment);
        EpochClock clock = context.clock();
        SingleChronicleQueueBuilder builder = SingleChronicleQueueBuilder.binary(dir)
            .rollCycle(cycle)
            .timeProvider((TimeProvider) clock::time)
            .timeoutMS(context.lockTimeoutMs());
        long minBlock = 4L * (context.maxRecordBytes() + HEADER_LENGTH);
        if (builder.blockSize() < minBlock) {
            builder.blockSize(Long.highestOneBit(minBlock) << 1);
        }
        this.queue = builder.build();
        this.rollCycle = queue.rollCycle();
        this.segments = new SegmentIndex(queue, where);
    }

    public String topic() {
        return topic;
    }

    public int id() {
        return id;
    }

    /** Appends one record with no key, id or producer event time; returns its offset. */
    public long append(byte[] value) {
        return append(null, value, Event.NO_TIME, null);
    }

    /** Appends one record; {@code eventTime} may be {@link Event#NO_TIME}. Returns its offset. */
    public long append(byte[] key, byte[] value, long eventTime, byte[] id) {
        checkSize((key == null ? 0L : key.length) + (id == null ? 0L : id.length) + value.length);
        synchronized (this) {
            long offset = appendLocked(key, value, eventTime, id, NO_PRODUCER, -1);
            afterAppend();
            return offset;
        }
    }

    public long append(Event event) {
        return append(event.key(), event.value(), event.eventTime(), event.id());
    }

    /**
     * Appends records in order under one lock acquisition and, with {@link FsyncPolicy#ALWAYS}, one sync.
     * Every event is checked before anything is written, so an oversized event rejects the whole batch.
     */
    public long[] appendBatch(List<Event> events) {
        return appendBatch(events, NO_PRODUCER, null);
    }

    /**
     * As {@link #appendBatch(List)}, stamping each record with an idempotent producer's id and the sequence
     * number given for it ({@code sequences[i]} for event i), so that a retried append can be recognised.
     */
    public long[] appendBatch(List<Event> events, long producerId, long[] sequences) {
        for (Event e : events) {
            checkSize(e.payloadLength());
        }
        long[] offsets = new long[events.size()];
        synchronized (this) {
            for (int i = 0; i < offsets.length; i++) {
                Event e = events.get(i);
                offsets[i] = appendLocked(e.key(), e.value(), e.eventTime(), e.id(), producerId, sequences == null ? -1 : sequences[i]);
            }
            afterAppend();
        }
        return offsets;
    }

    /**
     * Allocation-free append from buffers: {@code keyLength} may be {@link RecordDescriptor#NO_BYTES} for no
     * key. Returns the offset.
     */
    public long append(DirectBuffer key, int keyOffset, int keyLength, DirectBuffer value, int valueOffset, int valueLength,
                       long eventTime) {
        checkSize((long) Math.max(0, keyLength) + valueLength);
        synchronized (this) {
            long offset = write(key, keyOffset, keyLength, null, 0, NO_BYTES, value, valueOffset, valueLength, eventTime, NO_PRODUCER, -1);
            afterAppend();
            return offset;
        }
    }

    /**
     * Appends events {@code indexes[0 .. count)} of {@code events}, in that order, under one lock acquisition
     * (and one sync under {@link FsyncPolicy#ALWAYS}), without allocating. With a producer id other than
     * {@link RecordDescriptor#NO_PRODUCER}, event {@code indexes[j]} is stamped with {@code sequences[j]}.
     * The offset of the j-th appended event goes to {@code offsetsOut[j]}. Sizes are checked first: an
     * oversized event rejects the whole call.
     */
    public void appendBatch(BufferedEvents events, int[] indexes, int count, long producerId, long[] sequences, long[] offsetsOut) {
        for (int j = 0; j < count; j++) {
            int i = indexes[j];
            checkSize((long) Math.max(0, events.keyLength(i)) + Math.max(0, events.idLength(i)) + events.valueLength(i));
        }
        DirectBuffer buffer = events.buffer();
        synchronized (this) {
            for (int j = 0; j < count; j++) {
                int i = indexes[j];
                offsetsOut[j] = write(buffer, events.keyOffset(i), events.keyLength(i), buffer, events.idOffset(i), events.idLength(i),
                    buffer, events.valueOffset(i), events.valueLength(i), events.eventTime(i), producerId,
                    producerId == NO_PRODUCER ? -1 : sequences[j]);
            }
            afterAppend();
        }
    }

    private long appendLocked(byte[] key, byte[] value, long eventTime, byte[] id, long producerId, long sequence) {
        DirectBuffer k = null;
        DirectBuffer i = null;
        if (key != null) {
            sourceBuffer.wrap(key);
            k = sourceBuffer;
        }
        if (id != null) {
            sourceBuffer2.wrap(id);
            i = sourceBuffer2;
        }
        sourceBuffer3.wrap(value);
        return write(k, 0, key == null ? NO_BYTES : key.length, i, 0, id == null ? NO_BYTES : id.length,
            sourceBuffer3, 0, value.length, eventTime, producerId, sequence);
    }

    private void checkSize(long payload) {
        if (payload > context.maxRecordBytes()) {
            throw new LogException.RecordTooLarge(where, payload, context.maxRecordBytes());
        }
    }

    // Called with this locked.
    private long write(DirectBuffer key, int keyOffset, int keyLength, DirectBuffer idBuf, int idOffset, int idLength,
                       DirectBuffer value, int valueOffset, int valueLength, long eventTime, long producerId, long sequence) {
        ensureOpen();
        boolean hasProducer = producerId != NO_PRODUCER;
        int length = recordLength(keyLength, idLength, valueLength, hasProducer);
        long now = context.clock().time();
        ExcerptAppender a = appender();
        try (DocumentContext dc = a.writingDocument()) {
            try {
                long index = dc.index();
                if (index != lastIndex + 1 || lastIndex == Long.MIN_VALUE) {
                    readTail(index);
                }
                long offset = lastOffset + 1;
                long appendTime = Math.max(now, lastAppendTime);
                Bytes<?> bytes = dc.wire().bytes();
                long position = bytes.writePosition();
                bytes.ensureCapacity(position + length);
                UnsafeBuffer out = writeBuffer;
                out.wrap(bytes.addressForWrite(position), length);
                out.putInt(VERSION_OFFSET, VERSION | (flags(keyLength, idLength, hasProducer) << 8));
                out.putLong(OFFSET_OFFSET, offset);
                out.putLong(EVENT_TIME_OFFSET, eventTime == Event.NO_TIME ? appendTime : eventTime);
                out.putLong(APPEND_TIME_OFFSET, appendTime);
                out.putInt(KEY_LENGTH_OFFSET, keyLength);
                out.putInt(ID_LENGTH_OFFSET, idLength);
                out.putInt(VALUE_LENGTH_OFFSET, valueLength);
                out.putInt(VALUE_LENGTH_OFFSET + 4, 0);
                int at = HEADER_LENGTH;
                if (hasProducer) {
                    out.putLong(at, producerId);
                    out.putLong(at + 8, sequence);
                    at += PRODUCER_LENGTH;
                }
                if (keyLength > 0) {
                    out.putBytes(at, key, keyOffset, keyLength);
                    at += keyLength;
                }
                if (idLength > 0) {
                    out.putBytes(at, idBuf, idOffset, idLength);
                    at += idLength;
                }
                out.putBytes(at, value, valueOffset, valueLength);
                out.putInt(CHECKSUM_OFFSET, Crc32c.INSTANCE.compute(out.addressOffset(), CHECKSUMMED_FROM, length - CHECKSUMMED_FROM));
                bytes.writeSkip(length);
                writeEnd.lazySet(position + length);
                if (rollCycle.toSequenceNumber(index) == 0 || writeFile == null) {
                    if (rollCycle.toSequenceNumber(index) == 0) {
                        segments.learn(rollCycle.toCycle(index), offset, appendTime);
                        startedSegment = true;
                    }
                    writeFile = a.currentFile();
                }
                lastIndex = index;
                lastOffset = offset;
                knownEnd.lazySet(offset + 1); // a plain store on x86; readers only need it eventually
                lastAppendTime = appendTime;
                return offset;
            } catch (RuntimeException | Error e) {
                dc.rollbackOnClose();
                lastIndex = Long.MIN_VALUE;
                throw e;
            }
        }
    }

    private static int flags(int keyLength, int idLength, boolean hasProducer) {
        return (keyLength >= 0 ? FLAG_HAS_KEY : 0) | (idLength >= 0 ? FLAG_HAS_ID : 0) | (hasProducer ? FLAG_HAS_PRODUCER : 0);
    }

    /**
     * Finds the record just before Chronicle index {@code index} (the document being written) and takes its
     * offset and append time. Called with Chronicle's write lock held, so nobody appends meanwhile.
     */
    private void readTail(long index) {
        int cycle = rollCycle.toCycle(index);
        long sequence = rollCycle.toSequenceNumber(index);
        ExcerptTailer t = tailProbe();
        if (sequence > 0) {
            if (readAt(t, rollCycle.toIndex(cycle, sequence - 1))) {
                return;
            }
            throw new LogException.CorruptRecord(where + ": cannot read the record before index " + Long.toHexString(index)
                + " (segment " + cycle + ", sequence " + (sequence - 1) + ")");
        }
        int[] cycles = segments.cycles();
        for (int i = cycles.length - 1; i >= 0; i--) {
            if (cycles[i] >= cycle) {
                continue;
            }
            long count = segments.recordsInCycle(cycles[i]);
            if (count > 0) {
                if (readAt(t, rollCycle.toIndex(cycles[i], count - 1))) {
                    return;
                }
                // Taking an older segment's last offset would hand out offsets that are already stored.
                throw new LogException.CorruptRecord(where + ": cannot read the last record (sequence " + (count - 1)
                    + ") of segment " + cycles[i] + " to continue its offsets");
            }
        }
        lastOffset = -1;
        lastAppendTime = Long.MIN_VALUE;
    }

    private boolean readAt(ExcerptTailer t, long index) {
        if (!t.moveToIndex(index)) {
            return false;
        }
        try (DocumentContext dc = t.readingDocument()) {
            if (!dc.isPresent()) {
                return false;
            }
            Bytes<?> bytes = dc.wire().bytes();
            tailView.wrap(id, bytes.addressForRead(bytes.readPosition()), (int) bytes.readRemaining());
            tailView.verify(true, where, -1);
            lastOffset = tailView.offset();
            lastAppendTime = tailView.appendTime();
            return true;
        }
    }

    // Called with this locked, after the records are complete.
    private void afterAppend() {
        if (startedSegment) {
            startedSegment = false;
            enforceRetention(); // a new segment is when an old one may have expired
        }
        if (context.fsyncPolicy() == FsyncPolicy.ALWAYS) {
            appender.sync();
        } else if (context.fsyncPolicy() == FsyncPolicy.INTERVAL) {
            unsynced = true;
        }
    }

    /**
     * Removes whole old segments beyond the topic's retention and returns how many went. Appends call this
     * whenever they start a new segment; {@link Topic#enforceRetention()} calls it on demand.
     */
    public int enforceRetention() {
        ensureOpen();
        return Retention.enforce(this, retentionMs, retentionBytes, context.clock().time());
    }

    /** Reads ahead of the write position so appends do not take page faults themselves (see {@link SegmentPretoucher}). */
    void pretouch() {
        if (!closed) {
            pretoucher.touch(writeFile, writeEnd.get());
        }
    }

    /**
     * Forces the records appended through this object to the device, whatever the fsync policy: a processor calls
     * it for its outputs before it writes a checkpoint, so that a checkpoint never outlives the outputs it counts.
     */
    public void sync() {
        synchronized (this) {
            if (appender != null && !closed) {
                unsynced = false;
                appender.sync();
            }
        }
    }

    /** Forces appended records to the device if any were appended since the last sync. */
    public void syncIfNeeded() {
        if (!unsynced) {
            return;
        }
        synchronized (this) {
            if (unsynced && appender != null && !closed) {
                unsynced = false;
                appender.sync();
            }
        }
    }

    private ExcerptAppender appender() {
        if (appender == null) {
            appender = queue.createAppender();
            appender.singleThreadedCheckDisabled(true); // many threads, always under this object's lock
        }
        return appender;
    }

    private ExcerptTailer tailProbe() {
        if (tailProbe == null) {
            tailProbe = queue.createTailer();
            tailProbe.singleThreadedCheckDisabled(true);
        }
        return tailProbe;
    }

    /** The first offset still stored (retention may have removed older ones). */
    public long startOffset() {
        ensureOpen();
        return segments.startOffset();
    }

    /** One past the last stored offset: the offset the next append gets. */
    public long endOffset() {
        ensureOpen();
        long end = segments.endOffset();
        knownEnd.accumulateAndGet(end, Math::max);
        return end;
    }

    /** The highest end offset this process has seen or written: a cheap lower bound of {@link #endOffset()}. */
    long knownEndOffset() {
        return knownEnd.get();
    }

    /** The first offset whose append time is >= {@code epochMs}, or {@link #endOffset()} if none, found without a scan. */
    public long offsetForTime(long epochMs) {
        ensureOpen();
        return segments.offsetForTime(epochMs);
    }

    /** Offsets, size on disk and first/last append times. */
    public PartitionStats stats() {
        ensureOpen();
        long start = startOffset();
        long end = endOffset();
        long first = -1;
        long last = -1;
        if (end > start) {
            long[] t = {-1};
            try (PartitionTailer tailer = newTailer()) {
                tailer.moveToOffset(start).poll(r -> t[0] = r.appendTime(), 1);
                first = t[0];
                tailer.moveToOffset(end - 1).poll(r -> t[0] = r.appendTime(), 1);
                last = t[0];
            }
        }
        long bytes = 0;
        int[] cycles = segments.cycles();
        for (int c : cycles) {
            bytes += Retention.bytesWritten(queue, c);
        }
        return new PartitionStats(id, start, end, cycles.length, bytes, first, last);
    }

    /** A new cursor positioned at {@link #startOffset()}. Each tailer is for one thread at a time. */
    public PartitionTailer newTailer() {
        ensureOpen();
        PartitionTailer t = new PartitionTailer(this, queue.createTailer(), context.verifyChecksums());
        t.toStart();
        return t;
    }

    String where() {
        return where;
    }

    SegmentIndex segments() {
        return segments;
    }

    SingleChronicleQueue queue() {
        return queue;
    }

    private void ensureOpen() {
        if (closed) {
            throw new LogException(where + " is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (appender != null) {
            if (context.fsyncPolicy() != FsyncPolicy.NONE) {
                appender.sync();
            }
            appender.close();
        }
        if (tailProbe != null) {
            tailProbe.close();
        }
        pretoucher.close();
        segments.close();
        queue.close();
    }
}
