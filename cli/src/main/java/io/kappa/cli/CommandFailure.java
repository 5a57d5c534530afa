package io.kappa.cli;

/**
 * A command that was understood but cannot be done in the current state (an unknown group, a refused delete or
 * promote): exit 1 with the message, never the usage. An {@link IllegalArgumentException} means the arguments
 * themselves are wrong (exit 2).
 */
final class CommandFailure extends RuntimeException {
    CommandFailure(String message) {
        super(message);
    }

    CommandFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
