package io.berth.server.stats;

import io.berth.cri.v1.LinuxContainerResources;
import io.berth.cri.v1.MetricDescriptor;
import io.berth.cri.v1.MetricType;
import io.berth.linux.cgroup.CgroupStats;
import io.berth.linux.cgroup.DeviceIo;
import io.berth.linux.cgroup.ProcessCounts;
import io.berth.linux.net.InterfaceCounters;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * The cAdvisor metrics berth emits: name, help and label keys as cAdvisor's metrics.go (and CRI-O) define them,
 * and how each one's samples come out of a {@link MetricSource}. Every series has {@code id}, {@code name} and
 * {@code image} first; a sample carries only the values of the keys after those. One table serves both RPCs, so
 * ListMetricDescriptors describes exactly what ListPodSandboxMetrics can emit. The CRI carries values as unsigned
 * integers, so "seconds" metrics are whole seconds, as in CRI-O.
 */
final class CadvisorMetricTable {
    static final List<String> BASE_LABELS = List.of("id", "name", "image");
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    /** One value: the label values after the base ones, the value, and when it was measured. */
    record Sample(List<String> labels, long value, long atNanos) {}

    /** One metric: its descriptor, its type, and its samples for a pod or container (none when unknown). */
    record Def(MetricDescriptor descriptor, MetricType type, Function<MetricSource, List<Sample>> samples) {
        int extraLabels() {
            return descriptor.getLabelKeysCount() - BASE_LABELS.size();
        }
    }

