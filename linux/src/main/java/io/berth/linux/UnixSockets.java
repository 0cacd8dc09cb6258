package io.berth.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * AF_UNIX stream sockets as raw descriptors, for what JDK channels cannot do: pass descriptors between
 * processes (SCM_RIGHTS) and ask the kernel who the peer is (SO_PEERCRED). Every descriptor made here,
 * received ones included, is close-on-exec.
 */
public final class UnixSockets {
    // The kernel's limit on descriptors in one SCM_RIGHTS message (SCM_MAX_FD).
    private static final int MAX_FDS_PER_MESSAGE = 253;

    // x86_64 layouts: struct msghdr is 56 bytes with msg_iov at 16, msg_iovlen at 24, msg_control at 32,
    // msg_controllen at 40 and msg_flags at 48; struct iovec is a pointer and a length; struct cmsghdr
    // is a size_t length, an int level and an int type, then the data at 16.
    private static final int MSGHDR_BYTES = 56;
    private static final int IOVEC_BYTES = 16;
    private static final int CMSG_HEADER_BYTES = 16;

    private UnixSockets() {}

    /**
     * What one {@link #receive} got: {@code bytes} into the buffer (0 at end of stream, -1 when a
     * non-blocking socket had nothing yet) and the descriptors that came with them, now owned by the caller.
     */
    public record Received(int bytes, int[] fds) {}

    /**
     * A listening socket bound at {@code path}, which only this user may connect to (mode 0600). The
     * path must not exist yet.
     */
    public static int listen(Path path, int backlog) throws ErrnoException {
        try (Memory addr = UnixAddress.path(path.toString())) {
            int fd = newSocket();
            boolean bound = false;
            try {
                FdCalls.bind(fd, addr, (int) addr.size());
                bound = true;
                // Before listen(2) every connect is refused, so no one gets in while the mode is still wider.
                LibcCalls.chmod(path.toString(), 0600);
                FdCalls.listen(fd, backlog);
                return fd;
            } catch (LastErrorException e) {
                FileDescriptors.closeQuietly(fd);
                if (bound) {
                    path.toFile().delete();
                }
                throw new ErrnoException("bind/listen(" + path + ")", e.getErrorCode());
            }
        }
    }

