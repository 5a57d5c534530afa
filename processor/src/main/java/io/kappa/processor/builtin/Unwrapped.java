package io.kappa.processor.builtin;

import io.kappa.processor.InputRecord;
import io.kappa.processor.Processor;
import io.kappa.processor.ProcessorContext;
import io.kappa.processor.Unwrapping;
import org.agrona.DirectBuffer;

/**
 * The stage after a built-in's repartition: hands its processor each record as the original (an {@link Envelope}
 * view, whose group key {@link GroupKey#of} takes from the repartition), so late records and dead letters name
 * where the record was written and carry its value as written.
 */
final class Unwrapped<KOut, VOut> implements Processor<DirectBuffer, DirectBuffer, KOut, VOut>, Unwrapping {
    private final Envelope envelope = new Envelope();
    private final Processor<DirectBuffer, DirectBuffer, KOut, VOut> inner;

    Unwrapped(Processor<DirectBuffer, DirectBuffer, KOut, VOut> inner) {
        this.inner = inner;
    }

    @Override
    public void init(ProcessorContext<KOut, VOut> ctx) {
        inner.init(ctx);
    }

    @Override
    public void process(InputRecord<DirectBuffer, DirectBuffer> r, ProcessorContext<KOut, VOut> ctx) throws Exception {
        inner.process(envelope.wrap(r), ctx);
    }

    @Override
    @SuppressWarnings("unchecked")
    public InputRecord<?, ?> original(InputRecord<?, ?> record) {
        return envelope.wrap((InputRecord<DirectBuffer, DirectBuffer>) record);
    }

    @Override
    public void onTimer(long time, String name, ProcessorContext<KOut, VOut> ctx) throws Exception {
        inner.onTimer(time, name, ctx);
    }

    @Override
    public void close() {
        inner.close();
    }
}
