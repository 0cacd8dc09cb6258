package io.berth.server.stats;

import io.berth.cri.v1.ContainerMetrics;
import io.berth.cri.v1.Metric;
import io.berth.cri.v1.MetricDescriptor;
import io.berth.cri.v1.MetricType;
import io.berth.cri.v1.PodSandboxMetrics;
import io.berth.linux.cgroup.CgroupStats;
import io.berth.linux.net.InterfaceCounters;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * The readings as cAdvisor-named metrics, for kubelet's {@code /metrics/cadvisor} when it takes them from the
 * runtime (ListMetricDescriptors, ListPodSandboxMetrics). Names, help and label keys are cAdvisor's as CRI-O
 * lists them: every series has {@code id}, {@code name} and {@code image} (a pod's own series are named
 * {@code POD} with no image), plus {@code cpu} or {@code interface} where cAdvisor has them. Only metrics berth
 * has values for are described. The CRI carries values as unsigned integers, so "seconds" metrics are whole
 * seconds, as in CRI-O.
 */
final class CadvisorMetrics {
    static final List<String> BASE_LABELS = List.of("id", "name", "image");
    static final String POD_NAME = "POD";
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    /** One metric berth emits: its descriptor and where its value comes from in a cgroup reading. */
    private record CgroupMetric(MetricDescriptor descriptor, MetricType type, List<String> extraLabels,
            Function<CgroupStats, OptionalLong> value) {}

    private record NetworkMetric(MetricDescriptor descriptor, ToLongFunction<InterfaceCounters> value) {}

    private static final List<CgroupMetric> CGROUP = List.of(
            counter("container_cpu_usage_seconds_total", "Cumulative CPU time consumed in seconds.",
                    List.of("cpu"), s -> seconds(s.cpuUsageNanos())),
            counter("container_cpu_user_seconds_total", "Cumulative user CPU time consumed in seconds.",
                    List.of(), s -> seconds(s.cpuUserNanos())),
            counter("container_cpu_system_seconds_total", "Cumulative system CPU time consumed in seconds.",
                    List.of(), s -> seconds(s.cpuSystemNanos())),
            gauge("container_memory_usage_bytes",
                    "Current memory usage in bytes, including all memory regardless of when it was accessed",
                    CgroupStats::memoryUsageBytes),
            gauge("container_memory_working_set_bytes", "Current working set in bytes.",
                    CgroupStats::workingSetBytes),
            gauge("container_memory_rss", "Size of RSS in bytes.", CgroupStats::rssBytes),
            gauge("container_memory_cache", "Number of bytes of page cache memory.", CgroupStats::cacheBytes),
            gauge("container_memory_swap", "Container swap usage in bytes.", CgroupStats::swapUsageBytes),
            counter("container_oom_events_total", "Count of out of memory events observed for the container",
                    List.of(), CgroupStats::oomKills),
            // pids.current counts tasks, i.e. threads: cAdvisor's container_threads, not container_processes.
            gauge("container_threads", "Number of threads running inside the container", CgroupStats::pids));

    private static final List<NetworkMetric> NETWORK = List.of(
            network("container_network_receive_bytes_total", "Cumulative count of bytes received",
                    InterfaceCounters::rxBytes),
            network("container_network_receive_packets_total", "Cumulative count of packets received",
                    InterfaceCounters::rxPackets),
            network("container_network_receive_packets_dropped_total",
                    "Cumulative count of packets dropped while receiving", InterfaceCounters::rxDropped),
            network("container_network_receive_errors_total",
                    "Cumulative count of errors encountered while receiving", InterfaceCounters::rxErrors),
            network("container_network_transmit_bytes_total", "Cumulative count of bytes transmitted",
                    InterfaceCounters::txBytes),
            network("container_network_transmit_packets_total", "Cumulative count of packets transmitted",
                    InterfaceCounters::txPackets),
            network("container_network_transmit_packets_dropped_total",
                    "Cumulative count of packets dropped while transmitting", InterfaceCounters::txDropped),
            network("container_network_transmit_errors_total",
                    "Cumulative count of errors encountered while transmitting", InterfaceCounters::txErrors));

    private static final MetricDescriptor FS_USAGE = descriptor("container_fs_usage_bytes",
            "Number of bytes that are consumed by the container on this filesystem.", List.of("device"));
    private static final MetricDescriptor START_TIME = descriptor("container_start_time_seconds",
            "Start time of the container since unix epoch in seconds.", List.of());