    /**
     * Accepts one connection, blocking unless {@code listenFd} is non-blocking; then no pending
     * connection returns -1.
     */
    public static int accept(int listenFd) throws ErrnoException {
        while (true) {
            try {
                return FdCalls.accept4(listenFd, Pointer.NULL, Pointer.NULL, FdCalls.SOCK_CLOEXEC);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == ErrnoException.EAGAIN) {
                    return -1;
                }
                if (e.getErrorCode() != ErrnoException.EINTR) {
                    throw new ErrnoException("accept4(" + listenFd + ")", e.getErrorCode());
                }
            }
        }
    }

    /** A blocking socket connected to the one listening at {@code path}. */
    public static int connect(Path path) throws ErrnoException {
        try (Memory addr = UnixAddress.path(path.toString())) {
            int fd = newSocket();
            try {
                FdCalls.connect(fd, addr, (int) addr.size());
                return fd;
            } catch (LastErrorException e) {
                FileDescriptors.closeQuietly(fd);
                throw new ErrnoException("connect(" + path + ")", e.getErrorCode());
            }
        }
    }

    /**
     * Sends all of {@code data} from its position to its limit, advancing the position, with {@code fds}
     * attached to the first bytes; the receiver gets its own duplicates, so the caller still owns these.
     * A stream socket carries descriptors only along with data, so they need at least one byte. A closed
     * peer is {@link ErrnoException#EPIPE}, never a SIGPIPE.
     */
    public static void send(int fd, ByteBuffer data, int[] fds) throws ErrnoException {
        if (fds.length > MAX_FDS_PER_MESSAGE) {
            throw new IllegalArgumentException("at most " + MAX_FDS_PER_MESSAGE + " descriptors per message");
        }
        if (!data.hasRemaining()) {
            if (fds.length > 0) {
                throw new IllegalArgumentException("descriptors need at least one byte of data to travel with");
            }
            return;
        }
        Pointer bytes = nativeBytesOf(data);
        // A direct buffer's memory starts at index 0; a heap buffer's copy starts at its current position.
        int firstIndex = data.isDirect() ? 0 : data.position();
        int controlLen = fds.length == 0 ? 0 : controlSpace(fds.length);
        try (Memory msg = new Memory(MSGHDR_BYTES + IOVEC_BYTES + Math.max(controlLen, 1))) {
            Pointer iov = msg.share(MSGHDR_BYTES);
            boolean fdsSent = false;
            while (data.hasRemaining()) {
                msg.clear();
                iov.setPointer(0, bytes.share(data.position() - firstIndex));
                iov.setLong(8, data.remaining());
                msg.setPointer(16, iov);
                msg.setLong(24, 1);
                if (!fdsSent && controlLen > 0) {
                    Pointer control = msg.share(MSGHDR_BYTES + IOVEC_BYTES);
                    control.setLong(0, CMSG_HEADER_BYTES + 4L * fds.length);
                    control.setInt(8, FdCalls.SOL_SOCKET);
                    control.setInt(12, FdCalls.SCM_RIGHTS);
                    control.write(CMSG_HEADER_BYTES, fds, 0, fds.length);
                    msg.setPointer(32, control);
                    msg.setLong(40, controlLen);
                }
                try {
                    long n = FdCalls.sendmsg(fd, msg, FdCalls.MSG_NOSIGNAL);
                    data.position(data.position() + (int) n);
                    fdsSent = true;
                } catch (LastErrorException e) {
                    // EINTR means nothing went out, descriptors included: the retry sends them again.
                    if (e.getErrorCode() != ErrnoException.EINTR) {
                        throw new ErrnoException("sendmsg(" + fd + ")", e.getErrorCode());
                    }
                }
            }
        } finally {
            if (bytes instanceof Memory copy) {
                copy.close();
            }
        }
    }

    /**
     * One receive into a direct buffer, filled from its start: on return its position is 0 and its limit
     * the byte count. At most {@code maxFds} descriptors are accepted. The peer is not trusted, so when it
     * sent more, or more than fit, every descriptor that did arrive is closed and this throws
     * {@link ErrnoException#EMSGSIZE}; the bytes of that message are lost, so drop the connection.
     */
    public static Received receive(int fd, ByteBuffer directData, int maxFds) throws ErrnoException {
        if (!directData.isDirect() || directData.capacity() == 0) {
            throw new IllegalArgumentException("receiving needs a non-empty direct buffer");
        }
        if (maxFds < 0 || maxFds > MAX_FDS_PER_MESSAGE) {
            throw new IllegalArgumentException("maxFds must be within 0.." + MAX_FDS_PER_MESSAGE + ": " + maxFds);
        }
        int controlLen = maxFds == 0 ? 0 : controlSpace(maxFds);
        try (Memory msg = new Memory(MSGHDR_BYTES + IOVEC_BYTES + Math.max(controlLen, 1))) {
            Pointer iov = msg.share(MSGHDR_BYTES);
            Pointer control = msg.share(MSGHDR_BYTES + IOVEC_BYTES);
            long n;
            while (true) {
                msg.clear();
                iov.setPointer(0, Native.getDirectBufferPointer(directData));
                iov.setLong(8, directData.capacity());
                msg.setPointer(16, iov);
                msg.setLong(24, 1);
                if (controlLen > 0) {
                    msg.setPointer(32, control);
                    msg.setLong(40, controlLen);
                }
                try {
                    n = FdCalls.recvmsg(fd, msg, FdCalls.MSG_CMSG_CLOEXEC);
                    break;
                } catch (LastErrorException e) {
                    if (e.getErrorCode() == ErrnoException.EAGAIN) {
                        directData.clear().limit(0);
                        return new Received(-1, new int[0]);
                    }
                    if (e.getErrorCode() != ErrnoException.EINTR) {
                        throw new ErrnoException("recvmsg(" + fd + ")", e.getErrorCode());
                    }
                }
            }
            directData.clear().limit((int) n);
            int[] fds = descriptorsIn(control, controlLen == 0 ? 0 : msg.getLong(40));
            if ((msg.getInt(48) & FdCalls.MSG_CTRUNC) != 0 || fds.length > maxFds) {
                for (int received : fds) {
                    FileDescriptors.closeQuietly(received);
                }
                throw new ErrnoException("recvmsg(" + fd + "): more than " + maxFds + " descriptors sent",
                        ErrnoException.EMSGSIZE);
            }
            return new Received((int) n, fds);
        }
    }

    /** The user id of the process at the other end, as the kernel recorded it at connect time. */
    public static int peerUid(int fd) throws ErrnoException {
        return peerCredential(fd, 4);
    }

    /** The pid of the process at the other end at connect time; it may have exited since. */
    public static int peerPid(int fd) throws ErrnoException {
        return peerCredential(fd, 0);
    }

    // struct ucred: pid_t pid, uid_t uid, gid_t gid.
    private static int peerCredential(int fd, int offset) throws ErrnoException {
        try (Memory ucred = new Memory(12); Memory len = new Memory(4)) {
            len.setInt(0, (int) ucred.size());
            FdCalls.getsockopt(fd, FdCalls.SOL_SOCKET, FdCalls.SO_PEERCRED, ucred, len);
            return ucred.getInt(offset);
        } catch (LastErrorException e) {
            throw new ErrnoException("getsockopt(" + fd + ", SO_PEERCRED)", e.getErrorCode());
        }
    }

    // Every SCM_RIGHTS descriptor in the returned control data, however many headers it came in.
    private static int[] descriptorsIn(Pointer control, long controlLen) {
        int[] fds = new int[0];
        long offset = 0;
        while (offset + CMSG_HEADER_BYTES <= controlLen) {
            long len = control.getLong(offset);
            if (len < CMSG_HEADER_BYTES || offset + len > controlLen) {
                break;
            }
            if (control.getInt(offset + 8) == FdCalls.SOL_SOCKET && control.getInt(offset + 12) == FdCalls.SCM_RIGHTS) {
                int count = (int) ((len - CMSG_HEADER_BYTES) / 4);
                int[] more = control.getIntArray(offset + CMSG_HEADER_BYTES, count);
                int had = fds.length;
                fds = Arrays.copyOf(fds, had + count);
                System.arraycopy(more, 0, fds, had, count);
            }
            offset += align8(len);
        }
        return fds;
    }

    // CMSG_SPACE: a header plus the data, padded to 8 bytes.
    private static int controlSpace(int fdCount) {
        return CMSG_HEADER_BYTES + (int) align8(4L * fdCount);
    }

    private static long align8(long n) {
        return (n + 7) & ~7L;
    }

    // Direct buffers are used in place; anything else is copied once into native memory.
    private static Pointer nativeBytesOf(ByteBuffer data) {
        if (data.isDirect()) {
            return Native.getDirectBufferPointer(data);
        }
        byte[] bytes = new byte[data.remaining()];
        data.duplicate().get(bytes);
        Memory copy = new Memory(bytes.length);
        copy.write(0, bytes, 0, bytes.length);
        return copy;
    }

    private static int newSocket() throws ErrnoException {
        try {
            return FdCalls.socket(FdCalls.AF_UNIX, FdCalls.SOCK_STREAM | FdCalls.SOCK_CLOEXEC, 0);
        } catch (LastErrorException e) {
            throw new ErrnoException("socket(AF_UNIX)", e.getErrorCode());
        }
    }

    /**
     * Whether the peer of a connected socket has closed or shut down its end, or reset it, asked without waiting
     * and without reading: a socket whose other process died (kill -9 included) answers true.
     */
    public static boolean peerClosed(int fd) throws ErrnoException {
        int revents = FileDescriptors.poll(fd, FdCalls.POLLRDHUP, 0);
        return (revents & (FdCalls.POLLRDHUP | FdCalls.POLLHUP | FdCalls.POLLERR | FdCalls.POLLNVAL)) != 0;
    }

    /**
     * Shuts both directions of a connected socket: a thread blocked reading or writing it returns at once
     * (end of stream, EPIPE), which closing the descriptor would not do. Not a socket, or not connected:
     * nothing to wake, ignored.
     */
    public static void shutdown(int fd) {
        try {
            FdCalls.shutdown(fd, FdCalls.SHUT_RDWR);
        } catch (LastErrorException ignored) {
            // ENOTSOCK, ENOTCONN, EBADF: there is no blocked peer call to wake.
        }
    }
}
