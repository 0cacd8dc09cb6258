package io.berth.server.stats;

import io.berth.common.time.UnixNanos;
import io.berth.cri.v1.PodSandboxConfig;
import io.berth.linux.cgroup.CgroupStats;
import io.berth.server.config.CgroupDriver;
import io.berth.server.container.spec.CgroupsPath;
import io.berth.server.sandbox.SandboxStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Reads one pod. With a {@code cgroup_parent} from kubelet the pod cgroup holds every container and the pod's
 * init process, so it is read as is. Without one (crictl, or a pod config that names none) there is no pod
 * cgroup, and the pod's numbers are the sum over its running containers and its init process.
 */
final class SandboxReadings {
    private final CgroupSource source;
    private final CgroupDriver driver;
    private final CpuUsageSampler sampler;
    private final SandboxTrafficCounters interfaces;
    private final Clock clock;

    SandboxReadings(CgroupSource source, CgroupDriver driver, CpuUsageSampler sampler,
            SandboxTrafficCounters interfaces, Clock clock) {
        this.source = source;
        this.driver = driver;
        this.sampler = sampler;
        this.interfaces = interfaces;
        this.clock = clock;
    }

    SandboxReading read(SandboxStore.Sandbox sandbox, List<ContainerReading> containers) {
        PodSandboxConfig config = sandbox.metadata().config();
        String parent = config.getLinux().getCgroupParent();
        boolean podCgroup = !parent.isEmpty();
        CgroupStats cgroup = podCgroup
                ? source.read(source.atPath(CgroupsPath.podDir(driver, parent)))
                : sumOf(sandbox, containers);
        long at = UnixNanos.now(clock);
        OptionalLong nanoCores = cgroup.cpuUsageNanos().isPresent()
                ? sampler.sample(sandbox.id(), cgroup.cpuUsageNanos().getAsLong())
                : OptionalLong.empty();
        List<Integer> pids = containers.stream().map(c -> c.container().status().pid()).filter(p -> p > 0).toList();
        return new SandboxReading(sandbox, config, cgroup, podCgroup, nanoCores, interfaces.of(sandbox, pids),
                containers, at);
    }

    private CgroupStats sumOf(SandboxStore.Sandbox sandbox, List<ContainerReading> containers) {
        List<CgroupStats> parts = new ArrayList<>();
        containers.forEach(c -> parts.add(c.cgroup()));
        if (sandbox.status().ready()) {
            // Only while the pod stands: a stopped pod's recorded init pid may already belong to another process.
            source.ofProcess(sandbox.status().infraPid()).map(source::read).ifPresent(parts::add);
        }
        return CgroupSums.sum(parts);
    }
}
