package io.berth.server.stats;

import io.berth.cri.v1.ContainerConfig;
import io.berth.linux.cgroup.CgroupStats;
import io.berth.linux.cgroup.ProcessCounts;
import io.berth.server.container.ContainerStore;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One container's numbers at one moment, before they become a CRI message or metrics.
 *
 * @param config    the container's CRI config (metadata, labels, annotations), parsed once for this reading
 * @param cgroup    its cgroup's numbers; all absent when it is not running
 * @param nanoCores CPU use since the previous reading, when there is one far enough back
 * @param layer     its writable layer's last measurement, when the snapshot exists
 * @param processes its processes and their descriptors; counted only for metrics (none for the stats RPCs)
 * @param atNanos   when the cgroup was read, in nanoseconds since the epoch
 */
record ContainerReading(
        ContainerStore.Container container,
        ContainerConfig config,
        CgroupStats cgroup,
        OptionalLong nanoCores,
        Optional<WritableLayerUsage.Measured> layer,
        ProcessCounts processes,
        long atNanos) {

    String id() {
        return container.id();
    }
}
