package io.berth.linux;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * rtnetlink (NETLINK_ROUTE) for pod networking: bridges, veth pairs, addresses, routes, hairpin mode.
 * A handle works in the namespace it was opened in ({@link #host()} or {@link #in(Path)}), whichever
 * thread uses it afterwards. Kernel refusals surface as {@link ErrnoException} naming the request.
 */
public final class Netlink implements AutoCloseable {
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    static final int AF_UNSPEC = 0;
    static final int AF_BRIDGE = 7;

    static final int RTM_NEWLINK = 16;
    static final int RTM_DELLINK = 17;
    static final int RTM_GETLINK = 18;
    static final int RTM_SETLINK = 19;
    static final int RTM_NEWADDR = 20;
    static final int RTM_GETADDR = 22;
    static final int RTM_NEWROUTE = 24;
    static final int RTM_GETROUTE = 26;

    static final int NLM_F_CREATE = 0x400;
    static final int NLM_F_EXCL = 0x200;

    static final int IFLA_ADDRESS = 1;
    static final int IFLA_IFNAME = 3;
    static final int IFLA_MTU = 4;
    static final int IFLA_MASTER = 10;
    static final int IFLA_PROTINFO = 12;
    static final int IFLA_LINKINFO = 18;
    static final int IFLA_NET_NS_FD = 28;
    static final int IFLA_INFO_KIND = 1;
    static final int IFLA_INFO_DATA = 2;
    static final int VETH_INFO_PEER = 1;
    static final int IFLA_BRPORT_MODE = 4;
    static final int IFF_UP = 1;

    static final int IFA_ADDRESS = 1;
    static final int IFA_LOCAL = 2;
    static final int IFA_F_NODAD = 0x02;

    static final int RTA_DST = 1;
    static final int RTA_OIF = 4;
    static final int RTA_GATEWAY = 5;
    static final int RTA_TABLE = 15;
    static final int RT_TABLE_MAIN = 254;
    static final int RTPROT_BOOT = 3;
    static final int RTN_UNICAST = 1;

    private static final int REQ = NetlinkSocket.NLM_F_REQUEST;
    private static final int ACK = NetlinkSocket.NLM_F_ACK;

    /** One link as the kernel reports it. {@code kind} is empty for devices without link info (lo, eth). */
    public record Link(int index, String name, int mtu, int master, boolean up, String kind) {}

    /** One route: destination prefix (null address for a default route), output interface, table. */
    public record Route(InetAddress destination, int prefixLength, int outputIndex, int table, int type) {}

    /** One interface address. */
    public record Address(InetAddress address, int prefixLength, int index) {}

    private final NetlinkSocket socket;

    private Netlink(NetlinkSocket socket) {
        this.socket = socket;
    }

    /** A handle in the calling thread's network namespace (berthd's threads live in the host's). */
    public static Netlink host() throws ErrnoException {
        return new Netlink(NetlinkSocket.open());
    }

    /** A handle inside the network namespace pinned at {@code netnsFile}. */
    public static Netlink in(Path netnsFile) throws IOException {
        return new Netlink(Namespaces.runIn(Namespaces.Kind.NET, netnsFile, NetlinkSocket::open));
    }

    public Optional<Link> link(String name) throws ErrnoException {
        NetlinkMessage m = new NetlinkMessage(RTM_GETLINK, REQ).ifinfo(AF_UNSPEC, 0, 0, 0)
                .attrString(IFLA_IFNAME, name);
        try {
            List<NetlinkSocket.Reply> replies = socket.query(m, "RTM_GETLINK " + name, false);
            return replies.isEmpty() ? Optional.empty() : Optional.of(parseLink(replies.get(0)));
        } catch (ErrnoException e) {
            if (e.errno() == ErrnoException.ENODEV) {
                return Optional.empty();
            }
            throw e;
        }
    }

    public List<Link> links() throws ErrnoException {
        NetlinkMessage m = new NetlinkMessage(RTM_GETLINK, REQ | NetlinkSocket.NLM_F_DUMP).ifinfo(AF_UNSPEC, 0, 0, 0);
        List<Link> out = new ArrayList<>();
        for (NetlinkSocket.Reply r : socket.query(m, "RTM_GETLINK dump", true)) {
            out.add(parseLink(r));
        }
        return out;
    }

    public void createBridge(String name, int mtu) throws ErrnoException {
        NetlinkMessage m = create(RTM_NEWLINK).ifinfo(AF_UNSPEC, 0, 0, 0).attrString(IFLA_IFNAME, name);
        if (mtu > 0) {
            m.attrInt(IFLA_MTU, mtu);
        }
        m.beginRaw(IFLA_LINKINFO).attrString(IFLA_INFO_KIND, "bridge").end();
        socket.execute(m, "RTM_NEWLINK bridge " + name);
    }

    /**
     * Creates a veth pair whose host end {@code hostName} stays here and whose peer is created directly in
     * the namespace pinned at {@code peerNetns}, named {@code peerName}: it never exists in the host
     * namespace, so it can neither clash with a host interface nor be left behind there.
     */
    public void createVethPair(String hostName, String peerName, int mtu, Path peerNetns) throws ErrnoException {
        int nsFd;
        try {
            nsFd = NetlinkCalls.open(peerNetns.toString(), NetlinkCalls.O_RDONLY | NetlinkCalls.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new ErrnoException("open(" + peerNetns + ")", e.getErrorCode());
        }
        try {
            NetlinkMessage m = create(RTM_NEWLINK).ifinfo(AF_UNSPEC, 0, 0, 0).attrString(IFLA_IFNAME, hostName);
            if (mtu > 0) {
                m.attrInt(IFLA_MTU, mtu);
            }
            m.beginRaw(IFLA_LINKINFO).attrString(IFLA_INFO_KIND, "veth")
                    .beginRaw(IFLA_INFO_DATA).beginRaw(VETH_INFO_PEER).ifinfo(AF_UNSPEC, 0, 0, 0)
                    .attrString(IFLA_IFNAME, peerName).attrInt(IFLA_NET_NS_FD, nsFd);
            if (mtu > 0) {
                m.attrInt(IFLA_MTU, mtu);
            }
            m.end().end().end();
            socket.execute(m, "RTM_NEWLINK veth " + hostName + " peer " + peerName + " in " + peerNetns);
        } finally {
            NetlinkCalls.close(nsFd);
        }
    }

    public void setMaster(String name, int masterIndex) throws ErrnoException {
        int index = indexOf(name);
        NetlinkMessage m = new NetlinkMessage(RTM_NEWLINK, REQ | ACK).ifinfo(AF_UNSPEC, index, 0, 0)
                .attrInt(IFLA_MASTER, masterIndex);
        socket.execute(m, "RTM_NEWLINK " + name + " master " + masterIndex);
    }

    public void setUp(String name) throws ErrnoException {
        int index = indexOf(name);
        NetlinkMessage m = new NetlinkMessage(RTM_NEWLINK, REQ | ACK).ifinfo(AF_UNSPEC, index, IFF_UP, IFF_UP);
        socket.execute(m, "RTM_NEWLINK " + name + " up");
    }

    /**
     * Sets the link's MAC address to the one it has now. A bridge whose MAC was never set follows the
     * lowest MAC among its ports, so it changes as ports come and go, and every neighbour that cached the
     * old one (pods resolving their gateway) sends into the void until its entry fails. A MAC that was set
     * stays (the kernel marks it NET_ADDR_SET); CNI's bridge plugin pins its bridges the same way.
     */
    public void pinHardwareAddress(String name) throws ErrnoException {
        NetlinkMessage get = new NetlinkMessage(RTM_GETLINK, REQ).ifinfo(AF_UNSPEC, 0, 0, 0)
                .attrString(IFLA_IFNAME, name);
        List<NetlinkSocket.Reply> replies = socket.query(get, "RTM_GETLINK " + name, false);
        if (replies.isEmpty()) {
            throw new ErrnoException("link " + name, ErrnoException.ENODEV);
        }
        NetlinkSocket.Reply link = replies.get(0);
        ByteBuffer address = link.attributes(16).get(IFLA_ADDRESS);
        if (address == null) {
            throw new ErrnoException("link " + name + " has no hardware address to pin", ErrnoException.EINVAL);
        }
        byte[] mac = new byte[address.remaining()];
        address.duplicate().get(mac);
        NetlinkMessage set = new NetlinkMessage(RTM_NEWLINK, REQ | ACK)
                .ifinfo(AF_UNSPEC, link.payload().getInt(4), 0, 0).attr(IFLA_ADDRESS, mac);
        socket.execute(set, "RTM_NEWLINK " + name + " address (pin)");
    }

    /** Hairpin mode on a bridge port: frames may go back out the port they came in on. */
    public void setHairpin(String port, boolean on) throws ErrnoException {
        int index = indexOf(port);
        NetlinkMessage m = new NetlinkMessage(RTM_SETLINK, REQ | ACK).ifinfo(AF_BRIDGE, index, 0, 0)
                .beginNested(IFLA_PROTINFO).attrByte(IFLA_BRPORT_MODE, on ? 1 : 0).end();
        socket.execute(m, "RTM_SETLINK " + port + " hairpin " + (on ? "on" : "off"));
    }

    public void addAddress(String name, InetAddress address, int prefixLength) throws ErrnoException {
        int index = indexOf(name);
        socket.execute(addressMessage(index, address, prefixLength),
                "RTM_NEWADDR " + address.getHostAddress() + "/" + prefixLength + " dev " + name);
    }

    static NetlinkMessage addressMessage(int index, InetAddress address, int prefixLength) {
        boolean v6 = address.getAddress().length == 16;
        return create(RTM_NEWADDR).ifaddr(v6 ? AF_INET6 : AF_INET, prefixLength, v6 ? IFA_F_NODAD : 0, 0, index)
                .attr(IFA_LOCAL, address.getAddress()).attr(IFA_ADDRESS, address.getAddress());
    }

    public void addDefaultRoute(String name, InetAddress gateway) throws ErrnoException {
        int index = indexOf(name);
        boolean v6 = gateway.getAddress().length == 16;
        NetlinkMessage m = create(RTM_NEWROUTE).rtmsg(v6 ? AF_INET6 : AF_INET, 0, RT_TABLE_MAIN, RTPROT_BOOT, 0, RTN_UNICAST)
                .attr(RTA_GATEWAY, gateway.getAddress()).attrInt(RTA_OIF, index);
        socket.execute(m, "RTM_NEWROUTE default via " + gateway.getHostAddress() + " dev " + name);
    }

    /** Deletes a link (a veth takes its peer with it); false when there was no such link. */
    public boolean deleteLink(String name) throws ErrnoException {
        NetlinkMessage m = new NetlinkMessage(RTM_DELLINK, REQ | ACK).ifinfo(AF_UNSPEC, 0, 0, 0)
                .attrString(IFLA_IFNAME, name);
        try {
            socket.execute(m, "RTM_DELLINK " + name);
            return true;
        } catch (ErrnoException e) {
            if (e.errno() == ErrnoException.ENODEV) {
                return false;
            }
            throw e;
        }
    }

    public List<Route> routes(int family) throws ErrnoException {
        NetlinkMessage m = new NetlinkMessage(RTM_GETROUTE, REQ | NetlinkSocket.NLM_F_DUMP)
                .rtmsg(family, 0, 0, 0, 0, 0);
        List<Route> out = new ArrayList<>();
        for (NetlinkSocket.Reply r : socket.query(m, "RTM_GETROUTE dump", true)) {
            ByteBuffer p = r.payload();
            int fam = Byte.toUnsignedInt(p.get(0));
            int dstLen = Byte.toUnsignedInt(p.get(1));
            int table = Byte.toUnsignedInt(p.get(4));
            int type = Byte.toUnsignedInt(p.get(7));
            Map<Integer, ByteBuffer> a = r.attributes(12);
            if (a.containsKey(RTA_TABLE)) {
                table = a.get(RTA_TABLE).getInt(0);
            }
            InetAddress dst = a.containsKey(RTA_DST) ? address(a.get(RTA_DST))
                    : address(ByteBuffer.wrap(new byte[fam == AF_INET6 ? 16 : 4]));
            int oif = a.containsKey(RTA_OIF) ? a.get(RTA_OIF).getInt(0) : 0;
            out.add(new Route(dst, dstLen, oif, table, type));
        }
        return out;
    }

    public List<Address> addresses(int family) throws ErrnoException {
        NetlinkMessage m = new NetlinkMessage(RTM_GETADDR, REQ | NetlinkSocket.NLM_F_DUMP).ifaddr(family, 0, 0, 0, 0);
        List<Address> out = new ArrayList<>();
        for (NetlinkSocket.Reply r : socket.query(m, "RTM_GETADDR dump", true)) {
            ByteBuffer p = r.payload();
            int prefix = Byte.toUnsignedInt(p.get(1));
            int index = p.getInt(4);
            Map<Integer, ByteBuffer> a = r.attributes(8);
            ByteBuffer addr = a.containsKey(IFA_LOCAL) ? a.get(IFA_LOCAL) : a.get(IFA_ADDRESS);
            if (addr != null) {
                out.add(new Address(address(addr), prefix, index));
            }
        }
        return out;
    }

    private int indexOf(String name) throws ErrnoException {
        return link(name).orElseThrow(() -> new ErrnoException("link " + name, ErrnoException.ENODEV)).index();
    }

    private static NetlinkMessage create(int type) {
        return new NetlinkMessage(type, REQ | ACK | NLM_F_CREATE | NLM_F_EXCL);
    }

    private static Link parseLink(NetlinkSocket.Reply r) {
        ByteBuffer p = r.payload();
        int index = p.getInt(4);
        int flags = p.getInt(8);
        Map<Integer, ByteBuffer> a = r.attributes(16);
        String kind = "";
        if (a.containsKey(IFLA_LINKINFO)) {
            ByteBuffer k = NetlinkSocket.parseAttributes(a.get(IFLA_LINKINFO), 0).get(IFLA_INFO_KIND);
            kind = k == null ? "" : string(k);
        }
        return new Link(index, a.containsKey(IFLA_IFNAME) ? string(a.get(IFLA_IFNAME)) : "",
                a.containsKey(IFLA_MTU) ? a.get(IFLA_MTU).getInt(0) : 0,
                a.containsKey(IFLA_MASTER) ? a.get(IFLA_MASTER).getInt(0) : 0,
                (flags & IFF_UP) != 0, kind);
    }

    private static String string(ByteBuffer b) {
        byte[] bytes = new byte[b.remaining()];
        b.duplicate().get(bytes);
        int end = 0;
        while (end < bytes.length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, 0, end, StandardCharsets.US_ASCII);
    }

    private static InetAddress address(ByteBuffer b) {
        byte[] bytes = new byte[b.remaining()];
        b.duplicate().get(bytes);
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("kernel sent an address of " + bytes.length + " bytes", e);
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
