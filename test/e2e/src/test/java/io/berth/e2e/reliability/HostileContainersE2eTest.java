package io.berth.e2e.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.cri.v1.ContainerConfig;
import io.berth.cri.v1.ContainerState;
import io.berth.cri.v1.ExecSyncRequest;
import io.berth.cri.v1.ExecSyncResponse;
import io.berth.cri.v1.LinuxContainerConfig;
import io.berth.cri.v1.LinuxContainerResources;
import io.berth.cri.v1.ListContainersRequest;
import io.berth.cri.v1.Mount;
import io.berth.cri.v1.NamespaceMode;
import io.berth.cri.v1.PodSandboxConfig;
import io.berth.cri.v1.RemoveContainerRequest;
import io.berth.cri.v1.ReopenContainerLogRequest;
import io.berth.cri.v1.VersionRequest;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.pods.CriLogLine;
import io.berth.e2e.pods.PodCalls;
import io.berth.e2e.pods.PodTestbed;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Containers that attack the node from inside: one that swaps its log for a symlink to a host file, one that
 * floods its log, one that forks without end. Each is contained: berth writes nothing through the link, answers
 * its RPCs and keeps other containers' logs flowing within the stated bounds, and removes the container after.
 */
class HostileContainersE2eTest {
    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    /**
     * The longest a CRI call or another container's log line may wait while a container floods its log. Generous
     * for a shared 2-core CI host; an event loop that one flood holds up stalls for as long as the flood lasts.
     */
    static final Duration FLOOD_BOUND = Duration.ofSeconds(2);
    private static final Duration FLOOD_TIME = Duration.ofSeconds(4);
    private static final int PIDS_LIMIT = 32;
    /** Waits for the test's reopen, writes 20 lines that would go through a followed link, then says so. */
    private static final String AFTER_REOPEN = " until test -e /tmp/reopened; do sleep 0.05; done;"
            + " for i in $(seq 1 20); do echo after $i; done; touch /tmp/wrote-after; sleep 600";

    private static PodTestbed testbed;
    private static PodCalls cri;

    @BeforeAll
    static void startBerthd() throws Exception {
        testbed = PodTestbed.start(daemons, "hc", 232);
        cri = testbed.cri();
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
    void aContainerThatSwapsItsLogFileForASymlinkGetsNothingWrittenThroughIt() throws Exception {
        Path hostFile = testbed.dir("host").resolve("precious");
        Files.writeString(hostFile, "untouched\n");
        PodSandboxConfig.Builder podConfig = cri.podConfig("log-swap", NamespaceMode.CONTAINER);
        String pod = cri.runPod(podConfig);
        Files.createDirectories(Path.of(podConfig.getLogDirectory()));
        // The container sees its own log directory, as a pod that mounts /var/log/pods by mistake would.
        String id = cri.run(pod, withLogDirMounted(cri.shell("swap", "echo before; rm /logs/swap/0.log;"
                + " ln -s " + hostFile + " /logs/swap/0.log; echo swapped > /tmp/swapped;"
                + AFTER_REOPEN), podConfig));
        awaitFile(id, "/tmp/swapped");

        assertReopenRefusedOrHarmless(id);

        assertThat(Files.readString(hostFile)).as("the host file the log link points to").isEqualTo("untouched\n");
        assertThat(Files.isSymbolicLink(Path.of(podConfig.getLogDirectory(), "swap", "0.log"))).isTrue();
    }

    @Test
    void aContainerThatSwapsItsLogDirectoryForASymlinkGetsNoLogCreatedThroughIt() throws Exception {
        Path hostDir = testbed.dir("host-dir-" + System.nanoTime());
        PodSandboxConfig.Builder podConfig = cri.podConfig("dir-swap", NamespaceMode.CONTAINER);
        String pod = cri.runPod(podConfig);
        Files.createDirectories(Path.of(podConfig.getLogDirectory()));
        String id = cri.run(pod, withLogDirMounted(cri.shell("swap", "echo before; rm -r /logs/swap;"
                + " ln -s " + hostDir + " /logs/swap; echo swapped > /tmp/swapped;"
                + AFTER_REOPEN), podConfig));
        awaitFile(id, "/tmp/swapped");

        assertReopenRefusedOrHarmless(id);

        try (var entries = Files.list(hostDir)) {
            assertThat(entries.toList()).as("the host dir the log dir link points to").isEmpty();
        }
    }

    @Test
    void aContainerFloodingItsLogHoldsUpNeitherBerthdNorAnotherContainersLog() throws Exception {
        String pod = cri.runPod("flood");
        String quiet = cri.run(pod, cri.shell("quiet", "while true; do echo tick; sleep 0.1; done"));
        cri.awaitOutput(quiet, "tick");
        // Long lines, so that the flood is bytes more than entries: the shim's loop and the disk both work.
        String flood = cri.run(pod, cri.shell("flood", "yes $(seq 1 300 | tr -d '\\n')"));

        Instant start = Instant.now();
        Duration slowestCall = Duration.ZERO;
        Instant floodEnds = start.plus(FLOOD_TIME);
        while (Instant.now().isBefore(floodEnds)) {
            Instant before = Instant.now();
            cri.runtime().version(VersionRequest.getDefaultInstance());
            cri.runtime().listContainers(ListContainersRequest.getDefaultInstance());
            cri.status(quiet);
            Duration took = Duration.between(before, Instant.now());
            slowestCall = took.compareTo(slowestCall) > 0 ? took : slowestCall;
        }
        Instant end = Instant.now();
        long floodBytes = Files.size(cri.logPath(flood));
        cri.stop(flood, 0);

        Duration widestGap = widestGap(CriLogLine.read(cri.logPath(quiet)), start, end);
        System.out.printf("log flood: %d MiB in %d ms; slowest CRI round (3 calls) %d ms;"
                + " widest gap between another container's lines %d ms%n", floodBytes >> 20,
                Duration.between(start, end).toMillis(), slowestCall.toMillis(), widestGap.toMillis());
        assertThat(floodBytes).as("the flood really flooded").isGreaterThan(1L << 20);
        assertThat(slowestCall).as("three CRI calls during the flood").isLessThan(FLOOD_BOUND);
        assertThat(widestGap).as("between lines of the quiet container (it writes every 100 ms)")
                .isLessThan(FLOOD_BOUND);
    }

    @Test
    void aContainerThatForksWithoutEndIsHeldByItsPidsLimitAndIsRemovable() throws Exception {
        String pod = cri.runPod("bomb");
        String quiet = cri.run(pod, cri.shell("quiet", "sleep 600"));
        ContainerConfig.Builder bomb = cri.shell("bomb", "echo lit; sleep 600");
        bomb.setLinux(LinuxContainerConfig.newBuilder().setResources(LinuxContainerResources.newBuilder()
                .putUnified("pids.max", Integer.toString(PIDS_LIMIT))
                // Half a core: a bomb on a shared CI host should not take both.
                .setCpuPeriod(100_000).setCpuQuota(50_000)));
        String id = cri.run(pod, bomb);
        cri.awaitOutput(id, "lit");
        Path pidsCgroup = PodCalls.cgroupOf(cri.pid(id), "pids");
        // Forks until the kernel refuses; ash then gives up, but the children it made stay (as zombies of the
        // container's init, which reaps nothing), holding the cgroup at its limit.
        try {
            ExecSyncResponse bombed = cri.runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(id)
                    .addCmd("sh").addCmd("-c").addCmd("while true; do sleep 600 >/dev/null 2>&1 & done")
                    .setTimeout(10).build());
            assertThat(bombed.getStderr().toStringUtf8()).as("exit %d", bombed.getExitCode()).contains("fork");
        } catch (StatusRuntimeException stillForking) {
            assertThat(stillForking.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        }
        // The forking shell itself was one of them, and is gone now it gave up.
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(readLong(pidsCgroup.resolve(
                "pids.current"))).as("pids in %s", pidsCgroup).isBetween(PIDS_LIMIT - 1L, (long) PIDS_LIMIT));

        assertThat(readLong(pidsCgroup.resolve("pids.max"))).isEqualTo(PIDS_LIMIT);
        assertThat(readLong(pidsCgroup.resolve("pids.current"))).isLessThanOrEqualTo(PIDS_LIMIT);
        Instant before = Instant.now();
        ExecSyncResponse other = cri.runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(quiet)
                .addCmd("echo").addCmd("alive").setTimeout(10).build());
        Duration execTook = Duration.between(before, Instant.now());
        assertThat(other.getStdout().toStringUtf8()).isEqualTo("alive\n");
        System.out.printf("fork bomb: pids.current %d of %d; exec in another container took %d ms%n",
                readLong(pidsCgroup.resolve("pids.current")), PIDS_LIMIT, execTook.toMillis());

