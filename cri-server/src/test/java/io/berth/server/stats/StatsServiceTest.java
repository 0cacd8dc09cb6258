package io.berth.server.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.NotFoundException;
import io.berth.cri.v1.ContainerStats;
import io.berth.cri.v1.ContainerStatsFilter;
import io.berth.cri.v1.NetworkInterfaceUsage;
import io.berth.cri.v1.PodSandboxStats;
import io.berth.cri.v1.PodSandboxStatsFilter;
import io.berth.linux.cgroup.CgroupStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Container and pod stats assembled from fake cgroups, fake pod interfaces and a real native snapshotter. */
class StatsServiceTest extends StatsFixture {
    @Test
    void aRunningContainersStatsComeFromItsCgroupAndItsLayer() {
        ContainerStats s = stats.container(front.substring(0, 6));
        assertThat(s.getAttributes().getId()).isEqualTo(front);
        assertThat(s.getAttributes().getMetadata().getName()).isEqualTo("front");
        assertThat(s.getAttributes().getLabelsMap()).containsEntry("tier", "front");
        assertThat(s.getAttributes().getAnnotationsMap()).containsEntry("note", "front");
        assertThat(s.getCpu().getTimestamp()).isEqualTo(NOW_NANOS);
        assertThat(s.getCpu().getUsageCoreNanoSeconds().getValue()).isEqualTo(2_500_000_000L);
        assertThat(s.getCpu().hasUsageNanoCores()).as("no rate from a first sample").isFalse();
        assertThat(s.getMemory().getTimestamp()).isEqualTo(NOW_NANOS);
        assertThat(s.getMemory().getUsageBytes().getValue()).isEqualTo(10_000);
        assertThat(s.getMemory().getWorkingSetBytes().getValue()).isEqualTo(8_000);
        assertThat(s.getMemory().getRssBytes().getValue()).isEqualTo(6_000);
        assertThat(s.getMemory().getPageFaults().getValue()).isEqualTo(50);
        assertThat(s.getMemory().getMajorPageFaults().getValue()).isEqualTo(1);
        assertThat(s.getMemory().getAvailableBytes().getValue()).as("limit - working set").isEqualTo(92_000);
        assertThat(s.getSwap().getSwapUsageBytes().getValue()).isEqualTo(100);
        assertThat(s.getSwap().getSwapAvailableBytes().getValue()).isEqualTo(900);
        assertThat(s.getWritableLayer().getUsedBytes().getValue()).as("the file plus the dir")
                .isGreaterThanOrEqualTo(1000);
        assertThat(s.getWritableLayer().getInodesUsed().getValue()).isEqualTo(2);
        assertThat(s.getWritableLayer().getFsId().getMountpoint()).isEqualTo(dir.resolve("snapshots").toString());
        assertThat(s.getWritableLayer().getTimestamp()).isEqualTo(NOW_NANOS);
    }

    @Test
    void usageNanoCoresIsTheCpuTimeUsedSinceTheLastSampleOverTheTimeBetween() {
        stats.container(front);
        monotonic.addAndGet(2_000_000_000L);
        cgroups.cgroup("/kubepods/pod-web/" + front, FakeCgroups.reading(2_500_000_000L + 1_500_000_000L, 1));
        assertThat(stats.container(front).getCpu().getUsageNanoCores().getValue())
                .as("1.5 s of CPU in 2 s").isEqualTo(750_000_000L);
    }

    @Test
    void aContainerThatDoesNotRunHasItsLayerButNoCpuOrMemory() {
        ContainerStats s = stats.container(idle);
        assertThat(s.hasCpu()).isFalse();
        assertThat(s.hasMemory()).isFalse();
        assertThat(s.hasSwap()).isFalse();
        assertThat(s.getWritableLayer().getUsedBytes().getValue()).isGreaterThanOrEqualTo(10);
    }

    @Test
    void theCgroupIsLookedUpOncePerProcessAndFoundAgainWhenThePidChanges() {
        stats.container(front);
        stats.container(front);
        stats.containers(ContainerStatsFilter.getDefaultInstance());
        assertThat(cgroups.procReads).as("/proc/101/cgroup read once").hasValue(2);

        containers.update(front, s -> s.exited(0, NOW_NANOS, "Completed", ""));
        containers.update(front, s -> s.started(201, NOW_NANOS));
        cgroups.process(201, "/moved").cgroup("/moved", FakeCgroups.reading(7_000_000_000L, 1));
        assertThat(stats.container(front).getCpu().getUsageCoreNanoSeconds().getValue()).isEqualTo(7_000_000_000L);
    }

    @Test
    void aRunningContainerWhoseProcessCannotBeReadIsFoundWhereItsSpecPutIt() {
        cgroups.pidToPath.remove(102);
        assertThat(stats.container(worker).getCpu().getUsageCoreNanoSeconds().getValue())
                .as("cgroupfs: <cgroup_parent>/<id>, here /<id>").isEqualTo(4_000_000_000L);
    }

    @Test
    void theWritableLayerIsServedFromTheCacheUntilTheNextRefresh() throws Exception {
        long before = stats.container(front).getWritableLayer().getUsedBytes().getValue();
        Path root = Path.of(snapshotter.mounts("container-" + front).get(0).source());
        Files.write(root.resolve("more"), new byte[50_000]);
        assertThat(stats.container(front).getWritableLayer().getUsedBytes().getValue()).isEqualTo(before);
        stats.housekeepingNow();
        assertThat(stats.container(front).getWritableLayer().getUsedBytes().getValue()).isEqualTo(before + 50_000);
        assertThat(stats.container(front).getWritableLayer().getInodesUsed().getValue()).isEqualTo(3);
    }

