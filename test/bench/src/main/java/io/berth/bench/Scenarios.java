package io.berth.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.cri.v1.ContainerConfig;
import io.berth.cri.v1.ContainerMetadata;
import io.berth.cri.v1.ContainerState;
import io.berth.cri.v1.ContainerStatusRequest;
import io.berth.cri.v1.CreateContainerRequest;
import io.berth.cri.v1.ExecSyncRequest;
import io.berth.cri.v1.ExecSyncResponse;
import io.berth.cri.v1.ImageSpec;
import io.berth.cri.v1.LinuxContainerConfig;
import io.berth.cri.v1.LinuxContainerSecurityContext;
import io.berth.cri.v1.LinuxPodSandboxConfig;
import io.berth.cri.v1.LinuxSandboxSecurityContext;
import io.berth.cri.v1.ListContainerStatsRequest;
import io.berth.cri.v1.ListContainersRequest;
import io.berth.cri.v1.ListPodSandboxRequest;
import io.berth.cri.v1.NamespaceMode;
import io.berth.cri.v1.NamespaceOption;
import io.berth.cri.v1.PodSandbox;
import io.berth.cri.v1.PodSandboxConfig;
import io.berth.cri.v1.PodSandboxMetadata;
import io.berth.cri.v1.PodSandboxState;
import io.berth.cri.v1.PullImageRequest;
import io.berth.cri.v1.RemoveContainerRequest;
import io.berth.cri.v1.RemoveImageRequest;
import io.berth.cri.v1.RemovePodSandboxRequest;
import io.berth.cri.v1.RunPodSandboxRequest;
import io.berth.cri.v1.StartContainerRequest;
import io.berth.cri.v1.StopContainerRequest;
import io.berth.cri.v1.StopPodSandboxRequest;
import io.berth.cri.v1.VersionRequest;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * The eight measurements, each against one CRI socket through gRPC only (memory and CPU are read from /proc).
 * Every pod is configured as kubelet configures an ordinary one: its own PID namespace per container
 * ({@code CONTAINER}), a log directory, a busybox container that exits on SIGTERM.
 */
final class Scenarios {
    /** Run forever and exit 0 on SIGTERM, as a well-behaved app does (PID 1 has no default TERM action). */
    static final List<String> SLEEPER = List.of("sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait");
    private static final NamespaceOption KUBELET_NAMESPACES = NamespaceOption.newBuilder()
            .setPid(NamespaceMode.CONTAINER).build();

    final Cri cri;
    final Options o;
    final Procs procs;
    final JsonNode images;
    final Map<String, Double> figures = new LinkedHashMap<>();
    private int seq;

    Scenarios(Cri cri, Options o, Procs procs, JsonNode images) {
        this.cri = cri;
        this.o = o;
        this.procs = procs;
        this.images = images;
    }

    String busybox() {
        return images.get("busybox").get("ref").asText();
    }

    // ---- pods ----

    record Pod(String id, String container) {}