    private final String device;

    /** @param device the {@code device} label of filesystem metrics: the writable layers' filesystem */
    CadvisorMetrics(String device) {
        this.device = device;
    }

    /** Every metric {@link #of} can emit, in a fixed order. */
    static List<MetricDescriptor> descriptors() {
        List<MetricDescriptor> all = new ArrayList<>();
        CGROUP.forEach(m -> all.add(m.descriptor()));
        NETWORK.forEach(m -> all.add(m.descriptor()));
        all.add(FS_USAGE);
        all.add(START_TIME);
        return all;
    }

    PodSandboxMetrics of(PodReading pod) {
        List<String> podLabels = List.of(pod.id(), POD_NAME, "");
        PodSandboxMetrics.Builder out = PodSandboxMetrics.newBuilder().setPodSandboxId(pod.id());
        out.addAllMetrics(cgroupMetrics(pod.cgroup(), podLabels, pod.atNanos()));
        for (InterfaceCounters i : pod.interfaces()) {
            for (NetworkMetric m : NETWORK) {
                out.addMetrics(metric(m.descriptor(), MetricType.COUNTER, labels(podLabels, i.name()),
                        m.value().applyAsLong(i), pod.atNanos()));
            }
        }
        for (ContainerReading c : pod.containers()) {
            if (c.cgroup().equals(CgroupStats.none())) {
                // Not running: cAdvisor shows no series for a container without a cgroup either.
                continue;
            }
            out.addContainerMetrics(container(c));
        }
        return out.build();
    }

    private ContainerMetrics container(ContainerReading c) {
        List<String> base = List.of(c.id(), c.config().getMetadata().getName(), c.config().getImage().getImage());
        ContainerMetrics.Builder out = ContainerMetrics.newBuilder().setContainerId(c.id());
        out.addAllMetrics(cgroupMetrics(c.cgroup(), base, c.atNanos()));
        c.layer().ifPresent(layer -> out.addMetrics(metric(FS_USAGE, MetricType.GAUGE, labels(base, device),
                layer.usage().bytes(), layer.atNanos())));
        out.addMetrics(metric(START_TIME, MetricType.GAUGE, base,
                c.container().status().startedAtNanos() / NANOS_PER_SECOND, c.atNanos()));
        return out.build();
    }

    private static List<Metric> cgroupMetrics(CgroupStats stats, List<String> base, long at) {
        List<Metric> out = new ArrayList<>();
        for (CgroupMetric m : CGROUP) {
            OptionalLong v = m.value().apply(stats);
            if (v.isPresent()) {
                List<String> values = m.extraLabels().isEmpty() ? base : labels(base, "total");
                out.add(metric(m.descriptor(), m.type(), values, v.getAsLong(), at));
            }
        }
        return out;
    }

    private static Metric metric(MetricDescriptor d, MetricType type, List<String> labelValues, long value, long at) {
        return Metric.newBuilder().setName(d.getName()).setTimestamp(at).setMetricType(type)
                .addAllLabelValues(labelValues).setValue(StatsViews.uint64(value)).build();
    }

    private static List<String> labels(List<String> base, String extra) {
        List<String> all = new ArrayList<>(base);
        all.add(extra);
        return all;
    }

    private static OptionalLong seconds(OptionalLong nanos) {
        return nanos.isPresent() ? OptionalLong.of(nanos.getAsLong() / NANOS_PER_SECOND) : OptionalLong.empty();
    }

    private static CgroupMetric counter(String name, String help, List<String> extra,
            Function<CgroupStats, OptionalLong> value) {
        return new CgroupMetric(descriptor(name, help, extra), MetricType.COUNTER, extra, value);
    }

    private static CgroupMetric gauge(String name, String help, Function<CgroupStats, OptionalLong> value) {
        return new CgroupMetric(descriptor(name, help, List.of()), MetricType.GAUGE, List.of(), value);
    }

    private static NetworkMetric network(String name, String help, ToLongFunction<InterfaceCounters> value) {
        return new NetworkMetric(descriptor(name, help, List.of("interface")), value);
    }

    private static MetricDescriptor descriptor(String name, String help, List<String> extraLabels) {
        return MetricDescriptor.newBuilder().setName(name).setHelp(help).addAllLabelKeys(BASE_LABELS)
                .addAllLabelKeys(extraLabels).build();
    }
}