    static final List<Def> ALL = List.of(
            counter("container_cpu_usage_seconds_total", "Cumulative CPU time consumed in seconds.", List.of("cpu"),
                    s -> one(s, seconds(s.cgroup().cpuUsageNanos()), "total")),
            counter("container_cpu_user_seconds_total", "Cumulative user CPU time consumed in seconds.",
                    s -> one(s, seconds(s.cgroup().cpuUserNanos()))),
            counter("container_cpu_system_seconds_total", "Cumulative system CPU time consumed in seconds.",
                    s -> one(s, seconds(s.cgroup().cpuSystemNanos()))),
            counter("container_cpu_cfs_periods_total", "Number of elapsed enforcement period intervals.",
                    cgroup(CgroupStats::cfsPeriods)),
            counter("container_cpu_cfs_throttled_periods_total", "Number of throttled period intervals.",
                    cgroup(CgroupStats::cfsThrottledPeriods)),
            counter("container_cpu_cfs_throttled_seconds_total", "Total time duration the container has been throttled.",
                    s -> one(s, seconds(s.cgroup().cfsThrottledNanos()))),

            gauge("container_memory_usage_bytes",
                    "Current memory usage in bytes, including all memory regardless of when it was accessed",
                    cgroup(CgroupStats::memoryUsageBytes)),
            gauge("container_memory_max_usage_bytes", "Maximum memory usage recorded in bytes",
                    cgroup(CgroupStats::memoryMaxUsageBytes)),
            gauge("container_memory_working_set_bytes", "Current working set in bytes.",
                    cgroup(CgroupStats::workingSetBytes)),
            gauge("container_memory_rss", "Size of RSS in bytes.", cgroup(CgroupStats::rssBytes)),
            gauge("container_memory_cache", "Number of bytes of page cache memory.", cgroup(CgroupStats::cacheBytes)),
            gauge("container_memory_swap", "Container swap usage in bytes.", cgroup(CgroupStats::swapUsageBytes)),
            gauge("container_memory_kernel_usage", "Size of kernel memory allocated in bytes.",
                    cgroup(CgroupStats::kernelUsageBytes)),
            gauge("container_memory_mapped_file", "Size of memory mapped files in bytes.",
                    cgroup(CgroupStats::mappedFileBytes)),
            counter("container_memory_failcnt", "Number of memory usage hits limits",
                    cgroup(CgroupStats::memoryFailcnt)),
            // cAdvisor's four series: page faults of the cgroup alone ("container") and of its subtree ("hierarchy").
            counter("container_memory_failures_total", "Cumulative count of memory allocation failures.",
                    List.of("failure_type", "scope"), s -> concat(
                            one(s, s.cgroup().ownPageFaults(), "pgfault", "container"),
                            one(s, s.cgroup().ownMajorPageFaults(), "pgmajfault", "container"),
                            one(s, s.cgroup().pageFaults(), "pgfault", "hierarchy"),
                            one(s, s.cgroup().majorPageFaults(), "pgmajfault", "hierarchy"))),
            counter("container_oom_events_total", "Count of out of memory events observed for the container",
                    cgroup(CgroupStats::oomKills)),

            // pids.current counts tasks, i.e. threads: cAdvisor's container_threads; processes come from cgroup.procs.
            gauge("container_threads", "Number of threads running inside the container", cgroup(CgroupStats::pids)),
            gauge("container_threads_max",
                    "Maximum number of threads allowed inside the container, infinity if value is zero",
                    cgroup(CgroupStats::threadsMax)),
            gauge("container_processes", "Number of processes running inside the container.",
                    processes(ProcessCounts::processes)),
            gauge("container_file_descriptors", "Number of open file descriptors for the container.",
                    processes(ProcessCounts::fileDescriptors)),
            gauge("container_sockets", "Number of open sockets for the container.",
                    processes(ProcessCounts::sockets)),

            // The CRI resources in force. cAdvisor reads the same numbers back from the cgroup; an unset (0) CRI
            // value means "runtime default", which berth does not guess at, so it yields no series -- except the
            // memory limits, where cAdvisor itself writes "unlimited" as 0.
            gauge("container_spec_cpu_period", "CPU period of the container.",
                    spec(r -> positive(r.getCpuPeriod()))),
            gauge("container_spec_cpu_quota", "CPU quota of the container.", spec(r -> positive(r.getCpuQuota()))),
            gauge("container_spec_cpu_shares", "CPU share of the container.", spec(r -> positive(r.getCpuShares()))),
            gauge("container_spec_memory_limit_bytes", "Memory limit for the container.",
                    spec(r -> r.getMemoryLimitInBytes() >= 0 ? OptionalLong.of(r.getMemoryLimitInBytes())
                            : OptionalLong.empty())),
            // CRI's swap limit is memory plus swap, as v1's memsw limit that cAdvisor reports; -1 is unlimited.
            gauge("container_spec_memory_swap_limit_bytes", "Memory swap limit for the container.",
                    spec(r -> r.getMemorySwapLimitInBytes() == -1 ? OptionalLong.of(0)
                            : positive(r.getMemorySwapLimitInBytes()))),

            gauge("container_fs_usage_bytes", "Number of bytes that are consumed by the container on this filesystem.",
                    List.of("device"), s -> s.layer().map(l -> List.of(new Sample(List.of(s.device()),
                            l.usage().bytes(), l.atNanos()))).orElse(List.of())),
            gauge("container_fs_limit_bytes",
                    "Number of bytes that can be consumed by the container on this filesystem.", List.of("device"),
                    s -> s.filesystem().map(f -> one(s, OptionalLong.of(f.bytes()), s.device())).orElse(List.of())),
            gauge("container_fs_inodes_total", "Number of Inodes", List.of("device"),
                    s -> s.filesystem().map(f -> one(s, OptionalLong.of(f.inodes()), s.device())).orElse(List.of())),
            gauge("container_fs_inodes_free", "Number of available Inodes", List.of("device"),
                    s -> s.filesystem().map(f -> one(s, OptionalLong.of(f.inodesFree()), s.device()))
                            .orElse(List.of())),
            counter("container_fs_reads_bytes_total", "Cumulative count of bytes read", List.of("device"),
                    s -> perDevice(s, s.cgroup().ioServiceBytes(), "Read")),
            counter("container_fs_reads_total", "Cumulative count of reads completed", List.of("device"),
                    s -> perDevice(s, s.cgroup().ioServiced(), "Read")),
            counter("container_fs_writes_bytes_total", "Cumulative count of bytes written", List.of("device"),
                    s -> perDevice(s, s.cgroup().ioServiceBytes(), "Write")),
            counter("container_fs_writes_total", "Cumulative count of writes completed", List.of("device"),
                    s -> perDevice(s, s.cgroup().ioServiced(), "Write")),
            counter("container_blkio_device_usage_total", "Blkio Device bytes usage",
                    List.of("device", "major", "minor", "operation"), CadvisorMetricTable::blkio),

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
                    "Cumulative count of errors encountered while transmitting", InterfaceCounters::txErrors),