    @Test
    void listContainerStatsFiltersByIdPodAndLabels() {
        assertThat(ids(ContainerStatsFilter.getDefaultInstance())).containsExactly(front, worker, idle);
        assertThat(ids(ContainerStatsFilter.newBuilder().setId(worker.substring(0, 3)).build()))
                .containsExactly(worker);
        assertThat(ids(ContainerStatsFilter.newBuilder().setPodSandboxId(batch.substring(0, 4)).build()))
                .containsExactly(worker, idle);
        assertThat(ids(ContainerStatsFilter.newBuilder().putLabelSelector("tier", "back").build()))
                .containsExactly(worker, idle);
        assertThat(ids(ContainerStatsFilter.newBuilder().putLabelSelector("tier", "back")
                .setPodSandboxId(web).build())).isEmpty();
        assertThat(ids(ContainerStatsFilter.newBuilder().setId("fff").build())).isEmpty();
    }

    @Test
    void anUnknownIdIsNotFound() {
        assertThatThrownBy(() -> stats.container("fff")).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> stats.pod("fff")).isInstanceOf(NotFoundException.class);
    }

    @Test
    void aPodWithACgroupParentReportsThatCgroupItsInterfacesAndItsContainers() {
        PodSandboxStats p = stats.pod(web);
        assertThat(p.getAttributes().getId()).isEqualTo(web);
        assertThat(p.getAttributes().getMetadata().getName()).isEqualTo("web");
        assertThat(p.getAttributes().getLabelsMap()).containsEntry("app", "web");
        assertThat(p.getLinux().getCpu().getUsageCoreNanoSeconds().getValue()).isEqualTo(3_000_000_000L);
        assertThat(p.getLinux().getMemory().getWorkingSetBytes().getValue()).isEqualTo(40_000);
        assertThat(p.getLinux().getProcess().getProcessCount().getValue()).isEqualTo(10);
        assertThat(p.getLinux().getNetwork().getTimestamp()).isEqualTo(NOW_NANOS);
        assertThat(p.getLinux().getNetwork().getDefaultInterface().getName()).isEqualTo("eth0");
        assertThat(p.getLinux().getNetwork().getDefaultInterface().getRxBytes().getValue()).isEqualTo(1000);
        assertThat(p.getLinux().getNetwork().getDefaultInterface().getRxErrors().getValue()).isEqualTo(1);
        assertThat(p.getLinux().getNetwork().getDefaultInterface().getTxBytes().getValue()).isEqualTo(500);
        assertThat(p.getLinux().getNetwork().getDefaultInterface().getTxErrors().getValue()).isEqualTo(3);
        assertThat(p.getLinux().getNetwork().getInterfacesList()).extracting(NetworkInterfaceUsage::getName)
                .containsExactly("eth0", "net1");
        assertThat(p.getLinux().getContainersList()).extracting(c -> c.getAttributes().getId()).containsExactly(front);
    }

    @Test
    void aPodWithoutACgroupParentIsTheSumOfItsContainersAndItsInitProcess() {
        PodSandboxStats p = stats.pod(batch);
        CgroupStats w = FakeCgroups.reading(4_000_000_000L, 2);
        CgroupStats infra = FakeCgroups.reading(1_000_000L, 1);
        assertThat(p.getLinux().getCpu().getUsageCoreNanoSeconds().getValue())
                .isEqualTo(w.cpuUsageNanos().getAsLong() + infra.cpuUsageNanos().getAsLong());
        assertThat(p.getLinux().getMemory().getWorkingSetBytes().getValue())
                .isEqualTo(w.workingSetBytes().getAsLong() + infra.workingSetBytes().getAsLong());
        assertThat(p.getLinux().getMemory().hasAvailableBytes()).as("a sum has no limit").isFalse();
        assertThat(p.getLinux().getProcess().getProcessCount().getValue()).isEqualTo(4 + 2);
        assertThat(p.getLinux().hasNetwork()).isFalse();
        assertThat(p.getLinux().getContainersList()).extracting(c -> c.getAttributes().getId())
                .containsExactly(worker, idle);
    }

    @Test
    void aStoppedPodLeavesItsOldInitPidOutOfTheSum() {
        sandboxes.update(batch, s -> s.notReady());
        assertThat(stats.pod(batch).getLinux().getCpu().getUsageCoreNanoSeconds().getValue())
                .isEqualTo(4_000_000_000L);
    }

    @Test
    void listPodSandboxStatsFiltersByIdAndLabels() {
        assertThat(stats.pods(PodSandboxStatsFilter.getDefaultInstance()))
                .extracting(p -> p.getAttributes().getId()).containsExactly(web, batch);
        assertThat(stats.pods(PodSandboxStatsFilter.newBuilder().putLabelSelector("app", "batch").build()))
                .extracting(p -> p.getAttributes().getId()).containsExactly(batch);
        assertThat(stats.pods(PodSandboxStatsFilter.newBuilder().setId(web.substring(0, 2)).build()))
                .extracting(p -> p.getAttributes().getId()).containsExactly(web);
    }

    private List<String> ids(ContainerStatsFilter filter) {
        return stats.containers(filter).stream().map(s -> s.getAttributes().getId()).toList();
    }
}
