package io.berth.e2e.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.cri.v1.ListContainerStatsRequest;
import io.berth.cri.v1.ListContainerStatsResponse;
import io.berth.cri.v1.ListPodSandboxStatsRequest;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.E2eSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * berth's stats benchmark, run by hand with {@code scripts/bench.sh} (its name keeps it out of {@code mvn verify}):
 * a packaged berthd with 50 running busybox {@code sleep} containers in 5 pods; CreateContainer latency
 * back-to-back and with the spare shim given time to warm; ListContainerStats and ListPodSandboxStats latency
 * after a warm-up; the PSS of the shims and of berthd. Prints the numbers and writes them to
 * {@code test/e2e/target/bench/stats.txt}.
 */
class StatsBenchmark {
    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    private static final String BRIDGE = "bst-bench";
    private static final int PODS = 5;
    private static final int PER_POD = 10;
    private static final int WARM_UP = 30;
    private static final int CALLS = 200;
    /** Time for the pool to boot the next spare shim JVM (measured about 0.5 s) before a paced create. */
    private static final long PACE_MILLIS = 2_000;
    private static final int PACED_CREATES = 5;
    private static StatsTestbed bed;

    @BeforeAll
    static void start() throws Exception {
        E2eSettings.assumeOwnBerthd();
        bed = StatsTestbed.start(daemons, BRIDGE, "10.249.50.0/24", "");
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
    void run() throws Exception {
        List<String> report = new ArrayList<>();
        List<String> pods = new ArrayList<>();
        for (int p = 0; p < PODS; p++) {
            pods.add(bed.pod("bench-" + p));
        }

        Latencies backToBack = new Latencies();
        List<String> containers = new ArrayList<>();
        for (int i = 0; i < PODS * PER_POD; i++) {
            String pod = pods.get(i / PER_POD);
            String name = "sleep-" + i;
            containers.add(backToBack.time(() -> bed.create(pod, name, Map.of(), "sleep", "3600")));
        }
        Latencies paced = new Latencies();
        String pacedPod = bed.pod("bench-paced");
        for (int i = 0; i < PACED_CREATES; i++) {
            Thread.sleep(PACE_MILLIS);
            String name = "paced-" + i;
            paced.time(() -> bed.create(pacedPod, name, Map.of(), "sleep", "3600"));
        }
        containers.forEach(bed::start);
        report.add("CreateContainer, back to back (" + containers.size() + "): " + backToBack.summary());
        report.add("CreateContainer, " + PACE_MILLIS + " ms apart (spare shim warm): " + paced.summary());

        ListContainerStatsRequest onlyBench = ListContainerStatsRequest.newBuilder().build();
        for (int i = 0; i < WARM_UP; i++) {
            bed.cri.runtime().listContainerStats(onlyBench);
        }
        Latencies list = new Latencies();
        ListContainerStatsResponse last = null;
        for (int i = 0; i < CALLS; i++) {
            last = list.time(() -> bed.cri.runtime().listContainerStats(onlyBench));
        }
        long running = last.getStatsList().stream().filter(s -> s.hasCpu()).count();
        assertThat(running).isEqualTo(containers.size());
        report.add("ListContainerStats, " + last.getStatsCount() + " containers (" + running + " running): "
                + list.summary());

        Latencies pods5 = new Latencies();
        for (int i = 0; i < CALLS / 4; i++) {
            pods5.time(() -> bed.cri.runtime().listPodSandboxStats(ListPodSandboxStatsRequest.getDefaultInstance()));
        }
        report.add("ListPodSandboxStats, " + (PODS + 1) + " pods: " + pods5.summary());

        List<Long> shimPss = new ArrayList<>();
        for (String id : containers) {
            long shim = ProcessMemory.parentOf(bed.pid(id));
            assertThat(ProcessMemory.commandLine(shim)).contains("io.berth.shim.ShimMain");
            shimPss.add(ProcessMemory.pssKb(shim));
        }
        shimPss.sort(Long::compare);
        report.add(String.format("shim PSS over %d shims: median %d kB, p90 %d kB, max %d kB", shimPss.size(),
                shimPss.get(shimPss.size() / 2), shimPss.get((int) Math.ceil(shimPss.size() * 0.9) - 1),
                shimPss.get(shimPss.size() - 1)));
        long berthd = bed.berthd.pid();
        report.add(String.format("berthd: PSS %d kB, RSS %d kB", ProcessMemory.pssKb(berthd),
                ProcessMemory.rssKb(berthd)));

        String text = String.join("\n", report) + "\n";
        System.out.println("\n==== berth stats benchmark ====\n" + text);
        Path out = Path.of("target/bench/stats.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, text);
    }
}
