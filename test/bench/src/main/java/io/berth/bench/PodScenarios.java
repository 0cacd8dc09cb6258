package io.berth.bench;

import io.berth.bench.Pods.Pod;
import io.berth.cri.v1.ContainerState;
import io.berth.cri.v1.ContainerStatusRequest;
import io.berth.cri.v1.ExecSyncRequest;
import io.berth.cri.v1.ExecSyncResponse;
import io.berth.cri.v1.ListContainerStatsRequest;
import io.berth.cri.v1.ListContainersRequest;
import io.berth.cri.v1.ListPodSandboxRequest;
import io.berth.cri.v1.PodSandboxState;
import io.berth.cri.v1.RemoveContainerRequest;
import io.berth.cri.v1.RemovePodSandboxRequest;
import io.berth.cri.v1.StopContainerRequest;
import io.berth.cri.v1.StopPodSandboxRequest;
import io.berth.cri.v1.VersionRequest;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pod measurements (lifecycle, burst, and scale / memory / exec / restart over one population of pods), each
 * against one CRI socket through gRPC only (memory is read from /proc).
 */
final class PodScenarios {
    private final Cri cri;
    private final Options o;
    private final Procs procs;
    private final Pods pods;
    private final Figures figures;

    PodScenarios(Cri cri, Options o, Procs procs, Pods pods, Figures figures) {
        this.cri = cri;
        this.o = o;
        this.procs = procs;
        this.pods = pods;
        this.figures = figures;
    }

    // ---- 1. lifecycle ----

