package io.berth.linux;

import java.io.IOException;
import java.util.Map;

/**
 * A failed system call, named by its errno (for example {@code kill(42, 0): ESRCH (No such process)}).
 * Callers test {@link #errno()} against the constants here rather than parsing the message.
 */
public class ErrnoException extends IOException {
    private static final long serialVersionUID = 1L;

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int EBADF = 9;
    public static final int ECHILD = 10;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int EXDEV = 18;
    public static final int ENODEV = 19;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;
    public static final int EROFS = 30;
    public static final int EPIPE = 32;
    public static final int ELOOP = 40;
    public static final int ENOTEMPTY = 39;
    public static final int ENOSYS = 38;
    public static final int ENODATA = 61;
    public static final int EMSGSIZE = 90;
    public static final int EOPNOTSUPP = 95;
    public static final int EADDRINUSE = 98;
    public static final int ECONNRESET = 104;
    public static final int ECONNREFUSED = 111;

    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(EPERM, "EPERM"), Map.entry(ENOENT, "ENOENT"), Map.entry(ESRCH, "ESRCH"),
            Map.entry(EINTR, "EINTR"), Map.entry(EIO, "EIO"), Map.entry(EBADF, "EBADF"),
            Map.entry(ECHILD, "ECHILD"), Map.entry(EAGAIN, "EAGAIN"), Map.entry(ENOMEM, "ENOMEM"),
            Map.entry(EACCES, "EACCES"), Map.entry(EBUSY, "EBUSY"), Map.entry(EEXIST, "EEXIST"),
            Map.entry(EXDEV, "EXDEV"), Map.entry(ENODEV, "ENODEV"), Map.entry(ENOTDIR, "ENOTDIR"),
            Map.entry(EISDIR, "EISDIR"), Map.entry(EINVAL, "EINVAL"), Map.entry(ENOSPC, "ENOSPC"),
            Map.entry(EROFS, "EROFS"), Map.entry(ELOOP, "ELOOP"), Map.entry(ENOTEMPTY, "ENOTEMPTY"),
            Map.entry(ENOSYS, "ENOSYS"), Map.entry(ENODATA, "ENODATA"), Map.entry(EOPNOTSUPP, "EOPNOTSUPP"),
            Map.entry(ECONNREFUSED, "ECONNREFUSED"), Map.entry(EPIPE, "EPIPE"), Map.entry(EMSGSIZE, "EMSGSIZE"),
            Map.entry(EADDRINUSE, "EADDRINUSE"), Map.entry(ECONNRESET, "ECONNRESET"));

    private final int errno;
    private final String call;

    public ErrnoException(String call, int errno) {
        super(call + ": " + name(errno) + " (" + describe(errno) + ")");
        this.errno = errno;
        this.call = call;
    }

    public int errno() {
        return errno;
    }

    /** The symbolic name, e.g. {@code ENOENT}; {@code errno 123} for one this table does not know. */
    public String errnoName() {
        return name(errno);
    }

    /** The call that failed, with its arguments, as it appears in the message. */
    public String call() {
        return call;
    }

    public static String name(int errno) {
        return NAMES.getOrDefault(errno, "errno " + errno);
    }

    static String describe(int errno) {
        try {
            return LibcCalls.strerror(errno);
        } catch (UnsatisfiedLinkError e) {
            return "unknown error";
        }
    }
}
