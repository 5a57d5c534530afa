package io.kappa.processor.internal;

/**
 * A processor failed on a record under {@link io.kappa.processor.OnError#FAIL}, or in a timer or in init: the task
 * stops, its state as it was before that record (so it may still be checkpointed).
 */
public final class ProcessingFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ProcessingFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
