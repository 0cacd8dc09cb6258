package io.berth.e2e.network;

import static io.berth.e2e.network.NetPods.tcp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.cri.v1.PodSandboxConfig;
import io.berth.cri.v1.RuntimeCondition;
import io.berth.cri.v1.StatusRequest;
import io.berth.e2e.harness.BasicCriCalls;
import io.berth.e2e.harness.BerthdOptions;
import io.berth.e2e.harness.BerthdProcess;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.E2eSettings;
import io.berth.e2e.harness.ScratchDir;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every bad input of the CNI path through one berthd whose cni_conf_dir each test rewrites (berth reads
 * the first configuration by name at each set-up, as kubelet-era runtimes do): a conflist that is not JSON,
 * a missing plugin binary, an exhausted range and a taken hostPort. Each refusal is clear, and nothing of
 * the refused pod is left: no sandbox, no mount, no veth, no address, no cached result, no rule.
 */
class CniBadInputE2eTest {
    static final String NETWORK = "berth-e2e-bad";

    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    private static ForwardGuard guard;
    private static String bridge;
    /** CNI's bridge plugin refuses a second IPv4 range on one bridge: the /30 gets a bridge of its own. */
    private static String tinyBridge;
    private static String subnet;
    private static String tinySubnet;
    private static Path confDir;
    private static Path ipamDir;
    private static BerthdProcess berthd;
    private static NetPods pods;

    @BeforeAll
    static void startBerthdOnAnEmptyConfDir() throws Exception {
        E2eSettings.assumeOwnBerthd();
        bridge = HostNetwork.uniqueBridge("cbi");
        tinyBridge = HostNetwork.uniqueBridge("cbt");
        subnet = HostNetwork.freeSubnet(236);
        do {
            tinySubnet = HostNetwork.freeSubnet(236).replace("/24", "/30");
        } while (tinySubnet.startsWith(subnet.substring(0, subnet.lastIndexOf('.'))));
        guard = ForwardGuard.install(bridge, tinyBridge);
        ScratchDir scratch = daemons.scratchDir("net-cni-bad-");
        confDir = Files.createDirectories(scratch.resolve("net.d"));
        ipamDir = scratch.resolve("ipam");
        berthd = daemons.startBerthd(BerthdOptions.defaults().withConfig(CniPodTrafficE2eTest.cniNetwork(confDir)));
        pods = new NetPods(berthd::client, Files.createDirectories(scratch.resolve("logs")), "/berth-e2e-" + bridge, "");
    }

    @AfterAll
    static void restoreTheHost() throws Exception {
        try {
            HostNetwork.deleteLink(bridge);
            HostNetwork.deleteLink(tinyBridge);
            HostNetwork.removeCgroupTree("/berth-e2e-" + bridge);
        } finally {
            if (guard != null) {
                guard.close();
            }
        }
    }

