package io.berth.e2e.network;

import static io.berth.e2e.network.NetPods.tcp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.cri.v1.NetworkConfig;
import io.berth.cri.v1.RuntimeCondition;
import io.berth.cri.v1.RuntimeConfig;
import io.berth.cri.v1.StatusRequest;
import io.berth.cri.v1.UpdateRuntimeConfigRequest;
import io.berth.e2e.harness.BasicCriCalls;
import io.berth.e2e.harness.BerthdCommand;
import io.berth.e2e.harness.BerthdOptions;
import io.berth.e2e.harness.BerthdProcess;
import io.berth.e2e.harness.CommandResult;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.E2eSettings;
import io.berth.e2e.harness.ScratchDir;
import io.grpc.StatusRuntimeException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every bad input of the built-in bridge plugin through a real berthd: a CIDR that is not one keeps berthd
 * from starting, a range that overlaps a route of this host makes NetworkReady false with the route and
 * device named, and an exhausted range or a taken hostPort refuse RunPodSandbox. Each time nothing of the
 * refused pod is left: no sandbox, no namespace, no veth, no address, no rule.
 */
class BridgeBadInputE2eTest {
    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    /** A berthd on a /30: room for exactly one pod ("first", which holds a hostPort). */
    private static PodResidue tiny;
    private static String firstPod;
    private static int firstHostPort;

    @BeforeAll
    static void startTinyRangeWithOnePod() {
        E2eSettings.assumeOwnBerthd();
        String bridge = HostNetwork.uniqueBridge("bbi");
        String subnet = HostNetwork.freeSubnet(234).replace("/24", "/30");
        BerthdProcess berthd = daemons.startBerthd(BerthdOptions.defaults()
                .withConfig(NetTestbed.bridgeNetwork(bridge, subnet)));
        tiny = new PodResidue(berthd, bridge, subnet);
        firstHostPort = NetPods.freeHostPort();
        firstPod = tiny.pods().run(tiny.pods().config("first", tcp(80, firstHostPort)));
    }

    @AfterAll
    static void removeTinyRange() {
        if (tiny != null) {
            tiny.removeAllAndHostState();
        }
    }

    @Test
    void cidrsThatAreNoRangeKeepBerthdFromStartingAndTouchNothing() {
        Map<String, String> refusals = Map.of(
                "subnet = \"10.235.0.0/33\"", "network.subnet '10.235.0.0/33' is not a valid CIDR",
                "subnet = \"10.235.0.0\"", "network.subnet '10.235.0.0' is not a valid CIDR",
                "subnet = \"fd00:235::/64\"", "network.subnet must be IPv4",
                "subnet = \"10.235.0.0/31\"", "network.subnet 10.235.0.0/31 is too small");
        String bridge = HostNetwork.uniqueBridge("bbx");
        refusals.forEach((line, reason) -> {
            ScratchDir dir = daemons.scratchDir("net-bad-cidr-");
            String config = dir.write("config.toml", "[network]\nbridge = \"" + bridge + "\"\n" + line + "\n").toString();
            CommandResult result = BerthdCommand.run(dir, "--config", config, "--root", dir.resolve("root").toString(),
                    "--state", dir.resolve("state").toString(), "--socket", dir.resolve("s.sock").toString());
            assertThat(result.exitCode()).as("exit code with %s: %s", line, result).isEqualTo(1);
            List<String> reasons = result.stderrLines().stream().filter(l -> l.startsWith("berthd: ")).toList();
            assertThat(reasons).as("the one-line reason for %s: %s", line, result).singleElement()
                    .satisfies(r -> assertThat(r).contains(reason));
            assertThat(result.stderr()).doesNotContain("\tat ");
        });
        assertThat(HostNetwork.links()).doesNotContain(bridge);
        assertThat(HostNetwork.nftTables()).doesNotContain("table inet " + HostNetwork.berthTable(bridge));
    }

