package io.kappa.processor;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.log.EventLog;
import io.kappa.log.Topic;
import io.kappa.log.TopicConfig;
import io.kappa.processor.internal.DeadLetters;
import io.kappa.processor.internal.FreshProcessors;
import io.kappa.processor.internal.ProcessingFailure;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * Runs a {@link Topology} for a group: one task per input partition of each stage, spread over a fixed number
 * of threads (task {@code i} of all tasks on thread {@code i mod threads}). Holds the group's lock while up.
 *
 * <p>Lifecycle: {@link #start()} locks the group, opens and recovers every task (see {@link TaskOutputs}) and
 * starts the threads; {@link #close()} stops them, writes a last checkpoint per task and releases the lock. If a
 * task fails (a processing error under {@link OnError#FAIL}, a log error) every thread stops, healthy tasks
 * checkpoint, and {@link #failure()} says why.
 */
public final class ProcessorRunner implements AutoCloseable {
    private final EventLog log;
    private Recomputation recomputation;
    private final Topology topology;
    private final RunnerContext context;
    private final Path groupDir;
    private final Map<String, Topic> topics = new HashMap<>();
    private final TopicCatalog catalog = new TopicCatalog() {
        @Override
        public boolean exists(String topic) {
            return log.exists(topic);
        }

        @Override
        public int partitionCount(String topic) {
            return topic(topic).partitionCount();
        }

        @Override
        public void create(String name, int partitions) {
            topicOrCreate(name, partitions);
        }
    };
    private final FreshProcessors processors = new FreshProcessors();
    private final List<Task<?, ?, ?, ?>> tasks = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Map<Task<?, ?, ?, ?>, long[]> caughtUpTargets = new HashMap<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Set<Stage<?, ?, ?, ?>> upstreamFree = Collections.newSetFromMap(new IdentityHashMap<>());
    private Groups.GroupLock lock;
    private SnapshotTaker snapshots;
    private volatile boolean running;
    private volatile int threadsLeft;
    private boolean closed;

    public ProcessorRunner(EventLog log, Topology topology, RunnerContext context) {
        this.log = log;
        this.topology = topology;
        this.context = context.conclude();
        this.groupDir = Groups.dir(log.dataDir(), context.stateGroup());
    }

    /** Whether a stage of this topology reads {@code topic} (an internal topic: repartition, gather). */
    boolean readsInternally(String topic) {
        for (Stage<?, ?, ?, ?> s : topology.stages()) {
            if (s.inputs().contains(topic)) {
                return true;
            }
        }
        return false;
    }

    RunnerContext context() {
        return context;
    }

    EventLog log() {
        return log;
    }

    int maxRecordBytes() {
        return log.context().maxRecordBytes();
    }

    String deadLetterTopic() {
        return DeadLetters.topic(context.group());
    }

    public String group() {
        return context.group();
    }

    synchronized Topic topic(String name) {
        return topics.computeIfAbsent(name, log::topic);
    }

    synchronized Topic topicOrCreate(String name, int partitions) {
        Topic t = topics.get(name);
        if (t == null) {
            try {
                t = log.exists(name) ? log.topic(name) : log.createTopic(name, TopicConfig.partitions(partitions));
            } catch (io.kappa.log.LogException.TopicExists e) {
                t = log.topic(name); // another process created it a moment ago
            }
            topics.put(name, t);
        }
        return t;
    }

    /** Hands out each task's processor, checking it is a new one. */
    FreshProcessors processors() {
        return processors;
    }

    /** The producer ids of the upstream tasks that write {@code topic} for {@code reader}, or null (see {@link Groups}). */
    long[] upstreamProducers(Stage<?, ?, ?, ?> reader, String topic) {
        return Groups.upstreamProducers(context.group(), topology.stages(), reader, topic, catalog);
    }

    /**
     * After a task's checkpoint: takes a snapshot of the group's checkpoints when one is due (off this thread). Once the
     * runner is stopping, the last thread to stop does it instead, after every task's last checkpoint.
     */
    void checkpointed() {
        SnapshotTaker s = snapshots;
        if (s != null && running) {
            s.checkpointed(recordsProcessed(), context.clock().time());
        }
    }

    /** What the group recomputes after a rewind (loaded at start). */
    Recomputation recomputation() {
        return recomputation;
    }

    /** Locks the group, creates missing output topics, recovers every task and starts processing. */
    public synchronized void start() {
        if (running || closed) {
            throw new IllegalStateException("runner already started or closed");
        }
        lock = Groups.lock(log.dataDir(), context.stateGroup());
        try {
            List<TaskCheckpoint> existing = Groups.checkpoints(log.dataDir(), context.stateGroup());
            long drainedAt = Groups.drainedAt(existing);
            if (drainedAt != Long.MIN_VALUE && (!context.drain() || arrivedAfterDrain(existing) > 0)) {
                // --drain again only finishes an interrupted drain; records that arrived after it would all be late
                throw new Groups.GroupDrainedException(context.group(), drainedAt);
            }
            for (Stage<?, ?, ?, ?> stage : topology.stages()) {
                int partitions = 0;
                for (String in : stage.inputs()) {
                    partitions = Math.max(partitions, topic(in).partitionCount());
                }
                if (stage.output() != null) {
                    topicOrCreate(stage.output(), partitions);
                }
            }
            writeInfo();
            checkCheckpointsMatch();
            snapshots = SnapshotTaker.of(groupDir, context, topology);
            recomputation = Recomputation.load(log.dataDir(), context.stateGroup());
            for (Stage<?, ?, ?, ?> stage : topology.stages()) {
                int partitions = 0;
                for (String in : stage.inputs()) {
                    partitions = Math.max(partitions, topic(in).partitionCount());
                }
                for (int p = 0; p < partitions; p++) {
                    Task<?, ?, ?, ?> task = new Task<>(this, stage, p, groupDir);
                    tasks.add(task);
                    task.open();
                }
            }
            List<String> written = new ArrayList<>();
            for (Stage<?, ?, ?, ?> stage : topology.stages()) {
                boolean readsUpstream = false;
                for (String in : stage.inputs()) {
                    readsUpstream |= written.contains(in);
                }
                if (!readsUpstream) {
                    upstreamFree.add(stage);
                }
                if (stage.output() != null) {
                    written.add(stage.output());
                }
            }
            for (Task<?, ?, ?, ?> t : tasks) {
                if (upstreamFree.contains(t.stage())) {
                    long[] targets = t.targets();
                    caughtUpTargets.put(t, targets);
                    if (context.drain()) {
                        // it reads up to where the run is caught up, and no further
                        t.stopAt(targets);
                        t.requestDrain(targets);
                    }
                }
            }
        } catch (RuntimeException e) {
            closeTasks();
            if (snapshots != null) {
                snapshots.close();
            }
            lock.close();
            throw e;
        }
        running = true;
        int n = Math.min(context.threads(), Math.max(1, tasks.size()));
        threadsLeft = n;
        for (int i = 0; i < n; i++) {
            List<Task<?, ?, ?, ?>> mine = new ArrayList<>();
            String name = "kappa-" + context.group() + "-" + i;
            java.util.concurrent.ExecutorService writer = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                Thread w = new Thread(r, name + "-writer");
                w.setDaemon(true);
                return w;
            });
            for (int t = i; t < tasks.size(); t += n) {
                tasks.get(t).writer(writer);
                mine.add(tasks.get(t));
            }
            Thread thread = new Thread(() -> {
                try {
                    loop(mine);
                } finally {
                    writer.shutdown();
                }
            }, name);
            threads.add(thread);
        }
        threads.forEach(Thread::start);
    }

    /**
     * Refuses checkpoints that do not fit this topology: files of stages or tasks it does not have, or some tasks
     * of a group that has processed records without a checkpoint. Either means the processor changed shape (or a
     * file was lost), and going on would re-emit or drop results silently.
     */
    private void checkCheckpointsMatch() {
        List<TaskCheckpoint> existing = Groups.checkpoints(log.dataDir(), context.stateGroup());
        if (existing.isEmpty()) {
            return;
        }
        java.util.Set<String> expected = new java.util.HashSet<>();
        for (Stage<?, ?, ?, ?> stage : topology.stages()) {
            int partitions = 0;
            for (String in : stage.inputs()) {
                partitions = Math.max(partitions, topic(in).partitionCount());
            }
            for (int p = 0; p < partitions; p++) {
                expected.add(stage.name() + "-" + p);
            }
        }
        java.util.Set<String> found = new java.util.HashSet<>();
        boolean processed = false;
        for (TaskCheckpoint c : existing) {
            String name = c.stage() + "-" + c.task();
            found.add(name);
            processed |= c.records() > 0;
            if (!expected.contains(name)) {
                throw new CheckpointException("group '" + context.group() + "' has a checkpoint for stage '" + c.stage() + "' task "
                    + c.task() + ", which this processor does not have (its stages: " + stageNames() + "): the processor has "
                    + "changed shape; run it under a new group");
            }
        }
        if (processed) {
            for (String name : expected) {
                if (!found.contains(name)) {
                    throw new CheckpointException("group '" + context.group() + "' has processed records but has no checkpoint for "
                        + name + " (" + groupDir.resolve(name + ".ckpt") + "): the file was lost or the processor changed shape");
                }
            }
        }
    }

    private String stageNames() {
        List<String> names = new ArrayList<>();
        topology.stages().forEach(s -> names.add(s.name()));
        return String.join(", ", names);
    }

    private void writeInfo() {
        ObjectNode info = Serdes.MAPPER.createObjectNode();
        info.put("version", 1);
        info.put("group", context.group());
        info.put("description", context.description());
        ObjectNode spec = info.putObject("spec");
        new java.util.TreeMap<>(context.spec()).forEach(spec::put);
        ArrayNode stages = info.putArray("stages");
        for (Stage<?, ?, ?, ?> s : topology.stages()) {
            ObjectNode n = stages.addObject();
            n.put("name", s.name());
            ArrayNode ins = n.putArray("inputs");
            s.inputs().forEach(ins::add);
            if (s.output() != null) {
                n.put("output", s.output());
            }
            n.put("internal", s.internal());
        }
        ArrayNode ins = info.putArray("inputs");
        topology.externalInputs().forEach(ins::add);
        ArrayNode outs = info.putArray("outputs");
        topology.outputs().forEach(outs::add);
        info.put("deadLetterTopic", deadLetterTopic());
        ObjectNode snap = info.putObject("snapshots");
        snap.put("everyRecords", context.snapshotRecords());
        snap.put("everyMs", context.snapshotIntervalMs());
        snap.put("keep", context.snapshotsKept());
        if (context.replay()) {
            info.put("replay", true); // kappa status and kappa ui show it with its remaining records and ETA
        }
        if (!context.stopAt().isEmpty()) {
            ObjectNode stops = info.putObject("stopAt");
            new java.util.TreeMap<>(context.stopAt()).forEach((topic, offsets) -> {
                ArrayNode a = stops.putArray(topic);
                for (long o : offsets) {
                    a.add(o);
                }
            });
        }
        info.put("pid", ProcessHandle.current().pid());
        info.put("startedAt", Instant.ofEpochMilli(context.clock().time()).toString());
        info.put("jvm", ManagementFactory.getRuntimeMXBean().getName());
        Groups.writeInfo(groupDir, info);
    }

    private void loop(List<Task<?, ?, ?, ?>> mine) {
        IdleStrategy idle = new BackoffIdleStrategy(10, 20, TimeUnit.MICROSECONDS.toNanos(50), TimeUnit.MILLISECONDS.toNanos(1));
        Task<?, ?, ?, ?> failed = null;
        long rate = context.maxRatePerSecond();
        try {
            while (running) {
                int n = 0;
                long now = context.clock().time();
                for (Task<?, ?, ?, ?> t : mine) {
                    failed = t;
                    n += t.runOnce(now);
                    t.drainIfDue();
                }
                failed = null;
                if (rate > 0 && n > 0) {
                    throttle(n, rate);
                }
                idle.idle(n);
            }
        } catch (ProcessingFailure e) {
            fail(e);
            failed = null; // its state is clean: checkpoint it like the others
        } catch (Task.LogFailure e) {
            fail(e);
        } catch (Throwable e) {
            fail(failed == null ? e : new IllegalStateException(failed.where() + ": " + Task.describe(e), e));
        }
        for (Task<?, ?, ?, ?> t : mine) {
            if (t != failed) {
                try {
                    t.checkpoint();
                } catch (Throwable e) {
                    fail(e);
                }
            }
            try {
                t.close();
            } catch (Throwable e) {
                fail(e);
            }
        }
        synchronized (this) {
            if (--threadsLeft == 0) {
                if (snapshots != null) {
                    // every task's last checkpoint is written: a snapshot due now holds them all
                    snapshots.checkpointed(recordsProcessed(), context.clock().time());
                    snapshots.close();
                }
                lock.close();
                stopped.countDown();
            }
        }
    }

    private final java.util.concurrent.atomic.AtomicLong throttled = new java.util.concurrent.atomic.AtomicLong();
    private volatile long throttleStartNanos;

    /** Sleeps while the records processed since start run ahead of the allowed rate. */
    private void throttle(int n, long rate) {
        if (throttleStartNanos == 0) {
            throttleStartNanos = System.nanoTime();
        }
        long done = throttled.addAndGet(n);
        long due = throttleStartNanos + (long) (done * (1e9 / rate));
        // a loop: park returns early on a permit left by the writer thread (and spuriously)
        for (long wait = due - System.nanoTime(); wait > 0 && running; wait = due - System.nanoTime()) {
            java.util.concurrent.locks.LockSupport.parkNanos(Math.min(wait, 100_000_000L));
        }
    }

    private void fail(Throwable e) {
        failure.compareAndSet(null, e);
        running = false;
    }

    /** The first error that stopped the runner, or null. */
    public Throwable failure() {
        return failure.get();
    }

    public boolean isRunning() {
        return running;
    }

    /**
     * Waits until every task has processed its inputs up to their end offsets as they were at {@link #start()}
     * (stages reading another stage's output: up to that topic's end once the upstream stage is done). Returns
     * false on timeout; throws if the runner failed or stopped first.
     */
    public boolean awaitCaughtUp(long timeoutMs) throws InterruptedException {
        long start = System.nanoTime();
        long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        for (Stage<?, ?, ?, ?> stage : topology.stages()) {
            for (Task<?, ?, ?, ?> t : tasks) {
                if (t.stage() != stage) {
                    continue;
                }
                long[] targets = caughtUpTargets.get(t);
                if (targets == null) {
                    targets = t.targets();
                }
                TaskProgress progress = t.progress();
                for (int i = 0; i < targets.length; i++) {
                    int input = i;
                    long target = targets[i];
                    if (!waitUntil(() -> progress.next(input) >= target, start, timeoutNanos)) {
                        return false;
                    }
                }
            }
        }
        checkAlive();
        return true;
    }

    /**
     * The end of a bounded run started with {@link RunnerContext#drain}: stage by stage, in order, each task reads
     * up to where it is caught up, then moves its watermark to the maximum, fires every timer, flushes and writes
     * a checkpoint that marks it drained. A later stage's targets are taken once every earlier stage is drained,
     * so it reads everything they wrote, their drains included. Returns false on timeout (call again to go on);
     * throws if the runner failed or stopped first.
     */
    public boolean awaitDrained(long timeoutMs) throws InterruptedException {
        if (!context.drain()) {
            throw new IllegalStateException("the runner of group '" + context.group() + "' was not started to drain");
        }
        long start = System.nanoTime();
        long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        for (Stage<?, ?, ?, ?> stage : topology.stages()) {
            for (Task<?, ?, ?, ?> t : tasks) {
                if (t.stage() == stage && !t.drainRequested()) {
                    t.requestDrain(t.targets());
                }
            }
            for (Task<?, ?, ?, ?> t : tasks) {
                if (t.stage() == stage && !waitUntil(() -> t.progress().isDrained(), start, timeoutNanos)) {
                    return false;
                }
            }
        }
        checkAlive();
        return true;
    }

    /** Waits until {@code done} holds (true), the deadline passes (false) or the runner fails (throws). */
    private boolean waitUntil(java.util.function.BooleanSupplier done, long start, long timeoutNanos) throws InterruptedException {
        while (!done.getAsBoolean()) {
            checkAlive();
            if (System.nanoTime() - start > timeoutNanos) {
                return false;
            }
            Thread.sleep(1);
        }
        return true;
    }

    private void checkAlive() {
        Throwable f = failure.get();
        if (f != null) {
            throw new RunnerFailedException(f);
        }
        if (!running) {
            throw new IllegalStateException("the runner of group '" + context.group() + "' stopped");
        }
    }

    /** Blocks until the runner stops (after {@link #close()} or a failure). */
    public boolean awaitStopped(long timeoutMs) throws InterruptedException {
        return stopped.await(timeoutMs, TimeUnit.MILLISECONDS);
    }

    /** Records processed so far by all tasks (published after each batch). */
    public long recordsProcessed() {
        long n = 0;
        for (Task<?, ?, ?, ?> t : tasks) {
            n += t.progress().records();
        }
        return n;
    }

    public long deadLettered() {
        long n = 0;
        for (Task<?, ?, ?, ?> t : tasks) {
            n += t.progress().deadLettered();
        }
        return n;
    }

    /** Records sent to {@code GROUP.late} by all tasks, in total across restarts (published after each batch). */
    public long late() {
        long n = 0;
        for (Task<?, ?, ?, ?> t : tasks) {
            n += t.progress().late();
        }
        return n;
    }

    /** Where one task input stands: the next offset whose outputs are in the log, and where it stops (end or stop). */
    public record InputProgress(String stage, String topic, int partition, long next, long target) {
    }

    /** Per input partition of the stages reading outside topics, their progress (for progress lines). */
    public List<InputProgress> progress() {
        List<InputProgress> out = new ArrayList<>();
        for (Task<?, ?, ?, ?> t : tasks) {
            if (!upstreamFree.contains(t.stage())) {
                continue;
            }
            TaskProgress p = t.progress();
            for (int i = 0; i < p.inputCount(); i++) {
                out.add(new InputProgress(t.stage().name(), p.topic(i), t.id(), p.next(i), p.target(i)));
            }
        }
        return out;
    }

    /** Records still to process: the sum of end offset minus next offset over every task input. */
    public long lag() {
        long n = 0;
        for (Task<?, ?, ?, ?> t : tasks) {
            n += t.progress().lag();
        }
        return n;
    }

    /** Stops processing, writes a last checkpoint per task, and releases the group. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            running = false;
        }
        boolean interrupted = false;
        for (Thread t : threads) {
            while (true) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (threads.isEmpty()) {
            if (lock != null) {
                lock.close();
            }
            stopped.countDown();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeTasks() {
        for (Task<?, ?, ?, ?> t : tasks) {
            try {
                t.close();
            } catch (RuntimeException e) {
                // already failing
            }
        }
        tasks.clear();
    }

    /** A runner stopped by an error; the cause says which task and record. */
    public static final class RunnerFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RunnerFailedException(Throwable cause) {
            super(cause.getMessage() != null ? cause.getMessage() : Task.describe(cause), cause);
        }
    }

    /** Records appended to the inputs of drained tasks after their drain. */
    private long arrivedAfterDrain(List<TaskCheckpoint> checkpoints) {
        long n = 0;
        for (TaskCheckpoint c : checkpoints) {
            if (c.drained()) {
                for (TaskCheckpoint.Input in : c.inputs()) {
                    if (log.exists(in.topic())) {
                        n += Math.max(0, log.topic(in.topic()).partition(in.partition()).endOffset() - in.nextOffset());
                    }
                }
            }
        }
        return n;
    }
}
