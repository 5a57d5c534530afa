/** The processing runtime (processor API, state stores, checkpoints, runner); see docs/architecture.md. Not built yet. */
package io.kappa.processor;
