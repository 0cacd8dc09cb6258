package io.berth.netplugin.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.InvalidArgumentException;
import io.berth.common.error.ResourceExhaustedException;
import io.berth.linux.Netlink;
import io.berth.netplugin.HostPortMapping;
import io.berth.netplugin.NetworkPlugin;
import io.berth.netplugin.NetworkPluginContract;
import io.berth.netplugin.PodRequest;
import io.berth.netplugin.ip.Cidr;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The contract on the built-in bridge, on bridge tbr-contract and 10.213.77.0/24 (free on CI hosts). */
class BridgePluginTest extends NetworkPluginContract {
    static final String BRIDGE = "tbr-contract";
    static final Cidr SUBNET = Cidr.parse("10.213.77.0/24", "subnet");

    @Override
    protected NetworkPlugin newPlugin() {
        return new BridgePlugin(config(SUBNET, List::of));
    }

    BridgeConfig config(Cidr subnet, Supplier<List<String>> podCidrs) {
        return new BridgeConfig(BRIDGE, List.of(subnet), podCidrs, 0, false, dir.resolve("state"), "nft");
    }

    @Override
    protected String bridgeName() {
        return BRIDGE;
    }

    @Override
    protected Cidr subnet() {
        return SUBNET;
    }

    @Override
    protected String hostRules() throws Exception {
        return run("nft", "list", "table", "inet", "berth_tbr_contract");
    }

    @Override
    protected Set<String> addressHolders() throws Exception {
        return Set.copyOf(((BridgePlugin) plugin()).ipam(SUBNET).allocations().values());
    }

    @Override
    protected void cleanUpHost() throws Exception {
        new BridgePlugin(config(SUBNET, List::of)).removeHostState();
    }

    @Test
    void rulesLiveInBerthsTableWithTheForwardGuard() throws Exception {
        setUp(pods.pod("web", List.of(HostPortMapping.of("udp", 53, 15353, "127.0.0.1", "pm"))));
        assertThat(hostRules()).contains("udp dport 15353").contains("iifname \"tbr-contract\" oifname != \"tbr-contract\" drop");
        try (Netlink host = Netlink.host()) {
            assertThat(host.link(BRIDGE).orElseThrow().kind()).isEqualTo("bridge");
        }
    }

    @Test
    void startRemovesTheTempFilesOfWritesAKillCutShort() throws Exception {
        PodRequest pod = pods.pod("web", List.of());
        setUp(pod);
        java.nio.file.Path records = dir.resolve("state/pods");
        java.nio.file.Path ipam = dir.resolve("state/ipam/10.213.77.0_24");
        java.nio.file.Files.writeString(records.resolve("." + pod.id() + ".json.tmp-4242-7"), "{\"torn");
        java.nio.file.Files.writeString(ipam.resolve(".last_reserved_ip.tmp-4242-7"), "1");
        BridgePlugin restarted = new BridgePlugin(config(SUBNET, List::of));
        restarted.start(Set.of(pod.id()));
        try (var left = java.nio.file.Files.list(records)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly(pod.id() + ".json");
        }
        assertThat(ipam.resolve(".last_reserved_ip.tmp-4242-7")).doesNotExist();
        assertThat(addressHolders()).containsExactly(pod.id());
    }

    @Test
    void theGatewayKeepsItsMacWhilePodsComeAndGo() throws Exception {
        PodRequest first = pods.pod("first", List.of());
        setUp(first);
        java.nio.file.Path sys = java.nio.file.Path.of("/sys/class/net", BRIDGE);
        String mac = java.nio.file.Files.readString(sys.resolve("address")).trim();
        assertThat(java.nio.file.Files.readString(sys.resolve("addr_assign_type")).trim()).as("NET_ADDR_SET")
                .isEqualTo("3");
        for (int i = 0; i < 4; i++) {
            // New veths get random MACs: without a pinned MAC, one lower than the bridge's would take over.
            PodRequest next = pods.pod("next" + i, List.of());
            setUp(next);
            plugin().tearDown(next.id());
        }
        plugin().tearDown(first.id());
        setUp(pods.pod("last", List.of()));
        assertThat(java.nio.file.Files.readString(sys.resolve("address")).trim()).isEqualTo(mac);
    }

    @Test
    void theTableIsGoneWithTheLastPod() throws Exception {
        PodRequest pod = pods.pod("web", List.of());
        setUp(pod);
        plugin().tearDown(pod.id());
        assertThat(hostRules()).contains("No such file or directory");
    }

    @Test
    void anExhaustedRangeIsAClearErrorAndLeavesNothing() throws Exception {
        BridgePlugin tiny = new BridgePlugin(config(Cidr.parse("10.213.77.0/30", "s"), List::of));
        PodRequest first = pods.pod("first", List.of());
        PodRequest second = pods.pod("second", List.of());
        try {
            tiny.setUp(first);
            assertThatThrownBy(() -> tiny.setUp(second)).isInstanceOf(ResourceExhaustedException.class)
                    .hasMessageContaining("no free address in 10.213.77.0/30");
            assertThat(bridgePorts()).hasSize(1);
        } finally {
            tiny.tearDown(first.id());
            tiny.tearDown(second.id());
        }
    }

    @Test
    void aSubnetThatClashesWithAHostRouteMakesStatusNotReadyAndSetUpRefuse() throws Exception {
        BridgePlugin clashing = new BridgePlugin(config(Cidr.parse("127.0.0.0/24", "s"), List::of));
        assertThat(clashing.status().ready()).isFalse();
        assertThat(clashing.status().reason()).isEqualTo("BridgeSubnetClash");
        assertThat(clashing.status().message()).contains("127.0.0.0/24").contains("lo");
        PodRequest pod = pods.pod("web", List.of());
        assertThatThrownBy(() -> clashing.setUp(pod)).isInstanceOf(FailedPreconditionException.class)
                .hasMessageContaining("BridgeSubnetClash");
        assertThat(plugin().status().ready()).isTrue();
    }

    @Test
    void thePodCidrFromKubeletReplacesTheConfiguredSubnet() throws Exception {
        BridgePlugin fromKubelet = new BridgePlugin(config(SUBNET, () -> List.of("10.213.78.0/24")));
        PodRequest pod = pods.pod("web", List.of());
        try {
            assertThat(fromKubelet.setUp(pod).ips().get(0)).startsWith("10.213.78.");
        } finally {
            fromKubelet.tearDown(pod.id());
        }
    }

    @Test
    void invalidOrOverlappingRangesAreRefused() {
        assertThatThrownBy(() -> new BridgeConfig(BRIDGE, List.of(Cidr.parse("10.213.0.0/24", "s"),
                Cidr.parse("10.213.0.0/16", "s")), List::of, 0, false, dir, "nft"))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("one IPv4 range");
        assertThatThrownBy(() -> new BridgeConfig(BRIDGE, List.of(Cidr.parse("10.213.0.0/31", "s")), List::of, 0,
                false, dir, "nft")).hasMessageContaining("too small");
        assertThatThrownBy(() -> new BridgeConfig("name-that-is-too-long", List.of(SUBNET), List::of, 0, false, dir,
                "nft")).hasMessageContaining("bridge name");
    }

    @Test
    void hostileHostIpsNeverReachTheRules() throws Exception {
        assertThatThrownBy(() -> setUp(pods.pod("web",
                List.of(HostPortMapping.of("tcp", 80, 18080, "203.0.113.9", "pm")))))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("not an address of this host");
        assertThat(bridgePorts()).isEmpty();
    }
}
