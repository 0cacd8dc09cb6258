package io.berth.linux;

import com.sun.jna.LastErrorException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One NETLINK_ROUTE socket. A request is sent and answered before the next one (the facade serialises
 * callers), so replies are matched by sequence number and anything older is skipped.
 */
final class NetlinkSocket implements AutoCloseable {
    static final int NLMSG_ERROR = 2;
    static final int NLMSG_DONE = 3;
    static final int NLM_F_REQUEST = 0x1;
    static final int NLM_F_MULTI = 0x2;
    static final int NLM_F_ACK = 0x4;
    static final int NLM_F_DUMP = 0x300;

    private static final AtomicInteger SEQUENCE = new AtomicInteger((int) (System.nanoTime() & 0x3fffffff));

    /** One reply message: its type and its payload (after the 16-byte header). */
    record Reply(int type, ByteBuffer payload) {
        /** Attributes after a family header of {@code headerLength} bytes, by type (last one wins). */
        Map<Integer, ByteBuffer> attributes(int headerLength) {
            return parseAttributes(payload, headerLength);
        }
    }

    private final int fd;

    private NetlinkSocket(int fd) {
        this.fd = fd;
    }

    /** Opens a socket in the calling thread's network namespace; it stays bound to that namespace. */
    static NetlinkSocket open() throws ErrnoException {
        try {
            return new NetlinkSocket(NetlinkCalls.socket(NetlinkCalls.AF_NETLINK,
                    NetlinkCalls.SOCK_RAW | NetlinkCalls.SOCK_CLOEXEC, NetlinkCalls.NETLINK_ROUTE));
        } catch (LastErrorException e) {
            throw new ErrnoException("socket(AF_NETLINK, NETLINK_ROUTE)", e.getErrorCode());
        }
    }

    /** Sends a change request with NLM_F_ACK and waits for the kernel's verdict. */
    synchronized void execute(NetlinkMessage message, String what) throws ErrnoException {
        exchange(message, what, false);
    }

    /** Sends a get request and returns the reply messages (all parts of a dump, or the single answer). */
    synchronized List<Reply> query(NetlinkMessage message, String what, boolean dump) throws ErrnoException {
        return exchange(message, what, dump);
    }

    private List<Reply> exchange(NetlinkMessage message, String what, boolean dump) throws ErrnoException {
        int seq = SEQUENCE.incrementAndGet();
        byte[] request = message.bytes(seq);
        try {
            NetlinkCalls.send(fd, request, request.length, 0);
        } catch (LastErrorException e) {
            throw new ErrnoException(what + ": netlink send", e.getErrorCode());
        }
        List<Reply> replies = new ArrayList<>();
        byte[] buf = new byte[1 << 16];
        while (true) {
            long n;
            try {
                n = NetlinkCalls.recv(fd, buf, buf.length, 0);
            } catch (LastErrorException e) {
                throw new ErrnoException(what + ": netlink recv", e.getErrorCode());
            }
            // A copy per datagram: replies are slices, and the next recv reuses buf.
            ByteBuffer in = ByteBuffer.wrap(Arrays.copyOf(buf, (int) n)).order(ByteOrder.nativeOrder());
            while (in.remaining() >= NetlinkMessage.HEADER_LENGTH) {
                int start = in.position();
                int length = in.getInt(start);
                int type = Short.toUnsignedInt(in.getShort(start + 4));
                int flags = Short.toUnsignedInt(in.getShort(start + 6));
                int replySeq = in.getInt(start + 8);
                if (length < NetlinkMessage.HEADER_LENGTH || start + length > in.limit()) {
                    throw new ErrnoException(what + ": truncated netlink reply", ErrnoException.EIO);
                }
                ByteBuffer payload = in.slice(start + NetlinkMessage.HEADER_LENGTH,
                        length - NetlinkMessage.HEADER_LENGTH).order(ByteOrder.nativeOrder());
                in.position(Math.min(in.limit(), start + align(length)));
                if (replySeq != seq) {
                    continue; // a late answer to an earlier request
                }
                if (type == NLMSG_ERROR) {
                    int error = payload.getInt(0);
                    if (error != 0) {
                        throw new ErrnoException(what, -error);
                    }
                    return replies; // the ACK
                }
                if (type == NLMSG_DONE) {
                    return replies;
                }
                replies.add(new Reply(type, payload));
                if (!dump && (flags & NLM_F_MULTI) == 0 && !expectsAck(request)) {
                    return replies;
                }
            }
        }
    }

    private static boolean expectsAck(byte[] request) {
        ByteBuffer b = ByteBuffer.wrap(request).order(ByteOrder.nativeOrder());
        return (Short.toUnsignedInt(b.getShort(6)) & NLM_F_ACK) != 0;
    }

    static int align(int length) {
        return (length + 3) & ~3;
    }

    static Map<Integer, ByteBuffer> parseAttributes(ByteBuffer payload, int offset) {
        Map<Integer, ByteBuffer> out = new HashMap<>();
        int pos = offset;
        while (pos + 4 <= payload.limit()) {
            int length = Short.toUnsignedInt(payload.getShort(pos));
            int type = Short.toUnsignedInt(payload.getShort(pos + 2)) & 0x3fff;
            if (length < 4 || pos + length > payload.limit()) {
                break;
            }
            out.put(type, payload.slice(pos + 4, length - 4).order(ByteOrder.nativeOrder()));
            pos += align(length);
        }
        return out;
    }

    @Override
    public void close() {
        try {
            NetlinkCalls.close(fd);
        } catch (LastErrorException ignored) {
            // Closing a socket we own fails only if it was already closed.
        }
    }
}
