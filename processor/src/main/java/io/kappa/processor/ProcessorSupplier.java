package io.kappa.processor;

/**
 * Makes a new processor for each task. The runner refuses a supplier that returns the same instance twice: two
 * tasks sharing one processor would share its fields and break both.
 */
@FunctionalInterface
public interface ProcessorSupplier<KIn, VIn, KOut, VOut> {
    Processor<KIn, VIn, KOut, VOut> get();
}
