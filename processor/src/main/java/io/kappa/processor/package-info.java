/**
 * The processing runtime: the processor API ({@link io.kappa.processor.Processor}), serdes, state stores,
 * checkpoints and the runner; see docs/architecture.md.
 */
package io.kappa.processor;