    void lifecycle() throws Exception {
        int cycles = o.quick ? 5 : 20;
        String[] steps = {"RunPodSandbox", "CreateContainer", "StartContainer", "StopContainer", "RemoveContainer",
                "StopPodSandbox", "RemovePodSandbox", "pod_start"};
        Map<String, Stats> stats = new LinkedHashMap<>();
        for (String s : steps) {
            stats.put(s, new Stats());
        }
        for (int c = -1; c < cycles; c++) { // cycle -1 warms up and is not counted
            double[] t = new double[3];
            Pod pod = pods.startPod("life", Pods.SLEEPER, t);
            long t3 = System.nanoTime();
            cri.rt().stopContainer(StopContainerRequest.newBuilder().setContainerId(pod.container()).setTimeout(10).build());
            long t4 = System.nanoTime();
            cri.rt().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(pod.container()).build());
            long t5 = System.nanoTime();
            cri.rt().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod.id()).build());
            long t6 = System.nanoTime();
            cri.rt().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod.id()).build());
            long t7 = System.nanoTime();
            if (c >= 0) {
                double[] all = {t[0], t[1], t[2], (t4 - t3) / 1e6, (t5 - t4) / 1e6, (t6 - t5) / 1e6, (t7 - t6) / 1e6,
                        t[0] + t[1] + t[2]};
                for (int i = 0; i < steps.length; i++) {
                    stats.get(steps[i]).add(all[i]);
                }
            }
        }
        stats.forEach((step, s) -> figures.putPercentiles("lifecycle." + step, s, 50, 90, 99));
        figures.put("lifecycle.cycles", cycles);
    }

    // ---- 2. burst ----

    void burst() throws Exception {
        for (int n : o.quick ? new int[] {10} : new int[] {10, 30}) {
            long t0 = System.nanoTime();
            List<Object> started = Pods.parallel(n, n, i -> () -> pods.startPod("burst" + n, Pods.SLEEPER, null));
            awaitRunning(started.stream().map(p -> ((Pod) p).container()).toList());
            figures.put("burst." + n + "pods.all_running_s", Stats.millisSince(t0) / 1000);
            pods.removeAllPods();
        }
    }

    private void awaitRunning(List<String> containers) throws InterruptedException {
        for (String c : containers) {
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (cri.rt().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(c).build()).getStatus()
                    .getState() != ContainerState.CONTAINER_RUNNING) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("container " + c + " not running after 60 s");
                }
                Thread.sleep(10);
            }
        }
    }

    // ---- 3 + 4 + 6 + 7. scale, exec, memory, restart (one population of pods) ----

    void scaleMemoryExecRestart(boolean scale, boolean memory, boolean exec, boolean restart) throws Exception {
        pods.removeAllPods();
        if (memory) {
            memory(0);
        }
        int[] steps = o.quick ? new int[] {10} : new int[] {10, 50, 110};
        int restartAt = o.quick ? 10 : 50;
        List<Pod> population = new ArrayList<>();
        double elapsedMs = 0;
        for (int target : steps) {
            long t0 = System.nanoTime();
            while (population.size() < target) {
                population.add(pods.startPod("scale", Pods.SLEEPER, null));
            }
            elapsedMs += Stats.millisSince(t0);
            if (scale && target != 10 || scale && o.quick) {
                figures.put("scale." + target + "pods.start_total_s", elapsedMs / 1000);
                lists(target);
            }
            if (memory) {
                memory(target);
            }
            if (exec && target == steps[steps.length - 1]) {
                exec(population.get(0).container());
            }
            if (restart && target == restartAt) {
                restart(target);
            }
        }
        pods.removeAllPods();
    }

    private void lists(int n) {
        int calls = o.quick ? 10 : 30;
        Stats sandboxes = new Stats();
        Stats ctrs = new Stats();
        Stats stats = new Stats();
        int podCount = 0;
        int ctrCount = 0;
        int statCount = 0;
        for (int i = -3; i < calls; i++) {
            long t0 = System.nanoTime();
            podCount = cri.rt().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsCount();
            double a = Stats.millisSince(t0);
            t0 = System.nanoTime();
            ctrCount = cri.rt().listContainers(ListContainersRequest.getDefaultInstance()).getContainersCount();
            double b = Stats.millisSince(t0);
            t0 = System.nanoTime();
            statCount = cri.rt().listContainerStats(ListContainerStatsRequest.getDefaultInstance()).getStatsCount();
            double c = Stats.millisSince(t0);
            if (i >= 0) {
                sandboxes.add(a);
                ctrs.add(b);
                stats.add(c);
            }
        }
        String k = "scale." + n + "pods.";
        figures.putPercentiles(k + "ListPodSandbox", sandboxes, 50, 99);
        figures.putPercentiles(k + "ListContainers", ctrs, 50, 99);
        figures.putPercentiles(k + "ListContainerStats", stats, 50, 99);
        figures.put(k + "listed_pods", podCount);
        figures.put(k + "listed_containers", ctrCount);
        figures.put(k + "listed_stats", statCount);
    }

    private void memory(int n) throws InterruptedException {
        Thread.sleep(2000); // let shims started last finish booting
        Procs.Set3 set = procs.find();
        long daemon = set.daemon() > 0 ? Procs.pssKb(set.daemon()) : 0;
        long shims = set.shims().stream().mapToLong(Procs::pssKb).sum();
        long inits = set.inits().stream().mapToLong(Procs::pssKb).sum();
        String k = "memory." + n + "pods.";
        figures.put(k + "total_mib", (daemon + shims + inits) / 1024.0);
        figures.put(k + "daemon_mib", daemon / 1024.0);
        if (set.daemon() > 0) {
            // Where the daemon's figure moves between readings: its anonymous pages, and the threads whose stacks
            // are among them.
            figures.put(k + "daemon_anon_mib", Procs.pssAnonKb(set.daemon()) / 1024.0);
            figures.put(k + "daemon_threads", Procs.threads(set.daemon()));
        }
        figures.put(k + "shims_mib", shims / 1024.0);
        figures.put(k + "inits_mib", inits / 1024.0);
        figures.put(k + "shim_processes", set.shims().size());
        figures.put(k + "init_processes", set.inits().size());
        if (n > 0) {
            figures.put(k + "total_per_pod_mib", figures.get(k + "total_mib") / n);
        }
        if (n > 0 && figures.has("memory.0pods.total_mib")) {
            // A difference of two readings: when a pod costs next to nothing (berth's shared shim host) the
            // noise of those readings can make it negative.
            figures.put(k + "per_pod_mib", (figures.get(k + "total_mib") - figures.get("memory.0pods.total_mib")) / n);
        }
    }

    private void exec(String container) {
        int n = o.quick ? 20 : 100;
        Stats s = new Stats();
        int failures = 0;
        for (int i = -5; i < n; i++) {
            long t0 = System.nanoTime();
            ExecSyncResponse r = cri.rt().execSync(ExecSyncRequest.newBuilder().setContainerId(container)
                    .addCmd("true").setTimeout(10).build());
            double ms = Stats.millisSince(t0);
            if (r.getExitCode() != 0) {
                failures++;
            }
            if (i >= 0) {
                s.add(ms);
            }
        }
        figures.putPercentiles("exec.ExecSync_true", s, 50, 90, 99);
        figures.put("exec.calls", n);
        figures.put("exec.nonzero_exits", failures);
    }

    private void restart(int n) throws Exception {
        if (o.restartCmd == null) {
            System.err.println("  restart: skipped (no --restart-cmd)");
            return;
        }
        // One restart is noisy (the JVM's start competes with whatever else the VM does): the figures are the
        // medians of several, each from a kill -9 of the daemon the previous one started.
        List<Double> answers = new ArrayList<>();
        List<Double> running = new ArrayList<>();
        for (int i = 0; i < o.restarts; i++) {
            double[] took = restartOnce(n);
            answers.add(took[0]);
            running.add(took[1]);
            System.err.printf("  restart %d of %d: answers %.3f s, all running %.3f s%n", i + 1, o.restarts,
                    took[0] / 1000, took[1] / 1000);
        }
        figures.put("restart." + n + "pods.answers_s", Stats.median(answers) / 1000);
        figures.put("restart." + n + "pods.lists_all_running_s", Stats.median(running) / 1000);
    }

    /** Milliseconds from the start command until Version answered, and until all n pods were listed running. */
    private double[] restartOnce(int n) throws Exception {
        int pid = procs.daemon();
        if (pid <= 0) {
            throw new IllegalStateException("no process listens on " + o.socket);
        }
        new ProcessBuilder("kill", "-9", Integer.toString(pid)).inheritIO().start().waitFor();
        while (Files.exists(Path.of("/proc/" + pid))) {
            Thread.sleep(5);
        }
        long t0 = System.nanoTime();
        Shell.output(o.restartCmd);
        double answers = -1;
        long deadline = System.nanoTime() + 180_000_000_000L;
        while (true) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the daemon did not list " + n + " running pods within 180 s");
            }
            try {
                cri.reconnectNow();
                if (answers < 0) {
                    cri.rt(2).version(VersionRequest.getDefaultInstance());
                    answers = Stats.millisSince(t0);
                }
                long ready = cri.rt(5).listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList().stream()
                        .filter(p -> p.getState() == PodSandboxState.SANDBOX_READY).count();
                long running = cri.rt(5).listContainers(ListContainersRequest.getDefaultInstance()).getContainersList()
                        .stream().filter(c -> c.getState() == ContainerState.CONTAINER_RUNNING).count();
                if (ready >= n && running >= n) {
                    return new double[] {answers, Stats.millisSince(t0)};
                }
            } catch (StatusRuntimeException notYet) {
                // still starting
            }
            Thread.sleep(20);
        }
    }
}