    PodSandboxConfig podConfig(String name) throws IOException {
        Path logs = o.workdir.resolve("logs").resolve(name);
        Files.createDirectories(logs);
        return PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("bench")
                        .setUid(UUID.nameUUIDFromBytes(name.getBytes()).toString()))
                .setHostname(name.length() > 60 ? name.substring(0, 60) : name)
                .setLogDirectory(logs.toString())
                .putLabels("io.berth.bench", "1")
                .setLinux(LinuxPodSandboxConfig.newBuilder().setSecurityContext(
                        LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(KUBELET_NAMESPACES)))
                .build();
    }

    ContainerConfig containerConfig(String name, List<String> command) {
        return ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage(busybox()))
                .addAllCommand(command)
                .setLogPath(name + ".log")
                .putLabels("io.berth.bench", "1")
                .setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(
                        LinuxContainerSecurityContext.newBuilder().setNamespaceOptions(KUBELET_NAMESPACES)))
                .build();
    }

    synchronized String nextName(String prefix) {
        return prefix + "-" + (seq++);
    }

    /** RunPodSandbox + CreateContainer + StartContainer of one sleeper; the three latencies go to {@code times}. */
    Pod startPod(String prefix, List<String> command, double[] times) throws IOException {
        String name = nextName(prefix);
        PodSandboxConfig config = podConfig(name);
        long t0 = System.nanoTime();
        String pod = cri.rt().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config).build())
                .getPodSandboxId();
        long t1 = System.nanoTime();
        String ctr = cri.rt().createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(pod)
                .setConfig(containerConfig("c", command)).setSandboxConfig(config).build()).getContainerId();
        long t2 = System.nanoTime();
        cri.rt().startContainer(StartContainerRequest.newBuilder().setContainerId(ctr).build());
        long t3 = System.nanoTime();
        if (times != null) {
            times[0] = (t1 - t0) / 1e6;
            times[1] = (t2 - t1) / 1e6;
            times[2] = (t3 - t2) / 1e6;
        }
        return new Pod(pod, ctr);
    }

    /** StopPodSandbox + RemovePodSandbox, retried (as kubelet retries) up to 3 times a second apart. */
    void removePod(String pod) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                cri.rt().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
                cri.rt().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
                return;
            } catch (StatusRuntimeException e) {
                if (attempt == 3) {
                    throw e;
                }
                System.err.println("  warning: removing pod " + pod + " failed, retrying: " + e.getStatus());
                Thread.sleep(1000);
            }
        }
    }

    /** Removes every pod of the runtime, a few at a time (not measured). */
    void removeAllPods() throws Exception {
        List<String> ids = new ArrayList<>();
        for (PodSandbox p : cri.rt().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
            ids.add(p.getId());
        }
        List<Object> failed = parallel(4, ids.size(), i -> () -> {
            try {
                removePod(ids.get(i));
                return null;
            } catch (StatusRuntimeException e) {
                return ids.get(i) + ": " + e.getStatus();
            }
        });
        failed.stream().filter(f -> f != null).forEach(f -> System.err.println("  warning: pod left behind: " + f));
    }

    interface Task {
        Callable<Object> at(int i);
    }

    static List<Object> parallel(int threads, int n, Task task) throws Exception {
        if (n == 0) {
            return List.of();
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads, n));
        try {
            List<Future<Object>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                fs.add(pool.submit(task.at(i)));
            }
            List<Object> out = new ArrayList<>();
            for (Future<Object> f : fs) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    void put(String key, double value) {
        figures.put(key, Math.round(value * 1000) / 1000.0);
        System.err.printf("  %-45s %12.3f%n", key, value);
    }

    void putPercentiles(String key, Stats s, double... ps) {
        for (double p : ps) {
            put(key + ".p" + (int) p + "_ms", s.percentile(p));
        }
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
            Pod pod = startPod("life", SLEEPER, t);
            long t3 = System.nanoTime();
            cri.rt().stopContainer(StopContainerRequest.newBuilder().setContainerId(pod.container).setTimeout(10).build());
            long t4 = System.nanoTime();
            cri.rt().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(pod.container).build());
            long t5 = System.nanoTime();
            cri.rt().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod.id).build());
            long t6 = System.nanoTime();
            cri.rt().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod.id).build());
            long t7 = System.nanoTime();
            if (c >= 0) {
                double[] all = {t[0], t[1], t[2], (t4 - t3) / 1e6, (t5 - t4) / 1e6, (t6 - t5) / 1e6, (t7 - t6) / 1e6,
                        t[0] + t[1] + t[2]};
                for (int i = 0; i < steps.length; i++) {
                    stats.get(steps[i]).add(all[i]);
                }
            }
        }
        stats.forEach((step, s) -> putPercentiles("lifecycle." + step, s, 50, 90, 99));
        put("lifecycle.cycles", cycles);
    }

    // ---- 2. burst ----

    void burst() throws Exception {
        for (int n : o.quick ? new int[] {10} : new int[] {10, 30}) {
            long t0 = System.nanoTime();
            List<Object> pods = parallel(n, n, i -> () -> startPod("burst" + n, SLEEPER, null));
            awaitRunning(pods.stream().map(p -> ((Pod) p).container).toList());
            put("burst." + n + "pods.all_running_s", Stats.millisSince(t0) / 1000);
            removeAllPods();
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
        removeAllPods();
        if (memory) {
            memory(0);
        }
        int[] steps = o.quick ? new int[] {10} : new int[] {10, 50, 110};
        int restartAt = o.quick ? 10 : 50;
        List<Pod> pods = new ArrayList<>();
        double elapsedMs = 0;
        for (int target : steps) {
            long t0 = System.nanoTime();
            while (pods.size() < target) {
                pods.add(startPod("scale", SLEEPER, null));
            }
            elapsedMs += Stats.millisSince(t0);
            if (scale && target != 10 || scale && o.quick) {
                put("scale." + target + "pods.start_total_s", elapsedMs / 1000);
                lists(target);
            }
            if (memory) {
                memory(target);
            }
            if (exec && target == steps[steps.length - 1]) {
                exec(pods.get(0).container);
            }
            if (restart && target == restartAt) {
                restart(target);
            }
        }
        removeAllPods();
    }

    private void lists(int n) {
        int calls = o.quick ? 10 : 30;
        Stats pods = new Stats();
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
                pods.add(a);
                ctrs.add(b);
                stats.add(c);
            }
        }
        String k = "scale." + n + "pods.";
        putPercentiles(k + "ListPodSandbox", pods, 50, 99);
        putPercentiles(k + "ListContainers", ctrs, 50, 99);
        putPercentiles(k + "ListContainerStats", stats, 50, 99);
        put(k + "listed_pods", podCount);
        put(k + "listed_containers", ctrCount);
        put(k + "listed_stats", statCount);
    }

    private void memory(int n) throws InterruptedException {
        Thread.sleep(2000); // let shims started last finish booting
        Procs.Set3 set = procs.find();
        long daemon = set.daemon() > 0 ? Procs.pssKb(set.daemon()) : 0;
        long shims = set.shims().stream().mapToLong(Procs::pssKb).sum();
        long inits = set.inits().stream().mapToLong(Procs::pssKb).sum();
        String k = "memory." + n + "pods.";
        put(k + "total_mib", (daemon + shims + inits) / 1024.0);
        put(k + "daemon_mib", daemon / 1024.0);
        put(k + "shims_mib", shims / 1024.0);
        put(k + "inits_mib", inits / 1024.0);
        put(k + "shim_processes", set.shims().size());
        put(k + "init_processes", set.inits().size());
        if (n > 0 && figures.containsKey("memory.0pods.total_mib")) {
            put(k + "per_pod_mib", (figures.get(k + "total_mib") - figures.get("memory.0pods.total_mib")) / n);
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
        putPercentiles("exec.ExecSync_true", s, 50, 90, 99);
        put("exec.calls", n);
        put("exec.nonzero_exits", failures);
    }

    private void restart(int n) throws Exception {
        if (o.restartCmd == null) {
            System.err.println("  restart: skipped (no --restart-cmd)");
            return;
        }
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
                    break;
                }
            } catch (StatusRuntimeException notYet) {
                // still starting
            }
            Thread.sleep(20);
        }
        put("restart." + n + "pods.answers_s", answers / 1000);
        put("restart." + n + "pods.lists_all_running_s", Stats.millisSince(t0) / 1000);
    }

    // ---- 5. pull ----

    void pull() throws Exception {
        int samples = o.quick ? 1 : 2;
        for (String key : List.of("big", "smallfiles")) {
            JsonNode image = images.get(key);
            String ref = image.get("ref").asText();
            Stats s = new Stats();
            for (int i = 0; i < samples; i++) {
                removeImage(ref);
                long t0 = System.nanoTime();
                cri.img().pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(ref)).build());
                s.add(Stats.millisSince(t0));
            }
            removeImage(ref);
            double seconds = s.percentile(50) / 1000;
            double mib = image.get("bytes").asLong() / 1048576.0;
            put("pull." + key + ".seconds", seconds);
            put("pull." + key + ".mib_per_s", mib / seconds);
            put("pull." + key + ".mib", mib);
            put("pull." + key + ".layers", image.get("layers").asInt());
            if (key.equals("smallfiles")) {
                put("pull." + key + ".files_per_s", image.get("files").asInt() / seconds);
            }
        }
    }

    private void removeImage(String ref) {
        try {
            cri.img().removeImage(RemoveImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(ref)).build());
        } catch (StatusRuntimeException absent) {
            // not there
        }
    }

    // ---- 8. log throughput ----

    void logs() throws Exception {
        removeAllPods();
        int seconds = o.quick ? 5 : 10;
        String name = nextName("logs");
        PodSandboxConfig config = podConfig(name);
        String pod = cri.rt().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config).build()).getPodSandboxId();
        String ctr = cri.rt().createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(pod)
                .setConfig(containerConfig("yes", List.of("yes", "0123456789abcdefghijklmnopqrstuvwxyz0123456789ABCDEF")))
                .setSandboxConfig(config).build()).getContainerId();
        Procs.Set3 set = procs.find();
        Supplier<long[]> cpu = () -> {
            Procs.Set3 now = procs.find();
            List<Integer> shims = new ArrayList<>(set.shims());
            now.shims().stream().filter(p -> !shims.contains(p)).forEach(shims::add);
            long shimTicks = shims.stream().mapToLong(Procs::cpuTicks).sum();
            return new long[] {Procs.cpuTicks(now.daemon()), shimTicks};
        };
        long[] before = cpu.get();
        long t0 = System.nanoTime();
        cri.rt().startContainer(StartContainerRequest.newBuilder().setContainerId(ctr).build());
        Thread.sleep(seconds * 1000L);
        cri.rt().stopContainer(StopContainerRequest.newBuilder().setContainerId(ctr).setTimeout(0).build());
        double elapsed = Stats.millisSince(t0) / 1000;
        long[] after = cpu.get();
        Path log = Path.of(config.getLogDirectory(), "yes.log");
        long[] linesBytes = countLines(log);
        try {
            removePod(pod);
        } catch (StatusRuntimeException e) {
            System.err.println("  warning: pod " + pod + " left behind: " + e.getStatus());
        }
        Files.deleteIfExists(log);
        double mib = linesBytes[1] / 1048576.0;
        put("logs.lines_per_s", linesBytes[0] / elapsed);
        put("logs.mib_per_s", mib / elapsed);
        put("logs.daemon_cpu_ms_per_mib", (after[0] - before[0]) * 1000.0 / Procs.TICKS_PER_SECOND / Math.max(mib, 1e-9));
        put("logs.shim_cpu_ms_per_mib", (after[1] - before[1]) * 1000.0 / Procs.TICKS_PER_SECOND / Math.max(mib, 1e-9));
        put("logs.seconds", elapsed);
    }

    private static long[] countLines(Path file) throws IOException {
        long lines = 0;
        long bytes = 0;
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                bytes += n;
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        lines++;
                    }
                }
            }
        }
        return new long[] {lines, bytes};
    }
}
