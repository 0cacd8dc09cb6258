package io.berth.e2e.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.cri.v1.ContainerStats;
import io.berth.cri.v1.ListContainerStatsRequest;
import io.berth.cri.v1.ListContainerStatsResponse;
import io.berth.cri.v1.ListPodSandboxStatsRequest;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.E2eSettings;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * kubelet's steady load: ListContainerStats over 50 running containers. The answer must be complete; its latency
 * is measured and printed (speed targets are the benchmark's business, scripts/bench.sh), never asserted.
 */
class ManyContainersStatsE2eTest {
    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    private static final String BRIDGE = "bst-many";
    private static final int PODS = 5;
    private static final int PER_POD = 10;
    private static StatsTestbed bed;
    private static final List<String> containers = new ArrayList<>();

    @BeforeAll
    static void fiftyContainers() throws Exception {
        E2eSettings.assumeOwnBerthd();
        bed = StatsTestbed.start(daemons, BRIDGE, "10.241.4.0/24", "");
        for (int p = 0; p < PODS; p++) {
            String pod = bed.pod("many-" + p);
            for (int c = 0; c < PER_POD; c++) {
                containers.add(bed.run(pod, "sleep-" + c, "sleep", "3600"));
            }
        }
    }

    @AfterAll
    static void cleanUp() {
        if (bed != null) {
            bed.close();
        } else {
            StatsTestbed.cleanHost(BRIDGE);
        }
    }

    @Test
    void listContainerStatsAnswersForFiftyRunningContainers() throws Exception {
        Latencies latencies = new Latencies();
        ListContainerStatsResponse last = null;
        for (int i = 0; i < 60; i++) {
            last = latencies.time(() -> bed.cri.runtime()
                    .listContainerStats(ListContainerStatsRequest.getDefaultInstance()));
        }
        System.out.println("ListContainerStats, " + containers.size() + " running containers: " + latencies.summary());

        assertThat(last.getStatsList()).extracting(s -> s.getAttributes().getId())
                .containsExactlyInAnyOrderElementsOf(containers);
        for (ContainerStats s : last.getStatsList()) {
            assertThat(s.getCpu().getUsageCoreNanoSeconds().getValue()).as("cpu of %s", s.getAttributes().getId())
                    .isPositive();
            assertThat(s.getMemory().getWorkingSetBytes().getValue()).isPositive();
            assertThat(s.getWritableLayer().getInodesUsed().getValue()).isPositive();
        }
        assertThat(bed.cri.runtime().listPodSandboxStats(ListPodSandboxStatsRequest.getDefaultInstance())
                .getStatsList()).hasSize(PODS).allSatisfy(p -> {
                    assertThat(p.getLinux().getContainersList()).hasSize(PER_POD);
                    assertThat(p.getLinux().getNetwork().getDefaultInterface().getName()).isEqualTo("eth0");
                });
    }
}
