package io.kappa.log;

import net.openhft.posix.PosixAPI;

/**
 * A process that only reads the log (a short command: {@code kappa read --limit}, {@code topic describe}, {@code status})
 * declares it before its first use of the log, and starts faster. Chronicle Queue loads its posix binding when its
 * {@code Jvm} class initialises: jnr-ffi, which generates the binding's classes with ASM at run time (no class-data
 * sharing archive can hold them), about 75 ms of such a command's start-up. The binding is used to {@code msync} what an
 * appender wrote and by Chronicle's own pretoucher, neither of which a reader does; so a declared process gets Chronicle's
 * no-op binding instead, and appending in it fails rather than losing a requested sync.
 */
public final class ReadOnlyProcess {
    private static volatile boolean declared;

    private ReadOnlyProcess() {
    }

    /** Declares that this process will not append to any partition; call it before the log is first opened. */
    public static void declare() {
        declared = true;
        PosixAPI.useNoOpPosixApi();
    }

    /** Whether {@link #declare()} was called in this process. */
    public static boolean declared() {
        return declared;
    }
}
