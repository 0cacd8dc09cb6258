package io.berth.netplugin.bridge;

import io.berth.linux.Netlink;
import io.berth.netplugin.ip.Cidr;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The pod's end: a veth pair onto the bridge, eth0 with its addresses and default routes, lo up. */
final class PodInterfaces {
    static final String POD_IFNAME = "eth0";

    private PodInterfaces() {}

    static void create(Netlink host, int bridgeIndex, String hostVeth, Path netns, int mtu,
            List<InetAddress> addresses, List<Cidr> ranges) throws IOException {
        host.createVethPair(hostVeth, POD_IFNAME, mtu, netns);
        host.setMaster(hostVeth, bridgeIndex);
        // Hairpin: a pod that calls its own hostPort gets the DNATed packet back out of its own port.
        host.setHairpin(hostVeth, true);
        host.setUp(hostVeth);
        try (Netlink pod = Netlink.in(netns)) {
            pod.setUp("lo");
            for (int i = 0; i < addresses.size(); i++) {
                pod.addAddress(POD_IFNAME, addresses.get(i), ranges.get(i).prefixLength());
            }
            pod.setUp(POD_IFNAME);
            for (Cidr range : ranges) {
                pod.addDefaultRoute(POD_IFNAME, range.address(BigInteger.ONE));
            }
        }
    }

    static void check(Path netns, List<String> ips) throws IOException {
        try (Netlink pod = Netlink.in(netns)) {
            Netlink.Link eth0 = pod.link(POD_IFNAME)
                    .orElseThrow(() -> new IOException(POD_IFNAME + " is missing in " + netns));
            if (!eth0.up()) {
                throw new IOException(POD_IFNAME + " in " + netns + " is down");
            }
            List<String> present = new ArrayList<>();
            for (int family : new int[] {Netlink.AF_INET, Netlink.AF_INET6}) {
                for (Netlink.Address a : pod.addresses(family)) {
                    if (a.index() == eth0.index()) {
                        present.add(a.address().getHostAddress() + "/" + a.prefixLength());
                    }
                }
            }
            for (String ip : ips) {
                String normal = Cidr.parseAddress(ip.substring(0, ip.indexOf('/')), "ip").getHostAddress()
                        + ip.substring(ip.indexOf('/'));
                if (!present.contains(normal)) {
                    throw new IOException(POD_IFNAME + " in " + netns + " lacks " + ip + " (has " + present + ")");
                }
            }
        }
    }
}
