package io.berth.e2e.reliability;

import static org.awaitility.Awaitility.await;

import io.berth.cri.v1.ContainerConfig;
import io.berth.cri.v1.ContainerMetadata;
import io.berth.cri.v1.ContainerState;
import io.berth.cri.v1.ContainerStatus;
import io.berth.cri.v1.ContainerStatusRequest;
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
import io.berth.cri.v1.PullImageRequest;
import io.berth.cri.v1.RemovePodSandboxRequest;
import io.berth.cri.v1.RunPodSandboxRequest;
import io.berth.cri.v1.StartContainerRequest;
import io.berth.e2e.fixtures.LayerBuilder;
import io.berth.e2e.fixtures.RegistryProcess;
import io.berth.e2e.fixtures.TestImage;
import io.berth.e2e.harness.BerthdOptions;
import io.berth.e2e.harness.BerthdProcess;
import io.berth.e2e.harness.CriClient;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.E2eSettings;
import io.berth.e2e.harness.ScratchDir;
import io.berth.e2e.harness.ShimHostProcesses;
import io.berth.e2e.harness.TestBridge;
import io.berth.e2e.images.RegistryHosts;
import io.berth.e2e.pods.HostResidue;
import io.berth.server.failpoint.FailPoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The crash tests' world, made once for the class: a loopback registry with two images (a busybox that the pods
 * run, pulled at start, and a small one that only the pull crash points pull), a bridge and pod range of the
 * class's own (octet 230), a cgroup parent for its pods, and one berthd whose fail points the tests arm through a
 * file (see {@link FailPoint}) and which they restart after it died at one. {@link #close()} removes every pod,
 * then the daemon, its shim hosts, the runtime's containers, the bridge and the cgroups.
 */
final class CrashTestbed implements AutoCloseable {
    static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String APPLETS_REPOSITORY = "crash/busybox";
    private static final String PULLED_REPOSITORY = "crash/pulled";
    private static final String TAG = "e2e";
    /** Holds the id of the point berthd dies at; absent, none is armed. */
    private static final String ARMING_FILE = "failpoint";

    private final ScratchDir scratch;
    private final RegistryProcess registry;
    private final TestBridge bridge;
    private final BerthdProcess berthd;

    private CrashTestbed(ScratchDir scratch, RegistryProcess registry, TestBridge bridge, BerthdProcess berthd) {
        this.scratch = scratch;
        this.registry = registry;
        this.bridge = bridge;
        this.berthd = berthd;
    }

    static CrashTestbed start(E2eDaemons daemons) throws Exception {
        E2eSettings.assumeOwnBerthd();
        ScratchDir scratch = daemons.scratchDir("crash-");
        RegistryProcess registry = RegistryProcess.start(scratch.resolve("registry"));
        TestBridge bridge = TestBridge.reserve("bcr", 230);
        try {
            registry.pusher().push(APPLETS_REPOSITORY, TAG, TestImage.builder().layer(new LayerBuilder()
                    .busybox("sh", "sleep", "echo", "true").dir("tmp", 01777)
                    .build(LayerBuilder.Compression.GZIP)).env("PATH=/bin").build());
            registry.pusher().push(PULLED_REPOSITORY, TAG, TestImage.builder()
                    .layer(new LayerBuilder().file("first", 0644, "one layer\n").build(LayerBuilder.Compression.GZIP))
                    .layer(new LayerBuilder().file("second", 0644, "another\n").build(LayerBuilder.Compression.GZIP))
                    .build());
            RegistryHosts hosts = new RegistryHosts(scratch.resolve("etc-berth")).plainHttp(registry.host());
            BerthdProcess berthd = daemons.startBerthd(BerthdOptions.defaults()
                    .withConfig(hosts.config() + bridge.config())
                    .withJvmFlags("-D" + FailPoint.FILE_PROPERTY + "=" + scratch.resolve(ARMING_FILE)));
            CrashTestbed testbed = new CrashTestbed(scratch, registry, bridge, berthd);
            testbed.pull(testbed.image());
            return testbed;
        } catch (Exception | Error e) {
            registry.close();
            bridge.close();
            throw e;
        }
    }

    /** From now on berthd dies at {@code point}: no restart needed, it reads the file at each point it reaches. */
    void arm(FailPoint point) {
        scratch.write(ARMING_FILE, point.id());
    }

    void disarm() {
        try {
            Files.deleteIfExists(scratch.resolve(ARMING_FILE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    BerthdProcess berthd() {
        return berthd;
    }

    /** The client of the berthd running now: a restart makes a new one. */
    CriClient cri() {
        return berthd.client();
    }

    String image() {
        return registry.host() + "/" + APPLETS_REPOSITORY + ":" + TAG;
    }

    /** The image no pod runs: what the pull crash points pull. */
    String pulledImage() {
        return registry.host() + "/" + PULLED_REPOSITORY + ":" + TAG;
    }

    String pull(String image) {
        return cri().images().withDeadlineAfter(60, TimeUnit.SECONDS).pullImage(PullImageRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage(image)).build()).getImageRef();
    }

    String bridge() {
        return bridge.name();
    }

    /** Every pod of this class runs below this cgroupfs parent, so that what berth leaves there can be found. */
    String cgroupParent() {
        return "/berth-e2e-" + bridge.name();
    }

    /**
     * A pod as kubelet first sends it (attempt 0) with a pod init (PID namespace shared), so that the sandbox has
     * every part: namespaces, /dev/shm, a network and an init process.
     */
    PodSandboxConfig pod(String name) {
        try {
            return PodSandboxConfig.newBuilder()
                    .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("e2e-crash")
                            .setUid(UUID.randomUUID().toString()))
                    .setHostname(name)
                    .setLogDirectory(Files.createDirectories(scratch.resolve("logs").resolve(name)).toString())
                    .setLinux(LinuxPodSandboxConfig.newBuilder()
                            .setCgroupParent(cgroupParent())
                            .setSecurityContext(LinuxSandboxSecurityContext.newBuilder()
                                    .setNamespaceOptions(NamespaceOption.newBuilder().setPid(NamespaceMode.POD))))
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A container of {@link #pod} running {@code sh -c script}, logging where kubelet would have it log. */
    ContainerConfig container(String name, String script) {
        return ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage(image()))
                .addAllCommand(List.of("sh", "-c", script))
                .setLogPath(name + "/0.log")
                .setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(LinuxContainerSecurityContext
                        .newBuilder().setNamespaceOptions(NamespaceOption.newBuilder().setPid(NamespaceMode.POD))))
                .build();
    }

    RunPodSandboxRequest runPodRequest(PodSandboxConfig pod) {
        return RunPodSandboxRequest.newBuilder().setConfig(pod).build();
    }

    CreateContainerRequest createRequest(String podId, PodSandboxConfig pod, ContainerConfig container) {
        return CreateContainerRequest.newBuilder().setPodSandboxId(podId).setConfig(container)
                .setSandboxConfig(pod).build();
    }

    String runPod(PodSandboxConfig pod) {
        return cri().runtime().runPodSandbox(runPodRequest(pod)).getPodSandboxId();
    }

    String create(String podId, PodSandboxConfig pod, ContainerConfig container) {
        return cri().runtime().createContainer(createRequest(podId, pod, container)).getContainerId();
    }

    void start(String containerId) {
        cri().runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(containerId).build());
    }

    ContainerStatus status(String containerId) {
        return cri().runtime().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(containerId)
                .build()).getStatus();
    }

    ContainerStatus awaitExit(String containerId) {
        await().atMost(TIMEOUT).until(() -> status(containerId).getState() == ContainerState.CONTAINER_EXITED);
        return status(containerId);
    }

    List<PodSandbox> pods() {
        return cri().runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList();
    }

    /** Removes every pod (and so every container) through the CRI, as kubelet does when the node drains. */
    void removeAllPods() {
        for (PodSandbox pod : pods()) {
            cri().runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod.getId())
                    .build());
        }
    }

    /** What berthd has on the host now. */
    CrashResidue residue() {
        return CrashResidue.of(berthd, bridge.name(), cgroupParent());
    }

    /** Pods through the CRI (a berthd a test left down is started again), the daemon, then what a failure left. */
    @Override
    public void close() {
        disarm();
        try {
            if (!berthd.isAlive()) {
                berthd.restart();
            }
            removeAllPods();
        } finally {
            try {
                berthd.stop();
                ShimHostProcesses.killAll(berthd.state());
                CrashResidue.deleteRuntimeContainers(berthd.state());
            } finally {
                bridge.close();
                HostResidue.removeCgroupTree(cgroupParent());
                registry.close();
            }
        }
    }
}
