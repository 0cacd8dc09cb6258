package io.berth.e2e.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.berth.cri.v1.ContainerFilter;
import io.berth.cri.v1.ContainerState;
import io.berth.cri.v1.ContainerStatus;
import io.berth.cri.v1.ListContainersRequest;
import io.berth.cri.v1.ListPodSandboxRequest;
import io.berth.cri.v1.NamespaceMode;
import io.berth.cri.v1.RemoveContainerRequest;
import io.berth.cri.v1.RemovePodSandboxRequest;
import io.berth.cri.v1.RunPodSandboxRequest;
import io.berth.cri.v1.StartContainerRequest;
import io.berth.cri.v1.StopContainerRequest;
import io.berth.cri.v1.StopPodSandboxRequest;
import io.berth.e2e.harness.E2eDaemons;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An OCI runtime that fails, hangs or lies, through a stand-in script set as the {@code faulty} runtime handler
 * (see {@link RuntimeFaultTestbed}): each fault comes back as a gRPC error that says what the runtime said on
 * stderr or that it timed out, well before the client's deadline; a hung runtime is killed with what it forked;
 * nothing of the container is left (runtime state, bundle, rootfs mount); the pod still stops and is removed.
 * Also a container that ignores SIGTERM (killed after the stop timeout, exit 137) and one whose init exits while
 * its children run on (EXITED with the init's code, the children gone).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RuntimeFaultE2eTest {
    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    /** berthd's bound on one runtime command here; the client's deadline is far above it. */
    private static final int RUNTIME_TIMEOUT_SECONDS = 3;
    private static final Duration CLIENT_DEADLINE = Duration.ofSeconds(25);
    private static final String SLEEPER = "echo ready; exec sleep 3600";

    private static RuntimeFaultTestbed testbed;
    private static String faultyPod;

    @BeforeAll
    static void start() throws Exception {
        testbed = RuntimeFaultTestbed.start(daemons, "rf",
                "[shim]\nruntime_timeout_seconds = " + RUNTIME_TIMEOUT_SECONDS);
        faultyPod = testbed.runPod("faulty-pod", "faulty");
    }

    @AfterAll
    static void stop() {
        if (testbed != null) {
            testbed.close();
        }
    }

    @Test
    void aCreateThatFailsIsAnErrorCarryingWhatTheRuntimeSaidOnStderr() {
        StatusRuntimeException e = createFails("create-fail");
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(e.getStatus().getDescription()).contains("create").contains("exit 3")
                .contains(RuntimeFaultTestbed.REFUSAL + " create");
    }

    @Test
    void aCreateThatHangsIsKilledAndReportedAsTimedOutBeforeTheClientsDeadline() {
        long start = System.nanoTime();
        StatusRuntimeException e = createFails("create-hang");
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isNotEqualTo(Status.Code.DEADLINE_EXCEEDED);
        assertThat(e.getStatus().getDescription()).contains("timed out").contains(RUNTIME_TIMEOUT_SECONDS + "s");
        assertThat(took).isLessThan(CLIENT_DEADLINE);
        assertNoHungStandIn();
    }

    @Test
    void aCreateThatExitsZeroButCreatesNothingIsAnError() {
        StatusRuntimeException e = createFails("create-nothing");
        assertThat(e.getStatus().getDescription()).contains("created nothing");
    }

    @Test
    void aStartThatFailsIsAnErrorAndTheContainerIsStillRemovable() {
        String id = create("start-fail", SLEEPER);
        StatusRuntimeException e = catchThrowableOfType(() -> testbed.runtime()
                .withDeadlineAfter(CLIENT_DEADLINE.toSeconds(), TimeUnit.SECONDS)
                .startContainer(StartContainerRequest.newBuilder().setContainerId(id).build()),
                StatusRuntimeException.class);
        assertThat(e).isNotNull();
        assertThat(e.getStatus().getDescription()).contains(RuntimeFaultTestbed.REFUSAL + " start");
        assertThat(testbed.status(id).getState()).isNotEqualTo(ContainerState.CONTAINER_RUNNING);
        remove(id);
        assertNothingLeftOf(id);
    }

    @Test
    void aKillThatHangsTimesOutAndAStopAfterItStillStopsTheContainer() {
        String id = create("kill-hang", SLEEPER);
        start(id);
        long begin = System.nanoTime();
        StatusRuntimeException e = catchThrowableOfType(() -> stopContainer(id, 0), StatusRuntimeException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - begin)).isLessThan(CLIENT_DEADLINE);
        assertThat(e).isNotNull();
        assertThat(e.getStatus().getDescription()).contains("kill").contains("timed out");
        assertNoHungStandIn();

        stopContainer(id, 0);
        assertThat(testbed.status(id).getExitCode()).isEqualTo(137);
        remove(id);
        assertNothingLeftOf(id);
    }

    @Test
    void aDeleteThatFailsIsAnErrorAndRemovingAgainWorks() {
        String id = create("delete-fail", "exit 0");
        start(id);
        testbed.awaitExit(id);
        StatusRuntimeException e = catchThrowableOfType(() -> remove(id), StatusRuntimeException.class);
        assertThat(e).isNotNull();
        assertThat(e.getStatus().getDescription()).contains(RuntimeFaultTestbed.REFUSAL + " delete");
        remove(id);
        assertNothingLeftOf(id);
    }

    @Test
    void aDeleteThatHangsTimesOutAndRemovingAgainWorks() {
        String id = create("delete-hang", "exit 0");
        start(id);
        testbed.awaitExit(id);
        StatusRuntimeException e = catchThrowableOfType(() -> remove(id), StatusRuntimeException.class);
        assertThat(e).isNotNull();
        assertThat(e.getStatus().getDescription()).contains("delete").contains("timed out");
        assertNoHungStandIn();
        remove(id);
        assertNothingLeftOf(id);
    }

    @Test
    void aRuntimeBinaryThatDoesNotExistIsNamedAndNoPodIsLeft() {
        StatusRuntimeException e = catchThrowableOfType(() -> testbed.runtime()
                .withDeadlineAfter(CLIENT_DEADLINE.toSeconds(), TimeUnit.SECONDS)
                .runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(testbed.podConfig("missing-pod"))
                        .setRuntimeHandler("missing").build()), StatusRuntimeException.class);
        assertThat(e).isNotNull();
        assertThat(e.getStatus().getDescription()).contains("no-such-runtime");
        assertThat(testbed.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList())
                .extracting(p -> p.getMetadata().getName()).doesNotContain("missing-pod");
    }

    @Test
    void aContainerThatIgnoresSigtermIsKilledAfterTheStopTimeoutWithExit137() {
        String id = create("", "trap '' TERM; echo ready; while true; do sleep 1; done");
        start(id);
        awaitOutput(id, "ready");
        long begin = System.nanoTime();
        stopContainer(id, 2);
        Duration took = Duration.ofNanos(System.nanoTime() - begin);
        ContainerStatus status = testbed.status(id);
        assertThat(took).as("SIGKILL only after the timeout").isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        assertThat(status.getExitCode()).isEqualTo(137);
        assertThat(status.getReason()).as("containerd's reason for a non-zero exit").isEqualTo("Error");
        remove(id);
        assertNothingLeftOf(id);
    }

    @Test
    void anInitInItsOwnPidNamespaceThatExitsLeavingChildrenIsExitedWithItsCodeAndTheChildrenAreGone() {
        // Its PID namespace ends with its init: the kernel kills the orphans.
        initExitsLeavingChildren(NamespaceMode.CONTAINER, "sleep 3601");
    }

    @Test
    void anInitInThePodsPidNamespaceThatExitsLeavingChildrenIsExitedWithItsCodeAndTheChildrenAreKilled() {
        // The pod's namespace lives on: berth kills what the init left, as containerd does.
        initExitsLeavingChildren(NamespaceMode.POD, "sleep 3602");
    }

    private void initExitsLeavingChildren(NamespaceMode pid, String child) {
        String id = testbed.runtime().withDeadlineAfter(CLIENT_DEADLINE.toSeconds(), TimeUnit.SECONDS)
                .createContainer(testbed.container(faultyPod, "forks-" + pid.name().toLowerCase(), "", pid,
                        child + " & " + child + " & echo forked; exit 7")).getContainerId();
        start(id);
        ContainerStatus status = testbed.awaitExit(id);
        assertThat(status.getExitCode()).isEqualTo(7);
        assertThat(RuntimeFaultTestbed.processes(child)).as("processes the init left").isEmpty();
        remove(id);
        assertNothingLeftOf(id);
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void afterEveryFaultThePodStillStopsAndIsRemovedLeavingNothing() {
        testbed.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(faultyPod).build());
        testbed.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(faultyPod).build());
        assertThat(testbed.mounts()).isEmpty();
        assertThat(testbed.runtimeContainers()).isEmpty();
        assertThat(testbed.runDirs()).isEmpty();
        assertThat(testbed.cgroups()).isEmpty();
    }

    private StatusRuntimeException createFails(String fault) {
        StatusRuntimeException e = catchThrowableOfType(() -> create(fault, SLEEPER), StatusRuntimeException.class);
        assertThat(e).as("CreateContainer with %s", fault).isNotNull();
        assertNothingLeftOfFailedCreate(name(fault));
        return e;
    }

    private String create(String fault, String script) {
        return testbed.runtime().withDeadlineAfter(CLIENT_DEADLINE.toSeconds(), TimeUnit.SECONDS)
                .createContainer(testbed.container(faultyPod, name(fault), fault, script)).getContainerId();
    }

    /** The fault names the container: one container per fault. */
    private static String name(String fault) {
        return fault.isEmpty() ? "sigterm-ignorer" : fault;
    }

    private void start(String id) {
        testbed.runtime().withDeadlineAfter(CLIENT_DEADLINE.toSeconds(), TimeUnit.SECONDS)
                .startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
    }

    private void stopContainer(String id, long timeout) {
        testbed.runtime().withDeadlineAfter(CLIENT_DEADLINE.toSeconds() + timeout, TimeUnit.SECONDS)
                .stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(timeout).build());
    }

    private void remove(String id) {
        testbed.runtime().withDeadlineAfter(CLIENT_DEADLINE.toSeconds(), TimeUnit.SECONDS)
                .removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
    }

    private void awaitOutput(String id, String line) {
        Path log = Path.of(testbed.status(id).getLogPath());
        await().atMost(RuntimeFaultTestbed.EXIT_TIMEOUT).until(() -> Files.exists(log)
                && Files.readAllLines(log).stream().anyMatch(l -> l.endsWith(" " + line)));
    }

    /**
     * A failed create leaves no container record, and no runtime state, run dir or mount beside those of the
     * containers that exist (the tests share one pod).
     */
    private void assertNothingLeftOfFailedCreate(String name) {
        List<String> existing = testbed.runtime().listContainers(ListContainersRequest.newBuilder()
                .setFilter(ContainerFilter.newBuilder().setPodSandboxId(faultyPod)).build()).getContainersList()
                .stream().peek(c -> assertThat(c.getMetadata().getName()).isNotEqualTo(name)).map(c -> c.getId())
                .toList();
        assertThat(testbed.runtimeContainers()).extracting(p -> p.getFileName().toString())
                .as("runtime state: the pod's init (a short id) and the containers that exist")
                .allMatch(id -> faultyPod.startsWith(id) || existing.contains(id));
        assertThat(testbed.runDirs()).extracting(p -> p.getFileName().toString())
                .allMatch(id -> faultyPod.startsWith(id) || existing.contains(id));
        assertThat(testbed.mounts()).filteredOn(m -> m.contains("/containers/"))
                .allMatch(m -> existing.stream().anyMatch(m::contains));
        assertNoHungStandIn();
    }

    /** SIGKILL is sent to the hung runtime's whole group before the RPC answers; the deaths follow at once. */
    private static void assertNoHungStandIn() {
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(testbed.hungStandIns())
                .as("the hung runtime and what it forked").isEmpty());
    }

    private void assertNothingLeftOf(String id) {
        assertThat(testbed.runtimeContainers()).noneMatch(p -> p.getFileName().toString().equals(id));
        assertThat(testbed.runDirs()).noneMatch(p -> p.getFileName().toString().equals(id));
        assertThat(testbed.mounts()).noneMatch(m -> m.contains(id));
    }
}
