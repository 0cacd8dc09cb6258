package io.berth.e2e.pods;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.cri.v1.ContainerState;
import io.berth.cri.v1.ContainerStatus;
import io.berth.cri.v1.PodSandboxStatusRequest;
import io.berth.cri.v1.PodSandboxStatusResponse;
import io.berth.cri.v1.RemoveContainerRequest;
import io.berth.e2e.harness.E2eDaemons;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With kubelet's EventedPLEG gate, a PodSandboxStatus with a timestamp is the pod's whole truth: kubelet takes the
 * pod's containers from its {@code containers_statuses} and nowhere else. After every lifecycle step the list must
 * hold every container of the pod, each as ContainerStatus reports it.
 */
class PodSandboxContainersStatusesE2eTest {
    @RegisterExtension
    @Order(1)
    static final E2eDaemons daemons = new E2eDaemons();

    @RegisterExtension
    @Order(2)
    static final PodSuite suite = new PodSuite(daemons, "cs", 225);

    private static PodCalls cri() {
        return suite.cri();
    }

    @Test
    void afterEachLifecycleStepPodSandboxStatusListsEveryContainerAsContainerStatusDoes() {
        String pod = cri().runPod("evented");
        String other = cri().runPod("elsewhere");
        cri().run(other, cri().container("not-ours", "sleep", "300"));
        PodSandboxStatusResponse empty = podStatus(pod, false);
        assertThat(empty.getTimestamp()).as("kubelet uses the list only when a timestamp is set").isPositive();
        assertThat(empty.getContainersStatusesList()).isEmpty();

        String sleeper = cri().create(pod, cri().container("sleeper", "sleep", "300"));
        assertThat(states(pod)).containsExactly(ContainerState.CONTAINER_CREATED);
        assertListedAsContainerStatusSays(pod, sleeper);

        cri().start(sleeper);
        assertThat(states(pod)).containsExactly(ContainerState.CONTAINER_RUNNING);
        assertListedAsContainerStatusSays(pod, sleeper);

        String failing = cri().run(pod, cri().shell("failing", "exit 3"));
        cri().awaitExit(failing);
        assertThat(states(pod)).containsExactly(ContainerState.CONTAINER_RUNNING, ContainerState.CONTAINER_EXITED);
        ContainerStatus exited = podStatus(pod, false).getContainersStatuses(1);
        assertThat(exited.getMetadata().getName()).isEqualTo("failing");
        assertThat(exited.getExitCode()).isEqualTo(3);
        assertThat(exited.getReason()).isEqualTo("Error");
        assertThat(exited.getFinishedAt()).isPositive();
        assertListedAsContainerStatusSays(pod, sleeper, failing);

        cri().stop(sleeper, 0);
        assertThat(states(pod)).containsExactly(ContainerState.CONTAINER_EXITED, ContainerState.CONTAINER_EXITED);
        assertThat(podStatus(pod, false).getContainersStatuses(0).getExitCode()).isEqualTo(137);
        assertListedAsContainerStatusSays(pod, sleeper, failing);

        cri().runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(sleeper).build());
        assertThat(podStatus(pod, false).getContainersStatusesList()).extracting(ContainerStatus::getId)
                .containsExactly(failing);
        assertListedAsContainerStatusSays(pod, failing);

        PodSandboxStatusResponse verbose = podStatus(pod, true);
        assertThat(verbose.getInfoMap()).containsKey("info");
        assertThat(verbose.getContainersStatusesList()).extracting(ContainerStatus::getId).containsExactly(failing);
    }

    private static void assertListedAsContainerStatusSays(String pod, String... ids) {
        // Every container is settled here (sleeping or exited), so the two reads see the same states.
        List<ContainerStatus> listed = podStatus(pod, false).getContainersStatusesList();
        List<ContainerStatus> expected = new ArrayList<>();
        for (String id : ids) {
            expected.add(cri().status(id));
        }
        assertThat(listed).containsExactlyElementsOf(expected);
    }

    private static List<ContainerState> states(String pod) {
        return podStatus(pod, false).getContainersStatusesList().stream().map(ContainerStatus::getState).toList();
    }

    private static PodSandboxStatusResponse podStatus(String pod, boolean verbose) {
        return cri().runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(pod)
                .setVerbose(verbose).build());
    }
}
