package io.berth.e2e.network;

import static io.berth.e2e.network.NetPods.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import io.berth.cri.v1.PodSandboxConfig;
import io.berth.e2e.harness.BerthdOptions;
import io.berth.e2e.harness.BerthdProcess;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.E2eSettings;
import io.berth.e2e.harness.ScratchDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * kill -9 of berthd while Debian's CNI plugins are setting pods up: berth caches what DEL needs before it
 * runs ADD, so after a restart the DEL of every interrupted pod runs from that cache, and removing the rest
 * leaves no veth on the CNI bridge, no host-local allocation, no cached result, no portmap rule.
 */
class CniKillDuringSetUpE2eTest {
    static final String NETWORK = "berth-e2e-kill";

    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    private String bridge;
    private ForwardGuard guard;
    private BerthdProcess berthd;
    private NetPods pods;

    @AfterEach
    void removeEverything() throws Exception {
        try {
            if (berthd != null && berthd.isAlive()) {
                pods.removeAll();
            }
        } finally {
            HostNetwork.deleteLink(bridge);
            if (guard != null) {
                guard.close();
            }
        }
    }

    @Test
    void killDashNineDuringCniSetUpsThenRestartThenTearDownLeavesNothing() throws Exception {
        E2eSettings.assumeOwnBerthd();
        bridge = HostNetwork.uniqueBridge("cnk");
        String subnet = HostNetwork.freeSubnet(237);
        guard = ForwardGuard.install(bridge);
        ScratchDir conf = daemons.scratchDir("net-cni-kill-");
        Path ipamDir = conf.resolve("ipam");
        conf.write("10-kill.conflist", CniPodTrafficE2eTest.conflist(NETWORK, bridge, subnet, ipamDir));
        berthd = daemons.startBerthd(BerthdOptions.defaults().withConfig(CniPodTrafficE2eTest.cniNetwork(conf.path())));
        pods = new NetPods(berthd::client, Files.createDirectories(conf.resolve("logs")), "/berth-e2e-" + bridge, "");
        Path cache = berthd.state().resolve("network/cni/results");

        // A pod that was up before the crash must come through it whole.
        int livePort = NetPods.freeHostPort();
        String live = pods.run(pods.config("up", tcp(80, livePort)));
        List<PodSandboxConfig> configs = new ArrayList<>();
        List<Integer> hostPorts = new ArrayList<>(List.of(livePort));
        for (int i = 0; i < 10; i++) {
            int hostPort = NetPods.freeHostPort();
            hostPorts.add(hostPort);
            configs.add(pods.config("c" + i, tcp(80, hostPort)).build());
        }
        // The cache entry is written before the first plugin runs: two more than live pods mean ADDs are on.
        InFlightSetUps.start(berthd, configs).killBerthdOnce(() -> children(cache).size(), 3);
        Set<String> begun = new HashSet<>(children(cache).stream().filter(n -> n.endsWith(".json"))
                .map(n -> n.substring(0, n.length() - ".json".length())).toList());

        berthd.restart();
        List<String> listed = pods.listed();
        assertThat(listed).contains(live);
        Set<String> interrupted = new HashSet<>(begun);
        interrupted.removeAll(listed);
        assertThat(interrupted).as("pods whose CNI ADD was cut short").isNotEmpty();
        assertThat(children(cache)).as("cached results after restart: only the recorded pods'")
                .containsExactlyInAnyOrderElementsOf(listed.stream().map(id -> id + ".json").toList());
        assertThat(IpamFiles.read(ipamDir.resolve(NETWORK)).values()).as("host-local allocations after restart")
                .containsExactlyInAnyOrderElementsOf(listed);
        assertThat(HostNetwork.portsOf(bridge)).as("veths on %s after restart", bridge).hasSize(listed.size());
        assertThat(HostNetwork.mentionsPort(HostNetwork.nftRuleset(), livePort)).as("the live pod's hostPort rule")
                .isTrue();

        pods.removeAll();
        assertThat(HostNetwork.portsOf(bridge)).as("veths on %s", bridge).isEmpty();
        assertThat(IpamFiles.read(ipamDir.resolve(NETWORK))).as("host-local allocations").isEmpty();
        assertThat(children(cache)).as("cached CNI results, temp files included").isEmpty();
        assertThat(children(berthd.state().resolve("sandboxes"))).as("sandbox dirs").isEmpty();
        assertThat(HostNetwork.mountsUnder(berthd.dir().path())).as("mounts under berthd's dirs").isEmpty();
        String ruleset = HostNetwork.nftRuleset();
        assertThat(hostPorts.stream().filter(p -> HostNetwork.mentionsPort(ruleset, p)).toList())
                .as("hostPorts portmap still has rules for").isEmpty();
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
