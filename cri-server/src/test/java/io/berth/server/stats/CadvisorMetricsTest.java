package io.berth.server.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.cri.v1.ContainerMetrics;
import io.berth.cri.v1.Metric;
import io.berth.cri.v1.MetricDescriptor;
import io.berth.cri.v1.MetricType;
import io.berth.cri.v1.PodSandboxMetrics;
import java.util.List;
import java.util.Map;
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
