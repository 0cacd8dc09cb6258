package io.berth.e2e.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.cri.v1.ContainerState;
import io.berth.cri.v1.ContainerStatus;
import io.berth.cri.v1.ContainerStatusRequest;
import io.berth.cri.v1.ListMetricDescriptorsRequest;
import io.berth.cri.v1.ListPodSandboxMetricsRequest;
import io.berth.cri.v1.ListPodSandboxStatsRequest;
import io.berth.cri.v1.Metric;
import io.berth.cri.v1.MetricDescriptor;
import io.berth.cri.v1.NetworkInterfaceUsage;
import io.berth.cri.v1.PodSandboxConfig;
import io.berth.cri.v1.PodSandboxMetadata;
import io.berth.cri.v1.PodSandboxMetrics;
import io.berth.cri.v1.PodSandboxStats;
import io.berth.cri.v1.PodSandboxStatsFilter;
import io.berth.cri.v1.PodSandboxStatsRequest;
import io.berth.cri.v1.RemovePodSandboxRequest;
import io.berth.cri.v1.RunPodSandboxRequest;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.E2eSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Pod stats from real pods: network counters of the pod netns, its cgroup or its containers', the metrics RPCs. */
class PodStatsE2eTest {
    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    private static final String BRIDGE = "bst-pod";
    /** One ICMP echo of busybox ping's 56 data bytes is 84 bytes of IP; /proc/net/dev adds the Ethernet header. */
    private static final long FIVE_PINGS = 5 * 84;
    private static final String CGROUP_PARENT = "/berth-e2e-" + UUID.randomUUID().toString().substring(0, 8);
    private static StatsTestbed bed;

    @BeforeAll
    static void start() throws Exception {
        E2eSettings.assumeOwnBerthd();
        bed = StatsTestbed.start(daemons, BRIDGE, "10.241.2.0/24", "");
    }

    @AfterAll
    static void cleanUp() throws Exception {
        try {
            if (bed != null) {
                bed.close();
            } else {
                StatsTestbed.cleanHost(BRIDGE);
            }
        } finally {
            // runc made the pod cgroup as the containers' parent; kubelet would remove it, so the test does.
            try (var hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
                for (Path h : hierarchies.toList()) {
                    Files.deleteIfExists(h.resolve(CGROUP_PARENT.substring(1)));
                }
            }
        }
    }

    private static PodSandboxStats stats(String pod) {
        return bed.cri.runtime().podSandboxStats(PodSandboxStatsRequest.newBuilder().setPodSandboxId(pod).build())
                .getStats();
    }

    private static NetworkInterfaceUsage eth0(String pod) {
        PodSandboxStats s = stats(pod);
        assertThat(s.getLinux().getNetwork().getDefaultInterface().getName()).isEqualTo("eth0");
        return s.getLinux().getNetwork().getDefaultInterface();
    }

    @Test
    void pingsBetweenTwoPodsShowInBothPodsNetworkCounters() {
        String client = bed.pod("client");
        String server = bed.pod("server");
        bed.run(server, "idle", "sleep", "100");
        String serverIp = bed.podIp(server);
        NetworkInterfaceUsage clientBefore = eth0(client);
        NetworkInterfaceUsage serverBefore = eth0(server);

        String ping = bed.run(client, "ping", "ping", "-c", "5", "-i", "0.2", "-W", "2", serverIp);
        await().atMost(Duration.ofSeconds(30)).until(() -> status(ping).getState() == ContainerState.CONTAINER_EXITED);
        assertThat(status(ping).getExitCode()).as("every ping answered").isZero();

        NetworkInterfaceUsage clientAfter = eth0(client);
        NetworkInterfaceUsage serverAfter = eth0(server);
        assertThat(grown(clientBefore, clientAfter, NetworkInterfaceUsage::getTxBytes))
                .isGreaterThanOrEqualTo(FIVE_PINGS);
        assertThat(grown(clientBefore, clientAfter, NetworkInterfaceUsage::getRxBytes))
                .isGreaterThanOrEqualTo(FIVE_PINGS);
        assertThat(grown(serverBefore, serverAfter, NetworkInterfaceUsage::getRxBytes))
                .isGreaterThanOrEqualTo(FIVE_PINGS);
        assertThat(grown(serverBefore, serverAfter, NetworkInterfaceUsage::getTxBytes))
                .isGreaterThanOrEqualTo(FIVE_PINGS);
        assertThat(serverAfter.getRxErrors().getValue()).isZero();
        assertThat(serverAfter.getTxErrors().getValue()).isZero();
        assertThat(stats(server).getLinux().getNetwork().getInterfacesList()).extracting(NetworkInterfaceUsage::getName)
                .as("loopback is not the pod's network").containsExactly("eth0");

        // The same counters, cAdvisor-named, through ListPodSandboxMetrics.
        PodSandboxMetrics metrics = podMetrics(server);
        Metric rx = metrics.getMetricsList().stream()
                .filter(m -> m.getName().equals("container_network_receive_bytes_total"))
                .filter(m -> m.getLabelValuesList().equals(List.of(server, "POD", "", "eth0")))
                .findFirst().orElseThrow();
        assertThat(rx.getValue().getValue()).isGreaterThanOrEqualTo(serverAfter.getRxBytes().getValue());
    }

