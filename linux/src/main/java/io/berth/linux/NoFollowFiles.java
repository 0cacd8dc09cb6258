package io.berth.linux;

import com.sun.jna.LastErrorException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * File operations that never follow a symbolic link at the last path component, plus the ones NIO lacks
 * (device nodes, fifos, setuid bits, numeric ownership of a link, xattrs in any namespace). Code that
 * unpacks untrusted trees uses these so that a planted link cannot redirect a chown, chmod or xattr.
 */
public final class NoFollowFiles {
    public static final int S_IFIFO = 0010000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFBLK = 0060000;
    private static final int ERANGE = 34;

    private NoFollowFiles() {}

    /** glibc's makedev: 12 bits of major and 20 of minor in the classic layout, the rest above. */
    public static long makedev(long major, long minor) {
        return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8)
                | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
    }

    public static long major(long dev) {
        return ((dev >>> 32) & 0xfffff000L) | ((dev >>> 8) & 0xfffL);
    }

    public static long minor(long dev) {
        return ((dev >>> 12) & 0xffffff00L) | (dev & 0xffL);
    }

    /** Creates a device node or fifo; {@code mode} carries the type ({@link #S_IFCHR}...) and permissions. */
    public static void mknod(Path path, int mode, long dev) throws ErrnoException {
        try {
            FileCalls.mknod(NativePaths.of(path), mode, dev);
        } catch (LastErrorException e) {
            throw new ErrnoException("mknod(" + path + ", 0" + Integer.toOctalString(mode) + ", "
                    + major(dev) + ":" + minor(dev) + ")", e.getErrorCode());
        }
    }

    /** Sets numeric owner and group of the path itself, a symbolic link included. */
    public static void lchown(Path path, int uid, int gid) throws ErrnoException {
        try {
            FileCalls.lchown(NativePaths.of(path), uid, gid);
        } catch (LastErrorException e) {
            throw new ErrnoException("lchown(" + path + ", " + uid + ", " + gid + ")", e.getErrorCode());
        }
    }

    /**
     * Sets all twelve mode bits (setuid, setgid and sticky included) of a path that is not a symbolic
     * link; on a link it fails (EOPNOTSUPP) rather than changing the link's target.
     */
    public static void chmodNoFollow(Path path, int mode) throws ErrnoException {
        try {
            FileCalls.fchmodat(FileCalls.AT_FDCWD, NativePaths.of(path), mode & 07777,
                    FileCalls.AT_SYMLINK_NOFOLLOW);
        } catch (LastErrorException e) {
            throw new ErrnoException("fchmodat(" + path + ", 0" + Integer.toOctalString(mode)
                    + ", AT_SYMLINK_NOFOLLOW)", e.getErrorCode());
        }
    }

    /** Sets access and modification times of the path itself, a symbolic link included. */
    public static void setTimesNoFollow(Path path, Instant atime, Instant mtime) throws ErrnoException {
        long[] times = {atime.getEpochSecond(), atime.getNano(), mtime.getEpochSecond(), mtime.getNano()};
        try {
            FileCalls.utimensat(FileCalls.AT_FDCWD, NativePaths.of(path), times,
                    FileCalls.AT_SYMLINK_NOFOLLOW);
        } catch (LastErrorException e) {
            throw new ErrnoException("utimensat(" + path + ", " + mtime + ", AT_SYMLINK_NOFOLLOW)",
                    e.getErrorCode());
        }
    }

    public static void setXattr(Path path, String name, byte[] value) throws ErrnoException {
        try {
            FileCalls.lsetxattr(NativePaths.of(path), NativePaths.cString(name), value, value.length, 0);
        } catch (LastErrorException e) {
            throw new ErrnoException("lsetxattr(" + path + ", " + name + ")", e.getErrorCode());
        }
    }

    /** The attribute's value, or empty when the path has no such attribute. */
    public static Optional<byte[]> getXattr(Path path, String name) throws ErrnoException {
        byte[] p = NativePaths.of(path);
        byte[] n = NativePaths.cString(name);
        while (true) {
            try {
                long size = FileCalls.lgetxattr(p, n, null, 0);
                byte[] value = new byte[(int) size];
                long got = FileCalls.lgetxattr(p, n, value, value.length);
                return Optional.of(got == size ? value : Arrays.copyOf(value, (int) got));
            } catch (LastErrorException e) {
                if (e.getErrorCode() == ErrnoException.ENODATA) {
                    return Optional.empty();
                }
                if (e.getErrorCode() != ERANGE) { // ERANGE: it grew between the two calls; ask again
                    throw new ErrnoException("lgetxattr(" + path + ", " + name + ")", e.getErrorCode());
                }
            }
        }
    }

    /** Names of the path's extended attributes, in the order the filesystem lists them. */
    public static List<String> listXattrs(Path path) throws ErrnoException {
        byte[] p = NativePaths.of(path);
        while (true) {
            try {
                long size = FileCalls.llistxattr(p, null, 0);
                byte[] list = new byte[(int) size];
                long got = FileCalls.llistxattr(p, list, list.length);
                List<String> names = new ArrayList<>();
                int start = 0;
                for (int i = 0; i < got; i++) {
                    if (list[i] == 0) {
                        if (i > start) {
                            names.add(NativePaths.decode(list, start, i));
                        }
                        start = i + 1;
                    }
                }
                return names;
            } catch (LastErrorException e) {
                if (e.getErrorCode() != ERANGE) {
                    throw new ErrnoException("llistxattr(" + path + ")", e.getErrorCode());
                }
            }
        }
    }

    public static void removeXattr(Path path, String name) throws ErrnoException {
        try {
            FileCalls.lremovexattr(NativePaths.of(path), NativePaths.cString(name));
        } catch (LastErrorException e) {
            throw new ErrnoException("lremovexattr(" + path + ", " + name + ")", e.getErrorCode());
        }
    }
}
