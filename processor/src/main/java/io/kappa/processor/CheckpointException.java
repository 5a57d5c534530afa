package io.kappa.processor;

/** A checkpoint file that cannot be used: damaged, truncated, or of an unknown version. */
public final class CheckpointException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(message);
    }
}
