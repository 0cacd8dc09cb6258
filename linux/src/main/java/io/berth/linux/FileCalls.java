package io.berth.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * Raw libc file calls that Java NIO cannot make without following symbolic links, or cannot make at all
 * (device nodes, numeric ownership of a link, arbitrary xattr namespaces, setuid bits).
 */
final class FileCalls {
    static {
        Native.register(FileCalls.class, "c");
    }

    static final int AT_FDCWD = -100;
    static final int AT_SYMLINK_NOFOLLOW = 0x100;

    private FileCalls() {}

    static native int mknod(byte[] path, int mode, long dev) throws LastErrorException;

    static native int lchown(byte[] path, int uid, int gid) throws LastErrorException;

    static native int fchmodat(int dirfd, byte[] path, int mode, int flags) throws LastErrorException;

    /** {@code times} holds two timespecs: atime seconds, atime nanos, mtime seconds, mtime nanos. */
    static native int utimensat(int dirfd, byte[] path, long[] times, int flags) throws LastErrorException;

    static native int lsetxattr(byte[] path, byte[] name, byte[] value, long size, int flags)
            throws LastErrorException;

    static native long lgetxattr(byte[] path, byte[] name, byte[] value, long size) throws LastErrorException;

    static native long llistxattr(byte[] path, byte[] list, long size) throws LastErrorException;

    static native int lremovexattr(byte[] path, byte[] name) throws LastErrorException;

    static native int syncfs(int fd) throws LastErrorException;

    static native int open(byte[] path, int flags, int mode) throws LastErrorException;

    static native long write(int fd, Pointer buf, long count) throws LastErrorException;

    static native int fchown(int fd, int uid, int gid) throws LastErrorException;

    static native int fchmod(int fd, int mode) throws LastErrorException;

    /** {@code times} as for {@link #utimensat}. */
    static native int futimens(int fd, long[] times) throws LastErrorException;

    static native int close(int fd) throws LastErrorException;
}
