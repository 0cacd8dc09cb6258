package io.berth.e2e.streaming;

import static io.berth.e2e.harness.HostCommands.run;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.cri.v1.AttachRequest;
import io.berth.cri.v1.ContainerConfig;
import io.berth.cri.v1.ContainerMetadata;
import io.berth.cri.v1.ContainerState;
import io.berth.cri.v1.ContainerStatusRequest;
import io.berth.cri.v1.CreateContainerRequest;
import io.berth.cri.v1.ExecRequest;
import io.berth.cri.v1.ExecSyncRequest;
import io.berth.cri.v1.ExecSyncResponse;
import io.berth.cri.v1.ImageSpec;
import io.berth.cri.v1.ListPodSandboxRequest;
import io.berth.cri.v1.PodSandbox;
import io.berth.cri.v1.PodSandboxConfig;
import io.berth.cri.v1.PodSandboxMetadata;
import io.berth.cri.v1.PortForwardRequest;
import io.berth.cri.v1.PullImageRequest;
import io.berth.cri.v1.RemovePodSandboxRequest;
import io.berth.cri.v1.RunPodSandboxRequest;
import io.berth.cri.v1.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import io.berth.cri.v1.StartContainerRequest;
import io.berth.cri.v1.StopContainerRequest;
import io.berth.e2e.fixtures.RegistryProcess;
import io.berth.e2e.harness.BerthdOptions;
import io.berth.e2e.harness.BerthdProcess;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.E2eSettings;
import io.berth.e2e.harness.ScratchDir;
import io.berth.e2e.images.RegistryHosts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * What each streaming test class needs, made once per class: the busybox image on a loopback registry, a berthd
 * with a bridge and a pod range of its own (10.250-254.x.0/24, nothing else on this machine uses them) and the
 * image pulled; then pods and containers made the way kubelet makes them. {@link #close()} removes the pods
 * through the CRI, stops the daemon and deletes the bridge and berth's nft table for it.
 */
final class StreamingTestbed implements AutoCloseable {
    /** Busy CI machine: a container start is a shim JVM plus runc. */
    static final Duration CONTAINER_TIMEOUT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ScratchDir scratch;
    private final RegistryProcess registry;
    private final String bridge;
    private final String image;
    private final BerthdProcess berthd;
    /** kubelet sends the pod's config with every CreateContainer. */
    private final Map<String, PodSandboxConfig> podConfigs = new ConcurrentHashMap<>();

    private StreamingTestbed(ScratchDir scratch, RegistryProcess registry, String bridge, String image,
            BerthdProcess berthd) {
        this.scratch = scratch;
        this.registry = registry;
        this.bridge = bridge;
        this.image = image;
        this.berthd = berthd;
    }

    /** Starts the class's registry and berthd; {@code tag} (2-3 letters) names the class in its bridge's name. */
    static StreamingTestbed start(E2eDaemons daemons, String tag, String... extraConfigLines) throws Exception {
        E2eSettings.assumeOwnBerthd();
        ScratchDir scratch = daemons.scratchDir("stream-" + tag + "-");
        RegistryProcess registry = RegistryProcess.start(scratch.resolve("registry"));
        String bridge = uniqueBridge("bs" + tag);
        try {
            registry.pusher().push(StreamingImage.REPOSITORY, StreamingImage.TAG, StreamingImage.build());
            String image = registry.host() + "/" + StreamingImage.REPOSITORY + ":" + StreamingImage.TAG;
            RegistryHosts hosts = new RegistryHosts(scratch.resolve("etc-berth")).plainHttp(registry.host());
            String config = hosts.config() + "[network]\nbridge = \"" + bridge + "\"\nsubnet = \"" + freeSubnet()
                    + "\"\n" + String.join("\n", extraConfigLines) + "\n";
            BerthdProcess berthd = daemons.startBerthd(BerthdOptions.defaults().withConfig(config));
            berthd.client().images().withDeadlineAfter(60, TimeUnit.SECONDS).pullImage(PullImageRequest.newBuilder()
                    .setImage(ImageSpec.newBuilder().setImage(image)).build());
            return new StreamingTestbed(scratch, registry, bridge, image, berthd);
        } catch (Exception | Error e) {
            registry.close();
            deleteBridge(bridge);
            throw e;
        }
    }

    BerthdProcess berthd() {
        return berthd;
    }

    RuntimeServiceBlockingStub runtime() {
        return berthd.client().runtime();
    }

    /** A pod as kubelet asks for one, with its log directory in the class's scratch dir. */
    String runPod(String name) {
        String uid = UUID.randomUUID().toString();
        PodSandboxConfig config = PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("e2e-streaming").setUid(uid))
                .setHostname(name)
                .setLogDirectory(scratch.resolve("logs/" + name + "_" + uid).toString())
                .build();
        String id = runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config).build())
                .getPodSandboxId();
        podConfigs.put(id, config);
        return id;
    }

    /** A busybox container that runs {@code command}. */
    ContainerConfig.Builder container(String name, String... command) {
        return ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage(image))
                .addAllCommand(List.of(command))
                .setLogPath(name + ".log");
    }

    /** Creates and starts the container; returns once it is RUNNING. */
    String runContainer(String podId, ContainerConfig.Builder config) {
        String id = runtime().createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(podId)
                .setConfig(config).setSandboxConfig(podConfigs.get(podId)).build()).getContainerId();
        runtime().withDeadlineAfter(CONTAINER_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
                .startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        await().atMost(CONTAINER_TIMEOUT).until(() -> state(id) == ContainerState.CONTAINER_RUNNING);
        return id;
    }

    /** A container that only waits, for execs to run in. */
    String runSleeper(String podId, String name) {
        return runContainer(podId, container(name, "sleep", "86400"));
    }

    void stopContainer(String id) {
        runtime().withDeadlineAfter(CONTAINER_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
                .stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(0).build());
    }

    ContainerState state(String containerId) {
        return runtime().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(containerId).build())
                .getStatus().getState();
    }

    /** The shim host carrying the container, named by the container's run dir (verbose ContainerStatus). */
    HostProcess shim(String containerId) throws IOException {
        String info = runtime().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(containerId)
                .setVerbose(true).build()).getInfoOrThrow("info");
        Path runDir = Path.of(JSON.readTree(info).get("runDir").asText());
        Path hostDir = Path.of(Files.readString(runDir.resolve("host")).trim());
        return new HostProcess(Long.parseLong(Files.readString(hostDir.resolve("host.pid")).trim()));
    }

    /** The container's CRI log as text: {@code <time> <stream> <tag> <line>} per entry. */
    String log(String containerId) throws IOException {
        Path path = Path.of(runtime().containerStatus(ContainerStatusRequest.newBuilder()
                .setContainerId(containerId).build()).getStatus().getLogPath());
        return Files.readString(path, StandardCharsets.UTF_8);
    }

    ExecSyncResponse execSync(String containerId, long timeoutSeconds, String... cmd) {
        return runtime().withDeadlineAfter(timeoutSeconds + 60, TimeUnit.SECONDS).execSync(ExecSyncRequest
                .newBuilder().setContainerId(containerId).addAllCmd(List.of(cmd)).setTimeout(timeoutSeconds).build());
    }

    /** What {@code ps -o args} shows in the container, one process per line; the header is dropped. */
    List<String> processes(String containerId) {
        String out = execSync(containerId, 30, "ps", "-o", "args").getStdout().toStringUtf8();
        return out.lines().skip(1).map(String::trim).toList();
    }

    String execUrl(String containerId, Streams streams, String... cmd) {
        return runtime().exec(ExecRequest.newBuilder().setContainerId(containerId).addAllCmd(List.of(cmd))
                .setTty(streams.tty()).setStdin(streams.stdin()).setStdout(streams.stdout())
                .setStderr(streams.stderr()).build()).getUrl();
    }

    String attachUrl(String containerId, Streams streams) {
        return runtime().attach(AttachRequest.newBuilder().setContainerId(containerId).setTty(streams.tty())
                .setStdin(streams.stdin()).setStdout(streams.stdout()).setStderr(streams.stderr()).build()).getUrl();
    }

    String portForwardUrl(String podId, int... ports) {
        return runtime().portForward(PortForwardRequest.newBuilder().setPodSandboxId(podId)
                .addAllPort(IntStream.of(ports).boxed().toList()).build()).getUrl();
    }

    /** Pods (and so their containers) through the CRI, then the daemon, then the host network it made. */
    @Override
    public void close() {
        try {
            if (berthd.isAlive()) {
                for (PodSandbox pod : runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
                        .getItemsList()) {
                    runtime().withDeadlineAfter(CONTAINER_TIMEOUT.toSeconds(), TimeUnit.SECONDS).removePodSandbox(
                            RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod.getId()).build());
                }
                berthd.stop();
            }
        } finally {
            deleteBridge(bridge);
            registry.close();
        }
    }

    private static void deleteBridge(String bridge) {
        run("ip", "link", "del", bridge);
        run("nft", "delete", "table", "inet", "berth_" + bridge.replace('-', '_'));
    }

    private static String uniqueBridge(String prefix) {
        for (int attempt = 0; attempt < 20; attempt++) {
            String name = prefix + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt(), 5);
            if (!Files.exists(Path.of("/sys/class/net", name))) {
                return name;
            }
        }
        throw new IllegalStateException("no free bridge name with prefix " + prefix);
    }

    /** A /24 in 10.250.0.0-10.254.255.0, the streaming suite's share of 10/8, that no route here touches. */
    private static String freeSubnet() {
        String routes = run("ip", "-4", "route", "show", "table", "all");
        for (int attempt = 0; attempt < 50; attempt++) {
            String prefix = "10." + ThreadLocalRandom.current().nextInt(250, 255) + "."
                    + ThreadLocalRandom.current().nextInt(1, 255) + ".";
            if (!routes.contains(prefix)) {
                return prefix + "0/24";
            }
        }
        throw new IllegalStateException("no free /24 in 10.250-254.x");
    }
}