    @BeforeEach
    void emptyTheConfDir() throws IOException {
        try (Stream<Path> files = Files.list(confDir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
    }

    @AfterEach
    void removeEveryPod() {
        pods.removeAll();
    }

    @Test
    void aConflistThatIsNotJsonIsNamedInStatusAndRefusesPods() throws Exception {
        Files.writeString(confDir.resolve("00-broken.conflist"), "{\"cniVersion\": \"1.0.0\", \"name\": ");
        Files.writeString(confDir.resolve("10-good.conflist"), conflist(subnet, ""));
        String why = "00-broken.conflist is not valid JSON";
        assertThat(networkReady()).satisfies(c -> {
            assertThat(c.getStatus()).isFalse();
            assertThat(c.getReason()).isEqualTo("NetworkPluginNotReady");
            assertThat(c.getMessage()).contains(confDir.resolve("00-broken.conflist").toString()).contains(why);
        });
        assertRefused(pods.config("web"), Status.Code.FAILED_PRECONDITION, why);
        assertOnly(List.of());
    }

    @Test
    void aMissingPluginBinaryIsNamedInStatusAndRefusesPods() throws Exception {
        Files.writeString(confDir.resolve("10-missing.conflist"), """
                {"cniVersion": "1.0.0", "name": "%s", "plugins": [{"type": "berth-e2e-no-such-plugin"}]}
                """.formatted(NETWORK));
        String why = "CNI plugin 'berth-e2e-no-such-plugin' is not in any of the bin dirs [/usr/lib/cni]";
        assertThat(networkReady()).satisfies(c -> {
            assertThat(c.getStatus()).isFalse();
            assertThat(c.getMessage()).contains(why);
        });
        assertRefused(pods.config("web"), Status.Code.FAILED_PRECONDITION, why);
        assertOnly(List.of());
    }

    @Test
    void aMissingIpamBinaryIsNamedInStatusAndRefusesPods() throws Exception {
        // The bridge plugin is there; the IPAM plugin it delegates to is not.
        Files.writeString(confDir.resolve("10-no-ipam.conflist"), conflist(subnet, "")
                .replace("\"type\": \"host-local\"", "\"type\": \"berth-e2e-no-such-ipam\""));
        String why = "CNI plugin 'berth-e2e-no-such-ipam' is not in any of the bin dirs";
        assertThat(networkReady()).satisfies(c -> {
            assertThat(c.getStatus()).isFalse();
            assertThat(c.getMessage()).contains(why);
        });
        assertRefused(pods.config("web"), Status.Code.FAILED_PRECONDITION, why);
        assertOnly(List.of());
    }

    @Test
    void anExhaustedRangeRefusesThePodAndLeavesNothing() throws Exception {
        Files.writeString(confDir.resolve("10-tiny.conflist"), conflist(tinySubnet, "").replace(bridge, tinyBridge));
        String first = pods.run(pods.config("first"));
        // host-local's own error code: the range may free up, so UNAVAILABLE, with the plugin's words.
        assertRefused(pods.config("second"), Status.Code.UNAVAILABLE,
                "pod network set-up failed: CNI plugin bridge ADD failed");
        assertRefused(pods.config("third"), Status.Code.UNAVAILABLE, "no IP addresses available");
        assertOnly(tinyBridge, List.of(first));
    }

    @Test
    void aTakenHostPortIsRefusedAndLeavesNothing() throws Exception {
        Files.writeString(confDir.resolve("10-ports.conflist"), conflist(subnet,
                ", {\"type\": \"portmap\", \"capabilities\": {\"portMappings\": true}, \"snat\": true}"));
        int hostPort = NetPods.freeHostPort();
        String first = pods.run(pods.config("first", tcp(80, hostPort)));
        assertRefused(pods.config("same-port", tcp(81, hostPort)), Status.Code.ALREADY_EXISTS,
                "host port " + hostPort + "/tcp is already taken by pod sandbox " + first);
        try (ServerSocket listener = new ServerSocket()) {
            listener.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0));
            int busy = listener.getLocalPort();
            assertRefused(pods.config("host-port", tcp(80, busy)), Status.Code.ALREADY_EXISTS,
                    "host port " + busy + "/tcp on all addresses is already in use on this host");
            assertThat(HostNetwork.mentionsPort(HostNetwork.nftRuleset(), busy)).isFalse();
        }
        assertOnly(List.of(first));
    }

    /** bridge + host-local on {@code range}, then {@code morePlugins} (",{...}" entries), then loopback. */
    private static String conflist(String range, String morePlugins) {
        return """
                {"cniVersion": "1.0.0", "name": "%s",
                 "plugins": [
                  {"type": "bridge", "bridge": "%s", "isGateway": true, "ipMasq": false, "hairpinMode": true,
                   "ipam": {"type": "host-local", "ranges": [[{"subnet": "%s"}]], "dataDir": "%s"}}
                  %s, {"type": "loopback"}
                 ]}
                """.formatted(NETWORK, bridge, range, ipamDir, morePlugins);
    }

    private static RuntimeCondition networkReady() {
        return BasicCriCalls.condition(berthd.client().runtime().status(StatusRequest.getDefaultInstance()),
                BasicCriCalls.NETWORK_READY).orElseThrow();
    }

    private static void assertRefused(PodSandboxConfig.Builder config, Status.Code code, String message) {
        assertThatThrownBy(() -> pods.run(config))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).as(e.getMessage()).isEqualTo(code))
                .hasMessageContaining(message);
    }

    /**
     * Exactly these pods, and nothing of any other: listed pods, ports of the CNI bridge (its veth names are
     * random, so they are counted), host-local's allocations, berth's cached CNI results, sandbox dirs and
     * mounts.
     */
    private static void assertOnly(List<String> podIds) throws IOException {
        assertOnly(bridge, podIds);
    }

    private static void assertOnly(String podBridge, List<String> podIds) throws IOException {
        assertThat(pods.listed()).containsExactlyInAnyOrderElementsOf(podIds);
        assertThat(HostNetwork.portsOf(podBridge)).as("veths on %s", podBridge).hasSize(podIds.size());
        assertThat(IpamFiles.read(ipamDir.resolve(NETWORK)).values()).as("host-local allocations")
                .containsExactlyInAnyOrderElementsOf(podIds);
        assertThat(children(berthd.state().resolve("network/cni/results"))).as("cached CNI results")
                .containsExactlyInAnyOrderElementsOf(podIds.stream().map(id -> id + ".json").toList());
        assertThat(children(berthd.state().resolve("sandboxes"))).as("sandbox dirs")
                .containsExactlyInAnyOrderElementsOf(podIds.stream().map(id -> id.substring(0, 16)).toList());
        assertThat(HostNetwork.mountsUnder(berthd.dir().path())).as("mounts under berthd's dirs")
                .hasSize(4 * podIds.size());
    }

    private static List<String> children(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }
}
