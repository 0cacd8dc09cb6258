package io.berth.e2e.pods;

import io.berth.e2e.harness.HostCommands;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.cri.v1.Container;
import io.berth.cri.v1.ContainerState;
import io.berth.cri.v1.ContainerStatus;
import io.berth.cri.v1.ListContainersRequest;
import io.berth.cri.v1.ListPodSandboxRequest;
import io.berth.cri.v1.Mount;
import io.berth.cri.v1.NamespaceMode;
import io.berth.cri.v1.PodSandbox;
import io.berth.cri.v1.PodSandboxState;
import io.berth.cri.v1.RemoveContainerRequest;
import io.berth.cri.v1.RemovePodSandboxRequest;
import io.berth.cri.v1.StopPodSandboxRequest;
import io.berth.e2e.harness.BerthdProcess;
import io.berth.e2e.harness.E2eDaemons;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * berthd dies and comes back: {@code kill -9} with pods and containers in every state loses nothing (same lists,
 * running containers keep their pids, an exit while down keeps its code, the log keeps every line); a shim host
 * killed with {@code -9} while berthd is down makes its containers EXITED with a reason, never stuck RUNNING
 * (with berthd up a new host adopts them: {@link ShimHostE2eTest}); after a reboot (run state gone)
 * pods are NOTREADY, containers EXITED, and all of them are still removable.
 */
class RecoveryE2eTest {
    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    private static final String COUNTER = "i=0; while true; do echo $i; i=$((i+1)); sleep 0.1; done";

    private static PodTestbed testbed;
    private static PodCalls cri;
    private static BerthdProcess berthd;

    @BeforeAll
    static void startBerthd() throws Exception {
        testbed = PodTestbed.start(daemons, "rc", 225);
        cri = testbed.cri();
        berthd = testbed.berthd();
    }

    @AfterEach
    void removePodsAndCheckTheHost() {
        testbed.removeAllPods();
        testbed.assertNothingLeftOfAnyPod();
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (testbed != null) {
            testbed.close();
        }
    }

    @Test
    void killDashNineLosesNoPodNoContainerNoExitCodeAndNoLogLine() throws Exception {
        Path trigger = testbed.dir("trigger-" + System.nanoTime());
        String pod = cri.runPod(cri.podConfig("survivor", NamespaceMode.POD));
        String created = cri.create(pod, cri.shell("created", "echo started-after-restart"));
        String running = cri.run(pod, cri.container("running", "sleep", "300"));
        String exitedBefore = cri.run(pod, cri.shell("exited-before", "exit 4"));
        String exitsWhileDown = cri.run(pod, cri.shell("exits-while-down",
                "while [ ! -e /trigger/go ]; do sleep 0.1; done; exit 7")
                .addMounts(Mount.newBuilder().setHostPath(trigger.toString()).setContainerPath("/trigger")));
        String counter = cri.run(pod, cri.shell("counter", COUNTER));
        String stoppedPod = cri.runPod("stopped");
        String stoppedContainer = cri.run(stoppedPod, cri.container("was-running", "sleep", "300"));
        cri.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(stoppedPod).build());
        cri.awaitExit(exitedBefore);
        await().atMost(PodCalls.EXIT_TIMEOUT).until(() -> CriLogLine.read(cri.logPath(counter)).size() >= 5);

        List<PodSandbox> podsBefore = pods();
        List<Container> containersBefore = containers();
        long runningPid = cri.pid(running);
        long counterPid = cri.pid(counter);
        Path counterLog = cri.logPath(counter);
        Path exitFile = cri.runDir(exitsWhileDown).resolve("exit");

        berthd.kill9();
        Files.writeString(trigger.resolve("go"), "");
        // The shim records the exit and keeps logging while no berthd is there to hear of it.
        await().atMost(PodCalls.EXIT_TIMEOUT).until(() -> Files.exists(exitFile));
        int linesWhileDown = CriLogLine.read(counterLog).size();
        await().atMost(PodCalls.EXIT_TIMEOUT).until(() -> CriLogLine.read(counterLog).size() >= linesWhileDown + 5);
        long restartedAtNanos = System.currentTimeMillis() * 1_000_000L;
        berthd.restart();

        assertThat(pods()).isEqualTo(podsBefore);
        assertThat(containers()).isEqualTo(containersBefore.stream().map(c -> c.getId().equals(exitsWhileDown)
                ? c.toBuilder().setState(ContainerState.CONTAINER_EXITED).build() : c).toList());
        ContainerStatus whileDown = cri.status(exitsWhileDown);
        assertThat(whileDown.getExitCode()).isEqualTo(7);
        assertThat(whileDown.getReason()).isEqualTo("Error");
        assertThat(whileDown.getFinishedAt()).as("when it really exited").isBetween(whileDown.getStartedAt(),
                restartedAtNanos);
        assertThat(cri.status(exitedBefore).getExitCode()).isEqualTo(4);
        assertThat(cri.status(stoppedContainer).getExitCode()).isEqualTo(137);
        assertThat(cri.podStatus(pod).getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
        assertThat(cri.podStatus(stoppedPod).getState()).isEqualTo(PodSandboxState.SANDBOX_NOTREADY);

        assertThat(cri.pid(running)).isEqualTo(runningPid);
        assertThat(HostResidue.cmdlineOf(runningPid)).as("still the same process").isEqualTo("sleep\0" + "300\0");
        assertThat(cri.pid(counter)).isEqualTo(counterPid);
        int linesAtRestart = CriLogLine.read(counterLog).size();
        await().atMost(PodCalls.EXIT_TIMEOUT).until(() -> CriLogLine.read(counterLog).size() >= linesAtRestart + 5);

        // The reattached shims still obey: stop one, start the one that was only created.
        cri.stop(counter, 0);
        assertThat(cri.status(counter).getExitCode()).isEqualTo(137);
        List<Integer> numbers = cri.output(counter).stream().map(Integer::parseInt).toList();
        assertThat(numbers).as("no line lost or repeated across kill -9 and restart")
                .isEqualTo(IntStream.range(0, numbers.size()).boxed().toList())
                .hasSizeGreaterThanOrEqualTo(linesAtRestart + 5);
        cri.start(created);
        assertThat(cri.awaitExit(created).getExitCode()).isZero();
        assertThat(cri.output(created)).containsExactly("started-after-restart");
    }

