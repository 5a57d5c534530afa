package io.kappa.processor.internal;

import io.kappa.processor.KeyValueStore;
import io.kappa.processor.ProcessorContext;
import io.kappa.processor.Serde;
import io.kappa.processor.Stage;
import io.kappa.processor.TimePolicy;

/** What a processor sees of its task, on every runtime: outputs and stores go to the {@link StepRuntime}. */
final class StepContext<KOut, VOut> implements ProcessorContext<KOut, VOut> {
    private final RecordStep<?, ?, KOut, VOut> step;
    private final String group;
    private final int task;
    private final Stage<?, ?, KOut, VOut> stage;
    private final StepRuntime<KOut, VOut> runtime;
    /** A record or timer is being processed: only then may the processor forward. */
    boolean active;

    StepContext(RecordStep<?, ?, KOut, VOut> step, String group, int task, Stage<?, ?, KOut, VOut> stage, StepRuntime<KOut, VOut> runtime) {
        this.step = step;
        this.group = group;
        this.task = task;
        this.stage = stage;
        this.runtime = runtime;
    }

    @Override
    public String group() {
        return group;
    }

    @Override
    public int taskId() {
        return task;
    }

    @Override
    public void forward(KOut key, VOut value) {
        forward(key, value, step.currentEventTime());
    }

    @Override
    public void forward(KOut key, VOut value, long eventTime) {
        if (stage.output() == null) {
            throw new IllegalStateException("stage '" + stage.name() + "' has no output topic; use forwardTo");
        }
        if (value == null) {
            throw new NullPointerException("a forwarded value must not be null");
        }
        checkActive();
        runtime.emit(key, value, eventTime);
    }

    @Override
    public void forwardTo(String topic, byte[] key, byte[] value, long eventTime) {
        checkActive();
        step.sentTo(topic);
        runtime.emitTo(topic, key, value, eventTime);
    }

    private void checkActive() {
        if (!active) {
            throw new IllegalStateException("stage '" + stage.name() + "': a record can only be forwarded while processing a record"
                + " or a timer, not from init() or close()");
        }
    }

    @Override
    public <K, V> KeyValueStore<K, V> keyValueStore(String name, Serde<K> keySerde, Serde<V> valueSerde) {
        if (name.startsWith("kappa.")) {
            throw new IllegalArgumentException("stage '" + stage.name() + "': store name '" + name
                + "' starts with 'kappa.', which is kept for kappa's own stores (such as the output cache)");
        }
        return runtime.store(name, keySerde, valueSerde);
    }

    @Override
    public long streamTime() {
        return step.streamTime();
    }

    @Override
    public long watermark() {
        return step.watermarks().watermark();
    }

    @Override
    public TimePolicy timePolicy() {
        return stage.time();
    }

    @Override
    public void registerTimer(long time, String name) {
        step.timers().register(time, name);
    }

    @Override
    public void cancelTimer(long time, String name) {
        step.timers().cancel(time, name);
    }

    @Override
    public long wallClockTime() {
        return runtime.wallClockTime();
    }

    @Override
    public boolean isReplaying() {
        return runtime.isReplaying();
    }
}
