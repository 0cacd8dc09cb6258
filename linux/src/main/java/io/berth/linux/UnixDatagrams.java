package io.berth.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;

/**
 * AF_UNIX datagram sockets, which the JDK's channels do not offer; systemd's notify protocol runs over them. An
 * address is a filesystem path, or a name in the abstract namespace written with a leading {@code '@'}; either
 * must fit the 107 bytes of {@code sockaddr_un}, or the call throws {@link IllegalArgumentException}.
 */
public final class UnixDatagrams {
    private UnixDatagrams() {}

    /**
     * Sends {@code payload} as one datagram to the socket bound at {@code address}, from a fresh unbound socket
     * closed again before this returns. It blocks while the receiver's queue is full, as sd_notify does: a
     * dropped readiness message would make systemd give up on the service. Nobody bound there is
     * {@link ErrnoException#ECONNREFUSED} (a path whose socket is gone) or {@link ErrnoException#ENOENT}.
     */
    public static void send(String address, byte[] payload) throws ErrnoException {
        try (Memory addr = UnixAddress.of(address); Memory bytes = new Memory(Math.max(payload.length, 1))) {
            bytes.write(0, payload, 0, payload.length);
            int fd = newSocket();
            try {
                while (true) {
                    try {
                        FdCalls.sendto(fd, bytes, payload.length, FdCalls.MSG_NOSIGNAL, addr, (int) addr.size());
                        return;
                    } catch (LastErrorException e) {
                        if (e.getErrorCode() != ErrnoException.EINTR) {
                            throw new ErrnoException("sendto(" + address + ")", e.getErrorCode());
                        }
                    }
                }
            } finally {
                FileDescriptors.closeQuietly(fd);
            }
        }
    }

    /**
     * A datagram socket bound at {@code address}, the receiving end; {@link FileDescriptors#read} then takes one
     * whole datagram per call. A path must not exist yet ({@link ErrnoException#EADDRINUSE}).
     */
    public static int bind(String address) throws ErrnoException {
        try (Memory addr = UnixAddress.of(address)) {
            int fd = newSocket();
            try {
                FdCalls.bind(fd, addr, (int) addr.size());
                return fd;
            } catch (LastErrorException e) {
                FileDescriptors.closeQuietly(fd);
                throw new ErrnoException("bind(" + address + ")", e.getErrorCode());
            }
        }
    }

    private static int newSocket() throws ErrnoException {
        try {
            return FdCalls.socket(FdCalls.AF_UNIX, FdCalls.SOCK_DGRAM | FdCalls.SOCK_CLOEXEC, 0);
        } catch (LastErrorException e) {
            throw new ErrnoException("socket(AF_UNIX, SOCK_DGRAM)", e.getErrorCode());
        }
    }
}
