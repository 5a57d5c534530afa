package io.kappa.processor.internal;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

import io.kappa.processor.Processor;
import io.kappa.processor.Stage;

/**
 * Hands out a stage's processors, one per task, and refuses a supplier that returns one instance twice (two tasks
 * sharing a processor would share its fields). One per running topology; thread-safe.
 */
public final class FreshProcessors {
    private final Set<Processor<?, ?, ?, ?>> handedOut = Collections.newSetFromMap(new IdentityHashMap<>());

    public <KIn, VIn, KOut, VOut> Processor<KIn, VIn, KOut, VOut> get(Stage<KIn, VIn, KOut, VOut> stage) {
        Processor<KIn, VIn, KOut, VOut> p = stage.processor().get();
        if (p == null) {
            throw new IllegalStateException("the processor supplier of stage '" + stage.name() + "' returned null");
        }
        synchronized (handedOut) {
            if (!handedOut.add(p)) {
                throw new IllegalStateException("the processor supplier of stage '" + stage.name()
                    + "' returned the same instance twice; it must make a new processor per task");
            }
        }
        return p;
    }
}
