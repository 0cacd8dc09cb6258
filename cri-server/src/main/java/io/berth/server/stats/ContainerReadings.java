package io.berth.server.stats;

import io.berth.common.time.UnixNanos;
import io.berth.cri.v1.ContainerConfig;
import io.berth.linux.cgroup.CgroupStats;
import io.berth.linux.cgroup.ProcessCgroups;
import io.berth.linux.cgroup.ProcessCounts;
import io.berth.server.container.ContainerStore;
import io.berth.server.sandbox.SandboxStore;
import java.time.Clock;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reads one container: its cgroup files (a few small pseudo-files, read fresh so usage and working set are
 * current), the CPU rate from the sampler, and the writable layer from the background-refreshed cache.
 */
final class ContainerReadings {
    private final ContainerCgroups cgroups;
    private final CgroupSource source;
    private final CpuUsageSampler sampler;
    private final WritableLayerUsage layers;
    private final SandboxStore sandboxes;
    private final Clock clock;

    ContainerReadings(ContainerCgroups cgroups, CgroupSource source, CpuUsageSampler sampler,
            WritableLayerUsage layers, SandboxStore sandboxes, Clock clock) {
        this.cgroups = cgroups;
        this.source = source;
        this.sampler = sampler;
        this.layers = layers;
        this.sandboxes = sandboxes;
        this.clock = clock;
    }

    ContainerReading read(ContainerStore.Container c) {
        return read(c, false);
    }

    /**
     * @param withProcesses also count the container's processes and open descriptors: a walk of {@code /proc}
     *                      that only the metrics RPC pays for, not kubelet's frequent stats calls
     */
    ContainerReading read(ContainerStore.Container c, boolean withProcesses) {
        ContainerConfig config = c.metadata().config();
        Optional<ProcessCgroups> where = cgroups.of(c, () -> cgroupParentOf(c));
        CgroupStats cgroup = where.map(source::read).orElse(CgroupStats.none());
        ProcessCounts processes = withProcesses && !cgroup.equals(CgroupStats.none())
                ? where.map(source::processes).orElse(ProcessCounts.none())
                : ProcessCounts.none();
        long at = UnixNanos.now(clock);
        OptionalLong nanoCores = cgroup.cpuUsageNanos().isPresent()
                ? sampler.sample(c.id(), cgroup.cpuUsageNanos().getAsLong())
                : OptionalLong.empty();
        return new ContainerReading(c, config, cgroup, nanoCores, layers.of(c.metadata().snapshotKey()), processes,
                at);
    }

    /** Needed only when the container's cgroup is not known yet (its first reading, or its process is gone). */
    private String cgroupParentOf(ContainerStore.Container c) {
        return sandboxes.find(c.metadata().sandboxId())
                .map(s -> s.metadata().config().getLinux().getCgroupParent())
                .orElse("");
    }
}
