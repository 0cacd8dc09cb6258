package io.berth.e2e.pods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.cri.v1.ContainerFilter;
import io.berth.cri.v1.ContainerState;
import io.berth.cri.v1.ListContainersRequest;
import io.berth.cri.v1.NamespaceMode;
import io.berth.e2e.harness.E2eDaemons;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two containers of one pod share its pinned net, ipc and uts namespaces (the same {@code /proc/self/ns/*} links,
 * the pod's hostname, one /dev/shm) and nothing of them is the host's; in PID mode POD they also see each other's
 * processes under the pod's init, in CONTAINER mode each sees only its own.
 */
class PodNamespacesE2eTest {
    @RegisterExtension
    @Order(1)
    static final E2eDaemons daemons = new E2eDaemons();

    /** Registered after the daemons, so its after-callbacks run before theirs. */
    @RegisterExtension
    @Order(2)
    static final PodSuite suite = new PodSuite(daemons, "ns", 224);

    private static PodCalls cri() {
        return suite.cri();
    }

    private static final String PRINT_NAMESPACES =
            "for ns in net ipc uts pid; do echo \"$ns=$(readlink /proc/self/ns/$ns)\"; done; echo \"host=$(hostname)\"";


    @Test
    void containersOfOnePodShareNetIpcAndUtsButNotTheHosts() throws Exception {
        String pod = cri().runPod(cri().podConfig("shared", NamespaceMode.CONTAINER).setHostname("shared-host"));
        String first = cri().run(pod, cri().shell("first",
                PRINT_NAMESPACES + "; echo from-first > /dev/shm/token; echo token-written; sleep 300"));
        cri().awaitOutput(first, "token-written");
        String second = cri().run(pod, cri().shell("second", PRINT_NAMESPACES + "; cat /dev/shm/token"));
        cri().awaitExit(second);

        Map<String, String> a = keyValues(cri().output(first));
        Map<String, String> b = keyValues(cri().output(second));
        for (String ns : List.of("net", "ipc", "uts")) {
            assertThat(b.get(ns)).as(ns).startsWith(ns + ":[").isEqualTo(a.get(ns));
            assertThat(a.get(ns)).as(ns + " is the pod's, not the host's")
                    .isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns", ns)).toString());
        }
        assertThat(b.get("pid")).as("PID mode CONTAINER: one PID namespace each").isNotEqualTo(a.get("pid"));
        assertThat(a.get("host")).isEqualTo("shared-host");
        assertThat(b.get("host")).isEqualTo("shared-host");
        assertThat(cri().output(second)).as("the pod's /dev/shm is one tmpfs").contains("from-first");
    }

    @Test
    void inPodPidModeContainersSeeEachOthersProcessesAndInContainerModeTheyDoNot() {
        String podMode = cri().runPod(cri().podConfig("pid-pod", NamespaceMode.POD));
        cri().run(podMode, cri().container("sleeper", "sleep", "301"));
        String looker = cri().create(podMode, cri().container("looker", "ps", "-o", "pid,args"));
        awaitProcessOf(podMode, "sleep 301");
        cri().start(looker);
        cri().awaitExit(looker);
        List<String> seen = cri().output(looker);
        assertThat(seen).anySatisfy(line -> assertThat(line.trim()).matches("1 +/catatonit -P"))
                .anySatisfy(line -> assertThat(line).endsWith("sleep 301"))
                .anySatisfy(line -> assertThat(line).endsWith("ps -o pid,args"));

        String containerMode = cri().runPod(cri().podConfig("pid-container", NamespaceMode.CONTAINER));
        cri().run(containerMode, cri().container("sleeper", "sleep", "302"));
        String alone = cri().run(containerMode, cri().container("alone", "ps", "-o", "pid,args"));
        cri().awaitExit(alone);
        assertThat(cri().output(alone)).as("only itself, as pid 1")
                .containsExactly("PID   COMMAND", "    1 ps -o pid,args");
    }

    /** The sleeper must be running before the looker looks. */
    private static void awaitProcessOf(String pod, String cmdline) {
        await().atMost(PodCalls.EXIT_TIMEOUT).until(() -> cri().runtime()
                .listContainers(ListContainersRequest.newBuilder()
                        .setFilter(ContainerFilter.newBuilder().setPodSandboxId(pod)).build())
                .getContainersList().stream()
                .filter(c -> c.getState() == ContainerState.CONTAINER_RUNNING)
                .anyMatch(c -> HostResidue.cmdlineOf(cri().pid(c.getId())).replace('\0', ' ').trim().equals(cmdline)));
    }

    private static Map<String, String> keyValues(List<String> lines) {
        return lines.stream().filter(l -> l.contains("=")).collect(Collectors.toMap(
                l -> l.substring(0, l.indexOf('=')), l -> l.substring(l.indexOf('=') + 1), (x, y) -> x));
    }
}
