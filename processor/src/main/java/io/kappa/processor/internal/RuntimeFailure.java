package io.kappa.processor.internal;

/**
 * The runtime failed under a task (the log could not create or scan an output, Kafka could not create a topic):
 * never the record's fault, so it is never dead-lettered; the task stops.
 */
public class RuntimeFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RuntimeFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
