package io.berth.e2e.reliability;

import io.berth.cri.v1.PodSandboxConfig;
import io.berth.cri.v1.RemovePodSandboxRequest;
import io.berth.cri.v1.StopPodSandboxRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Pods coming and going the way a busy node's do: {@code workers} threads, each running a pod with one container,
 * then stopping and removing it, again and again until the time is up (a cycle that has begun is finished, so
 * nothing is left behind). Every failure is tallied under the RPC that failed.
 */
final class LoadPodChurn {
    private final StressedRuntime runtime;
    private final LoadTally tally;
    private final AtomicLong cycles = new AtomicLong();

    LoadPodChurn(StressedRuntime runtime, LoadTally tally) {
        this.runtime = runtime;
        this.tally = tally;
    }

    /** Starts the workers; the returned futures end when each has finished its last cycle. */
    List<Future<?>> start(int workers, Duration duration, ExecutorService pool) {
        long deadline = System.nanoTime() + duration.toNanos();
        List<Future<?>> running = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            int worker = w;
            running.add(pool.submit(() -> {
                int cycle = 0;
                do {
                    cycle(worker, cycle++);
                } while (System.nanoTime() < deadline);
            }));
        }
        return running;
    }

    long cycles() {
        return cycles.get();
    }

    private void cycle(int worker, int cycle) {
        PodSandboxConfig config = runtime.podConfig("churn-" + worker + "-" + cycle);
        String pod;
        try {
            pod = runtime.runPod(config);
            tally.succeeded("RunPodSandbox");
        } catch (RuntimeException e) {
            tally.failed("RunPodSandbox", e, false);
            return;
        }
        try {
            runtime.runShell(pod, config, "c", "sleep 3600");
            tally.succeeded("CreateContainer+StartContainer");
        } catch (RuntimeException e) {
            tally.failed("CreateContainer+StartContainer", e, false);
        }
        try {
            runtime.runtime().withDeadlineAfter(120, TimeUnit.SECONDS)
                    .stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
            tally.succeeded("StopPodSandbox");
        } catch (RuntimeException e) {
            tally.failed("StopPodSandbox", e, false);
        }
        try {
            runtime.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
            tally.succeeded("RemovePodSandbox");
            cycles.incrementAndGet();
        } catch (RuntimeException e) {
            tally.failed("RemovePodSandbox", e, false);
        }
    }
}
