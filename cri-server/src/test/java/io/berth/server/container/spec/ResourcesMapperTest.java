package io.berth.server.container.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.InvalidArgumentException;
import io.berth.cri.v1.HugepageLimit;
import io.berth.cri.v1.LinuxContainerResources;
import io.berth.server.config.CgroupDriver;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResourcesMapperTest {
    private static HostFacts host(boolean v2, boolean swap, int floor) {
        return new HostFacts(CgroupDriver.CGROUPFS, v2, false, false, swap, floor, "amd64", "n");
    }

    private static final ResourcesMapper V2 = new ResourcesMapper(host(true, true, -999));
    private static final ResourcesMapper V1 = new ResourcesMapper(host(false, false, -999));

    @Test
    void emptyRequestGivesOnlyTheDeviceRules() {
        OciSpec.Resources r = V2.map(LinuxContainerResources.getDefaultInstance(), List.of());
        assertThat(r).isEqualTo(new OciSpec.Resources(List.of(), null, null, null, List.of(), java.util.Map.of()));
    }

    @Test
    void cpuMemoryHugepagesAndUnified() {
        LinuxContainerResources req = LinuxContainerResources.newBuilder().setCpuShares(512).setCpuQuota(50000)
                .setCpuPeriod(100000).setCpusetCpus("0-1, 3").setCpusetMems("0").setMemoryLimitInBytes(64 << 20)
                .addHugepageLimits(HugepageLimit.newBuilder().setPageSize("2MB").setLimit(4 << 20))
                .putUnified("memory.high", "50000000").putUnified("pids.max", "100").build();
        OciSpec.Resources r = V2.map(req, List.of());
        assertThat(r.cpu()).isEqualTo(new OciSpec.Cpu(512L, 50000L, 100000L, "0-1,3", "0"));
        // No swap asked for: memory+swap equals memory, i.e. no swap.
        assertThat(r.memory()).isEqualTo(new OciSpec.Memory(64L << 20, null, 64L << 20, null));
        assertThat(r.hugepageLimits()).containsExactly(new OciSpec.HugepageLimit("2MB", 4 << 20));
        assertThat(r.unified()).containsEntry("memory.high", "50000000").containsEntry("pids.max", "100");
        assertThat(r.pids()).isNull();
    }

    @Test
    void cpuPeriodAndQuotaOutsideTheKernelsBoundsAreRefusedBeforeRuncTriesThem() {
        for (LinuxContainerResources.Builder bad : List.of(
                LinuxContainerResources.newBuilder().setCpuPeriod(999),
                LinuxContainerResources.newBuilder().setCpuPeriod(1_000_001),
                LinuxContainerResources.newBuilder().setCpuPeriod(Long.MAX_VALUE),
                LinuxContainerResources.newBuilder().setCpuQuota(999),
                LinuxContainerResources.newBuilder().setCpuQuota(Long.MAX_VALUE),
                LinuxContainerResources.newBuilder().setCpuQuota(-2))) {
            assertThatThrownBy(() -> V1.map(bad.build(), List.of())).as("%s", bad)
                    .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("microseconds");
        }
        OciSpec.Cpu edges = V1.map(LinuxContainerResources.newBuilder().setCpuPeriod(1_000_000).setCpuQuota(-1)
                .build(), List.of()).cpu();
        assertThat(edges).isEqualTo(new OciSpec.Cpu(null, -1L, 1_000_000L, null, null));
    }

    @Test
    void swapLimitIsHonouredOnlyWithASwapController() {
        LinuxContainerResources req = LinuxContainerResources.newBuilder().setMemoryLimitInBytes(1000)
                .setMemorySwapLimitInBytes(3000).build();
        assertThat(V2.map(req, List.of()).memory().swap()).isEqualTo(3000L);
        assertThat(V1.map(req, List.of()).memory()).isEqualTo(new OciSpec.Memory(1000L, null, null, null));
        assertThatThrownBy(() -> V2.map(req.toBuilder().setMemorySwapLimitInBytes(10).build(), List.of()))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("memory_swap_limit_in_bytes");
    }

    @Test
    void onCgroupV1PidsMaxBecomesPidsLimitAndOtherUnifiedKeysAreRefused() {
        assertThat(V1.map(LinuxContainerResources.newBuilder().putUnified("pids.max", "42").build(), List.of()))
                .satisfies(r -> {
                    assertThat(r.pids()).isEqualTo(new OciSpec.Pids(42));
                    assertThat(r.unified()).isEmpty();
                });
        assertThatThrownBy(() -> V1.map(LinuxContainerResources.newBuilder().putUnified("memory.high", "1").build(),
                List.of())).isInstanceOf(InvalidArgumentException.class).hasMessageContaining("cgroup v1");
    }

    @Test
    void hostileValuesAreRefused() {
        for (LinuxContainerResources bad : List.of(
                LinuxContainerResources.newBuilder().setCpuShares(-2).build(),
                LinuxContainerResources.newBuilder().setMemoryLimitInBytes(-5).build(),
                LinuxContainerResources.newBuilder().setCpusetCpus("0;rm").build(),
                LinuxContainerResources.newBuilder().putUnified("../../memory.max", "1").build(),
                LinuxContainerResources.newBuilder().putUnified("memory.max", "1\n2").build(),
                LinuxContainerResources.newBuilder().addHugepageLimits(HugepageLimit.newBuilder()
                        .setPageSize("2MB/../x")).build())) {
            assertThatThrownBy(() -> V2.map(bad, List.of())).isInstanceOf(InvalidArgumentException.class)
                    .hasMessageStartingWith("config.linux.resources.");
        }
    }

    @Test
    void hugepageLimitsAreLeftOutWhereTheHostHasNoHugetlbControllerButStillChecked() {
        // A hybrid host whose hugetlb controller is only in the v2 tree: kubelet still sends a limit per page size.
        ResourcesMapper noHugetlb = new ResourcesMapper(new HostFacts(CgroupDriver.CGROUPFS, false, false, false,
                false, false, 0, "amd64", "n", Capabilities.ALL, ArgumentSpace.DEFAULT));
        LinuxContainerResources kubelet = LinuxContainerResources.newBuilder().setMemoryLimitInBytes(64 << 20)
                .addHugepageLimits(HugepageLimit.newBuilder().setPageSize("2MB").setLimit(0))
                .addHugepageLimits(HugepageLimit.newBuilder().setPageSize("1GB").setLimit(0)).build();
        assertThat(noHugetlb.map(kubelet, List.of()).hugepageLimits()).isEmpty();
        assertThat(noHugetlb.map(kubelet, List.of()).memory().limit()).isEqualTo(64L << 20);
        assertThatThrownBy(() -> noHugetlb.map(LinuxContainerResources.newBuilder().addHugepageLimits(
                HugepageLimit.newBuilder().setPageSize("2MB/../x")).build(), List.of()))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("hugepage_limits");
    }

    @Test
    void oomScoreAdjIsClampedToTheDaemonsFloor() {
        ResourcesMapper floor = new ResourcesMapper(host(true, true, -500));
        assertThat(floor.oomScoreAdj(LinuxContainerResources.newBuilder().setOomScoreAdj(-998).build())).isEqualTo(-500);
        assertThat(floor.oomScoreAdj(LinuxContainerResources.newBuilder().setOomScoreAdj(1000).build())).isEqualTo(1000);
        assertThat(floor.oomScoreAdj(LinuxContainerResources.getDefaultInstance())).isEqualTo(0);
        assertThatThrownBy(() -> floor.oomScoreAdj(LinuxContainerResources.newBuilder().setOomScoreAdj(1001).build()))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("oom_score_adj");
    }
}
