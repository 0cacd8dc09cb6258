package io.berth.netplugin.nft;

import io.berth.netplugin.HostPortMapping;
import java.net.InetAddress;
import java.util.List;

/** The part of berth's nftables table that belongs to one pod: its addresses and its hostPorts. */
public record PodRules(String podId, List<InetAddress> ips, List<HostPortMapping> portMappings) {
    public PodRules {
        ips = List.copyOf(ips);
        portMappings = List.copyOf(portMappings);
    }
}
