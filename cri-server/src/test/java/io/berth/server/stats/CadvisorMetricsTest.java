package io.berth.server.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.cri.v1.ContainerMetrics;
import io.berth.cri.v1.LinuxContainerResources;
import io.berth.cri.v1.Metric;
import io.berth.cri.v1.MetricDescriptor;
import io.berth.cri.v1.MetricType;
import io.berth.cri.v1.PodSandboxMetrics;
import io.berth.linux.cgroup.ProcessCounts;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** ListPodSandboxMetrics' content over the same fakes: cAdvisor names, described, with matching labels. */
class CadvisorMetricsTest extends StatsFixture {
    private final Map<String, MetricDescriptor> described = CadvisorMetrics.descriptors().stream()
            .collect(Collectors.toMap(MetricDescriptor::getName, Function.identity()));

    @Test
    void theDescriptorsNameCadvisorsMetricsWithTheirLabelKeys() {
        assertThat(described).containsKeys("container_cpu_usage_seconds_total", "container_memory_working_set_bytes",
                "container_memory_usage_bytes", "container_memory_rss", "container_network_receive_bytes_total",
                "container_network_transmit_bytes_total", "container_network_receive_errors_total",
                "container_fs_usage_bytes", "container_oom_events_total");
        assertThat(described.get("container_cpu_usage_seconds_total").getLabelKeysList())
                .containsExactly("id", "name", "image", "cpu");
        assertThat(described.get("container_network_receive_bytes_total").getLabelKeysList())
                .containsExactly("id", "name", "image", "interface");
        assertThat(described.get("container_memory_rss").getLabelKeysList()).containsExactly("id", "name", "image");
    }

    @Test
    void everyMetricIsDescribedAndHasOneValuePerLabelKey() {
        List<Metric> all = stats.podMetrics().stream()
                .flatMap(p -> Stream.concat(p.getMetricsList().stream(),
                        p.getContainerMetricsList().stream().flatMap(c -> c.getMetricsList().stream())))
                .toList();
        assertThat(all).isNotEmpty().allSatisfy(m -> {
            assertThat(described).containsKey(m.getName());
            assertThat(m.getLabelValuesList()).hasSameSizeAs(described.get(m.getName()).getLabelKeysList());
            assertThat(m.getTimestamp()).isEqualTo(NOW_NANOS);
        });
    }

    @Test
    void podsCarryTheirOwnAndTheirRunningContainersValues() {
        PodSandboxMetrics webPod = pod(web);
        assertThat(value(webPod.getMetricsList(), "container_network_receive_bytes_total", "eth0")).isEqualTo(1000);
        assertThat(value(webPod.getMetricsList(), "container_network_transmit_errors_total", "eth0")).isEqualTo(3);
        assertThat(value(webPod.getMetricsList(), "container_network_receive_bytes_total", "net1")).isEqualTo(70);
        assertThat(metric(webPod.getMetricsList(), "container_memory_working_set_bytes", null).getLabelValuesList())
                .containsExactly(web, "POD", "");

        ContainerMetrics frontMetrics = webPod.getContainerMetricsList().get(0);
        assertThat(frontMetrics.getContainerId()).isEqualTo(front);
        Metric cpu = metric(frontMetrics.getMetricsList(), "container_cpu_usage_seconds_total", "total");
        assertThat(cpu.getLabelValuesList()).containsExactly(front, "front", "busybox", "total");
        assertThat(cpu.getMetricType()).isEqualTo(MetricType.COUNTER);
        assertThat(cpu.getValue().getValue()).as("2.5 s, in whole seconds").isEqualTo(2);
        assertThat(value(frontMetrics.getMetricsList(), "container_memory_working_set_bytes", null)).isEqualTo(8_000);
        assertThat(metric(frontMetrics.getMetricsList(), "container_memory_rss", null).getMetricType())
                .isEqualTo(MetricType.GAUGE);
        String device = dir.resolve("snapshots").toString();
        assertThat(value(frontMetrics.getMetricsList(), "container_fs_usage_bytes", device))
                .isGreaterThanOrEqualTo(1000);

        assertThat(pod(batch).getContainerMetricsList()).extracting(ContainerMetrics::getContainerId)
                .as("the created container has no cgroup to report").containsExactly(worker);
    }

