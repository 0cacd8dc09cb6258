package io.berth.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Terminals the way an OCI runtime hands them over: the runtime creates the pty inside the container
 * and sends its master over a unix socket (runc {@code --console-socket}) as SCM_RIGHTS ancillary data,
 * which JDK channels cannot receive. Also the window-size ioctls on that master.
 */
public final class Terminals {
    private Terminals() {}

    public record WindowSize(int rows, int columns) {}

    public static void setWindowSize(int fd, WindowSize size) throws ErrnoException {
        try (Memory ws = new Memory(8)) { // struct winsize: four unsigned shorts
            ws.clear();
            ws.setShort(0, (short) size.rows());
            ws.setShort(2, (short) size.columns());
            FdCalls.ioctl(fd, FdCalls.TIOCSWINSZ, ws);
        } catch (LastErrorException e) {
            throw new ErrnoException("ioctl(" + fd + ", TIOCSWINSZ)", e.getErrorCode());
        }
    }

    public static WindowSize windowSize(int fd) throws ErrnoException {
        try (Memory ws = new Memory(8)) {
            FdCalls.ioctl(fd, FdCalls.TIOCGWINSZ, ws);
            return new WindowSize(Short.toUnsignedInt(ws.getShort(0)), Short.toUnsignedInt(ws.getShort(2)));
        } catch (LastErrorException e) {
            throw new ErrnoException("ioctl(" + fd + ", TIOCGWINSZ)", e.getErrorCode());
        }
    }

    /** A listening unix socket at a path, for one runtime to connect to and send a pty master. */
    public static final class ConsoleSocket implements AutoCloseable {
        private static final int SUN_PATH_BYTES = 108;
        private final int fd;
        private final Path path;

        private ConsoleSocket(int fd, Path path) {
            this.fd = fd;
            this.path = path;
        }

        public static ConsoleSocket listen(Path path) throws ErrnoException {
            byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
            if (name.length >= SUN_PATH_BYTES) {
                throw new IllegalArgumentException("socket path longer than " + (SUN_PATH_BYTES - 1) + " bytes: " + path);
            }
            int fd;
            try {
                // Non-blocking so that accept fails fast when the runtime never connected.
                fd = FdCalls.socket(FdCalls.AF_UNIX, FdCalls.SOCK_STREAM | FdCalls.O_CLOEXEC | FdCalls.O_NONBLOCK, 0);
            } catch (LastErrorException e) {
                throw new ErrnoException("socket(AF_UNIX)", e.getErrorCode());
            }
            try (Memory addr = new Memory(2 + SUN_PATH_BYTES)) {
                addr.clear();
                addr.setShort(0, (short) FdCalls.AF_UNIX);
                addr.write(2, name, 0, name.length);
                FdCalls.bind(fd, addr, 2 + name.length + 1);
                FdCalls.listen(fd, 1);
                return new ConsoleSocket(fd, path);
            } catch (LastErrorException e) {
                FileDescriptors.closeQuietly(fd);
                throw new ErrnoException("bind/listen(" + path + ")", e.getErrorCode());
            }
        }

        public Path path() {
            return path;
        }

        /**
         * Accepts the runtime's connection and returns the descriptor it sent. Call after the runtime's
         * create has returned: by then the descriptor waits in the socket, so nothing blocks.
         * No pending connection is {@link ErrnoException#EAGAIN}.
         */
        public int receiveFd() throws ErrnoException {
            int conn;
            try {
                conn = FdCalls.accept4(fd, Pointer.NULL, Pointer.NULL, FdCalls.O_CLOEXEC);
            } catch (LastErrorException e) {
                throw new ErrnoException("accept4(" + path + ")", e.getErrorCode());
            }
            try (Memory data = new Memory(4096); Memory iov = new Memory(16); Memory control = new Memory(64);
                    Memory msg = new Memory(56)) {
                iov.setPointer(0, data);          // iov_base
                iov.setLong(8, data.size());      // iov_len
                control.clear();
                msg.clear();
                msg.setPointer(16, iov);          // msg_iov
                msg.setLong(24, 1);               // msg_iovlen
                msg.setPointer(32, control);      // msg_control
                msg.setLong(40, control.size());  // msg_controllen
                FdCalls.recvmsg(conn, msg, FdCalls.MSG_CMSG_CLOEXEC);
                long controlLen = msg.getLong(40);
                // struct cmsghdr: size_t cmsg_len; int cmsg_level; int cmsg_type; then the fds.
                if (controlLen < 20 || control.getInt(8) != FdCalls.SOL_SOCKET
                        || control.getInt(12) != FdCalls.SCM_RIGHTS) {
                    throw new ErrnoException("recvmsg(" + path + "): no descriptor received", ErrnoException.EINVAL);
                }
                return control.getInt(16);
            } catch (LastErrorException e) {
                throw new ErrnoException("recvmsg(" + path + ")", e.getErrorCode());
            } finally {
                FileDescriptors.closeQuietly(conn);
            }
        }

        @Override
        public void close() {
            FileDescriptors.closeQuietly(fd);
            path.toFile().delete();
        }
    }
}