    @Test
    void aPodWithoutACgroupParentAddsUpItsContainers() {
        String pod = bed.pod("summed", Map.of("kind", "summed"));
        bed.run(pod, "a", "sleep", "100");
        bed.run(pod, "b", "sleep", "100");
        PodSandboxStats s = stats(pod);
        assertThat(s.getAttributes().getMetadata().getName()).isEqualTo("summed");
        assertThat(s.getLinux().getContainersList()).hasSize(2);
        long containersWorkingSet = s.getLinux().getContainersList().stream()
                .mapToLong(c -> c.getMemory().getWorkingSetBytes().getValue()).sum();
        assertThat(s.getLinux().getMemory().getWorkingSetBytes().getValue())
                .as("the containers plus the pod's init process, read a moment later")
                .isGreaterThanOrEqualTo(containersWorkingSet / 2).isPositive();
        assertThat(s.getLinux().getProcess().getProcessCount().getValue()).isGreaterThanOrEqualTo(2);
        assertThat(s.getLinux().getCpu().getUsageCoreNanoSeconds().getValue()).isPositive();

        assertThat(bed.cri.runtime().listPodSandboxStats(ListPodSandboxStatsRequest.newBuilder()
                .setFilter(PodSandboxStatsFilter.newBuilder().putLabelSelector("kind", "summed")).build())
                .getStatsList()).extracting(p -> p.getAttributes().getId()).containsExactly(pod);
    }

    @Test
    void aPodWithACgroupParentReportsThatCgroup() throws Exception {
        String pod = bed.cri.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(PodSandboxConfig
                .newBuilder().setMetadata(PodSandboxMetadata.newBuilder().setName("parented").setNamespace("stats-e2e")
                        .setUid(UUID.randomUUID().toString()))
                .setLinux(io.berth.cri.v1.LinuxPodSandboxConfig.newBuilder().setCgroupParent(CGROUP_PARENT)))
                .build()).getPodSandboxId();
        try {
            String burn = bed.run(pod, "burn", "sh", "-c", "while :; do :; done");
            assertThat(Files.readString(Path.of("/proc", Integer.toString(bed.pid(burn)), "cgroup")))
                    .contains(CGROUP_PARENT + "/" + burn);
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
                PodSandboxStats s = stats(pod);
                long container = s.getLinux().getContainers(0).getCpu().getUsageCoreNanoSeconds().getValue();
                assertThat(s.getLinux().getCpu().getUsageCoreNanoSeconds().getValue())
                        .as("the pod cgroup holds the container").isGreaterThanOrEqualTo(container);
                // A rate, not a level: the host's other load decides how much of a core the burner gets.
                assertThat(s.getLinux().getCpu().getUsageNanoCores().getValue()).isPositive();
            });
            assertThat(stats(pod).getLinux().getProcess().getProcessCount().getValue()).isGreaterThanOrEqualTo(1);
        } finally {
            bed.cri.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        }
    }

    @Test
    void everyMetricIsDescribedWithAsManyLabelKeysAsItHasValues() {
        String pod = bed.pod("described");
        String id = bed.run(pod, "idle", "sleep", "100");
        Map<String, MetricDescriptor> described = bed.cri.runtime()
                .listMetricDescriptors(ListMetricDescriptorsRequest.getDefaultInstance()).getDescriptorsList().stream()
                .collect(Collectors.toMap(MetricDescriptor::getName, Function.identity()));
        assertThat(described).containsKeys("container_cpu_usage_seconds_total", "container_memory_working_set_bytes",
                "container_memory_usage_bytes", "container_memory_rss", "container_network_receive_bytes_total",
                "container_network_transmit_bytes_total");
        PodSandboxMetrics metrics = podMetrics(pod);
        assertThat(metrics.getContainerMetricsList()).singleElement().satisfies(c -> {
            assertThat(c.getContainerId()).isEqualTo(id);
            assertThat(c.getMetricsList()).extracting(Metric::getName).contains("container_memory_working_set_bytes",
                    "container_cpu_usage_seconds_total", "container_fs_usage_bytes");
        });
        metrics.getMetricsList().forEach(m -> assertDescribed(described, m));
        metrics.getContainerMetricsList().forEach(c -> c.getMetricsList().forEach(m -> assertDescribed(described, m)));
    }

    private static long grown(NetworkInterfaceUsage before, NetworkInterfaceUsage after,
            Function<NetworkInterfaceUsage, io.berth.cri.v1.UInt64Value> counter) {
        return counter.apply(after).getValue() - counter.apply(before).getValue();
    }

    private static void assertDescribed(Map<String, MetricDescriptor> described, Metric m) {
        assertThat(described).containsKey(m.getName());
        assertThat(m.getLabelValuesList()).as(m.getName()).hasSameSizeAs(described.get(m.getName()).getLabelKeysList());
    }

    private static PodSandboxMetrics podMetrics(String pod) {
        return bed.cri.runtime().listPodSandboxMetrics(ListPodSandboxMetricsRequest.getDefaultInstance())
                .getPodMetricsList().stream().filter(p -> p.getPodSandboxId().equals(pod)).findFirst().orElseThrow();
    }

    private static ContainerStatus status(String id) {
        return bed.cri.runtime().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build())
                .getStatus();
    }
}
