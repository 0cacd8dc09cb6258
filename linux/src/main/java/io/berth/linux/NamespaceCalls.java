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

    /** {@code buf} receives a struct statfs; its first field, f_type, is a long on every 64-bit Linux ABI. */
    static native int statfs(String path, byte[] buf) throws LastErrorException;
}
