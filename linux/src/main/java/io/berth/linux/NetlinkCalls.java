package io.berth.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;

/** Raw socket calls behind {@link Netlink}. Package-private: callers use the facade. */
final class NetlinkCalls {
    static {
        Native.register(NetlinkCalls.class, "c");
    }

    static final int AF_NETLINK = 16;
    static final int SOCK_RAW = 3;
    static final int SOCK_CLOEXEC = 02000000;
    static final int NETLINK_ROUTE = 0;
    static final int O_RDONLY = 0;
    static final int O_CLOEXEC = 02000000;

    private NetlinkCalls() {}

    static native int socket(int domain, int type, int protocol) throws LastErrorException;

    static native long send(int fd, byte[] buf, long len, int flags) throws LastErrorException;

    static native long recv(int fd, byte[] buf, long len, int flags) throws LastErrorException;

    static native int open(String path, int flags) throws LastErrorException;

    static native int close(int fd) throws LastErrorException;
}
