package io.berth.e2e.pods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.cri.v1.ContainerState;
import io.berth.cri.v1.ContainerStatus;
import io.berth.cri.v1.LinuxContainerConfig;
import io.berth.cri.v1.LinuxContainerResources;
import io.berth.cri.v1.UpdateContainerResourcesRequest;
import io.berth.e2e.harness.E2eDaemons;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Resources in the container's real cgroup (v1 on this host: the controller hierarchies under /sys/fs/cgroup),
 * found from {@code /proc/<pid>/cgroup} of the pid berthd reports: the limits of CreateContainer, the new ones of
 * UpdateContainerResources applied to the running container, and an OOM kill reported as OOMKilled.
 */
class ContainerResourcesE2eTest {
    @RegisterExtension
    @Order(1)
    static final E2eDaemons daemons = new E2eDaemons();

    /** Registered after the daemons, so its after-callbacks run before theirs. */
    @RegisterExtension
    @Order(2)
    static final PodSuite suite = new PodSuite(daemons, "rs", 222);

    private static PodCalls cri() {
        return suite.cri();
    }

    private static final long MIB = 1024 * 1024;


    @Test
    void limitsAreInTheContainersCgroupAndAnUpdateIsAppliedLive() throws Exception {
        String pod = cri().runPod("limits");
        String id = cri().run(pod, cri().container("limited", "sleep", "300").setLinux(LinuxContainerConfig.newBuilder()
                .setResources(LinuxContainerResources.newBuilder().setMemoryLimitInBytes(64 * MIB)
                        .setCpuShares(512).setCpuPeriod(100_000).setCpuQuota(50_000))));
        long pid = cri().pid(id);
        Path memory = PodCalls.cgroupOf(pid, "memory");
        Path cpu = PodCalls.cgroupOf(pid, "cpu");
        assertThat(memory).as("below the pod's cgroup parent, named by the container id")
                .isEqualTo(Path.of("/sys/fs/cgroup/memory" + suite.testbed().cgroupParent(), id));
        assertThat(read(memory.resolve("memory.limit_in_bytes"))).isEqualTo(64 * MIB);
        assertThat(read(cpu.resolve("cpu.shares"))).isEqualTo(512);
        assertThat(read(cpu.resolve("cpu.cfs_quota_us"))).isEqualTo(50_000);

        LinuxContainerResources updated = LinuxContainerResources.newBuilder().setMemoryLimitInBytes(96 * MIB)
                .setCpuShares(256).setCpuPeriod(100_000).setCpuQuota(20_000).build();
        cri().runtime().updateContainerResources(UpdateContainerResourcesRequest.newBuilder().setContainerId(id)
                .setLinux(updated).build());
        assertThat(read(memory.resolve("memory.limit_in_bytes"))).isEqualTo(96 * MIB);
        assertThat(read(cpu.resolve("cpu.shares"))).isEqualTo(256);
        assertThat(read(cpu.resolve("cpu.cfs_quota_us"))).isEqualTo(20_000);
        ContainerStatus status = cri().status(id);
        assertThat(status.getState()).as("updated in place").isEqualTo(ContainerState.CONTAINER_RUNNING);
        assertThat(cri().pid(id)).isEqualTo(pid);
        assertThat(status.getResources().getLinux()).isEqualTo(updated);

        cri().stop(id, 0);
        assertThatThrownBy(() -> cri().runtime().updateContainerResources(UpdateContainerResourcesRequest.newBuilder()
                .setContainerId(id).setLinux(updated).build())).isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
    }

    @Test
    void aContainerOverItsMemoryLimitIsReportedOomKilled() {
        String pod = cri().runPod("oom");
        // The shell holds ~100 MB of 'a's in a variable: far over the 32 MiB limit.
        String hog = cri().run(pod, cri().shell("hog", "echo allocating; x=$(head -c 100000000 /dev/zero | tr '\\0' a);"
                + " echo survived ${#x}")
                .setLinux(LinuxContainerConfig.newBuilder()
                        .setResources(LinuxContainerResources.newBuilder().setMemoryLimitInBytes(32 * MIB))));
        String calm = cri().run(pod, cri().shell("calm", "x=$(head -c 1000000 /dev/zero | tr '\\0' a); echo ${#x}")
                .setLinux(LinuxContainerConfig.newBuilder()
                        .setResources(LinuxContainerResources.newBuilder().setMemoryLimitInBytes(32 * MIB))));

        ContainerStatus killed = cri().awaitExit(hog);
        assertThat(killed.getReason()).isEqualTo("OOMKilled");
        assertThat(killed.getExitCode()).isEqualTo(137);
        assertThat(cri().output(hog)).contains("allocating").doesNotContain("survived 100000000");
        ContainerStatus fine = cri().awaitExit(calm);
        assertThat(fine.getReason()).as("well under its limit").isEqualTo("Completed");
        assertThat(cri().output(calm)).containsExactly("1000000");
    }

    private static long read(Path cgroupFile) throws IOException {
        return Long.parseLong(Files.readString(cgroupFile).trim());
    }
}
