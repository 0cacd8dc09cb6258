package io.berth.bench;

import io.berth.cri.v1.CreateContainerRequest;
import io.berth.cri.v1.PodSandboxConfig;
import io.berth.cri.v1.RunPodSandboxRequest;
import io.berth.cri.v1.StartContainerRequest;
import io.berth.cri.v1.StopContainerRequest;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/** Log throughput: one container writing lines as fast as it can, and the daemon and shim CPU spent per MiB. */
final class LogScenario {
    private final Cri cri;
    private final Options o;
    private final Procs procs;
    private final Pods pods;
    private final Figures figures;

    LogScenario(Cri cri, Options o, Procs procs, Pods pods, Figures figures) {
        this.cri = cri;
        this.o = o;
        this.procs = procs;
        this.pods = pods;
        this.figures = figures;
    }

    void logs() throws Exception {
        pods.removeAllPods();
        int seconds = o.quick ? 5 : 10;
        String name = pods.nextName("logs");
        PodSandboxConfig config = pods.podConfig(name);
        String pod = cri.rt().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config).build()).getPodSandboxId();
        String ctr = cri.rt().createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(pod)
                .setConfig(pods.containerConfig("yes",
                        List.of("yes", "0123456789abcdefghijklmnopqrstuvwxyz0123456789ABCDEF")))
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
            pods.removePod(pod);
        } catch (StatusRuntimeException e) {
            System.err.println("  warning: pod " + pod + " left behind: " + e.getStatus());
        }
        Files.deleteIfExists(log);
        double mib = linesBytes[1] / 1048576.0;
        figures.put("logs.lines_per_s", linesBytes[0] / elapsed);
        figures.put("logs.mib_per_s", mib / elapsed);
        figures.put("logs.daemon_cpu_ms_per_mib",
                (after[0] - before[0]) * 1000.0 / Procs.TICKS_PER_SECOND / Math.max(mib, 1e-9));
        figures.put("logs.shim_cpu_ms_per_mib",
                (after[1] - before[1]) * 1000.0 / Procs.TICKS_PER_SECOND / Math.max(mib, 1e-9));
        figures.put("logs.seconds", elapsed);
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
