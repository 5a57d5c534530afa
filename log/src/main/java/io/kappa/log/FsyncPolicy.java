package io.kappa.log;

/**
 * When appended records are forced to the storage device. Every policy survives the death of the process
 * (kill -9): an append that returned is in the page cache, which the kernel writes back on its own. The
 * policies differ only on power loss or a kernel crash.
 * <ul>
 *   <li>{@link #NONE}: never msync; the kernel writes back within its dirty-page expiry (30 s on Linux by
 *       default). Power loss may lose that much.</li>
 *   <li>{@link #INTERVAL}: a background thread msyncs every partition with new records every
 *       {@code fsyncIntervalMs}; power loss may lose at most about that long.</li>
 *   <li>{@link #ALWAYS}: each append (or batch) is msynced before it returns; nothing acknowledged is lost.</li>
 * </ul>
 */
public enum FsyncPolicy {
    NONE,
    INTERVAL,
    ALWAYS;

    public static FsyncPolicy parse(String text) {
        for (FsyncPolicy p : values()) {
            if (p.name().equalsIgnoreCase(text)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown fsync policy '" + text + "' (expected none, interval or always)");
    }
}
