package io.berth.e2e.pods;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.cri.v1.ContainerState;
import io.berth.cri.v1.ExecSyncRequest;
import io.berth.cri.v1.ExecSyncResponse;
import io.berth.cri.v1.ListContainerStatsRequest;
import io.berth.cri.v1.ListContainersRequest;
import io.berth.cri.v1.ListPodSandboxRequest;
import io.berth.cri.v1.PodSandboxState;
import io.berth.cri.v1.RemovePodSandboxRequest;
import io.berth.cri.v1.StopPodSandboxRequest;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.E2eSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * kubelet's default max-pods on one node: 110 pods of one container each are started, listed, measured, exec'd
 * into, stopped and removed. Prints the memory of the runtime (berthd and its shim hosts, PSS) per pod; the
 * benchmark tool compares that with containerd, this test only proves the scale works.
 */
class ScaleE2eTest {
    @RegisterExtension
    @Order(1)
    static final E2eDaemons daemons = new E2eDaemons();

    @RegisterExtension
    @Order(2)
    static final PodSuite suite = new PodSuite(daemons, "sc", 218);

    /**
     * kubelet's default --max-pods, in the default grouping (one host for the node). The pod and container
     * groupings start a JVM per pod or container, which is their known cost and not what this test proves; there
     * 30 pods show the same path working and keep the CI run about three minutes shorter.
     */
    private static final int PODS = E2eSettings.shimGroup().filter(g -> !g.equals("node")).isPresent() ? 30 : 110;

    private static PodCalls cri() {
        return suite.cri();
    }

    @Test
    void kubeletsDefaultMaxPodsStartListMeasureExecStopAndRemove() throws Exception {
        List<String> pods = new ArrayList<>();
        List<String> containers = new ArrayList<>();
        long started = System.nanoTime();
        for (int i = 0; i < PODS; i++) {
            String pod = cri().runPod("scale-" + i);
            pods.add(pod);
            containers.add(cri().run(pod, cri().container("sleeper", "sleep", "3600")));
        }
        long tookMillis = (System.nanoTime() - started) / 1_000_000;

        assertThat(cri().runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList())
                .filteredOn(p -> p.getState() == PodSandboxState.SANDBOX_READY).hasSize(PODS);
        assertThat(cri().runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList())
                .filteredOn(c -> c.getState() == ContainerState.CONTAINER_RUNNING).hasSize(PODS);
        assertThat(cri().runtime().listContainerStats(ListContainerStatsRequest.getDefaultInstance()).getStatsList())
                .hasSize(PODS).allSatisfy(s -> assertThat(s.getMemory().getWorkingSetBytes().getValue()).isPositive());
        for (String id : List.of(containers.get(0), containers.get(PODS / 2), containers.get(PODS - 1))) {
            ExecSyncResponse exec = cri().runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(id)
                    .addCmd("echo").addCmd("in-" + id.substring(0, 8)).setTimeout(30).build());
            assertThat(new String(exec.getStdout().toByteArray(), StandardCharsets.UTF_8))
                    .isEqualTo("in-" + id.substring(0, 8) + "\n");
        }

        List<Long> runtimePids = new ArrayList<>(suite.testbed().berthd().shimHosts());
        runtimePids.add(suite.testbed().berthd().pid());
        long pssKib = 0;
        for (long pid : runtimePids) {
            pssKib += pssKib(pid);
        }
        System.out.printf("scale: %d pods started in %d ms; berthd + %d shim host(s): PSS %.1f MiB, %.2f MiB per pod%n",
                PODS, tookMillis, runtimePids.size() - 1, pssKib / 1024.0, pssKib / 1024.0 / PODS);
        for (long host : suite.testbed().berthd().shimHosts().stream().limit(3).toList()) { // a few tell enough
            System.out.printf("scale: shim host %d: PSS %.1f MiB, %d open descriptors, %d threads%n", host,
                    pssKib(host) / 1024.0, countIn(Path.of("/proc", Long.toString(host), "fd")),
                    countIn(Path.of("/proc", Long.toString(host), "task")));
        }

        for (String pod : pods) {
            cri().runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
            cri().runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        }
        assertThat(cri().runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList())
                .isEmpty();
    }

    private static long countIn(Path dir) throws IOException {
        try (java.util.stream.Stream<Path> entries = Files.list(dir)) {
            return entries.count();
        }
    }

    /** Proportional set size: shared pages (the JVM's class-data archive, libraries) split among their users. */
    private static long pssKib(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps_rollup"))) {
            if (line.startsWith("Pss:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no Pss in /proc/" + pid + "/smaps_rollup");
    }
}