        before = Instant.now();
        cri.stop(id, 0);
        assertThat(cri.status(id).getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
        cri.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
        System.out.printf("fork bomb: stopped and removed in %d ms%n", Duration.between(before, Instant.now())
                .toMillis());
        assertThat(cri.status(quiet).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        await().atMost(Duration.ofSeconds(15)).until(() -> !Files.exists(pidsCgroup));
    }

    /**
     * A ReopenContainerLog after the swap must not open through the link. Then the container writes 20 more
     * lines (which would go through the link had berth followed it) and says so.
     */
    private static void assertReopenRefusedOrHarmless(String id) {
        try {
            cri.runtime().reopenContainerLog(ReopenContainerLogRequest.newBuilder().setContainerId(id).build());
        } catch (StatusRuntimeException refused) {
            assertThat(refused.getStatus().getCode()).as("%s", refused.getStatus())
                    .isIn(Status.Code.FAILED_PRECONDITION, Status.Code.INVALID_ARGUMENT);
            assertThat(refused.getStatus().getDescription()).as("%s", refused.getStatus()).contains("log");
        }
        cri.runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(id).addCmd("touch")
                .addCmd("/tmp/reopened").setTimeout(10).build());
        awaitFile(id, "/tmp/wrote-after");
        assertThat(cri.status(id).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
    }

    private static ContainerConfig.Builder withLogDirMounted(ContainerConfig.Builder container,
            PodSandboxConfig.Builder pod) {
        return container.addMounts(Mount.newBuilder().setHostPath(pod.getLogDirectory()).setContainerPath("/logs"));
    }

    private static void awaitFile(String containerId, String path) {
        await().atMost(PodCalls.EXIT_TIMEOUT).until(() -> cri.runtime().execSync(ExecSyncRequest.newBuilder()
                .setContainerId(containerId).addCmd("test").addCmd("-e").addCmd(path).setTimeout(10).build())
                .getExitCode() == 0);
    }

    private static Duration widestGap(List<CriLogLine> lines, Instant from, Instant to) {
        List<Instant> times = new ArrayList<>();
        times.add(from);
        for (CriLogLine line : lines) {
            Instant t = Instant.parse(line.timestamp());
            if (t.isAfter(from) && t.isBefore(to)) {
                times.add(t);
            }
        }
        times.add(to);
        Duration widest = Duration.ZERO;
        for (int i = 1; i < times.size(); i++) {
            Duration gap = Duration.between(times.get(i - 1), times.get(i));
            widest = gap.compareTo(widest) > 0 ? gap : widest;
        }
        return widest;
    }

    private static long readLong(Path file) throws Exception {
        return Long.parseLong(Files.readString(file).trim());
    }
}
