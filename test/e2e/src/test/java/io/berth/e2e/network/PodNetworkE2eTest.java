package io.berth.e2e.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.cri.v1.PodSandboxConfig;
import io.berth.cri.v1.PodSandboxMetadata;
import io.berth.cri.v1.PodSandboxStatusRequest;
import io.berth.cri.v1.PortMapping;
import io.berth.cri.v1.Protocol;
import io.berth.cri.v1.RemovePodSandboxRequest;
import io.berth.cri.v1.RunPodSandboxRequest;
import io.berth.cri.v1.StatusRequest;
import io.berth.cri.v1.StopPodSandboxRequest;
import io.berth.e2e.harness.BasicCriCalls;
import io.berth.e2e.harness.BerthdOptions;
import io.berth.e2e.harness.BerthdProcess;
import io.berth.e2e.harness.CriClient;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.ScratchDir;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Pod networking through a real berthd: the bridge plugin and the CNI path. Each test uses its own bridge
 * and a 10.213.8x.0/24 subnet no host route uses; everything is observed with iproute2 and nft, and the
 * test removes the bridge and any table it leaves.
 */
class PodNetworkE2eTest {
    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    private static final String BRIDGE = "te2e-br";
    private static final String CNI_BRIDGE = "te2e-cni";
    private String ipForward;

    @AfterEach
    void cleanHost() throws Exception {
        sh("ip", "link", "del", BRIDGE);
        sh("ip", "link", "del", CNI_BRIDGE);
        sh("nft", "delete", "table", "inet", "berth_te2e_br");
        sh("nft", "delete", "table", "inet", "berth_e2e_cni_guard");
        if (ipForward != null) {
            Files.writeString(Path.of("/proc/sys/net/ipv4/ip_forward"), ipForward);
        }
    }

    private static String bridgeConfig() {
        return "[network]\nplugin = \"bridge\"\nbridge = \"" + BRIDGE + "\"\nsubnet = \"10.213.81.0/24\"\n";
    }

