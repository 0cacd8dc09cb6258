package io.berth.server.podnetwork;

import io.berth.netplugin.NetworkPlugin;
import io.berth.netplugin.bridge.BridgeConfig;
import io.berth.netplugin.bridge.BridgePlugin;
import io.berth.netplugin.cni.CniPlugin;
import io.berth.netplugin.ip.Cidr;
import io.berth.server.config.BerthConfig;
import io.berth.server.config.NetworkConfig;
import java.util.ArrayList;
import java.util.List;
/** Builds the plugin {@code network.plugin} names, with its state under berth's state dir. */
public final class NetworkPlugins {
    private NetworkPlugins() {}

    public static NetworkPlugin fromConfig(BerthConfig config, PodCidr podCidr) {
        NetworkConfig n = config.network();
        if (n.plugin().equals("cni")) {
            return new CniPlugin(n.cniConfDir(), n.cniBinDirs(), config.state().resolve("network").resolve("cni"));
        }
        List<Cidr> subnets = new ArrayList<>();
        subnets.add(Cidr.parse(n.subnet(), "network.subnet"));
        n.ipv6Subnet().ifPresent(s -> subnets.add(Cidr.parse(s, "network.ipv6_subnet")));
        return new BridgePlugin(new BridgeConfig(n.bridge(), subnets, podCidr::current, n.mtu(), n.allowEgress(),
                config.state().resolve("network").resolve("bridge-" + n.bridge()), "nft"));
    }
}
