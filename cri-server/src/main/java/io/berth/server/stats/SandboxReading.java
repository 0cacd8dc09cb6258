package io.berth.server.stats;

import io.berth.cri.v1.PodSandboxConfig;
import io.berth.linux.cgroup.CgroupStats;
import io.berth.linux.net.InterfaceCounters;
import io.berth.server.sandbox.SandboxStore;
import java.util.List;
import java.util.OptionalLong;

/**
 * One pod's numbers at one moment.
 *
 * @param cgroup     the pod cgroup's numbers, or the sum over its containers (see {@code fromPodCgroup})
 * @param fromPodCgroup whether {@code cgroup} is the pod cgroup kubelet named (cgroup_parent) rather than a sum
 * @param interfaces the counters of the interfaces in the pod's network namespace, loopback left out
 * @param containers the readings of the pod's containers
 */
record SandboxReading(
        SandboxStore.Sandbox sandbox,
        PodSandboxConfig config,
        CgroupStats cgroup,
        boolean fromPodCgroup,
        OptionalLong nanoCores,
        List<InterfaceCounters> interfaces,
        List<ContainerReading> containers,
        long atNanos) {

    String id() {
        return sandbox.id();
    }
}