    @Test
    void aPodGetsAnAddressAndStopRemovesVethAddressAndRules() throws Exception {
        BerthdProcess berthd = daemons.startBerthd(BerthdOptions.defaults().withConfig(bridgeConfig()));
        CriClient cri = berthd.client();
        assertThat(BasicCriCalls.condition(cri.runtime().status(StatusRequest.getDefaultInstance()),
                BasicCriCalls.NETWORK_READY)).hasValueSatisfying(c -> assertThat(c.getStatus()).isTrue());
        String id = run(cri, "web", 18481);
        String ip = cri.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).build())
                .getStatus().getNetwork().getIp();
        assertThat(ip).startsWith("10.213.81.");
        assertThat(sh("ip", "-o", "-d", "link", "show", "master", BRIDGE)).contains("veth");
        assertThat(sh("nft", "list", "table", "inet", "berth_te2e_br")).contains("dport 18481").contains(ip);

        cri.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
        assertThat(sh("ip", "-o", "-d", "link", "show", "master", BRIDGE)).doesNotContain("veth");
        assertThat(sh("nft", "list", "table", "inet", "berth_te2e_br")).doesNotContain("18481");
        assertThat(allocations(berthd)).isEmpty();
        cri.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    }

    @Test
    void killDashNineThenRestartThenRemoveLeavesNothing() throws Exception {
        BerthdProcess berthd = daemons.startBerthd(BerthdOptions.defaults().withConfig(bridgeConfig()));
        String id = run(berthd.client(), "web", 18482);
        berthd.kill9();
        berthd.restart();
        CriClient cri = berthd.client();
        assertThat(sh("nft", "list", "table", "inet", "berth_te2e_br")).as("rebuilt at start").contains("18482");
        cri.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
        assertThat(sh("ip", "-o", "-d", "link", "show", "master", BRIDGE)).doesNotContain("veth");
        assertThat(sh("nft", "list", "table", "inet", "berth_te2e_br")).doesNotContain("18482");
        assertThat(allocations(berthd)).isEmpty();
    }

    @Test
    void aTakenHostPortFailsRunPodSandboxAndLeavesNothing() throws Exception {
        BerthdProcess berthd = daemons.startBerthd(BerthdOptions.defaults().withConfig(bridgeConfig()));
        CriClient cri = berthd.client();
        String first = run(cri, "first", 18483);
        try {
            assertThatThrownBy(() -> run(cri, "second", 18483)).isInstanceOf(StatusRuntimeException.class)
                    .hasMessageContaining("ALREADY_EXISTS").hasMessageContaining("18483");
            assertThat(sh("ip", "-o", "-d", "link", "show", "master", BRIDGE).lines().filter(l -> l.contains("veth"))).hasSize(1);
            assertThat(allocations(berthd)).hasSize(1);
        } finally {
            // PID mode POD (the CRI default) gives the pod an init process and its shim, which outlive berthd.
            cri.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(first).build());
        }
    }

    @Test
    void theCniPathWithDebiansPlugins() throws Exception {
        ipForward = Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).trim();
        // CNI's bridge plugin turns on ip_forward: nothing may be forwarded off the test bridge meanwhile.
        sh("sh", "-c", "printf 'table inet berth_e2e_cni_guard {\\n chain forward {\\n type filter hook forward"
                + " priority -10; policy accept;\\n iifname \"" + CNI_BRIDGE + "\" oifname != \"" + CNI_BRIDGE
                + "\" drop\\n oifname \"" + CNI_BRIDGE + "\" iifname != \"" + CNI_BRIDGE + "\" drop\\n }\\n}\\n'"
                + " | nft -f -");
        ScratchDir conf = daemons.scratchDir("cni-conf-");
        conf.write("10-e2e.conflist", """
                {"cniVersion": "1.0.0", "name": "berth-e2e",
                 "plugins": [
                  {"type": "bridge", "bridge": "%s", "isGateway": true, "hairpinMode": true,
                   "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.213.82.0/24"}]],
                            "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "%s"}},
                  {"type": "loopback"}
                 ]}
                """.formatted(CNI_BRIDGE, conf.resolve("ipam")));
        BerthdProcess berthd = daemons.startBerthd(BerthdOptions.defaults().withConfig(
                "[network]\nplugin = \"cni\"\ncni_conf_dir = \"" + conf.path() + "\"\ncni_bin_dirs = [\"/usr/lib/cni\"]\n"));
        CriClient cri = berthd.client();
        String id = run(cri, "cni-pod", 0);
        String ip = cri.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).build())
                .getStatus().getNetwork().getIp();
        assertThat(ip).startsWith("10.213.82.");
        assertThat(sh("ip", "-o", "-d", "link", "show", "master", CNI_BRIDGE)).contains("veth");
        berthd.kill9();
        berthd.restart();
        berthd.client().runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
        assertThat(sh("ip", "-o", "-d", "link", "show", "master", CNI_BRIDGE)).doesNotContain("veth");
        assertThat(Files.list(conf.resolve("ipam/berth-e2e")).map(p -> p.getFileName().toString()))
                .noneMatch(n -> n.startsWith("10."));
    }

    @Test
    void statusNamesAMissingCniConfig() {
        BerthdProcess berthd = daemons.startBerthd(BerthdOptions.defaults().withConfig(
                "[network]\nplugin = \"cni\"\ncni_conf_dir = \"/nonexistent/net.d\"\n"));
        assertThat(BasicCriCalls.condition(berthd.client().runtime().status(StatusRequest.getDefaultInstance()),
                BasicCriCalls.NETWORK_READY)).hasValueSatisfying(c -> {
                    assertThat(c.getStatus()).isFalse();
                    assertThat(c.getReason()).isEqualTo("NetworkPluginNotReady");
                    assertThat(c.getMessage()).contains("/nonexistent/net.d");
                });
    }

    private static String run(CriClient cri, String name, int hostPort) {
        PodSandboxConfig.Builder pod = PodSandboxConfig.newBuilder().setMetadata(PodSandboxMetadata.newBuilder()
                .setName(name).setNamespace("e2e").setUid(UUID.randomUUID().toString()));
        if (hostPort > 0) {
            pod.addPortMappings(PortMapping.newBuilder().setProtocol(Protocol.TCP).setContainerPort(80)
                    .setHostPort(hostPort));
        }
        return cri.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(pod).build()).getPodSandboxId();
    }

    private static java.util.List<Path> allocations(BerthdProcess berthd) throws Exception {
        Path dir = berthd.state().resolve("network/bridge-" + BRIDGE + "/ipam/10.213.81.0_24");
        if (!Files.isDirectory(dir)) {
            return java.util.List.of();
        }
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("10.")).toList();
        }
    }

    private static String sh(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out;
    }
}
