package io.berth.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import java.nio.ByteBuffer;

/**
 * Raw descriptors the JDK cannot hand out as numbers: pipes to give a spawned child as its stdio, an
 * eventfd for cgroup notifications, and blocking reads and writes on them. Every descriptor made here
 * is close-on-exec; a child gets one only through an explicit dup2 at spawn.
 */
public final class FileDescriptors {
    private FileDescriptors() {}

    public record Pipe(int readEnd, int writeEnd) {}

    public static Pipe pipe() throws ErrnoException {
        int[] fds = new int[2];
        try {
            FdCalls.pipe2(fds, FdCalls.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new ErrnoException("pipe2", e.getErrorCode());
        }
        return new Pipe(fds[0], fds[1]);
    }

    public static int openReadOnly(String path) throws ErrnoException {
        return open(path, FdCalls.O_RDONLY);
    }

    public static int openReadWrite(String path) throws ErrnoException {
        return open(path, FdCalls.O_RDWR);
    }

    /**
     * A handle on a directory itself (O_PATH): opens below it with {@link #openAppendNoFollow} reach this
     * directory whatever later happens to its path, so a directory swapped for a symlink cannot redirect them.
     */
    public static int openDirectoryHandle(String path) throws ErrnoException {
        return open(path, FdCalls.O_PATH | FdCalls.O_DIRECTORY);
    }

    /**
     * Opens {@code name} in the directory of {@code dirFd} for appending, creating it with {@code mode} (less the
     * umask); a symbolic link at {@code name} is refused (ELOOP), never followed.
     */
    public static int openAppendNoFollow(int dirFd, String name, int mode) throws ErrnoException {
        if (name.contains("/")) {
            throw new IllegalArgumentException("not a name in a directory: " + name);
        }
        try {
            return FdCalls.openat(dirFd, name, FdCalls.O_WRONLY | FdCalls.O_CREAT | FdCalls.O_APPEND
                    | FdCalls.O_NOFOLLOW | FdCalls.O_CLOEXEC, mode);
        } catch (LastErrorException e) {
            throw new ErrnoException("openat(" + name + ", O_NOFOLLOW)", e.getErrorCode());
        }
    }

    private static int open(String path, int flags) throws ErrnoException {
        try {
            return FdCalls.open(path, flags | FdCalls.O_CLOEXEC, 0);
        } catch (LastErrorException e) {
            throw new ErrnoException("open(" + path + ")", e.getErrorCode());
        }
    }

    /** A counter descriptor (eventfd(2)); reading blocks until someone signals it. */
    public static int eventfd() throws ErrnoException {
        try {
            return FdCalls.eventfd(0, FdCalls.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new ErrnoException("eventfd", e.getErrorCode());
        }
    }

    /** Like {@link #eventfd()}, for an event loop: reading an unsignalled one fails at once with EAGAIN. */
    public static int eventfdNonBlocking() throws ErrnoException {
        try {
            return FdCalls.eventfd(0, FdCalls.O_CLOEXEC | FdCalls.O_NONBLOCK);
        } catch (LastErrorException e) {
            throw new ErrnoException("eventfd", e.getErrorCode());
        }
    }

    /** Adds one to an eventfd's counter, waking whoever polls or reads it. */
    public static void signal(int eventfd) throws ErrnoException {
        try (Memory one = new Memory(8)) {
            one.setLong(0, 1);
            while (true) {
                try {
                    FdCalls.write(eventfd, one, 8);
                    return;
                } catch (LastErrorException e) {
                    // A counter at its maximum already means "signalled"; adding more changes nothing.
                    if (e.getErrorCode() == ErrnoException.EAGAIN) {
                        return;
                    }
                    if (e.getErrorCode() != ErrnoException.EINTR) {
                        throw new ErrnoException("write(eventfd " + eventfd + ")", e.getErrorCode());
                    }
                }
            }
        }
    }

    /** Resets a non-blocking eventfd's counter to zero; one that was never signalled is left as it is. */
    public static void drainEventfd(int fd) throws ErrnoException {
        try (Memory counter = new Memory(8)) {
            while (true) {
                try {
                    FdCalls.read(fd, counter, 8);
                    return;
                } catch (LastErrorException e) {
                    if (e.getErrorCode() == ErrnoException.EAGAIN) {
                        return;
                    }
                    if (e.getErrorCode() != ErrnoException.EINTR) {
                        throw new ErrnoException("read(eventfd " + fd + ")", e.getErrorCode());
                    }
                }
            }
        }
    }

    public static void setNonBlocking(int fd, boolean on) throws ErrnoException {
        try {
            int flags = FdCalls.fcntl(fd, FdCalls.F_GETFL, 0);
            int wanted = on ? flags | FdCalls.O_NONBLOCK : flags & ~FdCalls.O_NONBLOCK;
            if (wanted != flags) {
                FdCalls.fcntl(fd, FdCalls.F_SETFL, wanted);
            }
        } catch (LastErrorException e) {
            throw new ErrnoException("fcntl(" + fd + ", O_NONBLOCK)", e.getErrorCode());
        }
    }

    public static void setCloseOnExec(int fd, boolean on) throws ErrnoException {
        try {
            int flags = FdCalls.fcntl(fd, FdCalls.F_GETFD, 0);
            int wanted = on ? flags | FdCalls.FD_CLOEXEC : flags & ~FdCalls.FD_CLOEXEC;
            if (wanted != flags) {
                FdCalls.fcntl(fd, FdCalls.F_SETFD, wanted);
            }
        } catch (LastErrorException e) {
            throw new ErrnoException("fcntl(" + fd + ", FD_CLOEXEC)", e.getErrorCode());
        }
    }

    public static boolean isCloseOnExec(int fd) throws ErrnoException {
        try {
            return (FdCalls.fcntl(fd, FdCalls.F_GETFD, 0) & FdCalls.FD_CLOEXEC) != 0;
        } catch (LastErrorException e) {
            throw new ErrnoException("fcntl(" + fd + ", F_GETFD)", e.getErrorCode());
        }
    }

    /**
     * A close-on-exec duplicate of {@code fd}. It is numbered 3 or above so that it can never take the
     * place of a closed stdin, stdout or stderr, which a later open would then silently become.
     */
    public static int dup(int fd) throws ErrnoException {
        try {
            return FdCalls.fcntl(fd, FdCalls.F_DUPFD_CLOEXEC, 3);
        } catch (LastErrorException e) {
            throw new ErrnoException("fcntl(" + fd + ", F_DUPFD_CLOEXEC)", e.getErrorCode());
        }
    }

    public static void close(int fd) throws ErrnoException {
        try {
            FdCalls.close(fd);
        } catch (LastErrorException e) {
            throw new ErrnoException("close(" + fd + ")", e.getErrorCode());
        }
    }

    /** Closes and ignores failure: for cleanup paths where the descriptor may already be gone. */
    public static void closeQuietly(int fd) {
        if (fd >= 0) {
            try {
                FdCalls.close(fd);
            } catch (LastErrorException ignored) {
                // Nothing useful to do: the descriptor is unusable either way.
            }
        }
    }

    /**
     * Reads up to {@code buf.capacity()} bytes into a direct buffer, blocking; the buffer is set to
     * position 0 and limit = bytes read. Returns the count, 0 at end of file. EINTR is retried.
     */
    public static int read(int fd, ByteBuffer buf) throws ErrnoException {
        requireDirect(buf);
        while (true) {
            try {
                buf.clear(); // JNA passes the address at the buffer's position
                int n = (int) FdCalls.read(fd, buf, buf.capacity());
                buf.clear().limit(n);
                return n;
            } catch (LastErrorException e) {
                if (e.getErrorCode() != ErrnoException.EINTR) {
                    throw new ErrnoException("read(" + fd + ")", e.getErrorCode());
                }
            }
        }
    }

    /**
     * Writes all of a direct buffer's bytes from 0 to its limit, blocking. A descriptor someone made
     * non-blocking (a terminal master the event loop reads) is waited on with poll rather than failed.
     */
    public static void writeFully(int fd, ByteBuffer buf) throws ErrnoException {
        requireDirect(buf);
        int total = buf.limit();
        int done = 0;
        while (done < total) {
            try {
                // A slice starting at what is left, so the address JNA passes is that of the rest.
                ByteBuffer rest = buf.duplicate().position(done).slice();
                done += (int) FdCalls.write(fd, rest, total - done);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == ErrnoException.EAGAIN) {
                    awaitWritable(fd);
                } else if (e.getErrorCode() != ErrnoException.EINTR) {
                    throw new ErrnoException("write(" + fd + ")", e.getErrorCode());
                }
            }
        }
    }

    private static void awaitWritable(int fd) throws ErrnoException {
        poll(fd, FdCalls.POLLOUT, -1);
    }

    /**
     * One {@code poll(2)} of one descriptor for {@code events}, EINTR retried: the events that came (revents), 0
     * when {@code timeoutMillis} passed first (-1 waits for ever).
     */
    static int poll(int fd, short events, int timeoutMillis) throws ErrnoException {
        // Little-endian x86_64: fd in the low int, the events asked for in the next short, revents in the top one.
        long[] pollfd = {(fd & 0xffffffffL) | ((long) (events & 0xffff) << 32)};
        while (true) {
            try {
                if (FdCalls.poll(pollfd, 1, timeoutMillis) == 0) {
                    return 0;
                }
                return (int) (pollfd[0] >>> 48) & 0xffff;
            } catch (LastErrorException e) {
                if (e.getErrorCode() != ErrnoException.EINTR) {
                    throw new ErrnoException("poll(" + fd + ")", e.getErrorCode());
                }
            }
        }
    }

    /**
     * One read, for non-blocking descriptors: fills a direct buffer from its start like {@link #read} and
     * returns the count, 0 at end of file, or -1 when nothing is available yet (EAGAIN), in which case the
     * buffer is left empty. EINTR is retried.
     */
    public static int readSome(int fd, ByteBuffer buf) throws ErrnoException {
        requireDirect(buf);
        while (true) {
            try {
                buf.clear();
                int n = (int) FdCalls.read(fd, buf, buf.capacity());
                buf.clear().limit(n);
                return n;
            } catch (LastErrorException e) {
                if (e.getErrorCode() == ErrnoException.EAGAIN) {
                    buf.clear().limit(0);
                    return -1;
                }
                if (e.getErrorCode() != ErrnoException.EINTR) {
                    throw new ErrnoException("read(" + fd + ")", e.getErrorCode());
                }
            }
        }
    }

    /**
     * One write, for non-blocking descriptors: writes what it can of a direct buffer's bytes between its
     * position and limit, advances the position past them and returns their count, 0 when the descriptor
     * takes nothing now (EAGAIN). EINTR is retried.
     */
    public static int writeSome(int fd, ByteBuffer buf) throws ErrnoException {
        requireDirect(buf);
        if (!buf.hasRemaining()) {
            return 0;
        }
        while (true) {
            try {
                int n = (int) FdCalls.write(fd, buf, buf.remaining());
                buf.position(buf.position() + n);
                return n;
            } catch (LastErrorException e) {
                if (e.getErrorCode() == ErrnoException.EAGAIN) {
                    return 0;
                }
                if (e.getErrorCode() != ErrnoException.EINTR) {
                    throw new ErrnoException("write(" + fd + ")", e.getErrorCode());
                }
            }
        }
    }

    private static void requireDirect(ByteBuffer buf) {
        if (!buf.isDirect()) {
            throw new IllegalArgumentException("native reads and writes need a direct buffer");
        }
    }
}
