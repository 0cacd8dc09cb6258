package io.berth.e2e.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.berth.cri.v1.ContainerStats;
import io.berth.cri.v1.ContainerStatsFilter;
import io.berth.cri.v1.ContainerStatsRequest;
import io.berth.cri.v1.ListContainerStatsRequest;
import io.berth.cri.v1.RemovePodSandboxRequest;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.E2eSettings;
import io.berth.e2e.metrics.PrometheusScrape;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** ContainerStats of real containers against the kernel's own numbers, and berthd's /metrics following along. */
class ContainerStatsE2eTest {
    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    private static final String BRIDGE = "bst-ctr";
    private static final long ONE_CORE = 1_000_000_000L;
    private static StatsTestbed bed;
    private static int metricsPort;

    @BeforeAll
    static void start() throws Exception {
        E2eSettings.assumeOwnBerthd();
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            metricsPort = s.getLocalPort();
        }
        bed = StatsTestbed.start(daemons, BRIDGE, "10.241.1.0/24",
                "[metrics]\naddress = \"127.0.0.1:" + metricsPort + "\"\n");
    }

    @AfterAll
    static void cleanUp() {
        if (bed != null) {
            bed.close();
        } else {
            StatsTestbed.cleanHost(BRIDGE);
        }
    }

    private static ContainerStats stats(String id) {
        return bed.cri.runtime().containerStats(ContainerStatsRequest.newBuilder().setContainerId(id).build())
                .getStats();
    }

    @Test
    void aContainerBurningCpuShowsAboutOneCore() {
        String pod = bed.pod("burner");
        try {
            String id = bed.run(pod, "burn", "sh", "-c", "while :; do :; done");
            ContainerStats first = stats(id);
            assertThat(first.getCpu().getTimestamp()).as("nanoseconds since the epoch")
                    .isCloseTo(System.currentTimeMillis() * 1_000_000L, within(10_000_000_000L));
            // The rate needs a second sample at least a second after the first.
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
                ContainerStats s = stats(id);
                assertThat(s.getCpu().hasUsageNanoCores()).isTrue();
                assertThat(s.getCpu().getUsageNanoCores().getValue()).isBetween(ONE_CORE / 2, ONE_CORE * 12 / 10);
            });
            assertThat(stats(id).getCpu().getUsageCoreNanoSeconds().getValue())
                    .isGreaterThan(first.getCpu().getUsageCoreNanoSeconds().getValue());
        } finally {
            // Not left burning a core under the other tests.
            bed.cri.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        }
    }

    @Test
    void aContainerHoldingMemoryShowsTheWorkingSetItsCgroupFilesGive() throws Exception {
        String pod = bed.pod("memory");
        // The echo after the sleep keeps the shell (and its 50 MB string) alive: ash execs a last simple command.
        String id = bed.run(pod, "hold", "sh", "-c",
                "x=$(head -c 50000000 /dev/zero | tr '\\0' a); sleep 100; echo ${#x}");
        int pid = bed.pid(id);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(stats(id).getMemory().getRssBytes().getValue()).isGreaterThan(50_000_000L));
        // Read on both sides of the RPC: the cgroup settles once the string is built, and then the three agree.
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            long before = CgroupFiles.workingSetOf(pid);
            ContainerStats s = stats(id);
            long after = CgroupFiles.workingSetOf(pid);
            assertThat(before).isCloseTo(after, within(256L * 1024));
            assertThat(s.getMemory().getWorkingSetBytes().getValue()).isCloseTo(after, within(512L * 1024));
        });
        ContainerStats s = stats(id);
        assertThat(s.getMemory().getUsageBytes().getValue()).isGreaterThanOrEqualTo(
                s.getMemory().getWorkingSetBytes().getValue());
        assertThat(s.getMemory().getWorkingSetBytes().getValue()).isGreaterThan(50_000_000L);
        assertThat(s.getMemory().getPageFaults().getValue()).isPositive();
        assertThat(s.getMemory().getTimestamp()).isPositive();
    }

    @Test
    void listContainerStatsFiltersAndReportsTheWritableLayer() {
        String pod = bed.pod("layers");
        String writer = bed.create(pod, "writer", Map.of("role", "writer"), "sh", "-c",
                "head -c 3000000 /dev/zero > /tmp/blob; sleep 100");
        bed.start(writer);
        String idle = bed.create(pod, "idle", Map.of("role", "idle"), "sleep", "100");

        assertThat(list(ContainerStatsFilter.newBuilder().setPodSandboxId(pod).build()))
                .extracting(s -> s.getAttributes().getId()).containsExactly(writer, idle);
        assertThat(list(ContainerStatsFilter.newBuilder().putLabelSelector("role", "idle").build()))
                .extracting(s -> s.getAttributes().getId()).containsExactly(idle);
        assertThat(list(ContainerStatsFilter.newBuilder().setId(writer.substring(0, 12)).build()))
                .singleElement().satisfies(s -> {
                    assertThat(s.getAttributes().getMetadata().getName()).isEqualTo("writer");
                    assertThat(s.getAttributes().getLabelsMap()).containsEntry("role", "writer");
                });
        ContainerStats created = stats(idle);
        assertThat(created.hasCpu()).as("a created container has no cgroup yet").isFalse();
        assertThat(created.getWritableLayer().getInodesUsed().getValue()).isPositive();
        // The layer is measured in the background every 10 s; the file shows up by the next round at the latest.
        await().atMost(Duration.ofSeconds(25)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertThat(stats(writer).getWritableLayer().getUsedBytes().getValue()).isGreaterThan(3_000_000L));
        assertThat(stats(writer).getWritableLayer().getFsId().getMountpoint()).endsWith("/snapshots");
    }

    @Test
    void metricsCountShimStartsThePullAndTheStatsCalls() throws Exception {
        String pod = bed.pod("metrics");
        String id = bed.run(pod, "sleeper", "sleep", "100");
        PrometheusScrape before = PrometheusScrape.of(metricsPort);
        for (int i = 0; i < 4; i++) {
            stats(id);
        }
        list(ContainerStatsFilter.getDefaultInstance());
        PrometheusScrape after = PrometheusScrape.of(metricsPort);

        String statsCalls = "berth_grpc_requests_total{rpc=\"ContainerStats\",code=\"OK\"}";
        String listCalls = "berth_grpc_requests_total{rpc=\"ListContainerStats\",code=\"OK\"}";
        assertThat(after.valueOr0(statsCalls) - before.valueOr0(statsCalls)).isEqualTo(4);
        assertThat(after.valueOr0(listCalls) - before.valueOr0(listCalls)).isEqualTo(1);
        assertThat(after.valueOr0("berth_shim_start_duration_seconds_count")).isGreaterThanOrEqualTo(1);
        assertThat(after.valueOr0("berth_shim_start_duration_seconds_sum")).isPositive();
        assertThat(after.valueOr0("berth_image_pull_duration_seconds_count")).isEqualTo(1);
        assertThat(after.valueOr0("berth_image_pull_bytes_total")).as("busybox came over the network")
                .isGreaterThan(500_000);
        assertThat(after.valueOr0("berth_image_pull_failures_total")).isZero();
        assertThat(after.valueOr0("berth_containers")).isGreaterThanOrEqualTo(1);
        assertThat(after.types).containsEntry("berth_shim_start_duration_seconds", "summary")
                .containsEntry("berth_image_pull_bytes_total", "counter");
    }

    private static List<ContainerStats> list(ContainerStatsFilter filter) {
        return bed.cri.runtime().listContainerStats(ListContainerStatsRequest.newBuilder().setFilter(filter).build())
                .getStatsList();
    }
}
