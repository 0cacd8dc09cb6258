package io.berth.linux;

import com.sun.jna.LastErrorException;
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

    /** Writes all of a direct buffer's bytes from 0 to its limit, blocking. */
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
