package io.berth.e2e.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.cri.v1.ContainerEventType;
import io.berth.cri.v1.ListContainerStatsRequest;
import io.berth.cri.v1.ListContainersRequest;
import io.berth.cri.v1.ListPodSandboxRequest;
import io.berth.cri.v1.ListPodSandboxStatsRequest;
import io.berth.cri.v1.PodSandboxConfig;
import io.berth.e2e.harness.CriClient;
import io.berth.e2e.harness.E2eDaemons;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * berthd under load, as a busy node puts it: waves of 200 concurrent calls of every kind kubelet makes (runtime and
 * image service), 50 pods created and removed concurrently in a loop, GetContainerEvents streamed and stats polled
 * all the while. No call may fail except as {@link LoadTally} allows, and once the load is over berthd and its shim
 * hosts hold no more descriptors and threads than before (beyond a small slack) and their live heap is back near
 * where it was.
 *
 * <p>The CI form runs each of the 50 churn pods once, all at the same time, and counts threads other than idle pool
 * workers. The long form churns for minutes ({@code -Dberth.e2e.long=true}: 5 minutes, or
 * {@code -Dberth.e2e.load.seconds=N}), then waits out the pools' keep-alive and counts every thread.
 */
class LoadE2eTest {
    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    private static final int CONCURRENT_CALLS = 200;
    private static final int CHURN_PODS = 50;
    private static final int STEADY_PODS = 3;
    /** Each churn worker starts a cycle only within this time, and finishes the one it began. */
    private static final long SHORT_CHURN_SECONDS = 0;
    private static final long LONG_CHURN_SECONDS = 300;
    /** Descriptors the JVM may open once and keep (a jar, a /proc file reader) on a path first taken late. */
    private static final long FD_SLACK = 10;
    /** Threads a JVM may start once (a compiler thread, a timer) on a path first taken late. */
    private static final long THREAD_SLACK = 4;
    /**
     * Live heap that may stay: caches warmed by the load, and in the short form the thread-locals (gRPC and Netty
     * buffers) of pool workers still idling out their keep-alive, about 4 MiB after 200 concurrent calls.
     */
    private static final long HEAP_SLACK_KIB = 8 * 1024;

    private static StressedRuntime runtime;

    @BeforeAll
    static void startRuntime() throws Exception {
        runtime = StressedRuntime.start(daemons, "bld", 233, Optional.empty());
    }

    @AfterAll
    static void removeRuntime() {
        if (runtime != null) {
            runtime.close();
        }
    }

    @Test
    void concurrentCallsAndPodChurnFailNothingAndLeaveNoDescriptorsThreadsOrHeapBehind() throws Exception {
        List<String> steadyPods = new ArrayList<>();
        List<String> steadyContainers = new ArrayList<>();
        for (int i = 0; i < STEADY_PODS; i++) {
            PodSandboxConfig config = runtime.podConfig("steady-" + i);
            String pod = runtime.runPod(config);
            steadyPods.add(pod);
            steadyContainers.add(runtime.runShell(pod, config, "sleeper", "sleep 3600"));
        }
        CriClient cri = runtime.berthd().client();
        LoadTally tally = new LoadTally();
        LoadRpcMix mix = new LoadRpcMix(cri, runtime.busybox(), steadyPods, steadyContainers, tally);
        LoadPodChurn churn = new LoadPodChurn(runtime, tally);
        ExecutorService workers = Executors.newFixedThreadPool(CHURN_PODS + 1);
        Map<Long, LoadFigures> before;
        try {
            // Every path once before the baseline, so that what a JVM sets up on first use is not counted as growth.
            mix.wave(CONCURRENT_CALLS);
            for (Future<?> warmUp : churn.start(2, Duration.ZERO, workers)) {
                warmUp.get();
            }
            long warmUpCycles = churn.cycles();
            before = figures();
            before.values().forEach(f -> System.out.println("load: before: " + f));

            Duration churnTime = churnTime();
            long started = System.nanoTime();
            double cpuBefore = runtimeCpuSeconds();
            List<LoadEventStream> events = List.of(LoadEventStream.open(cri.channel()),
                    LoadEventStream.open(cri.channel()));
            AtomicBoolean polling = new AtomicBoolean(true);
            Future<?> statsPoller = workers.submit(() -> pollStats(cri, tally, polling));
            List<Future<?>> churning = churn.start(CHURN_PODS, churnTime, workers);
            long waves = 0;
            while (churning.stream().anyMatch(f -> !f.isDone())) {
                mix.wave(CONCURRENT_CALLS);
                waves++;
            }
            for (Future<?> worker : churning) {
                worker.get();
            }
            polling.set(false);
            statsPoller.get();
            System.out.printf("load: %d waves of %d calls and %d pod cycles in %d s, runtime CPU %.1f s; %s%n", waves,
                    CONCURRENT_CALLS, churn.cycles() - warmUpCycles,
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started), runtimeCpuSeconds() - cpuBefore,
                    tally.summary());

            for (LoadEventStream stream : events) {
                System.out.println("load: events " + stream.counts());
                assertThat(stream.closedWith()).as("how berthd ended a GetContainerEvents stream").isNull();
                assertThat(stream.count(ContainerEventType.CONTAINER_STARTED_EVENT))
                        .as("container starts seen by a GetContainerEvents stream")
                        .isGreaterThanOrEqualTo(churn.cycles() - warmUpCycles);
                assertThat(stream.count(ContainerEventType.CONTAINER_DELETED_EVENT))
                        .as("container removals seen by a GetContainerEvents stream")
                        .isGreaterThanOrEqualTo(churn.cycles() - warmUpCycles);
                stream.close();
            }
            assertThat(tally.unexpected()).as("calls that failed, by RPC and code, with the first message")
                    .isEmpty();
            assertThat(churn.cycles() - warmUpCycles).as("pods created and removed")
                    .isGreaterThanOrEqualTo(CHURN_PODS);
        } finally {
            workers.shutdownNow();
            workers.awaitTermination(2, TimeUnit.MINUTES);
        }

