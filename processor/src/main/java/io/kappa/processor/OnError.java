package io.kappa.processor;

/** What a task does with a record that cannot be deserialized or makes the processor throw. */
public enum OnError {
    /** Write it to the group's dead-letter topic ({@code GROUP.dlq}) with the error, and go on. */
    DEAD_LETTER,
    /** Stop the runner; the checkpoint stays before the record, so a restart retries it. */
    FAIL;

    public static OnError parse(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "dlq", "dead-letter" -> DEAD_LETTER;
            case "fail" -> FAIL;
            default -> throw new IllegalArgumentException("unknown error policy '" + s + "' (use dlq or fail)");
        };
    }
}
