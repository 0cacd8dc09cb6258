package io.berth.server.stats;

import io.berth.cri.v1.LinuxContainerResources;
import io.berth.linux.cgroup.CgroupStats;
import io.berth.linux.cgroup.ProcessCounts;
import io.berth.linux.cgroup.Statvfs;
import io.berth.linux.net.InterfaceCounters;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Everything one set of cAdvisor series (a pod's own, or one container's) is computed from. A pod has no
 * processes walked, no resources, start time or writable layer; a container has no interfaces (they are the
 * pod's). What a subject lacks simply yields no series.
 *
 * @param resources   the container's CRI resources in force, for the {@code container_spec_*} series
 * @param filesystem  statvfs of the writable layers' filesystem, named {@code device} in the series
 * @param atNanos     when the cgroup was read
 */
record MetricSource(
        CgroupStats cgroup,
        ProcessCounts processes,
        Optional<LinuxContainerResources> resources,
        OptionalLong startedAtNanos,
        Optional<WritableLayerUsage.Measured> layer,
        Optional<Statvfs.Space> filesystem,
        String device,
        List<InterfaceCounters> interfaces,
        BlockDeviceNames blockDevices,
        long atNanos) {}
