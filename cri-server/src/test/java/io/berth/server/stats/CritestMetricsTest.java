package io.berth.server.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.cri.v1.LinuxContainerResources;
import io.berth.cri.v1.Metric;
import io.berth.cri.v1.MetricDescriptor;
import io.berth.cri.v1.PodSandboxMetrics;
import io.berth.linux.cgroup.ProcessCounts;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * critest v1.37.0's two metrics specs (pkg/validate/pod.go, testMetricDescriptors and testPodSandboxMetrics),
 * replayed over the fakes with the resources createContainerForMetrics sets, so a metric described but never
 * emitted (or emitted with the wrong number of labels) fails here before it fails there.
 */
class CritestMetricsTest extends StatsFixture {
    /** expectedMetricDescriptorNames. */
    static final List<String> EXPECTED = List.of("container_blkio_device_usage_total",
            "container_cpu_cfs_periods_total", "container_cpu_cfs_throttled_periods_total",
            "container_cpu_cfs_throttled_seconds_total", "container_cpu_system_seconds_total",
            "container_cpu_usage_seconds_total", "container_cpu_user_seconds_total", "container_file_descriptors",
            "container_fs_inodes_free", "container_fs_inodes_total", "container_fs_limit_bytes",
            "container_fs_reads_bytes_total", "container_fs_reads_total", "container_fs_usage_bytes",
            "container_fs_writes_bytes_total", "container_fs_writes_total", "container_hugetlb_max_usage_bytes",
            "container_hugetlb_usage_bytes", "container_last_seen", "container_memory_cache",
            "container_memory_failcnt", "container_memory_failures_total", "container_memory_kernel_usage",
            "container_memory_mapped_file", "container_memory_max_usage_bytes", "container_memory_rss",
            "container_memory_swap", "container_memory_usage_bytes", "container_memory_working_set_bytes",
            "container_network_receive_bytes_total", "container_network_receive_errors_total",
            "container_network_receive_packets_dropped_total", "container_network_receive_packets_total",
            "container_network_transmit_bytes_total", "container_network_transmit_errors_total",
            "container_network_transmit_packets_dropped_total", "container_network_transmit_packets_total",
            "container_oom_events_total", "container_pressure_cpu_stalled_seconds_total",
            "container_pressure_cpu_waiting_seconds_total", "container_pressure_io_stalled_seconds_total",
            "container_pressure_io_waiting_seconds_total", "container_pressure_memory_stalled_seconds_total",
            "container_pressure_memory_waiting_seconds_total", "container_processes", "container_sockets",
            "container_spec_cpu_period", "container_spec_cpu_quota", "container_spec_cpu_shares",
            "container_spec_memory_limit_bytes", "container_spec_memory_reservation_limit_bytes",
            "container_spec_memory_swap_limit_bytes", "container_start_time_seconds", "container_threads",
            "container_threads_max", "container_ulimits_soft");
    /** unimplementedMetricDescriptors. */
    static final List<String> UNIMPLEMENTED = List.of("container_hugetlb_max_usage_bytes",
            "container_hugetlb_usage_bytes", "container_pressure_cpu_stalled_seconds_total",
            "container_pressure_cpu_waiting_seconds_total", "container_pressure_io_stalled_seconds_total",
            "container_pressure_io_waiting_seconds_total", "container_pressure_memory_stalled_seconds_total",
            "container_pressure_memory_waiting_seconds_total", "container_spec_cpu_quota",
            "container_spec_memory_reservation_limit_bytes", "container_ulimits_soft");
    /** optionalValuesForMetricDescriptors. */
    static final List<String> OPTIONAL = List.of("container_blkio_device_usage_total", "container_fs_reads_bytes_total",
            "container_fs_reads_total", "container_fs_writes_bytes_total", "container_fs_writes_total");

    @BeforeEach
    void asCreateContainerForMetricsDoes() {
        containers.update(front, s -> s.withResources(LinuxContainerResources.newBuilder().setCpuPeriod(100_000)
                .setCpuQuota(20_000).setCpuShares(1024).setMemoryLimitInBytes(64L << 20)
                .setMemorySwapLimitInBytes(64L << 20).build()));
        cgroups.processes("/kubepods/pod-web/" + front,
                new ProcessCounts(OptionalLong.of(1), OptionalLong.of(4), OptionalLong.of(0)));
    }

    @Test
    void everyExpectedDescriptorIsReturnedWithHelpAndLabelKeys() {
        List<MetricDescriptor> descs = stats.metricDescriptors();
        Map<String, MetricDescriptor> byName = new HashMap<>();
        descs.forEach(d -> {
            assertThat(d.getHelp()).as(d.getName()).isNotEmpty();
            assertThat(d.getLabelKeysList()).as(d.getName()).isNotEmpty().doesNotHaveDuplicates();
            assertThat(byName.put(d.getName(), d)).as("described once: " + d.getName()).isNull();
        });
        List<String> missing = new ArrayList<>(EXPECTED);
        missing.removeAll(byName.keySet());
        missing.removeAll(UNIMPLEMENTED);
        assertThat(missing).isEmpty();
    }

    @Test
    void thePodCarriesEveryDescribedMetricWithMatchingLabelCounts() {
        PodSandboxMetrics pod = stats.podMetrics().stream().filter(p -> p.getPodSandboxId().equals(web))
                .findFirst().orElseThrow();
        // As critest: the first series found per name, pod-level before container-level.
        Map<String, List<String>> found = new HashMap<>();
        List<Metric> all = new ArrayList<>(pod.getMetricsList());
        pod.getContainerMetricsList().forEach(c -> all.addAll(c.getMetricsList()));
        for (Metric m : all) {
            if (found.getOrDefault(m.getName(), List.of()).isEmpty()) {
                found.put(m.getName(), m.getLabelValuesList());
            }
        }
        List<String> missing = new ArrayList<>();
        for (String name : EXPECTED) {
            if (found.getOrDefault(name, List.of()).isEmpty() && !OPTIONAL.contains(name)
                    && !UNIMPLEMENTED.contains(name)) {
                missing.add(name);
            }
        }
        assertThat(missing).isEmpty();
        List<String> mismatched = new ArrayList<>();
        for (MetricDescriptor d : stats.metricDescriptors()) {
            List<String> values = found.get(d.getName());
            if (values == null ? !OPTIONAL.contains(d.getName()) && !UNIMPLEMENTED.contains(d.getName())
                    : values.size() != d.getLabelKeysCount()) {
                mismatched.add(d.getName());
            }
        }
        assertThat(mismatched).isEmpty();
        assertThat(new HashSet<>(found.keySet())).as("the fakes have values even for the optional ones")
                .containsAll(OPTIONAL);
    }
}