            gauge("container_start_time_seconds", "Start time of the container since unix epoch in seconds.",
                    s -> one(s, seconds(s.startedAtNanos()))),
            gauge("container_last_seen", "Last time a container was seen by the exporter",
                    s -> one(s, OptionalLong.of(s.atNanos() / NANOS_PER_SECOND))));

    private CadvisorMetricTable() {}

    static List<MetricDescriptor> descriptors() {
        return ALL.stream().map(Def::descriptor).toList();
    }

    /** cAdvisor's one series per device, operation and entry of {@code blkio.throttle.io_service_bytes}. */
    private static List<Sample> blkio(MetricSource s) {
        List<Sample> out = new ArrayList<>();
        for (DeviceIo io : s.cgroup().ioServiceBytes()) {
            out.add(new Sample(List.of(s.blockDevices().name(io.major(), io.minor()), Long.toString(io.major()),
                    Long.toString(io.minor()), io.operation()), io.value(), s.atNanos()));
        }
        return out;
    }

    /** One sample per device for {@code operation}; the kernel lists each device and operation once. */
    private static List<Sample> perDevice(MetricSource s, List<DeviceIo> entries, String operation) {
        Map<String, Long> byDevice = new LinkedHashMap<>();
        for (DeviceIo io : entries) {
            if (io.operation().equals(operation)) {
                byDevice.merge(s.blockDevices().name(io.major(), io.minor()), io.value(), Long::sum);
            }
        }
        List<Sample> out = new ArrayList<>();
        byDevice.forEach((device, value) -> out.add(new Sample(List.of(device), value, s.atNanos())));
        return out;
    }

    private static Function<MetricSource, List<Sample>> cgroup(Function<CgroupStats, OptionalLong> value) {
        return s -> one(s, value.apply(s.cgroup()));
    }

    private static Function<MetricSource, List<Sample>> processes(Function<ProcessCounts, OptionalLong> value) {
        return s -> one(s, value.apply(s.processes()));
    }

    private static Function<MetricSource, List<Sample>> spec(Function<LinuxContainerResources, OptionalLong> value) {
        return s -> one(s, s.resources().map(value).orElse(OptionalLong.empty()));
    }

    private static List<Sample> one(MetricSource s, OptionalLong value, String... labels) {
        return value.isPresent() ? List.of(new Sample(List.of(labels), value.getAsLong(), s.atNanos())) : List.of();
    }

    @SafeVarargs
    private static List<Sample> concat(List<Sample>... parts) {
        List<Sample> out = new ArrayList<>();
        for (List<Sample> part : parts) {
            out.addAll(part);
        }
        return out;
    }

    private static OptionalLong positive(long value) {
        return value > 0 ? OptionalLong.of(value) : OptionalLong.empty();
    }

    private static OptionalLong seconds(OptionalLong nanos) {
        return nanos.isPresent() ? OptionalLong.of(nanos.getAsLong() / NANOS_PER_SECOND) : OptionalLong.empty();
    }

    private static Def counter(String name, String help, Function<MetricSource, List<Sample>> samples) {
        return counter(name, help, List.of(), samples);
    }

    private static Def counter(String name, String help, List<String> extra,
            Function<MetricSource, List<Sample>> samples) {
        return new Def(descriptor(name, help, extra), MetricType.COUNTER, samples);
    }

    private static Def gauge(String name, String help, Function<MetricSource, List<Sample>> samples) {
        return gauge(name, help, List.of(), samples);
    }

    private static Def gauge(String name, String help, List<String> extra, Function<MetricSource, List<Sample>> samples) {
        return new Def(descriptor(name, help, extra), MetricType.GAUGE, samples);
    }

    private static Def network(String name, String help, ToLongFunction<InterfaceCounters> value) {
        return counter(name, help, List.of("interface"), s -> s.interfaces().stream()
                .map(i -> new Sample(List.of(i.name()), value.applyAsLong(i), s.atNanos())).toList());
    }

    private static MetricDescriptor descriptor(String name, String help, List<String> extraLabels) {
        return MetricDescriptor.newBuilder().setName(name).setHelp(help).addAllLabelKeys(BASE_LABELS)
                .addAllLabelKeys(extraLabels).build();
    }
}
