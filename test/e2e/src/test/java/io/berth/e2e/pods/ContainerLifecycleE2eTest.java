package io.berth.e2e.pods;

import io.berth.e2e.harness.HostCommands;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.cri.v1.Container;
import io.berth.cri.v1.ContainerFilter;
import io.berth.cri.v1.ContainerState;
import io.berth.cri.v1.ContainerStateValue;
import io.berth.cri.v1.ContainerStatus;
import io.berth.cri.v1.ContainerStatusRequest;
import io.berth.cri.v1.ListContainersRequest;
import io.berth.cri.v1.ListPodSandboxRequest;
import io.berth.cri.v1.NamespaceMode;
import io.berth.cri.v1.PodSandbox;
import io.berth.cri.v1.PodSandboxConfig;
import io.berth.cri.v1.PodSandboxFilter;
import io.berth.cri.v1.PodSandboxState;
import io.berth.cri.v1.PodSandboxStateValue;
import io.berth.cri.v1.PodSandboxStatusRequest;
import io.berth.cri.v1.RemoveContainerRequest;
import io.berth.cri.v1.RemovePodSandboxRequest;
import io.berth.cri.v1.Signal;
import io.berth.cri.v1.StopPodSandboxRequest;
import io.berth.e2e.harness.E2eDaemons;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The lifecycle of busybox containers through the CRI of a real berthd: create, start, status, list with filters,
 * stop (signal, grace, SIGKILL, timeout 0), remove, the pod's stop and remove, exit codes and reasons, and every
 * call kubelet repeats after a timeout being harmless the second time.
 */
class ContainerLifecycleE2eTest {
    @RegisterExtension
    @Order(1)
    static final E2eDaemons daemons = new E2eDaemons();

    /** Registered after the daemons, so its after-callbacks run before theirs. */
    @RegisterExtension
    @Order(2)
    static final PodSuite suite = new PodSuite(daemons, "lc", 220);

    private static PodCalls cri() {
        return suite.cri();
    }


    @Test
    void aContainerGoesFromCreatedToRunningToExitedToRemovedAndRepeatsAreHarmless() {
        PodSandboxConfig.Builder podConfig = cri().podConfig("life", NamespaceMode.CONTAINER);
        String pod = cri().runPod(podConfig);
        assertThat(cri().runPod(podConfig)).as("a retried RunPodSandbox returns the same sandbox").isEqualTo(pod);
        assertThat(cri().podStatus(pod).getState()).isEqualTo(PodSandboxState.SANDBOX_READY);

        String id = cri().create(pod, cri().container("sleeper", "sleep", "300").putLabels("app", "life")
                .putAnnotations("note", "kept as sent"));
        ContainerStatus created = cri().status(id);
        assertThat(created.getState()).isEqualTo(ContainerState.CONTAINER_CREATED);
        assertThat(created.getCreatedAt()).isPositive();
        assertThat(created.getStartedAt()).isZero();
        assertThat(created.getMetadata().getName()).isEqualTo("sleeper");
        assertThat(created.getLabelsMap()).containsEntry("app", "life");
        assertThat(created.getAnnotationsMap()).containsEntry("note", "kept as sent");
        assertThat(created.getImage().getImage()).isEqualTo(suite.testbed().pulledImage().id());
        assertThat(created.getImageRef()).isEqualTo(suite.testbed().pulledImage().digestRef());
        assertThat(Path.of(created.getLogPath())).startsWith(Path.of(podConfig.getLogDirectory())).endsWith(Path.of("sleeper/0.log"));

        cri().start(id);
        ContainerStatus running = cri().status(id);
        assertThat(running.getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        assertThat(running.getStartedAt()).isGreaterThanOrEqualTo(running.getCreatedAt());
        long pid = cri().pid(id);
        assertThat(HostResidue.cmdlineOf(pid)).isEqualTo("sleep\0" + "300\0");
        assertThatThrownBy(() -> cri().start(id)).as("only a created container starts")
                .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));

