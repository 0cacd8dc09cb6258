package io.berth.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;

/** Raw libc calls behind {@link Namespaces}. Package-private: callers use the facade. */
final class NamespaceCalls {
    static {
        Native.register(NamespaceCalls.class, "c");
    }

    static final long SYS_GETTID = 186; // x86_64

    private NamespaceCalls() {}

    static native int unshare(int flags) throws LastErrorException;

    static native int setns(int fd, int nstype) throws LastErrorException;

    static native int open(String path, int flags) throws LastErrorException;

    static native int close(int fd) throws LastErrorException;

    static native long syscall(long number) throws LastErrorException;

    static native int sethostname(byte[] name, long len) throws LastErrorException;

    static native int mount(String source, String target, String fstype, long flags, String data)
            throws LastErrorException;

    static native int umount2(String target, int flags) throws LastErrorException;
}
