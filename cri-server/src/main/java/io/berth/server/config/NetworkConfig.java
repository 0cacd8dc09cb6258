package io.berth.server.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The {@code [network]} section: which plugin gives pods their network and how.
 *
 * @param plugin "bridge" (built in, the default) or "cni"
 * @param subnet IPv4 range of the bridge; kubelet's pod CIDR replaces it once sent
 * @param ipv6Subnet optional IPv6 range for dual stack
 * @param allowEgress whether pod traffic may be forwarded beyond this machine (see the README)
 */
public record NetworkConfig(String plugin, String bridge, String subnet, Optional<String> ipv6Subnet, int mtu,
        boolean allowEgress, Path cniConfDir, List<Path> cniBinDirs) {
    public static final String DEFAULT_PLUGIN = "bridge";
    public static final String DEFAULT_BRIDGE = "berth0";
    public static final String DEFAULT_SUBNET = "10.88.0.0/16";
    public static final Path DEFAULT_CNI_CONF_DIR = Path.of("/etc/cni/net.d");
    public static final List<Path> DEFAULT_CNI_BIN_DIRS = List.of(Path.of("/opt/cni/bin"), Path.of("/usr/lib/cni"));

    public NetworkConfig {
        cniBinDirs = List.copyOf(cniBinDirs);
    }

    public static NetworkConfig defaults() {
        return new NetworkConfig(DEFAULT_PLUGIN, DEFAULT_BRIDGE, DEFAULT_SUBNET, Optional.empty(), 0, false,
                DEFAULT_CNI_CONF_DIR, DEFAULT_CNI_BIN_DIRS);
    }
}