        cri().stop(id, 0);
        ContainerStatus exited = cri().status(id);
        assertThat(exited.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
        assertThat(exited.getExitCode()).isEqualTo(137);
        assertThat(exited.getReason()).isEqualTo("Error");
        assertThat(exited.getFinishedAt()).isGreaterThanOrEqualTo(exited.getStartedAt());
        assertThat(Path.of("/proc", Long.toString(pid))).doesNotExist();
        cri().stop(id, 0);
        assertThat(cri().status(id)).as("a repeated stop changes nothing").isEqualTo(exited);

        cri().runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
        cri().runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
        assertThatThrownBy(() -> cri().status(id)).isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));

        cri().runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        cri().runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        assertThat(cri().podStatus(pod).getState()).isEqualTo(PodSandboxState.SANDBOX_NOTREADY);
        cri().runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        cri().runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        assertThatThrownBy(() -> cri().podStatus(pod)).isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    }

    @Test
    void stopSendsTheStopSignalWaitsTheGraceThenKillsAndTimeoutZeroKillsAtOnce() {
        String pod = cri().runPod("stops");
        // Each shell says "ready" once its trap is set, so the stop cannot come before the trap.
        String polite = cri().run(pod, cri().shell("polite",
                "trap 'echo got-usr1; exit 0' USR1; echo ready; while true; do sleep 0.1; done")
                .setStopSignal(Signal.SIGNAL_SIGUSR1));
        String stubborn = cri().run(pod, cri().shell("stubborn",
                "trap 'echo ignoring-term' TERM; echo ready; while true; do sleep 0.1; done"));
        String hasty = cri().run(pod, cri().shell("hasty",
                "trap 'echo got-term; exit 0' TERM; echo ready; while true; do sleep 0.1; done"));
        for (String id : List.of(polite, stubborn, hasty)) {
            cri().awaitOutput(id, "ready");
        }
        assertThat(cri().status(polite).getStopSignal()).isEqualTo(Signal.SIGNAL_SIGUSR1);

        cri().stop(polite, 30);
        assertThat(cri().status(polite).getExitCode()).as("exited by its own trap").isZero();
        assertThat(cri().status(polite).getReason()).isEqualTo("Completed");
        assertThat(cri().output(polite)).contains("got-usr1");

        long before = System.nanoTime();
        cri().stop(stubborn, 2);
        long tookMillis = (System.nanoTime() - before) / 1_000_000;
        assertThat(tookMillis).as("the grace period was waited out").isGreaterThanOrEqualTo(2000);
        assertThat(cri().status(stubborn).getExitCode()).as("then SIGKILL").isEqualTo(137);
        assertThat(cri().output(stubborn)).contains("ignoring-term");

        cri().stop(hasty, 0);
        assertThat(cri().status(hasty).getExitCode()).as("timeout 0 is SIGKILL at once").isEqualTo(137);
        assertThat(cri().output(hasty)).doesNotContain("got-term");
    }

    @Test
    void exitCodesAndReasonsAreTheContainersOwn() {
        String pod = cri().runPod("exits");
        String completed = cri().run(pod, cri().shell("completed", "exit 0"));
        String failed = cri().run(pod, cri().shell("failed", "exit 3"));
        String killed = cri().run(pod, cri().container("killed", "sleep", "300"));
        String neverStarted = cri().create(pod, cri().container("never", "true"));

        assertThat(cri().awaitExit(completed)).extracting(ContainerStatus::getExitCode, ContainerStatus::getReason)
                .containsExactly(0, "Completed");
        assertThat(cri().awaitExit(failed)).extracting(ContainerStatus::getExitCode, ContainerStatus::getReason)
                .containsExactly(3, "Error");
        // SIGKILL from outside: inside its PID namespace nothing can kill the container's init.
        HostCommands.kill9(cri().pid(killed));
        assertThat(cri().awaitExit(killed)).extracting(ContainerStatus::getExitCode, ContainerStatus::getReason)
                .containsExactly(137, "Error");
        cri().stop(neverStarted, 10);
        ContainerStatus stoppedUnstarted = cri().status(neverStarted);
        assertThat(stoppedUnstarted.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
        assertThat(stoppedUnstarted.getStartedAt()).isZero();
    }

    @Test
    void listContainersAndListPodSandboxFilterByIdStateSandboxAndLabels() {
        String web = cri().runPod(cri().podConfig("web", NamespaceMode.CONTAINER).putLabels("tier", "web"));
        String db = cri().runPod(cri().podConfig("db", NamespaceMode.CONTAINER).putLabels("tier", "db"));
        String created = cri().create(web, cri().container("created", "true").putLabels("role", "idle"));
        String running = cri().run(web, cri().container("running", "sleep", "300").putLabels("role", "server"));
        String exited = cri().run(db, cri().shell("exited", "exit 0").putLabels("role", "server"));
        cri().awaitExit(exited);
        cri().runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(db).build());

        assertThat(containers(ContainerFilter.getDefaultInstance())).containsExactly(created, running, exited);
        assertThat(containers(ContainerFilter.newBuilder().setId(running.substring(0, 12)).build()))
                .containsExactly(running);
        assertThat(containers(ContainerFilter.newBuilder().setState(ContainerStateValue.newBuilder()
                .setState(ContainerState.CONTAINER_CREATED)).build())).containsExactly(created);
        assertThat(containers(ContainerFilter.newBuilder().setState(ContainerStateValue.newBuilder()
                .setState(ContainerState.CONTAINER_RUNNING)).build())).containsExactly(running);
        assertThat(containers(ContainerFilter.newBuilder().setState(ContainerStateValue.newBuilder()
                .setState(ContainerState.CONTAINER_EXITED)).build())).containsExactly(exited);
        assertThat(containers(ContainerFilter.newBuilder().setPodSandboxId(web).build()))
                .containsExactly(created, running);
        assertThat(containers(ContainerFilter.newBuilder().putLabelSelector("role", "server").build()))
                .containsExactly(running, exited);
        assertThat(containers(ContainerFilter.newBuilder().setPodSandboxId(db).putLabelSelector("role", "server")
                .build())).containsExactly(exited);
        assertThat(containers(ContainerFilter.newBuilder().putLabelSelector("role", "none").build())).isEmpty();

        assertThat(pods(PodSandboxFilter.getDefaultInstance())).containsExactlyInAnyOrder(web, db);
        assertThat(pods(PodSandboxFilter.newBuilder().setId(db.substring(0, 10)).build())).containsExactly(db);
        assertThat(pods(PodSandboxFilter.newBuilder().setState(PodSandboxStateValue.newBuilder()
                .setState(PodSandboxState.SANDBOX_READY)).build())).containsExactly(web);
        assertThat(pods(PodSandboxFilter.newBuilder().setState(PodSandboxStateValue.newBuilder()
                .setState(PodSandboxState.SANDBOX_NOTREADY)).build())).containsExactly(db);
        assertThat(pods(PodSandboxFilter.newBuilder().putLabelSelector("tier", "web").build())).containsExactly(web);
        assertThat(cri().runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(web).build())
                .getStatus().getLabelsMap()).containsEntry("tier", "web");
    }

    @Test
    void stoppingAPodStopsItsContainersAndRemovingItRemovesThem() {
        String pod = cri().runPod("owner");
        String running = cri().run(pod, cri().container("running", "sleep", "300"));
        String created = cri().create(pod, cri().container("created", "true"));
        long pid = cri().pid(running);

        cri().runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        assertThat(cri().status(running).getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
        assertThat(cri().status(created).getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
        assertThat(Path.of("/proc", Long.toString(pid))).doesNotExist();

        cri().runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        assertThat(containers(ContainerFilter.getDefaultInstance())).isEmpty();
        for (String id : List.of(running, created)) {
            assertThatThrownBy(() -> cri().runtime().containerStatus(ContainerStatusRequest.newBuilder()
                    .setContainerId(id).build())).isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        }
        suite.testbed().assertNothingLeftOfAnyPod();
    }

    private static List<String> containers(ContainerFilter filter) {
        return cri().runtime().listContainers(ListContainersRequest.newBuilder().setFilter(filter).build())
                .getContainersList().stream().map(Container::getId).toList();
    }

    private static List<String> pods(PodSandboxFilter filter) {
        return cri().runtime().listPodSandbox(ListPodSandboxRequest.newBuilder().setFilter(filter).build())
                .getItemsList().stream().map(PodSandbox::getId).toList();
    }
}
