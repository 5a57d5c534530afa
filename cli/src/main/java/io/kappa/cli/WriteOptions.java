package io.kappa.cli;

import io.kappa.log.FsyncPolicy;
import io.kappa.log.LogContext;
import picocli.CommandLine.Option;

/** The options of commands that append records: how appends are synced and how large a record may be. */
final class WriteOptions {
    @Option(names = "--fsync", paramLabel = "POLICY", defaultValue = "none",
        description = "When appends are forced to disk: none, interval or always (default: ${DEFAULT-VALUE}); see docs/durability.md.")
    String fsync;

    @Option(names = "--fsync-interval-ms", paramLabel = "MS", defaultValue = "1000",
        description = "Sync interval for --fsync interval (default: ${DEFAULT-VALUE}).")
    long fsyncIntervalMs;

    @Option(names = "--max-record-bytes", paramLabel = "BYTES", defaultValue = "1048576",
        description = "Largest key + id + value accepted (default: ${DEFAULT-VALUE}).")
    int maxRecordBytes;

    LogContext applyTo(LogContext context) {
        return context.fsyncPolicy(FsyncPolicy.parse(fsync)).fsyncIntervalMs(fsyncIntervalMs).maxRecordBytes(maxRecordBytes);
    }
}
