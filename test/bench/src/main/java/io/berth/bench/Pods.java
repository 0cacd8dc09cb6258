package io.berth.bench;

import io.berth.cri.v1.ContainerConfig;
import io.berth.cri.v1.ContainerMetadata;
import io.berth.cri.v1.CreateContainerRequest;
import io.berth.cri.v1.ImageSpec;
import io.berth.cri.v1.LinuxContainerConfig;
import io.berth.cri.v1.LinuxContainerSecurityContext;
import io.berth.cri.v1.LinuxPodSandboxConfig;
import io.berth.cri.v1.LinuxSandboxSecurityContext;
import io.berth.cri.v1.ListPodSandboxRequest;
import io.berth.cri.v1.NamespaceMode;
import io.berth.cri.v1.NamespaceOption;
import io.berth.cri.v1.PodSandbox;
import io.berth.cri.v1.PodSandboxConfig;
import io.berth.cri.v1.PodSandboxMetadata;
import io.berth.cri.v1.RemovePodSandboxRequest;
import io.berth.cri.v1.RunPodSandboxRequest;
import io.berth.cri.v1.StartContainerRequest;
import io.berth.cri.v1.StopPodSandboxRequest;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Pod plumbing shared by the scenarios. Every pod is configured as kubelet configures an ordinary one: its own PID
 * namespace per container ({@code CONTAINER}), a log directory, a busybox container that exits on SIGTERM.
 */
final class Pods {
    /** Run forever and exit 0 on SIGTERM, as a well-behaved app does (PID 1 has no default TERM action). */
    static final List<String> SLEEPER = List.of("sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait");
    private static final NamespaceOption KUBELET_NAMESPACES = NamespaceOption.newBuilder()
            .setPid(NamespaceMode.CONTAINER).build();


    private final Cri cri;
    private final Options o;
    private final String busybox;
    private int seq;

    /** {@code busybox} is the image of every container; it may be null when only {@link #removeAllPods} is used. */
    Pods(Cri cri, Options o, String busybox) {
        this.cri = cri;
        this.o = o;
        this.busybox = busybox;
    }

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
                .setImage(ImageSpec.newBuilder().setImage(busybox))
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
}
