package io.berth.e2e.reliability;

import io.berth.cri.v1.ContainerConfig;
import io.berth.cri.v1.ContainerMetadata;
import io.berth.cri.v1.CreateContainerRequest;
import io.berth.cri.v1.ImageSpec;
import io.berth.cri.v1.LinuxPodSandboxConfig;
import io.berth.cri.v1.ListPodSandboxRequest;
import io.berth.cri.v1.PodSandbox;
import io.berth.cri.v1.PodSandboxConfig;
import io.berth.cri.v1.PodSandboxMetadata;
import io.berth.cri.v1.PullImageRequest;
import io.berth.cri.v1.RemovePodSandboxRequest;
import io.berth.cri.v1.RunPodSandboxRequest;
import io.berth.cri.v1.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import io.berth.cri.v1.StartContainerRequest;
import io.berth.e2e.fixtures.LayerBuilder;
import io.berth.e2e.fixtures.RegistryProcess;
import io.berth.e2e.fixtures.TestImage;
import io.berth.e2e.harness.BerthdOptions;
import io.berth.e2e.harness.BerthdProcess;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.E2eSettings;
import io.berth.e2e.harness.ScratchDir;
import io.berth.e2e.harness.ShimHostProcesses;
import io.berth.e2e.harness.TestBridge;
import io.berth.e2e.images.RegistryHosts;
import io.berth.e2e.pods.HostResidue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A berthd put under stress by one test class: a bridge and pod range of the class's own, busybox pushed to a
 * loopback registry and pulled, pods below a cgroup parent of the class's own, their logs in {@link #logs()}.
 * Its roots are either the harness's (in the daemon's temp dir) or dirs the test chose, such as small tmpfs
 * mounts. {@link #close()} removes every pod through the CRI, stops berthd and its shim hosts, and takes the
 * bridge, berth's nft table and the cgroup parent off the host.
 */
final class StressedRuntime implements AutoCloseable {
    static final String BUSYBOX = "reliability/busybox:e2e";
    private static final String[] APPLETS = {"sh", "sleep", "echo", "cat", "dd", "rm", "yes", "head", "true",
        "printf", "seq", "ls", "df", "sync"};

    private final RegistryProcess registry;
    private final TestBridge bridge;
    private final BerthdProcess berthd;
    private final Path state;
    private final Path logs;
    private final String cgroupParent;

    private StressedRuntime(RegistryProcess registry, TestBridge bridge, BerthdProcess berthd, Path state,
            Path logs) {
        this.registry = registry;
        this.bridge = bridge;
        this.berthd = berthd;
        this.state = state;
        this.logs = logs;
        this.cgroupParent = "/berth-e2e-" + bridge.name();
    }

    /**
     * @param roots where berthd keeps its root and state and where the pods log ({@code root}, {@code state},
     *              {@code logs} below it); empty: the harness's temp dirs
     */
    static StressedRuntime start(E2eDaemons daemons, String bridgePrefix, int secondOctet, Optional<Path> roots)
            throws Exception {
        E2eSettings.assumeOwnBerthd();
        ScratchDir scratch = daemons.scratchDir("rel-" + bridgePrefix + "-");
        RegistryProcess registry = RegistryProcess.start(scratch.resolve("registry"));
        TestBridge bridge = TestBridge.reserve(bridgePrefix, secondOctet);
        try {
            registry.pusher().push("reliability/busybox", "e2e", TestImage.builder()
                    .layer(new LayerBuilder().busybox(APPLETS).dir("tmp", 01777).build(LayerBuilder.Compression.GZIP))
                    .env("PATH=/bin").cmd("sh").build());
            RegistryHosts hosts = new RegistryHosts(scratch.resolve("etc-berth")).plainHttp(registry.host());
            BerthdOptions options = BerthdOptions.defaults().withConfig(hosts.config() + bridge.config());
            Path logs = Files.createDirectories(roots.orElse(scratch.path()).resolve("logs"));
            Path state = roots.map(r -> r.resolve("state")).orElse(null);
            if (roots.isPresent()) {
                // The harness passes its own --root and --state first; the daemon takes the last of each.
                options = options.withArgs("--root", roots.get().resolve("root").toString(),
                        "--state", state.toString());
            }
            BerthdProcess berthd = daemons.startBerthd(options);
            StressedRuntime runtime = new StressedRuntime(registry, bridge, berthd,
                    state == null ? berthd.state() : state, logs);
            runtime.pull(runtime.busybox());
            return runtime;
        } catch (Exception | Error e) {
            registry.close();
            bridge.close();
            throw e;
        }
    }

    BerthdProcess berthd() {
        return berthd;
    }

    RegistryProcess registry() {
        return registry;
    }

    /** The state dir berthd really uses (the harness's own, or the one the test chose). */
    Path state() {
        return state;
    }

    Path logs() {
        return logs;
    }

    String busybox() {
        return registry.host() + "/" + BUSYBOX;
    }

    RuntimeServiceBlockingStub runtime() {
        return berthd.client().runtime().withDeadlineAfter(120, TimeUnit.SECONDS);
    }

    void pull(String image) {
        berthd.client().images().withDeadlineAfter(120, TimeUnit.SECONDS).pullImage(PullImageRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage(image)).build());
    }

    /** A pod config as kubelet sends it, logging below {@link #logs()} and running below the class's cgroup. */
    PodSandboxConfig podConfig(String name) {
        String uid = UUID.randomUUID().toString();
        return PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("e2e-reliability")
                        .setUid(uid))
                .setHostname(name)
                .setLogDirectory(logs.resolve("e2e-reliability_" + name + "_" + uid).toString())
                .setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent(cgroupParent))
                .build();
    }

    String runPod(PodSandboxConfig config) {
        return runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config).build())
                .getPodSandboxId();
    }

    /** Creates and starts a busybox container running {@code sh -c script}; returns its id. */
    String runShell(String podId, PodSandboxConfig pod, String name, String script) {
        String id = createShell(podId, pod, name, script);
        runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        return id;
    }

    String createShell(String podId, PodSandboxConfig pod, String name, String script) {
        ContainerConfig config = ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage(busybox()))
                .addAllCommand(List.of("/bin/sh", "-c", script))
                .setLogPath(name + "/0.log")
                .build();
        return runtime().createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(podId)
                .setConfig(config).setSandboxConfig(pod).build()).getContainerId();
    }

    /** Removes every pod (and so every container) through the CRI, as kubelet does when the node drains. */
    void removeAllPods() {
        for (PodSandbox pod : runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
            runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod.getId()).build());
        }
    }

    /** The shim host log(s) of this berthd: where the shims say what went wrong with a container's output. */
    String shimLogs() {
        StringBuilder text = new StringBuilder();
        try (Stream<Path> hosts = Files.list(state.resolve("shims"))) {
            for (Path log : hosts.map(h -> h.resolve("host.log")).filter(Files::exists).toList()) {
                text.append(Files.readString(log));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.toString();
    }

    @Override
    public void close() {
        try {
            if (!berthd.isAlive()) {
                berthd.restart();
            }
            removeAllPods();
        } finally {
            try {
                if (berthd.isAlive()) {
                    berthd.stop();
                }
                ShimHostProcesses.killAll(state);
            } finally {
                bridge.close();
                HostResidue.removeCgroupTree(cgroupParent);
                registry.close();
            }
        }
    }
}
