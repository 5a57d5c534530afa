package io.kappa.log;

/**
 * Base of every error the log reports. Messages name what was wrong and where (topic, partition, offset,
 * file), so a command line tool can print {@link #getMessage()} as it is.
 */
public class LogException extends RuntimeException {
    public LogException(String message) {
        super(message);
    }

    public LogException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A topic name outside {@code [A-Za-z0-9._-]{1,200}}, or one of the reserved names. */
    public static final class InvalidTopicName extends LogException {
        public InvalidTopicName(String message) {
            super(message);
        }
    }

    public static final class UnknownTopic extends LogException {
        private final String topic;

        public UnknownTopic(String topic) {
            super("unknown topic '" + topic + "'");
            this.topic = topic;
        }

        /** The name that was not found (so that a command can suggest the nearest one). */
        public String topic() {
            return topic;
        }
    }

    /** A topic that aliases point at (see {@code kappa promote}) is not deleted while they do. */
    public static final class TopicAliased extends LogException {
        private final java.util.List<String> aliases;

        public TopicAliased(String topic, java.util.List<String> aliases) {
            super("topic '" + topic + "' is read and written as " + String.join(", ", aliases) + " (alias" + (aliases.size() == 1 ? "" : "es")
                + "), which would point at nothing; nothing deleted");
            this.aliases = java.util.List.copyOf(aliases);
        }

        public java.util.List<String> aliases() {
            return aliases;
        }
    }

    /** A topic that a process has open (a server, a running group, a follower) is not deleted under it. */
    public static final class TopicInUse extends LogException {
        private final java.util.List<String> holders;

        public TopicInUse(String topic, java.util.List<String> holders) {
            super("topic '" + topic + "' is open in " + (holders.isEmpty() ? "another process" : String.join(", ", holders))
                + "; stop " + (holders.size() == 1 ? "it" : "them") + " first; nothing deleted");
            this.holders = java.util.List.copyOf(holders);
        }

        /** Who has it open, as "DESCRIPTION (pid N)"; empty when the holder left no name. */
        public java.util.List<String> holders() {
            return holders;
        }
    }

    public static final class TopicExists extends LogException {
        public TopicExists(String topic) {
            super("topic '" + topic + "' already exists");
        }
    }

    public static final class UnknownPartition extends LogException {
        public UnknownPartition(String topic, int partition, int partitions) {
            super("topic '" + topic + "' has no partition " + partition + " (partitions are 0.." + (partitions - 1) + ")");
        }
    }

    /** A seek or read outside {@code [startOffset, endOffset]}; the message names the valid range. */
    public static final class OffsetOutOfRange extends LogException {
        private final long requested;
        private final long startOffset;
        private final long endOffset;

        public OffsetOutOfRange(String where, long requested, long startOffset, long endOffset) {
            super("offset " + requested + " is out of range for " + where + ": valid offsets are "
                + (endOffset > startOffset ? startOffset + ".." + (endOffset - 1) + " (end offset " + endOffset + ")"
                                           : "none yet (start and end offset " + startOffset + ")"));
            this.requested = requested;
            this.startOffset = startOffset;
            this.endOffset = endOffset;
        }

        public long requested() {
            return requested;
        }

        public long startOffset() {
            return startOffset;
        }

        public long endOffset() {
            return endOffset;
        }
    }

    public static final class RecordTooLarge extends LogException {
        public RecordTooLarge(String where, long size, int max) {
            super("record of " + size + " bytes (key + id + value) is over the maximum of " + max + " bytes for " + where);
        }
    }

    /** Topic metadata that is missing, unreadable, of an unknown version or inconsistent with the files. */
    public static final class CorruptMetadata extends LogException {
        public CorruptMetadata(String message) {
            super(message);
        }

        public CorruptMetadata(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A stored record whose checksum, version or lengths do not hold. */
    public static final class CorruptRecord extends LogException {
        public CorruptRecord(String message) {
            super(message);
        }
    }
}
