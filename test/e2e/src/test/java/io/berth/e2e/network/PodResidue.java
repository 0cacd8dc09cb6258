package io.berth.e2e.network;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.e2e.harness.BerthdProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What a berthd on the built-in bridge plugin holds for its pods, read from the host and from its state
 * dir, so that a test can say "exactly these pods, and nothing of any other": after a refused
 * RunPodSandbox the refused pod's id is never known, so leftovers are found by counting.
 */
final class PodResidue {
    private final BerthdProcess berthd;
    private final String bridge;
    private final String subnet;
    private final NetPods pods;

    PodResidue(BerthdProcess berthd, String bridge, String subnet) {
        this.berthd = berthd;
        this.bridge = bridge;
        this.subnet = subnet;
        try {
            this.pods = new NetPods(berthd::client, Files.createDirectories(berthd.dir().resolve("logs")),
                    "/berth-e2e-" + bridge, "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    NetPods pods() {
        return pods;
    }

    String subnet() {
        return subnet;
    }

    /** berth's table for the bridge, or "" when there is none. */
    String rules() {
        return HostNetwork.berthRules(bridge).orElse("");
    }

    Map<String, String> allocations() {
        try {
            return IpamFiles.read(networkState().resolve("ipam/" + subnet.replace('/', '_')));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Asserts that the pods listed, the bridge's ports, the address allocations, the plugin's records, the
     * sandbox dirs and the mounts under berthd's dirs are those of {@code podIds} and of nothing else; with
     * no pod, that berth's table is gone too.
     */
    void assertOnly(List<String> podIds) {
        assertThat(pods.listed()).as("listed pods").containsExactlyInAnyOrderElementsOf(podIds);
        assertThat(HostNetwork.portsOf(bridge)).as("veths on %s", bridge)
                .containsExactlyInAnyOrderElementsOf(podIds.stream().map(HostNetwork::berthVeth).toList());
        assertThat(allocations().values()).as("IPAM allocations").containsExactlyInAnyOrderElementsOf(podIds);
        assertThat(children(networkState().resolve("pods"))).as("network records")
                .containsExactlyInAnyOrderElementsOf(podIds.stream().map(id -> id + ".json").toList());
        List<String> sandboxDirs = podIds.stream().map(id -> id.substring(0, 16)).toList();
        assertThat(children(berthd.state().resolve("sandboxes"))).as("sandbox dirs")
                .containsExactlyInAnyOrderElementsOf(sandboxDirs);
        Path sandboxes = berthd.state().resolve("sandboxes");
        assertThat(HostNetwork.mountsUnder(berthd.dir().path())).as("mounts under berthd's dirs")
                .allSatisfy(m -> assertThat(sandboxDirs).anySatisfy(d -> assertThat(m).startsWith(sandboxes.resolve(d)
                        .toString())));
        if (podIds.isEmpty()) {
            assertThat(HostNetwork.nftTables()).doesNotContain("table inet " + HostNetwork.berthTable(bridge));
        }
    }

    /** Every pod through the CRI, then the bridge, berth's table and the cgroup parent. */
    void removeAllAndHostState() {
        try {
            if (berthd.isAlive()) {
                pods.removeAll();
            }
        } finally {
            HostNetwork.deleteLink(bridge);
            HostNetwork.deleteTable("inet", HostNetwork.berthTable(bridge));
            HostNetwork.removeCgroupTree("/berth-e2e-" + bridge);
        }
    }

    private Path networkState() {
        return berthd.state().resolve("network/bridge-" + bridge);
    }

    private static List<String> children(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
