/**
 * What runs a processor, shared by every runtime: {@link io.kappa.processor.internal.RecordStep} holds the rules of
 * processing a record (time, watermarks, timers with undo, the error policy, dead letters), behind the small
 * {@link io.kappa.processor.internal.StepRuntime} each runtime implements (the local task, Kafka's stage
 * processor). Not an API for processors; it may change with any release.
 */
package io.kappa.processor.internal;
