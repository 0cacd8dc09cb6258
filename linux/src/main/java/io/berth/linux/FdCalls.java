package io.berth.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;

/**
 * libc calls on raw file descriptors: pipes, reads and writes, fcntl flags, eventfd, epoll, terminal
 * ioctls and the unix socket calls needed to pass descriptors (SCM_RIGHTS), which the JDK's channels
 * cannot do, and unix datagrams (systemd's notify socket), which they cannot do either. Package-private;
 * {@link FileDescriptors}, {@link Epoll}, {@link UnixSockets}, {@link UnixDatagrams} and {@link Terminals} are
 * the facades.
 */
final class FdCalls {
    static {
        Native.register(FdCalls.class, "c");
    }

    private FdCalls() {}

    static final int O_RDONLY = 0;
    static final int O_WRONLY = 1;
    static final int O_RDWR = 2;
    static final int O_NONBLOCK = 0x800;
    static final int O_CLOEXEC = 0x80000;
    static final int O_CREAT = 0100;
    static final int O_APPEND = 02000;
    static final int O_PATH = 010000000;
    // Two flags whose numbers differ between x86-64 and arm64 (asm-generic vs arm64's fcntl.h).
    static final int O_DIRECTORY = Platform.isARM() ? 040000 : 0200000;
    static final int O_NOFOLLOW = Platform.isARM() ? 0100000 : 0400000;

    static final int AF_UNIX = 1;
    static final int SOCK_STREAM = 1;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_CLOEXEC = O_CLOEXEC;
    static final int SOL_SOCKET = 1;
    static final int SCM_RIGHTS = 1;
    static final int SO_PEERCRED = 17;
    static final int MSG_CTRUNC = 0x8;
    static final int MSG_NOSIGNAL = 0x4000;
    static final int MSG_CMSG_CLOEXEC = 0x40000000;

    static final int F_GETFD = 1;
    static final int F_SETFD = 2;
    static final int F_GETFL = 3;
    static final int F_SETFL = 4;
    static final int F_DUPFD_CLOEXEC = 1030;
    static final int FD_CLOEXEC = 1;

    static final int EPOLL_CTL_ADD = 1;
    static final int EPOLL_CTL_DEL = 2;
    static final int EPOLL_CTL_MOD = 3;

    static final long TIOCGWINSZ = 0x5413;
    static final long TIOCSWINSZ = 0x5414;

    static native int pipe2(int[] fds, int flags) throws LastErrorException;

    static native int open(String path, int flags, int mode) throws LastErrorException;

    static native int openat(int dirfd, String path, int flags, int mode) throws LastErrorException;

    static native int close(int fd) throws LastErrorException;

    // Direct buffers only; JNA passes the address at their position. Blocking calls take no Java arrays.
    static native long read(int fd, ByteBuffer buf, long count) throws LastErrorException;

    static native long write(int fd, ByteBuffer buf, long count) throws LastErrorException;

    // For the fixed 8-byte eventfd counter, where a Memory is cheaper than a direct buffer.
    static native long read(int fd, Pointer buf, long count) throws LastErrorException;

    static native long write(int fd, Pointer buf, long count) throws LastErrorException;

    static final short POLLOUT = 0x004;
    static final short POLLERR = 0x008;
    static final short POLLHUP = 0x010;
    static final short POLLNVAL = 0x020;
    static final short POLLRDHUP = 0x2000;

    /** {@code struct pollfd} is {int fd; short events; short revents}: 8 bytes, passed as one long. */
    static native int poll(long[] fds, long nfds, int timeoutMillis) throws LastErrorException;

    // fcntl is variadic; every command used here takes an int or nothing, passed as an int either way.
    static native int fcntl(int fd, int cmd, int arg) throws LastErrorException;

    static native int eventfd(int initval, int flags) throws LastErrorException;

    static native int ioctl(int fd, long request, Pointer arg) throws LastErrorException;

    static native int epoll_create1(int flags) throws LastErrorException;

    static native int epoll_ctl(int epfd, int op, int fd, Pointer event) throws LastErrorException;

    static native int epoll_wait(int epfd, Pointer events, int maxEvents, int timeoutMillis) throws LastErrorException;

    static native int socket(int domain, int type, int protocol) throws LastErrorException;

    static native int bind(int fd, Pointer addr, int addrLen) throws LastErrorException;

    static native int listen(int fd, int backlog) throws LastErrorException;

    static native int accept4(int fd, Pointer addr, Pointer addrLen, int flags) throws LastErrorException;

    static native int connect(int fd, Pointer addr, int addrLen) throws LastErrorException;

    static native int getsockopt(int fd, int level, int name, Pointer value, Pointer valueLen)
            throws LastErrorException;

    static native long sendmsg(int fd, Pointer msghdr, int flags) throws LastErrorException;

    static native long sendto(int fd, Pointer buf, long len, int flags, Pointer destAddr, int addrLen)
            throws LastErrorException;

    static final int SHUT_RDWR = 2;

    static native int shutdown(int fd, int how) throws LastErrorException;

    static native long recvmsg(int fd, Pointer msghdr, int flags) throws LastErrorException;
}