        assertThat(cri.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList())
                .as("pods left once the churn is over").extracting(p -> p.getId())
                .containsExactlyInAnyOrderElementsOf(steadyPods);
        assertThat(cri.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList())
                .as("containers left once the churn is over").extracting(c -> c.getId())
                .containsExactlyInAnyOrderElementsOf(steadyContainers);
        // A removed pod's descriptors (shim connections, netns, log files) close as its teardown finishes.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).until(() -> before.entrySet()
                .stream().allMatch(e -> LoadFigures.countsOf(e.getKey()).fds() <= e.getValue().fds() + FD_SLACK));
        if (isLong()) {
            // The pools' idle workers end after their keep-alive (gRPC's: 60 s); the long form waits for that, so
            // that every thread, and the heap their thread-locals hold, must be back.
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(5)).until(() -> before.entrySet()
                    .stream().allMatch(e -> LoadFigures.countsOf(e.getKey()).threads()
                            <= e.getValue().threads() + THREAD_SLACK));
        }
        Map<Long, LoadFigures> after = figures();
        for (long pid : before.keySet()) {
            LoadFigures was = before.get(pid);
            LoadFigures now = after.get(pid);
            System.out.println("load: after:  " + now);
            assertThat(now.fds()).as("open descriptors of %s after the load (before: %s)", now, was)
                    .isLessThanOrEqualTo(was.fds() + FD_SLACK);
            assertThat(now.lastingThreads()).as("threads other than idle pool workers of %s (before: %s)", now, was)
                    .isLessThanOrEqualTo(was.lastingThreads() + THREAD_SLACK);
            assertThat(now.liveHeapKib()).as("live heap of %s after the load (before: %s)", now, was)
                    .isLessThanOrEqualTo(was.liveHeapKib() + HEAP_SLACK_KIB);
        }
    }

    /** berthd and every shim host it runs, by pid. */
    private static Map<Long, LoadFigures> figures() {
        Map<Long, LoadFigures> out = new LinkedHashMap<>();
        out.put(runtime.berthd().pid(), LoadFigures.of(runtime.berthd().pid()));
        for (long host : runtime.berthd().shimHosts()) {
            out.put(host, LoadFigures.of(host));
        }
        return out;
    }

    /** CPU time of berthd and its shim hosts, with the runc and container processes they reaped. */
    private static double runtimeCpuSeconds() {
        double seconds = LoadFigures.cpuSeconds(runtime.berthd().pid());
        for (long host : runtime.berthd().shimHosts()) {
            seconds += LoadFigures.cpuSeconds(host);
        }
        return seconds;
    }

    /** kubelet's stats loop: every container's and every pod's stats, over and over, while pods come and go. */
    private static void pollStats(CriClient cri, LoadTally tally, AtomicBoolean polling) {
        while (polling.get()) {
            try {
                cri.runtime().listContainerStats(ListContainerStatsRequest.getDefaultInstance());
                tally.succeeded("ListContainerStats (poll)");
            } catch (RuntimeException e) {
                tally.failed("ListContainerStats (poll)", e, false);
            }
            try {
                cri.runtime().listPodSandboxStats(ListPodSandboxStatsRequest.getDefaultInstance());
                tally.succeeded("ListPodSandboxStats (poll)");
            } catch (RuntimeException e) {
                tally.failed("ListPodSandboxStats (poll)", e, false);
            }
        }
    }

    private static Duration churnTime() {
        Long seconds = Long.getLong("berth.e2e.load.seconds");
        if (seconds != null) {
            return Duration.ofSeconds(seconds);
        }
        return Duration.ofSeconds(isLong() ? LONG_CHURN_SECONDS : SHORT_CHURN_SECONDS);
    }

    private static boolean isLong() {
        return Boolean.getBoolean("berth.e2e.long") || Long.getLong("berth.e2e.load.seconds") != null;
    }
}