    @Test
    void containersCarryThrottlingMemoryDetailProcessesSpecAndFilesystem() {
        containers.update(front, s -> s.withResources(LinuxContainerResources.newBuilder().setCpuPeriod(100_000)
                .setCpuShares(512).setMemoryLimitInBytes(64L << 20).setMemorySwapLimitInBytes(-1).build()));
        cgroups.processes("/kubepods/pod-web/" + front,
                new ProcessCounts(OptionalLong.of(2), OptionalLong.of(9), OptionalLong.of(1)));
        List<Metric> m = pod(web).getContainerMetricsList().get(0).getMetricsList();

        assertThat(value(m, "container_cpu_cfs_periods_total", null)).isEqualTo(40);
        assertThat(value(m, "container_cpu_cfs_throttled_periods_total", null)).isEqualTo(3);
        assertThat(value(m, "container_cpu_cfs_throttled_seconds_total", null)).as("1.5 s, whole").isEqualTo(1);
        assertThat(value(m, "container_memory_failcnt", null)).isEqualTo(1);
        assertThat(value(m, "container_memory_max_usage_bytes", null)).isEqualTo(12_000);
        assertThat(value(m, "container_memory_kernel_usage", null)).isEqualTo(700);
        assertThat(value(m, "container_memory_mapped_file", null)).isEqualTo(300);
        assertThat(m.stream().filter(x -> x.getName().equals("container_memory_failures_total"))
                .map(x -> x.getLabelValuesList().subList(3, 5) + "=" + x.getValue().getValue()))
                .containsExactly("[pgfault, container]=30", "[pgmajfault, container]=1", "[pgfault, hierarchy]=50",
                        "[pgmajfault, hierarchy]=1");
        assertThat(value(m, "container_threads_max", null)).as("no pids limit").isZero();
        assertThat(value(m, "container_processes", null)).isEqualTo(2);
        assertThat(value(m, "container_file_descriptors", null)).isEqualTo(9);
        assertThat(value(m, "container_sockets", null)).isEqualTo(1);

        assertThat(value(m, "container_spec_cpu_period", null)).isEqualTo(100_000);
        assertThat(value(m, "container_spec_cpu_shares", null)).isEqualTo(512);
        assertThat(value(m, "container_spec_memory_limit_bytes", null)).isEqualTo(64L << 20);
        assertThat(value(m, "container_spec_memory_swap_limit_bytes", null)).as("-1: unlimited, 0").isZero();
        assertThat(m).as("no quota set, none guessed").noneMatch(x -> x.getName().equals("container_spec_cpu_quota"));

        String device = dir.resolve("snapshots").toString();
        assertThat(value(m, "container_fs_inodes_total", device)).as("statvfs of the real temp dir").isPositive();
        assertThat(value(m, "container_fs_inodes_free", device))
                .isLessThanOrEqualTo(value(m, "container_fs_inodes_total", device));
        assertThat(value(m, "container_fs_limit_bytes", device)).isPositive();
        assertThat(value(m, "container_last_seen", null)).isEqualTo(NOW_NANOS / 1_000_000_000L);

        Metric read = metric(m, "container_blkio_device_usage_total", "Read");
        assertThat(read.getLabelValuesList().subList(4, 7)).containsExactly("8", "0", "Read");
        assertThat(read.getValue().getValue()).isEqualTo(4096);
        assertThat(metric(m, "container_fs_reads_bytes_total", null).getValue().getValue()).isEqualTo(4096);
        assertThat(metric(m, "container_fs_writes_total", null).getValue().getValue()).isEqualTo(1);
    }

    @Test
    void onlyTheMetricsCallWalksProcesses() {
        stats.containers(io.berth.cri.v1.ContainerStatsFilter.getDefaultInstance());
        stats.pods(io.berth.cri.v1.PodSandboxStatsFilter.getDefaultInstance());
        assertThat(cgroups.processWalks).as("kubelet's frequent stats calls stay cheap").hasValue(0);
        stats.podMetrics();
        assertThat(cgroups.processWalks).as("front and worker, not the created idle").hasValue(2);
    }

    @Test
    void aPodWithoutCgroupHasNoSummedPeaksOrPeriods() {
        List<Metric> m = pod(batch).getMetricsList();
        assertThat(m).extracting(Metric::getName).contains("container_memory_usage_bytes", "container_last_seen")
                .doesNotContain("container_memory_max_usage_bytes", "container_cpu_cfs_periods_total",
                        "container_threads_max", "container_processes", "container_spec_cpu_period");
    }

    @Test
    void aStoppedPodHasNoMetrics() {
        sandboxes.update(batch, s -> s.notReady());
        assertThat(stats.podMetrics()).extracting(PodSandboxMetrics::getPodSandboxId).containsExactly(web);
    }

    private PodSandboxMetrics pod(String id) {
        return stats.podMetrics().stream().filter(p -> p.getPodSandboxId().equals(id)).findFirst().orElseThrow();
    }

    private static long value(List<Metric> metrics, String name, String lastLabel) {
        return metric(metrics, name, lastLabel).getValue().getValue();
    }

    private static Metric metric(List<Metric> metrics, String name, String lastLabel) {
        return metrics.stream()
                .filter(m -> m.getName().equals(name))
                .filter(m -> lastLabel == null
                        || m.getLabelValuesList().get(m.getLabelValuesCount() - 1).equals(lastLabel))
                .findFirst().orElseThrow(() -> new AssertionError("no " + name + " " + lastLabel + " in " + metrics));
    }
}
