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
 * One append-only partition of a topic: a Chronicle Queue in its own directory, one batch of records per document
 * (an append call's records, in batches of up to {@link RecordDescriptor#BATCH_TARGET_BYTES}; layout in
 * {@link RecordDescriptor}).
 *
 * <p><b>Offsets.</b> Each batch stores its base offset, and its records follow it one by one. The base offset is
 * decided inside Chronicle's write lock (which is shared by every thread and process appending to this
 * partition): it is the previous document's last offset plus one. This process remembers the last document it
 * wrote; when the document it is about to write does not directly follow that one (another process wrote, a new
 * segment starts, or it is the first append), it reads the previous document from the file. A rolled-back or torn
 * document never becomes visible and does not consume an offset, so offsets stay dense across segments, restarts
 * and crashes, and a batch is visible whole or not at all.
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
    private final ArrayRecords arrays = new ArrayRecords();
    private final BufferRecords buffers = new BufferRecords();
    private final RecordView tailView = new RecordView();
    private final RecordBatch tailBatch = new RecordBatch();
    private long lastIndex = Long.MIN_VALUE;
    private long lastOffset = -1;
    private long lastAppendTime = Long.MIN_VALUE;
    // the offset the first record of an empty partition gets (continueFrom)
    private long firstOffset;
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
        // A document must fit in a quarter of a block (Chronicle maps that much past a block's end): a batch, or one
        // record of the largest size with its headers.
        long minBlock = 4L * (Math.max(context.maxRecordBytes(), BATCH_TARGET_BYTES) + BATCH_HEADER_LENGTH + REC_HEADER_LENGTH + PRODUCER_LENGTH);
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
            ensureOpen();
            long offset = writeDocuments(arrays.one(key, id, value, eventTime), NO_PRODUCER, null);
            afterAppend();
            return offset;
        }
    }

    public long append(Event event) {
        return append(event.key(), event.value(), event.eventTime(), event.id());
    }

    /**
     * Appends records in order under one lock acquisition and, with {@link FsyncPolicy#ALWAYS}, one sync, as few
     * stored batches as {@link RecordDescriptor#BATCH_TARGET_BYTES} allows. Every event is checked before anything is
     * written, so an oversized event rejects the whole call.
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
        if (offsets.length == 0) {
            return offsets;
        }
        synchronized (this) {
            ensureOpen();
            writeDocuments(arrays.list(events, sequences), producerId, offsets);
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
            ensureOpen();
            long offset = writeDocuments(buffers.one(key, keyOffset, keyLength, value, valueOffset, valueLength, eventTime),
                NO_PRODUCER, null);
            afterAppend();
            return offset;
        }
    }

    /**
     * Appends events {@code indexes[0 .. count)} of {@code events}, in that order, under one lock acquisition
     * (and one sync under {@link FsyncPolicy#ALWAYS}), in as few stored batches as
     * {@link RecordDescriptor#BATCH_TARGET_BYTES} allows, without allocating. With a producer id other than
     * {@link RecordDescriptor#NO_PRODUCER}, event {@code indexes[j]} is stamped with {@code sequences[j]}.
     * The offset of the j-th appended event goes to {@code offsetsOut[j]}. Sizes are checked first: an
     * oversized event rejects the whole call.
     */
    public void appendBatch(BufferedEvents events, int[] indexes, int count, long producerId, long[] sequences, long[] offsetsOut) {
        for (int j = 0; j < count; j++) {
            int i = indexes[j];
            checkSize((long) Math.max(0, events.keyLength(i)) + Math.max(0, events.idLength(i)) + events.valueLength(i));
        }
        if (count == 0) {
            return;
        }
        synchronized (this) {
            ensureOpen();
            writeDocuments(buffers.of(events, indexes, count, sequences), producerId, offsetsOut);
            afterAppend();
        }
    }

    private void checkSize(long payload) {
        if (payload > context.maxRecordBytes()) {
            throw new LogException.RecordTooLarge(where, payload, context.maxRecordBytes());
        }
    }

    /**
     * Writes all records of {@code r} as consecutive batches of at most {@link RecordDescriptor#BATCH_TARGET_BYTES}
     * (a larger record alone), each one Chronicle document; the offset of record j goes to {@code offsetsOut[j]}
     * when given. Returns the first record's offset. Called with this locked. Another process may append between
     * two of the batches, so offsets are consecutive within a batch only.
     */
    private long writeDocuments(Records r, long producerId, long[] offsetsOut) {
        boolean hasProducer = producerId != NO_PRODUCER;
        int n = r.count();
        long first = -1;
        int from = 0;
        while (from < n) {
            long bytes = BATCH_HEADER_LENGTH + (long) batchedRecordLength(r.keyLength(from), r.idLength(from), r.valueLength(from), hasProducer);
            int to = from + 1;
            while (to < n) {
                int next = batchedRecordLength(r.keyLength(to), r.idLength(to), r.valueLength(to), hasProducer);
                if (bytes + next > BATCH_TARGET_BYTES) {
                    break;
                }
                bytes += next;
                to++;
            }
            long base = writeDocument(r, from, to, (int) bytes, producerId);
            if (first < 0) {
                first = base;
            }
            if (offsetsOut != null) {
                for (int j = from; j < to; j++) {
                    offsetsOut[j] = base + (j - from);
                }
            }
            from = to;
        }
        return first;
    }

    // Called with this locked: records [from, to) of r as one batch of `length` bytes. Returns the base offset.
    private long writeDocument(Records r, int from, int to, int length, long producerId) {
        boolean hasProducer = producerId != NO_PRODUCER;
        long now = context.clock().time();
        ExcerptAppender a = appender();
        try (DocumentContext dc = a.writingDocument()) {
            try {
                long index = dc.index();
                if (index != lastIndex + 1 || lastIndex == Long.MIN_VALUE) {
                    readTail(index);
                }
                long base = lastOffset + 1;
                long appendTime = Math.max(now, lastAppendTime);
                Bytes<?> bytes = dc.wire().bytes();
                long position = bytes.writePosition();
                bytes.ensureCapacity(position + length);
                UnsafeBuffer out = writeBuffer;
                out.wrap(bytes.addressForWrite(position), length);
                out.putInt(VERSION_OFFSET, BATCH_VERSION);
                out.putLong(BATCH_BASE_OFFSET_OFFSET, base);
                out.putLong(BATCH_APPEND_TIME_OFFSET, appendTime);
                out.putInt(BATCH_COUNT_OFFSET, to - from);
                out.putInt(BATCH_COUNT_OFFSET + 4, 0);
                int at = BATCH_HEADER_LENGTH;
                for (int j = from; j < to; j++) {
                    int keyLength = r.keyLength(j);
                    int idLength = r.idLength(j);
                    int valueLength = r.valueLength(j);
                    long eventTime = r.eventTime(j);
                    int recordLength = batchedRecordLength(keyLength, idLength, valueLength, hasProducer);
                    out.putInt(at + REC_LENGTH_OFFSET, recordLength);
                    out.putInt(at + REC_FLAGS_OFFSET, flags(keyLength, idLength, hasProducer));
                    out.putLong(at + REC_EVENT_TIME_OFFSET, eventTime == Event.NO_TIME ? appendTime : eventTime);
                    out.putInt(at + REC_KEY_LENGTH_OFFSET, keyLength);
                    out.putInt(at + REC_ID_LENGTH_OFFSET, idLength);
                    out.putInt(at + REC_VALUE_LENGTH_OFFSET, valueLength);
                    int field = at + REC_HEADER_LENGTH;
                    if (hasProducer) {
                        out.putLong(field, producerId);
                        out.putLong(field + 8, r.sequence(j));
                        field += PRODUCER_LENGTH;
                    }
                    field = r.copyFields(j, out, field);
                    at += recordLength;
                    if (field != at) {
                        throw new IllegalStateException(where + ": record " + j + " filled " + (field - at + recordLength)
                            + " of its " + recordLength + " bytes");
                    }
                }
                if (at != length) {
                    throw new IllegalStateException(where + ": a batch filled " + at + " of its " + length + " bytes");
                }
                out.putInt(CHECKSUM_OFFSET, Crc32c.INSTANCE.compute(out.addressOffset(), CHECKSUMMED_FROM, length - CHECKSUMMED_FROM));
                bytes.writeSkip(length);
                writeEnd.lazySet(position + length);
                long last = base + (to - from) - 1;
                if (rollCycle.toSequenceNumber(index) == 0 || writeFile == null) {
                    if (rollCycle.toSequenceNumber(index) == 0) {
                        startedSegment = true;
                    }
                    writeFile = a.currentFile();
                }
                lastIndex = index;
                lastOffset = last;
                lastAppendTime = appendTime;
            } catch (RuntimeException | Error e) {
                dc.rollbackOnClose();
                lastIndex = Long.MIN_VALUE;
                throw e;
            }
        }
        // Only now is the document visible: a tailer's fast seek trusts offsets below this to be readable, and a
        // segment's first document may be learnt (a time lookup must not pick a segment that still looks empty).
        if (rollCycle.toSequenceNumber(lastIndex) == 0) {
            segments.learn(rollCycle.toCycle(lastIndex), lastOffset + 1 - (to - from), lastAppendTime);
        }
        knownEnd.lazySet(lastOffset + 1); // a plain store on x86; readers only need it eventually
        return lastOffset + 1 - (to - from); // the base offset
    }

    /** The records of one append call, read by index, whatever form the caller holds them in. */
    private interface Records {
        int count();

        int keyLength(int j);

        int idLength(int j);

        int valueLength(int j);

        long eventTime(int j);

        /** The producer sequence of record j (only called with a producer). */
        long sequence(int j);

        /** Copies key, id and value of record j to {@code out} from {@code at}; returns the position after them. */
        int copyFields(int j, UnsafeBuffer out, int at);
    }

    /** Records held as byte arrays: one {@link Event}-like record or a list of events. */
    private static final class ArrayRecords implements Records {
        private List<Event> events;
        private long[] sequences;
        private byte[] key;
        private byte[] id;
        private byte[] value;
        private long eventTime;

        Records one(byte[] key, byte[] id, byte[] value, long eventTime) {
            this.events = null;
            this.key = key;
            this.id = id;
            this.value = value;
            this.eventTime = eventTime;
            return this;
        }

        Records list(List<Event> events, long[] sequences) {
            this.events = events;
            this.sequences = sequences;
            return this;
        }

        @Override
        public int count() {
            return events == null ? 1 : events.size();
        }

        private static int length(byte[] b) {
            return b == null ? NO_BYTES : b.length;
        }

        @Override
        public int keyLength(int j) {
            return length(events == null ? key : events.get(j).key());
        }

        @Override
        public int idLength(int j) {
            return length(events == null ? id : events.get(j).id());
        }

        @Override
        public int valueLength(int j) {
            return (events == null ? value : events.get(j).value()).length;
        }

        @Override
        public long eventTime(int j) {
            return events == null ? eventTime : events.get(j).eventTime();
        }

        @Override
        public long sequence(int j) {
            return sequences == null ? -1 : sequences[j];
        }

        @Override
        public int copyFields(int j, UnsafeBuffer out, int at) {
            byte[] k = key;
            byte[] i = id;
            byte[] v = value;
            if (events != null) {
                Event e = events.get(j);
                k = e.key();
                i = e.id();
                v = e.value();
            }
            if (k != null) {
                out.putBytes(at, k);
                at += k.length;
            }
            if (i != null) {
                out.putBytes(at, i);
                at += i.length;
            }
            out.putBytes(at, v);
            return at + v.length;
        }
    }

    /** Records whose fields lie in buffers: one record given as buffers, or chosen events of {@link BufferedEvents}. */
    private static final class BufferRecords implements Records {
        private BufferedEvents events;
        private int[] indexes;
        private int count;
        private long[] sequences;
        private DirectBuffer key;
        private int keyOffset;
        private int keyLength;
        private DirectBuffer value;
        private int valueOffset;
        private int valueLength;
        private long eventTime;

        Records one(DirectBuffer key, int keyOffset, int keyLength, DirectBuffer value, int valueOffset, int valueLength, long eventTime) {
            this.events = null;
            this.key = key;
            this.keyOffset = keyOffset;
            this.keyLength = keyLength;
            this.value = value;
            this.valueOffset = valueOffset;
            this.valueLength = valueLength;
            this.eventTime = eventTime;
            return this;
        }

        Records of(BufferedEvents events, int[] indexes, int count, long[] sequences) {
            this.events = events;
            this.indexes = indexes;
            this.count = count;
            this.sequences = sequences;
            return this;
        }

        @Override
        public int count() {
            return events == null ? 1 : count;
        }

        @Override
        public int keyLength(int j) {
            return events == null ? keyLength : events.keyLength(indexes[j]);
        }

        @Override
        public int idLength(int j) {
            return events == null ? NO_BYTES : events.idLength(indexes[j]);
        }

        @Override
        public int valueLength(int j) {
            return events == null ? valueLength : events.valueLength(indexes[j]);
        }

        @Override
        public long eventTime(int j) {
            return events == null ? eventTime : events.eventTime(indexes[j]);
        }

        @Override
        public long sequence(int j) {
            return sequences == null ? -1 : sequences[j];
        }

        @Override
        public int copyFields(int j, UnsafeBuffer out, int at) {
            if (events == null) {
                if (keyLength > 0) {
                    out.putBytes(at, key, keyOffset, keyLength);
                    at += keyLength;
                }
                out.putBytes(at, value, valueOffset, valueLength);
                return at + valueLength;
            }
            int i = indexes[j];
            DirectBuffer b = events.buffer();
            int kl = events.keyLength(i);
            if (kl > 0) {
                out.putBytes(at, b, events.keyOffset(i), kl);
                at += kl;
            }
            int il = events.idLength(i);
            if (il > 0) {
                out.putBytes(at, b, events.idOffset(i), il);
                at += il;
            }
            int vl = events.valueLength(i);
            out.putBytes(at, b, events.valueOffset(i), vl);
            return at + vl;
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
            long count = segments.documentsInCycle(cycles[i]);
            if (count > 0) {
                if (readAt(t, rollCycle.toIndex(cycles[i], count - 1))) {
                    return;
                }
                // Taking an older segment's last offset would hand out offsets that are already stored.
                throw new LogException.CorruptRecord(where + ": cannot read the last record (sequence " + (count - 1)
                    + ") of segment " + cycles[i] + " to continue its offsets");
            }
        }
        lastOffset = firstOffset - 1;
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
            tailBatch.wrap(id, bytes.addressForRead(bytes.readPosition()), (int) bytes.readRemaining());
            tailBatch.verify(true, where, -1, tailView);
            lastOffset = tailBatch.lastOffset();
            lastAppendTime = tailBatch.appendTime();
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
            if (ReadOnlyProcess.declared()) {
                throw new LogException("this process declared it only reads (ReadOnlyProcess), so it cannot append to " + where);
            }
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

    /**
     * Makes the first record appended to this empty partition take {@code offset}, as if the records before it had been
     * removed by retention: how a saved slice of a partition is loaded with its own offsets ({@code kappa golden check}).
     * Once a record is stored, offsets go on from it as always; an empty partition forgets this when it is opened again.
     */
    public void continueFrom(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException(where + ": an offset must not be negative, got " + offset);
        }
        synchronized (this) {
            ensureOpen();
            if (segments.endOffset() != 0 || lastOffset >= 0) {
                throw new IllegalStateException(where + " is not empty: it continues from offset " + endOffset());
            }
            firstOffset = offset;
            lastIndex = Long.MIN_VALUE; // read the tail again before the next append
        }
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