    /**
     * The node's shim host outlives each berthd, and a berthd killed with -9 never unsubscribes from its exits.
     * Nine restarts with nothing exiting in between once filled the host's eight places with dead subscribers:
     * the tenth berthd heard no exit, and StopContainer timed out with the container long dead.
     */
    @Test
    void afterNineKillDashNineRestartsInARowAStopIsStillHeard() throws Exception {
        String pod = cri.runPod("restarted");
        String container = cri.run(pod, cri.container("sleeper", "sleep", "300"));
        long pid = cri.pid(container);

        for (int i = 0; i < 9; i++) {
            berthd.kill9();
            berthd.restart();
        }
        assertThat(cri.pid(container)).isEqualTo(pid);

        cri.stop(container, 0);
        assertThat(cri.status(container).getExitCode()).isEqualTo(137);
        assertThat(cri.status(container).getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
    }

    @Test
    void aShimHostKilledWhileBerthdIsDownTurnsItsContainersExitedWithAReasonAndKillsThem() throws Exception {
        String pod = cri.runPod("orphaned");
        String whileDown = cri.run(pod, cri.container("host-dies-while-down", "sleep", "300"));
        long whileDownPid = cri.pid(whileDown);

        // berthd held the duplicates of the container's stdio that a new host would adopt it with; with
        // berthd down too, nothing can adopt it, and berth says so rather than report it RUNNING.
        long host = cri.shimPid(whileDown);
        berthd.kill9();
        HostCommands.kill9(host);
        await().atMost(PodCalls.EXIT_TIMEOUT).until(() -> !Files.exists(Path.of("/proc", Long.toString(host))));
        berthd.restart();
        ContainerStatus lostWhileDown = cri.status(whileDown);
        assertThat(lostWhileDown.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
        assertThat(lostWhileDown.getReason()).isNotEmpty();
        assertThat(lostWhileDown.getMessage()).contains("shim");

        // EXITED must be true: a container whose shim is gone is killed, not left running unwatched.
        await().atMost(Duration.ofSeconds(30)).until(() -> !Files.exists(Path.of("/proc", Long.toString(whileDownPid))));
        cri.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(whileDown).build());
    }

    @Test
    void afterARebootPodsAreNotReadyContainersExitedAndEverythingIsRemovable() throws Exception {
        String plain = cri.runPod("rebooted");
        String running = cri.run(plain, cri.container("running", "sleep", "300"));
        String created = cri.create(plain, cri.container("created", "true"));
        String exited = cri.run(plain, cri.shell("exited", "exit 0"));
        String withInit = cri.runPod(cri.podConfig("rebooted-pid", NamespaceMode.POD));
        String inInitPod = cri.run(withInit, cri.container("in-init-pod", "sleep", "300"));
        cri.awaitExit(exited);

        berthd.stop();
        RunState.wipeAsARebootWould(berthd.state(), testbed.cgroupParent());
        berthd.restart();

        Map<String, PodSandboxState> podStates = pods().stream()
                .collect(Collectors.toMap(PodSandbox::getId, PodSandbox::getState));
        assertThat(podStates).containsOnly(Map.entry(plain, PodSandboxState.SANDBOX_NOTREADY),
                Map.entry(withInit, PodSandboxState.SANDBOX_NOTREADY));
        for (String id : List.of(running, created, inInitPod)) {
            ContainerStatus status = cri.status(id);
            assertThat(status.getState()).as(id).isEqualTo(ContainerState.CONTAINER_EXITED);
            assertThat(status.getReason()).as(id).isNotEmpty();
            assertThat(status.getMessage()).as(id).contains("run state");
        }
        assertThat(cri.status(exited).getReason()).as("exited before: as it was").isEqualTo("Completed");

        for (String id : List.of(running, created, exited, inInitPod)) {
            cri.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
        }
        for (String id : List.of(plain, withInit)) {
            cri.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
        }
        assertThat(pods()).isEmpty();
        assertThat(containers()).isEmpty();
    }

    private static List<PodSandbox> pods() {
        return cri.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList().stream()
                .sorted(Comparator.comparing(PodSandbox::getId)).toList();
    }

    private static List<Container> containers() {
        return cri.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList().stream()
                .sorted(Comparator.comparing(Container::getId)).toList();
    }
}
