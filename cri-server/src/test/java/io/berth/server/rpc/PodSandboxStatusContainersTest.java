package io.berth.server.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.cri.v1.ContainerState;
import io.berth.cri.v1.ContainerStatus;
import io.berth.cri.v1.ContainerStatusRequest;
import io.berth.cri.v1.PodSandboxStatusRequest;
import io.berth.cri.v1.PodSandboxStatusResponse;
import io.berth.server.container.ContainerStore;
import io.berth.server.container.TestRecords;
import io.berth.server.sandbox.SandboxStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With EventedPLEG, kubelet takes a pod's containers from PodSandboxStatus's {@code containers_statuses} alone (its
 * timestamp is set), so after every lifecycle step the list must hold what ContainerStatus says of each container.
 */
class PodSandboxStatusContainersTest {
    @TempDir
    Path dir;

    SandboxStore sandboxes;
    ContainerStore containers;
    PodSandboxStatusRpc podStatus;
    ContainerStatusRpc containerStatus;
    String pod;
    String otherPod;

    @BeforeEach
    void stores() throws Exception {
        sandboxes = new SandboxStore(dir.resolve("sandboxes"));
        containers = new ContainerStore(dir.resolve("containers"));
        Clock clock = Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC);
        podStatus = new PodSandboxStatusRpc(sandboxes, containers, clock);
        containerStatus = new ContainerStatusRpc(containers);
        pod = TestRecords.sandbox(sandboxes, TestRecords.id("a1"), "web", Map.of(), "", dir).id();
        otherPod = TestRecords.sandbox(sandboxes, TestRecords.id("b2"), "db", Map.of(), "", dir).id();
    }

    @Test
    void aPodWithoutContainersHasATimestampAndAnEmptyList() throws Exception {
        PodSandboxStatusResponse r = status(pod, false);
        assertThat(r.getTimestamp()).isEqualTo(1_700_000_000L * 1_000_000_000L);
        assertThat(r.getContainersStatusesList()).isEmpty();
    }

    @Test
    void afterEachStepTheListHoldsWhatContainerStatusSaysOfEveryContainerOfThePod() throws Exception {
        String sidecar = TestRecords.container(containers, TestRecords.id("c0"), pod, "sidecar", Map.of()).id();
        String app = TestRecords.container(containers, TestRecords.id("c1"), pod, "app", Map.of()).id();
        TestRecords.container(containers, TestRecords.id("d0"), otherPod, "elsewhere", Map.of());
        assertThat(states(pod)).containsExactly(ContainerState.CONTAINER_CREATED, ContainerState.CONTAINER_CREATED);
        assertListedAsContainerStatusSays(sidecar, app);

        containers.update(app, s -> s.started(4242, 5));
        assertThat(states(pod)).containsExactly(ContainerState.CONTAINER_CREATED, ContainerState.CONTAINER_RUNNING);
        assertListedAsContainerStatusSays(sidecar, app);

        containers.update(app, s -> s.exited(3, 6, "Error", "boom"));
        assertThat(states(pod)).containsExactly(ContainerState.CONTAINER_CREATED, ContainerState.CONTAINER_EXITED);
        ContainerStatus exited = status(pod, false).getContainersStatuses(1);
        assertThat(exited.getExitCode()).isEqualTo(3);
        assertThat(exited.getReason()).isEqualTo("Error");
        assertListedAsContainerStatusSays(sidecar, app);

        containers.remove(containers.get(app));
        assertThat(status(pod, false).getContainersStatusesList()).extracting(ContainerStatus::getId)
                .containsExactly(sidecar);
        assertListedAsContainerStatusSays(sidecar);
    }

    @Test
    void verboseCarriesTheSameStatusesBesideItsInfo() throws Exception {
        String app = TestRecords.container(containers, TestRecords.id("c1"), pod, "app", Map.of()).id();
        containers.update(app, s -> s.started(4242, 5));
        PodSandboxStatusResponse verbose = status(pod, true);
        assertThat(verbose.getInfoMap()).containsKey("info");
        assertThat(verbose.getContainersStatusesList()).isEqualTo(status(pod, false).getContainersStatusesList());
        assertThat(verbose.getContainersStatusesList()).extracting(ContainerStatus::getId).containsExactly(app);
    }

    private void assertListedAsContainerStatusSays(String... ids) throws Exception {
        List<ContainerStatus> expected = new ArrayList<>();
        for (String id : ids) {
            expected.add(containerStatus.call(ContainerStatusRequest.newBuilder().setContainerId(id).build())
                    .getStatus());
        }
        assertThat(status(pod, false).getContainersStatusesList()).containsExactlyElementsOf(expected);
    }

    private List<ContainerState> states(String podId) throws Exception {
        return status(podId, false).getContainersStatusesList().stream().map(ContainerStatus::getState).toList();
    }

    private PodSandboxStatusResponse status(String podId, boolean verbose) throws Exception {
        return podStatus.call(PodSandboxStatusRequest.newBuilder().setPodSandboxId(podId).setVerbose(verbose).build());
    }
}
