package io.berth.e2e.network;

import static io.berth.e2e.network.NetPods.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import io.berth.cri.v1.PodSandboxConfig;
import io.berth.e2e.harness.BerthdOptions;
import io.berth.e2e.harness.BerthdProcess;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.E2eSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Many RunPodSandbox calls at once through a real berthd on the built-in bridge plugin: concurrent set-ups
 * never share an address, and a berthd killed with SIGKILL in the middle of them, then restarted, tears
 * every pod down to nothing. Pods here have no containers: the network is set up by RunPodSandbox alone.
 */
class PodNetworkConcurrencyE2eTest {
    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    private String bridge;
    private String subnet;
    private BerthdProcess berthd;
    private NetPods pods;

    @BeforeEach
    void startBerthd() throws Exception {
        E2eSettings.assumeOwnBerthd();
        bridge = HostNetwork.uniqueBridge("bnc");
        subnet = HostNetwork.freeSubnet(232);
        berthd = daemons.startBerthd(BerthdOptions.defaults().withConfig(NetTestbed.bridgeNetwork(bridge, subnet)));
        pods = new NetPods(() -> berthd.client(), daemons.scratchDir("net-logs-").path(), "/berth-e2e-" + bridge, "");
    }

    @AfterEach
    void removeEverything() {
        try {
            if (berthd != null && berthd.isAlive()) {
                pods.removeAll();
            }
        } finally {
            HostNetwork.deleteLink(bridge);
            HostNetwork.deleteTable("inet", HostNetwork.berthTable(bridge));
        }
    }

    @Test
    void thirtyConcurrentRunPodSandboxCallsGetDistinctAddresses() throws Exception {
        List<PodSandboxConfig> configs = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            configs.add(pods.config("p" + i).build());
        }
        List<String> ids = InFlightSetUps.start(berthd, configs).ids();
        Set<String> ips = new HashSet<>();
        for (String id : ids) {
            ips.add(pods.ip(id));
        }
        String prefix = subnet.substring(0, subnet.lastIndexOf('.') + 1);
        assertThat(ips).hasSize(30).allSatisfy(ip -> assertThat(ip).startsWith(prefix))
                .doesNotContain(HostNetwork.gateway(subnet));
        assertThat(HostNetwork.portsOf(bridge)).containsExactlyInAnyOrderElementsOf(
                ids.stream().map(HostNetwork::berthVeth).toList());
        assertThat(allocations().keySet()).containsExactlyInAnyOrderElementsOf(ips);
        assertThat(allocations().values()).containsExactlyInAnyOrderElementsOf(ids);

        pods.removeAll();
        assertNothingLeft(Set.copyOf(ids));
    }

    @Test
    void killDashNineDuringSetUpThenRestartThenTearDownLeavesNothing() throws Exception {
        // Pods that were up before the crash must come through it whole: veth, address and hostPort rule.
        int livePort = NetPods.freeHostPort();
        List<String> before = List.of(pods.run(pods.config("up-0", tcp(80, livePort))), pods.run(pods.config("up-1")));
        List<PodSandboxConfig> configs = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            // Half with a hostPort, so that the kill also catches rules being written.
            configs.add(i % 2 == 0 ? pods.config("k" + i, tcp(80, NetPods.freeHostPort())).build()
                    : pods.config("k" + i).build());
        }
        // A set-up's record is the first thing it writes: two more records than live pods mean set-ups are on.
        InFlightSetUps.start(berthd, configs).killBerthdOnce(() -> podRecords().size(), before.size() + 2);
        Set<String> touched = new HashSet<>(podRecords());
        touched.addAll(allocations().values());

        berthd.restart();
        Set<String> listed = Set.copyOf(pods.listed());
        assertThat(listed).containsAll(before);
        Set<String> interrupted = new HashSet<>(touched);
        interrupted.removeAll(listed);
        assertThat(interrupted).as("pods whose network set-up was cut short").isNotEmpty();
        Set<String> links = HostNetwork.links();
        assertThat(interrupted).allSatisfy(id -> assertThat(links).doesNotContain(HostNetwork.berthVeth(id)));
        assertThat(HostNetwork.portsOf(bridge)).containsExactlyInAnyOrderElementsOf(
                listed.stream().map(HostNetwork::berthVeth).toList());
        assertThat(allocations().values()).as("addresses held after restart").containsExactlyInAnyOrderElementsOf(
                listed);
        assertThat(HostNetwork.mentionsPort(HostNetwork.berthRules(bridge).orElse(""), livePort))
                .as("the table rebuilt at start keeps the hostPort of a live pod").isTrue();

        pods.removeAll();
        touched.addAll(listed);
        assertNothingLeft(touched);
    }

    private void assertNothingLeft(Set<String> podIds) throws IOException {
        Set<String> links = HostNetwork.links();
        assertThat(podIds).allSatisfy(id -> assertThat(links).as("ip -o link").doesNotContain(HostNetwork.berthVeth(id)));
        new PodResidue(berthd, bridge, subnet).assertOnly(List.of());
        assertThat(children(networkState().resolve("pods"))).as("network records, temp files included").isEmpty();
    }

    private Path networkState() {
        return berthd.state().resolve("network/bridge-" + bridge);
    }

    private Map<String, String> allocations() throws IOException {
        return IpamFiles.read(networkState().resolve("ipam/" + subnet.replace('/', '_')));
    }

    /** Pod ids with a record in the plugin's state: written before a set-up touches the host. */
    private List<String> podRecords() throws IOException {
        return children(networkState().resolve("pods")).stream().filter(n -> n.endsWith(".json"))
                .map(n -> n.substring(0, n.length() - ".json".length())).toList();
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
