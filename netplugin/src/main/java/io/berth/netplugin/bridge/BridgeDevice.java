package io.berth.netplugin.bridge;

import io.berth.linux.ErrnoException;
import io.berth.linux.Netlink;
import io.berth.netplugin.ip.Cidr;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The host side of the bridge: the device, its gateway addresses, and the two per-bridge sysctls that
 * hostPorts need. Forwarding is switched on for the bridge only (not the global ip_forward), so packets
 * arriving on other interfaces are never routed by anything berth did.
 */
final class BridgeDevice {
    private final String name;
    private final int mtu;

    BridgeDevice(String name, int mtu) {
        this.name = name;
        this.mtu = mtu;
    }

    String name() {
        return name;
    }

    /** Creates the bridge if needed and gives it the gateway of every range; returns its index. */
    synchronized int ensure(Netlink host, List<Cidr> ranges) throws IOException {
        if (host.link(name).isEmpty()) {
            try {
                host.createBridge(name, mtu);
            } catch (ErrnoException e) {
                if (e.errno() != ErrnoException.EEXIST) {
                    throw e;
                }
            }
        }
        Netlink.Link link = host.link(name).orElseThrow();
        if (!link.kind().equals("bridge")) {
            throw new IOException("network.bridge '" + name + "' exists and is a " + (link.kind().isEmpty()
                    ? "non-bridge device" : link.kind()) + ", not a bridge; choose another bridge name");
        }
        if (!hardwareAddressIsSet()) {
            // Otherwise the gateway's MAC follows the lowest MAC of the pods' veths and changes when a pod
            // comes or goes; the other pods' cached neighbour entry for the gateway then goes nowhere.
            host.pinHardwareAddress(name);
        }
        for (Cidr range : ranges) {
            InetAddress gateway = range.address(BigInteger.ONE);
            try {
                host.addAddress(name, gateway, range.prefixLength());
            } catch (ErrnoException e) {
                if (e.errno() != ErrnoException.EEXIST) {
                    throw e;
                }
            }
        }
        host.setUp(name);
        sysctl("net/ipv4/conf/" + name + "/forwarding", "1");
        // DNAT of 127.0.0.1 onto the bridge needs this, as in CNI's portmap.
        sysctl("net/ipv4/conf/" + name + "/route_localnet", "1");
        return link.index();
    }

    /**
     * A route on another device that overlaps one of the ranges: pods there would shadow, or be shadowed
     * by, a network this host already reaches. Empty when the ranges are free.
     */
    Optional<String> clash(Netlink host, List<Cidr> ranges) throws IOException {
        int own = host.link(name).map(Netlink.Link::index).orElse(-1);
        for (Cidr range : ranges) {
            int family = range.isIpv6() ? Netlink.AF_INET6 : Netlink.AF_INET;
            for (Netlink.Route r : host.routes(family)) {
                // Unicast routes of the main table and local routes (127.0.0.0/8, the host's own addresses).
                boolean relevant = (r.table() == 254 && r.type() == 1) || (r.table() == 255 && r.type() == 2);
                if (r.prefixLength() == 0 || r.outputIndex() == own || !relevant) {
                    continue;
                }
                Cidr dst = Cidr.parse(r.destination().getHostAddress() + "/" + r.prefixLength(), "route");
                if (dst.overlaps(range)) {
                    String dev = host.links().stream().filter(l -> l.index() == r.outputIndex())
                            .map(Netlink.Link::name).findFirst().orElse("#" + r.outputIndex());
                    return Optional.of("subnet " + range + " of bridge " + name + " overlaps the route " + dst
                            + " on " + dev + "; set network.subnet to a range no route of this host uses");
                }
            }
        }
        return Optional.empty();
    }

    /** Removes the bridge (tests and decommissioning); a missing bridge is fine. */
    void remove(Netlink host) throws ErrnoException {
        host.deleteLink(name);
    }

    /** Whether the bridge's MAC was set explicitly: {@code addr_assign_type} 3 is NET_ADDR_SET. */
    private boolean hardwareAddressIsSet() throws IOException {
        return Files.readString(Path.of("/sys/class/net", name, "addr_assign_type")).trim().equals("3");
    }

    private static void sysctl(String key, String value) throws IOException {
        Files.writeString(Path.of("/proc/sys").resolve(key), value);
    }
}
