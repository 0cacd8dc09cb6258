package io.berth.e2e.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.berth.cri.v1.Container;
import io.berth.cri.v1.ContainerConfig;
import io.berth.cri.v1.ContainerState;
import io.berth.cri.v1.ContainerStatus;
import io.berth.cri.v1.CreateContainerRequest;
import io.berth.cri.v1.ExecSyncRequest;
import io.berth.cri.v1.ExecSyncResponse;
import io.berth.cri.v1.ImageSpec;
import io.berth.cri.v1.ImageStatusRequest;
import io.berth.cri.v1.ImageStatusResponse;
import io.berth.cri.v1.ListContainersRequest;
import io.berth.cri.v1.PodSandbox;
import io.berth.cri.v1.PodSandboxConfig;
import io.berth.cri.v1.PodSandboxState;
import io.berth.cri.v1.RemoveContainerRequest;
import io.berth.cri.v1.RemoveImageRequest;
import io.berth.cri.v1.RemovePodSandboxRequest;
import io.berth.cri.v1.RunPodSandboxRequest;
import io.berth.cri.v1.StopContainerRequest;
import io.berth.e2e.harness.BerthdProcess;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.server.failpoint.FailPoint;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * berthd killed with {@code -9} inside an RPC, at every {@link FailPoint}: with the point armed (through the
 * testbed's arming file), berthd dies there; restarted with none armed, every object the RPC touched is either fully
 * there and usable or fully gone with nothing of it left on the host, and the request kubelet repeats after such a
 * failure (the same name, the same attempt) succeeds. One berthd and one registry serve every point: each costs one
 * restart. Beside {@code RecoveryE2eTest}, which kills berthd between RPCs.
 */
class CrashPointE2eTest {
    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    private static final Duration SETTLE = Duration.ofSeconds(15);

    private static CrashTestbed testbed;
    private static BerthdProcess berthd;
    /** The host with the busybox image pulled and no pod: what every test must leave. */
    private static CrashResidue clean;

    @BeforeAll
    static void startTestbed() throws Exception {
        testbed = CrashTestbed.start(daemons);
        berthd = testbed.berthd();
        clean = testbed.residue();
    }

    @AfterAll
    static void closeTestbed() {
        if (testbed != null) {
            testbed.close();
        }
    }

    @AfterEach
    void removeEverythingAndCheckTheHost() {
        testbed.disarm();
        if (!berthd.isAlive()) {
            berthd.restart();
        }
        testbed.removeAllPods();
        testbed.cri().images().removeImage(RemoveImageRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage(testbed.pulledImage())).build());
        await().atMost(SETTLE).untilAsserted(() -> assertThat(testbed.residue()).isEqualTo(clean));
    }

    /**
     * Every fail point berthd has; {@code -Dberth.e2e.crashPoints=<id>,<id>} narrows the run to some (while
     * working on one).
     */
    static Stream<FailPoint> points() {
        String only = System.getProperty("berth.e2e.crashPoints", "");
        Set<String> ids = Set.of(only.split(","));
        return Stream.of(FailPoint.values()).filter(p -> only.isBlank() || ids.contains(p.id()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("points")
    void aCrashAtThePointIsFinishedOrUndoneAndTheRetrySucceeds(FailPoint point) {
        Scenario scenario = scenarioFor(point);
        scenario.arrange();
        testbed.arm(point);

        assertThatThrownBy(scenario::interruptedCall).isInstanceOf(StatusRuntimeException.class);
        assertThat(berthd.awaitExit(CrashTestbed.TIMEOUT)).as("berthd killed itself").hasValue(137);
        assertThat(berthd.logText()).contains("fail point " + point.id() + " reached");
        testbed.disarm();
        berthd.restart();

        scenario.afterRestart();
    }

    private Scenario scenarioFor(FailPoint point) {
        return switch (point) {
            case RUN_POD_SANDBOX_AFTER_NAMESPACES, RUN_POD_SANDBOX_AFTER_NETWORK, RUN_POD_SANDBOX_BEFORE_RECORD ->
                    new RunPodSandboxCut();
            case CREATE_CONTAINER_AFTER_BUNDLE, CREATE_CONTAINER_AFTER_RUNTIME_CREATE -> new CreateContainerCut();
            case START_CONTAINER_AFTER_RUNTIME_START -> new StartContainerCut();
            case STOP_CONTAINER_AFTER_SIGNAL -> new StopContainerCut();
            case REMOVE_CONTAINER_AFTER_CLEANUP, REMOVE_POD_SANDBOX_AFTER_STOP, REMOVE_POD_SANDBOX_BEFORE_RECORD ->
                    new RemovePodSandboxCut();
            case PULL_IMAGE_AFTER_BLOB_WRITE, PULL_IMAGE_BEFORE_RECORD -> new PullImageCut();
        };
    }

    /** One RPC cut short: what exists before it, the call that dies, and what must hold after the restart. */
    private interface Scenario {
        void arrange();

        void interruptedCall();

        void afterRestart();
    }

    /** The sandbox is recorded last: a cut RunPodSandbox leaves no pod and nothing on the host. */
    private static final class RunPodSandboxCut implements Scenario {
        private final PodSandboxConfig pod = testbed.pod("run-cut");
        private final RunPodSandboxRequest request = testbed.runPodRequest(pod);
        private CrashResidue before;

        @Override
        public void arrange() {
            before = testbed.residue();
        }

        @Override
        public void interruptedCall() {
            testbed.cri().runtime().runPodSandbox(request);
        }

        @Override
        public void afterRestart() {
            assertThat(testbed.pods()).isEmpty();
            assertThat(testbed.residue()).as("namespaces, /dev/shm, veth, init, cgroups, dirs").isEqualTo(before);
            // kubelet finds no sandbox for the pod and sends the same config again (attempt 0).
            String id = testbed.cri().runtime().runPodSandbox(request).getPodSandboxId();
            assertThat(testbed.pods()).extracting(PodSandbox::getId, PodSandbox::getState)
                    .containsExactly(tuple(id, PodSandboxState.SANDBOX_READY));
            String container = testbed.create(id, pod, testbed.container("works", "echo works"));
            testbed.start(container);
            assertThat(testbed.awaitExit(container).getExitCode()).isZero();
        }
    }

    /** The container is recorded last: a cut CreateContainer leaves no container and nothing of it on the host. */
    private static final class CreateContainerCut implements Scenario {
        private final PodSandboxConfig pod = testbed.pod("create-cut");
        private final ContainerConfig container = testbed.container("cut", "echo created-after-crash");
        private CreateContainerRequest request;
        private CrashResidue before;

        @Override
        public void arrange() {
            request = testbed.createRequest(testbed.runPod(pod), pod, container);
            before = testbed.residue();
        }

        @Override
        public void interruptedCall() {
            testbed.cri().runtime().createContainer(request);
        }

        @Override
        public void afterRestart() {
            assertThat(containers()).isEmpty();
            assertThat(testbed.residue()).as("run dir, bundle, snapshot, shim, runtime container").isEqualTo(before);
            // kubelet finds no container of that name and creates it again with the same attempt.
            String id = testbed.cri().runtime().createContainer(request).getContainerId();
            testbed.start(id);
            assertThat(testbed.awaitExit(id).getExitCode()).isZero();
        }
    }

    /** The process started before the record said so: recovery finishes the start. */
    private static final class StartContainerCut implements Scenario {
        private String container;

        @Override
        public void arrange() {
            PodSandboxConfig pod = testbed.pod("start-cut");
            container = testbed.create(testbed.runPod(pod), pod, testbed.container("started", "sleep 300"));
        }

        @Override
        public void interruptedCall() {
            testbed.start(container);
        }

        @Override
        public void afterRestart() {
            // kubelet does not send StartContainer again: it sees the container RUNNING, as it is.
            ContainerStatus status = testbed.status(container);
            assertThat(status.getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
            assertThat(status.getStartedAt()).isPositive();
            ExecSyncResponse exec = testbed.cri().runtime().execSync(ExecSyncRequest.newBuilder()
                    .setContainerId(container).addAllCmd(List.of("echo", "alive")).setTimeout(30).build());
            assertThat(exec.getStdout().toStringUtf8()).isEqualTo("alive\n");
            stop(container, 0);
            assertThat(testbed.status(container).getExitCode()).isEqualTo(137);
        }
    }

    /** The stop signal was sent and berthd died in the grace period: the exit is recorded, the retry succeeds. */
    private static final class StopContainerCut implements Scenario {
        private static final String EXITS_ON_TERM =
                "trap 'exit 3' TERM; echo ready; while true; do sleep 0.1; done";
        private String container;

        @Override
        public void arrange() {
            PodSandboxConfig pod = testbed.pod("stop-cut");
            container = testbed.create(testbed.runPod(pod), pod, testbed.container("stopped", EXITS_ON_TERM));
            testbed.start(container);
            Path log = Path.of(pod.getLogDirectory(), "stopped/0.log");
            // The trap is set once it says so; a TERM before that would end it with 143.
            await().atMost(CrashTestbed.TIMEOUT).until(() -> Files.exists(log)
                    && Files.readString(log, StandardCharsets.UTF_8).contains("ready"));
        }

        @Override
        public void interruptedCall() {
            stop(container, 30);
        }

        @Override
        public void afterRestart() {
            assertThat(testbed.awaitExit(container).getExitCode()).as("its own exit, on the signal").isEqualTo(3);
            // kubelet repeats StopContainer until it succeeds, then removes the container.
            stop(container, 30);
            testbed.cri().runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(container)
                    .build());
            assertThat(containers()).isEmpty();
        }
    }

    /** Anywhere in a RemovePodSandbox: the pod stays listed NOTREADY until the repeated remove takes the rest. */
    private static final class RemovePodSandboxCut implements Scenario {
        private String pod;

        @Override
        public void arrange() {
            PodSandboxConfig config = testbed.pod("remove-cut");
            pod = testbed.runPod(config);
            testbed.start(testbed.create(pod, config, testbed.container("running", "sleep 300")));
        }

        @Override
        public void interruptedCall() {
            remove(pod);
        }

        @Override
        public void afterRestart() {
            assertThat(testbed.pods()).extracting(PodSandbox::getState).containsExactly(
                    PodSandboxState.SANDBOX_NOTREADY);
            assertThat(containers()).allSatisfy(c -> assertThat(c.getState())
                    .isEqualTo(ContainerState.CONTAINER_EXITED));
            // kubelet's garbage collector repeats RemovePodSandbox for a pod it still lists.
            remove(pod);
            assertThat(testbed.pods()).isEmpty();
            assertThat(containers()).isEmpty();
        }

        private static void remove(String pod) {
            testbed.cri().runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod)
                    .build());
        }
    }

    /** The image is recorded last: a cut pull leaves no image, no blob, no snapshot, no ingest file. */
    private static final class PullImageCut implements Scenario {
        private CrashResidue before;

        @Override
        public void arrange() {
            before = testbed.residue();
        }

        @Override
        public void interruptedCall() {
            testbed.pull(testbed.pulledImage());
        }

        @Override
        public void afterRestart() {
            assertThat(imageStatus().hasImage()).isFalse();
            assertThat(testbed.residue()).as("blobs, ingest files and layer snapshots").isEqualTo(before);
            // kubelet pulls again after its back-off.
            String ref = testbed.pull(testbed.pulledImage());
            assertThat(imageStatus().getImage().getId()).isEqualTo(ref);
        }

        private static ImageStatusResponse imageStatus() {
            return testbed.cri().images().imageStatus(ImageStatusRequest.newBuilder()
                    .setImage(ImageSpec.newBuilder().setImage(testbed.pulledImage())).build());
        }
    }

    private static List<Container> containers() {
        return testbed.cri().runtime().listContainers(ListContainersRequest.getDefaultInstance())
                .getContainersList();
    }

    private static void stop(String container, long timeoutSeconds) {
        testbed.cri().runtime().withDeadlineAfter(timeoutSeconds + 60, TimeUnit.SECONDS)
                .stopContainer(StopContainerRequest.newBuilder().setContainerId(container)
                        .setTimeout(timeoutSeconds).build());
    }
}
