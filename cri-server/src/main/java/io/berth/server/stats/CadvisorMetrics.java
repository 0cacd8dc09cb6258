package io.berth.server.stats;

import io.berth.cri.v1.ContainerMetrics;
import io.berth.cri.v1.LinuxContainerResources;
import io.berth.cri.v1.Metric;
import io.berth.cri.v1.MetricDescriptor;
import io.berth.cri.v1.PodSandboxMetrics;
import io.berth.linux.cgroup.CgroupStats;
import io.berth.linux.cgroup.ProcessCounts;
import io.berth.linux.cgroup.Statvfs;
import io.berth.server.container.ContainerViews;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The readings as cAdvisor-named series, for kubelet's {@code /metrics/cadvisor} when it takes them from the
 * runtime (ListMetricDescriptors, ListPodSandboxMetrics). Which metrics exist and where their values come from
 * is {@link CadvisorMetricTable}; this class builds the series of a pod (named {@code POD}, no image) and of each
 * of its running containers. Only values that were read are emitted: a metric with no value has no series.
 */
final class CadvisorMetrics {
    static final String POD_NAME = "POD";

    private final String device;
    private final BlockDeviceNames blockDevices;

    /**
     * @param device       the {@code device} label of filesystem metrics: the writable layers' filesystem
     * @param blockDevices names block devices for the per-device I/O series
     */
    CadvisorMetrics(String device, BlockDeviceNames blockDevices) {
        this.device = device;
        this.blockDevices = blockDevices;
    }

    /** Every metric {@link #of} can emit, in a fixed order. */
    static List<MetricDescriptor> descriptors() {
        return CadvisorMetricTable.descriptors();
    }

    /** @param filesystem statvfs of the writable layers' filesystem, taken once for the whole call */
    PodSandboxMetrics of(SandboxReading pod, Optional<Statvfs.Space> filesystem) {
        PodSandboxMetrics.Builder out = PodSandboxMetrics.newBuilder().setPodSandboxId(pod.id());
        // The pod's processes are its containers' (counted there); its cgroup.procs lists only the pause process.
        MetricSource own = new MetricSource(pod.cgroup(), ProcessCounts.none(), Optional.empty(),
                OptionalLong.empty(), Optional.empty(), Optional.empty(), device, pod.interfaces(), blockDevices,
                pod.atNanos());
        out.addAllMetrics(series(own, List.of(pod.id(), POD_NAME, "")));
        for (ContainerReading c : pod.containers()) {
            if (c.cgroup().equals(CgroupStats.none())) {
                // Not running: cAdvisor shows no series for a container without a cgroup either.
                continue;
            }
            out.addContainerMetrics(container(c, filesystem));
        }
        return out.build();
    }

    private ContainerMetrics container(ContainerReading c, Optional<Statvfs.Space> filesystem) {
        List<String> base = List.of(c.id(), c.config().getMetadata().getName(), c.config().getImage().getImage());
        long started = c.container().status().startedAtNanos();
        MetricSource source = new MetricSource(c.cgroup(), c.processes(), resources(c),
                started > 0 ? OptionalLong.of(started) : OptionalLong.empty(), c.layer(), filesystem, device,
                List.of(), blockDevices, c.atNanos());
        return ContainerMetrics.newBuilder().setContainerId(c.id()).addAllMetrics(series(source, base)).build();
    }

    private static Optional<LinuxContainerResources> resources(ContainerReading c) {
        try {
            return Optional.of(ContainerViews.resources(c.container()));
        } catch (IllegalStateException unreadable) {
            // A damaged record costs the spec series, not the whole answer.
            return Optional.empty();
        }
    }

    static List<Metric> series(MetricSource source, List<String> base) {
        List<Metric> out = new ArrayList<>();
        for (CadvisorMetricTable.Def def : CadvisorMetricTable.ALL) {
            for (CadvisorMetricTable.Sample sample : def.samples().apply(source)) {
                if (sample.labels().size() != def.extraLabels()) {
                    // A table bug; kubelet would reject the series (critest too), so fail loudly in tests.
                    throw new IllegalStateException(def.descriptor().getName() + ": " + sample.labels().size()
                            + " label values for " + def.extraLabels() + " extra keys");
                }
                List<String> values = new ArrayList<>(base);
                values.addAll(sample.labels());
                out.add(Metric.newBuilder().setName(def.descriptor().getName()).setTimestamp(sample.atNanos())
                        .setMetricType(def.type()).addAllLabelValues(values)
                        .setValue(StatsViews.uint64(sample.value())).build());
            }
        }
        return out;
    }
}