    @Test
    void aRangeOverlappingAHostRouteIsNotReadyUntilKubeletSendsAFreePodCidr() {
        // Another network's device owns a route in this class's range, as a VPN or a second runtime would. It
        // is a bridge without ports (the dummy driver is missing from some kernels): nothing can pass it.
        String other = HostNetwork.uniqueBridge("bdm");
        String taken = HostNetwork.freeSubnet(233);
        String bridge = HostNetwork.uniqueBridge("bbo");
        HostNetwork.runChecked("ip", "link", "add", other, "type", "bridge");
        try {
            HostNetwork.runChecked("ip", "addr", "add", HostNetwork.gateway(taken) + "/24", "dev", other);
            HostNetwork.runChecked("ip", "link", "set", other, "up");
            String overlapping = taken.replace("/24", "/25");
            BerthdProcess berthd = daemons.startBerthd(BerthdOptions.defaults()
                    .withConfig(NetTestbed.bridgeNetwork(bridge, overlapping)));
            PodResidue residue = new PodResidue(berthd, bridge, overlapping);
            try {
                assertThat(networkReady(berthd)).satisfies(c -> {
                    assertThat(c.getStatus()).isFalse();
                    assertThat(c.getReason()).isEqualTo("BridgeSubnetClash");
                    assertThat(c.getMessage()).contains(overlapping).contains(taken).contains(other)
                            .contains("network.subnet");
                });
                assertThatThrownBy(() -> residue.pods().run(residue.pods().config("clash")))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
                                .isEqualTo(io.grpc.Status.Code.FAILED_PRECONDITION))
                        .hasMessageContaining("BridgeSubnetClash").hasMessageContaining(other);
                residue.assertOnly(List.of());
                assertThat(HostNetwork.links()).as("no bridge is made for a range that cannot work").doesNotContain(bridge);

                updatePodCidr(berthd, "127.0.0.0/24");
                assertThat(networkReady(berthd).getMessage()).as("loopback's local route")
                        .contains("127.0.0.0/8").contains(" lo;");
                assertThatThrownBy(() -> updatePodCidr(berthd, "10.233.0.0/40"))
                        .hasMessageContaining("INVALID_ARGUMENT")
                        .hasMessageContaining("runtime_config.network_config.pod_cidr '10.233.0.0/40'");

                String free = HostNetwork.freeSubnet(233);
                updatePodCidr(berthd, free);
                assertThat(networkReady(berthd).getStatus()).isTrue();
                String pod = residue.pods().run(residue.pods().config("fits"));
                assertThat(residue.pods().ip(pod)).startsWith(free.substring(0, free.lastIndexOf('.') + 1));
                residue.pods().remove(pod);
                residue.assertOnly(List.of());
            } finally {
                residue.removeAllAndHostState();
            }
        } finally {
            HostNetwork.deleteLink(other);
        }
    }

    @Test
    void anExhaustedRangeRefusesThePodAndLeavesNothing() throws Exception {
        assertRefused(tiny.pods().config("second"), io.grpc.Status.Code.RESOURCE_EXHAUSTED,
                "no free address in " + tiny.subnet());
        tiny.assertOnly(List.of(firstPod));
    }

    @Test
    void aHostPortOfAnotherPodIsRefusedAndLeavesNothing() throws Exception {
        assertRefused(tiny.pods().config("same-port", tcp(81, firstHostPort)), io.grpc.Status.Code.ALREADY_EXISTS,
                "host port " + firstHostPort + "/tcp is already taken by pod sandbox " + firstPod);
        tiny.assertOnly(List.of(firstPod));
    }

    @Test
    void aHostPortAHostProcessListensOnIsRefusedAndLeavesNothing() throws Exception {
        try (ServerSocket listener = new ServerSocket()) {
            listener.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0));
            int port = listener.getLocalPort();
            assertRefused(tiny.pods().config("host-port", tcp(80, port)), io.grpc.Status.Code.ALREADY_EXISTS,
                    "host port " + port + "/tcp on all addresses is already in use on this host");
            tiny.assertOnly(List.of(firstPod));
            assertThat(HostNetwork.mentionsPort(tiny.rules(), port)).isFalse();
        }
    }

    @Test
    void aHostIpThatIsNotThisHostsIsRefusedAndLeavesNothing() throws Exception {
        String notOurs = tiny.subnet().substring(0, tiny.subnet().lastIndexOf('.') + 1) + "77";
        assertRefused(tiny.pods().config("foreign-ip", tcp(80, NetPods.freeHostPort()).toBuilder()
                .setHostIp(notOurs).build()), io.grpc.Status.Code.INVALID_ARGUMENT,
                "host_ip " + notOurs + " of ");
        tiny.assertOnly(List.of(firstPod));
    }

    private static void assertRefused(io.berth.cri.v1.PodSandboxConfig.Builder config, io.grpc.Status.Code code,
            String message) {
        assertThatThrownBy(() -> tiny.pods().run(config))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).as(e.getMessage()).isEqualTo(code))
                .hasMessageContaining(message);
    }

    private static RuntimeCondition networkReady(BerthdProcess berthd) {
        return BasicCriCalls.condition(berthd.client().runtime().status(StatusRequest.getDefaultInstance()),
                BasicCriCalls.NETWORK_READY).orElseThrow();
    }

    private static void updatePodCidr(BerthdProcess berthd, String cidr) {
        berthd.client().runtime().updateRuntimeConfig(UpdateRuntimeConfigRequest.newBuilder()
                .setRuntimeConfig(RuntimeConfig.newBuilder().setNetworkConfig(NetworkConfig.newBuilder()
                        .setPodCidr(cidr))).build());
    }
}
