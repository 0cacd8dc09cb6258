package io.berth.e2e.network;

import static io.berth.e2e.network.NetPods.tcp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.common.util.concurrent.ListenableFuture;
import io.berth.cri.v1.PodSandboxConfig;
import io.berth.cri.v1.RunPodSandboxRequest;
import io.berth.cri.v1.RunPodSandboxResponse;
import io.berth.e2e.harness.BerthdOptions;
import io.berth.e2e.harness.BerthdProcess;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.E2eSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
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
    private static final Duration SET_UP_TIMEOUT = Duration.ofSeconds(120);

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
        List<ListenableFuture<RunPodSandboxResponse>> calls = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            calls.add(runAsync(pods.config("p" + i).build()));
        }
        List<String> ids = new ArrayList<>();
        for (ListenableFuture<RunPodSandboxResponse> call : calls) {
            ids.add(call.get(SET_UP_TIMEOUT.toSeconds(), TimeUnit.SECONDS).getPodSandboxId());
        }
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
        List<ListenableFuture<RunPodSandboxResponse>> calls = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            // Half with a hostPort, so that the kill also catches rules being written.
            calls.add(runAsync(i % 2 == 0 ? pods.config("k" + i, tcp(80, NetPods.freeHostPort())).build()
                    : pods.config("k" + i).build()));
        }
        // In flight: some set-ups have begun (their record is the first thing written), not all have returned.
        await().atMost(SET_UP_TIMEOUT).pollInterval(Duration.ofMillis(5))
                .until(() -> podRecords().size() >= 3 || calls.stream().allMatch(ListenableFuture::isDone));
        berthd.kill9();
        assertThat(calls).as("set-ups still in flight when berthd was killed")
                .anyMatch(call -> !call.isDone() || failed(call));
        Set<String> touched = new HashSet<>(podRecords());
        touched.addAll(allocations().values());
        assertThat(touched).as("pods whose network set-up had begun").isNotEmpty();

        berthd.restart();
        Set<String> listed = Set.copyOf(pods.listed());
        for (String id : touched) {
            if (!listed.contains(id)) {
                assertThat(HostNetwork.links()).as("veth of pod %s, whose set-up was cut short", id)
                        .doesNotContain(HostNetwork.berthVeth(id));
            }
        }
        Set<String> ipsOfListed = new HashSet<>();
        listed.forEach(id -> ipsOfListed.add(pods.ip(id)));
        assertThat(ipsOfListed).as("addresses of the pods that were recorded").hasSize(listed.size());
        assertThat(allocations().values()).as("addresses held after restart").containsExactlyInAnyOrderElementsOf(
                listed);

        pods.removeAll();
        touched.addAll(listed);
        assertNothingLeft(touched);
    }

    private ListenableFuture<RunPodSandboxResponse> runAsync(PodSandboxConfig config) {
        return berthd.client().runtimeAsync().withDeadlineAfter(SET_UP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
                .runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config).build());
    }

    private static boolean failed(ListenableFuture<?> call) {
        try {
            call.get(0, TimeUnit.SECONDS);
            return false;
        } catch (Exception e) {
            return true;
        }
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
