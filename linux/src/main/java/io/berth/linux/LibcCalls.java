package io.berth.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;

/**
 * Raw libc entry points, bound with JNA direct mapping. Package-private on purpose: the rest of berth
 * goes through the facades in this package, which turn errno into {@link ErrnoException}.
 */
final class LibcCalls {
    static {
        Native.register(LibcCalls.class, "c");
    }

    private LibcCalls() {}

    static native int getuid();

    static native int geteuid();

    static native int getpid();

    static native int kill(int pid, int sig) throws LastErrorException;

    static native int umask(int mask);

    /** {@code sighandler_t signal(int, sighandler_t)}; handlers are passed and returned as addresses. */
    static native long signal(int signum, long handler);

    static native int chmod(String path, int mode) throws LastErrorException;

    static native String strerror(int errnum);
}
