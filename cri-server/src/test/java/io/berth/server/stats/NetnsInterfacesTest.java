package io.berth.server.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.berth.linux.Namespaces;
import io.berth.linux.Posix;
import io.berth.linux.net.InterfaceCounters;
import io.berth.server.container.TestRecords;
import io.berth.server.sandbox.SandboxStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pod's interfaces read from a real pinned network namespace holding a veth pair (needs root). */
class NetnsInterfacesTest {
    @TempDir
    Path dir;

    SandboxStore.Sandbox pod;
    Path netns;
    Process member;

    @BeforeEach
    void pinnedNamespaceWithAVethPair() throws Exception {
        assumeThat(Posix.euid()).as("network namespaces need root").isZero();
        pod = TestRecords.sandbox(new SandboxStore(dir.resolve("sandboxes")), TestRecords.id("a9"), "net", Map.of(),
                "", dir);
        netns = pod.metadata().paths().netns();
        Files.createDirectories(netns.getParent());
        Namespaces.createPinned(Namespaces.Kind.NET, netns, null);
        run("nsenter", "--net=" + netns, "ip", "link", "add", "bst-v0", "type", "veth", "peer", "name",
                "bst-v1");
        member = new ProcessBuilder("nsenter", "--net=" + netns, "sleep", "60").start();
    }

    @AfterEach
    void remove() throws Exception {
        if (member != null) {
            member.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (netns != null && Namespaces.isPinned(netns)) {
            Namespaces.removePinned(netns);
        }
    }

    @Test
    void theNamespacesInterfacesWithoutLoopbackWhicheverWayTheyAreRead() throws Exception {
        NetnsInterfaces interfaces = new NetnsInterfaces();
        assertThat(names(interfaces.of(pod, List.of()))).as("by entering the namespace")
                .containsExactlyInAnyOrder("bst-v0", "bst-v1");
        assertThat(names(interfaces.of(pod, List.of((int) member.pid())))).as("through a member's /proc")
                .containsExactlyInAnyOrder("bst-v0", "bst-v1");
        int notAMember = (int) ProcessHandle.current().pid();
        assertThat(names(interfaces.of(pod, List.of(notAMember, 999_999_999))))
                .as("a pid in another namespace, or none at all, is not taken for the pod's")
                .containsExactlyInAnyOrder("bst-v0", "bst-v1");
    }

    @Test
    void aStoppedPodOrAMissingNamespaceHasNoInterfaces() throws Exception {
        NetnsInterfaces interfaces = new NetnsInterfaces();
        SandboxStore.Sandbox stopped = new SandboxStore.Sandbox(new io.berth.server.store.RecordStore.Record<>(
                pod.id(), pod.metadata(), pod.status().notReady()));
        assertThat(interfaces.of(stopped, List.of((int) member.pid()))).isEmpty();
        Namespaces.removePinned(netns);
        assertThat(interfaces.of(pod, List.of((int) member.pid()))).isEmpty();
    }

    private static List<String> names(List<InterfaceCounters> counters) {
        return counters.stream().map(InterfaceCounters::name).toList();
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as("%s: %s", String.join(" ", command), out).isZero();
    }
}
