package io.berth.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Builds one netlink request: the 16-byte {@code nlmsghdr}, a family header ({@code ifinfomsg},
 * {@code ifaddrmsg}, {@code rtmsg}) and attributes, each 4-byte aligned. Nested attributes are opened and
 * closed like brackets; their length is patched on close. Host byte order, as the kernel expects.
 */
final class NetlinkMessage {
    static final int HEADER_LENGTH = 16;
    static final int NLA_F_NESTED = 0x8000;

    private final ByteBuffer buf = ByteBuffer.allocate(8192).order(ByteOrder.nativeOrder());
    private final Deque<Integer> open = new ArrayDeque<>();

    NetlinkMessage(int type, int flags) {
        buf.putInt(0); // length, patched in bytes()
        buf.putShort((short) type);
        buf.putShort((short) flags);
        buf.putInt(0); // sequence, set by the socket
        buf.putInt(0); // port id: 0 lets the kernel fill in ours
    }

    /** {@code struct ifinfomsg}: family, type, index, flags, change mask. */
    NetlinkMessage ifinfo(int family, int index, int flags, int change) {
        buf.put((byte) family).put((byte) 0).putShort((short) 0);
        buf.putInt(index).putInt(flags).putInt(change);
        return this;
    }

    /** {@code struct ifaddrmsg}: family, prefix length, flags, scope, index. */
    NetlinkMessage ifaddr(int family, int prefixLength, int flags, int scope, int index) {
        buf.put((byte) family).put((byte) prefixLength).put((byte) flags).put((byte) scope).putInt(index);
        return this;
    }

    /** {@code struct rtmsg}: family, dst/src length, tos, table, protocol, scope, type, flags. */
    NetlinkMessage rtmsg(int family, int dstLength, int table, int protocol, int scope, int type) {
        buf.put((byte) family).put((byte) dstLength).put((byte) 0).put((byte) 0);
        buf.put((byte) table).put((byte) protocol).put((byte) scope).put((byte) type).putInt(0);
        return this;
    }

    NetlinkMessage attr(int type, byte[] value) {
        buf.putShort((short) (4 + value.length)).putShort((short) type).put(value);
        pad();
        return this;
    }

    NetlinkMessage attrInt(int type, int value) {
        return attr(type, ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(value).array());
    }

    NetlinkMessage attrByte(int type, int value) {
        return attr(type, new byte[] {(byte) value});
    }

    /** A NUL-terminated string attribute (interface names, link kinds). */
    NetlinkMessage attrString(int type, String value) {
        byte[] s = value.getBytes(StandardCharsets.US_ASCII);
        byte[] z = new byte[s.length + 1];
        System.arraycopy(s, 0, z, 0, s.length);
        return attr(type, z);
    }

    NetlinkMessage beginNested(int type) {
        open.push(buf.position());
        buf.putShort((short) 0).putShort((short) (type | NLA_F_NESTED));
        return this;
    }

    /** Opens a nested block without NLA_F_NESTED, for the few old attributes that the kernel reads raw. */
    NetlinkMessage beginRaw(int type) {
        open.push(buf.position());
        buf.putShort((short) 0).putShort((short) type);
        return this;
    }

    NetlinkMessage end() {
        int start = open.pop();
        buf.putShort(start, (short) (buf.position() - start));
        return this;
    }

    /** The finished message with its length and sequence number filled in. */
    byte[] bytes(int sequence) {
        if (!open.isEmpty()) {
            throw new IllegalStateException("netlink message has " + open.size() + " unclosed nested attributes");
        }
        ByteBuffer copy = buf.duplicate().order(ByteOrder.nativeOrder());
        int length = buf.position();
        copy.putInt(0, length);
        copy.putInt(8, sequence);
        byte[] out = new byte[length];
        copy.position(0);
        copy.get(out);
        return out;
    }

    private void pad() {
        while (buf.position() % 4 != 0) {
            buf.put((byte) 0);
        }
    }
}
