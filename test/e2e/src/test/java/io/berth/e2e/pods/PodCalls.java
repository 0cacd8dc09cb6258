package io.berth.e2e.pods;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.cri.v1.ContainerConfig;
import io.berth.cri.v1.ContainerMetadata;
import io.berth.cri.v1.ContainerState;
import io.berth.cri.v1.ContainerStatus;
import io.berth.cri.v1.ContainerStatusRequest;
import io.berth.cri.v1.CreateContainerRequest;
import io.berth.cri.v1.ImageSpec;
import io.berth.cri.v1.LinuxContainerConfig;
import io.berth.cri.v1.LinuxPodSandboxConfig;
import io.berth.cri.v1.LinuxSandboxSecurityContext;
import io.berth.cri.v1.NamespaceMode;
import io.berth.cri.v1.NamespaceOption;
import io.berth.cri.v1.PodSandboxConfig;
import io.berth.cri.v1.PodSandboxMetadata;
import io.berth.cri.v1.PodSandboxStatus;
import io.berth.cri.v1.PodSandboxStatusRequest;
import io.berth.cri.v1.RunPodSandboxRequest;
import io.berth.cri.v1.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import io.berth.cri.v1.StartContainerRequest;
import io.berth.cri.v1.StopContainerRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The CRI calls the pod tests make, shaped the way kubelet makes them: pods with a log directory and the class's
 * cgroup parent, containers that inherit their pod's PID mode and log below the pod's log directory. Always goes
 * through the berthd's current client, so it keeps working across {@code kill9()} and {@code restart()}.
 */
public final class PodCalls {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A container starts a JVM-free runc process, but the machine is shared and busy. */
    public static final Duration EXIT_TIMEOUT = Duration.ofSeconds(60);

    private final PodTestbed testbed;
    /** kubelet sends the pod's config with each CreateContainer, and gives containers the pod's PID mode. */
    private final Map<String, PodSandboxConfig> podConfigs = new ConcurrentHashMap<>();

    PodCalls(PodTestbed testbed) {
        this.testbed = testbed;
    }

    public RuntimeServiceBlockingStub runtime() {
        return testbed.berthd().client().runtime();
    }

    /** A pod config as kubelet sends it: namespace, uid, hostname, log directory and cgroup parent. */
    public PodSandboxConfig.Builder podConfig(String name, NamespaceMode pidMode) {
        String uid = UUID.randomUUID().toString();
        Path logs;
        try {
            logs = testbed.dir("logs").resolve("e2e-pods_" + name + "_" + uid);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("e2e-pods").setUid(uid))
                .setHostname(name)
                .setLogDirectory(logs.toString())
                .setLinux(LinuxPodSandboxConfig.newBuilder()
                        .setCgroupParent(testbed.cgroupParent())
                        .setSecurityContext(LinuxSandboxSecurityContext.newBuilder()
                                .setNamespaceOptions(NamespaceOption.newBuilder().setPid(pidMode))));
    }

    public String runPod(PodSandboxConfig.Builder config) {
        return runPod(config, "");
    }

    public String runPod(PodSandboxConfig.Builder config, String runtimeHandler) {
        String id = runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config)
                .setRuntimeHandler(runtimeHandler).build()).getPodSandboxId();
        podConfigs.put(id, config.build());
        return id;
    }

    public String runPod(String name) {
        return runPod(podConfig(name, NamespaceMode.CONTAINER));
    }

    public PodSandboxStatus podStatus(String podId) {
        return runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(podId).build())
                .getStatus();
    }

    /** A busybox container that runs {@code command} (none: the image's ENTRYPOINT and CMD). */
    public ContainerConfig.Builder container(String name, String... command) {
        return ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage(testbed.image()))
                .addAllCommand(List.of(command))
                .setLogPath(name + "/0.log");
    }

    /** {@code sh -c script}: most tests print what the container sees and read it back from the CRI log. */
    public ContainerConfig.Builder shell(String name, String script) {
        return container(name, "/bin/sh", "-c", script);
    }

    public CreateContainerRequest createRequest(String podId, ContainerConfig.Builder config) {
        PodSandboxConfig pod = podConfigs.getOrDefault(podId, PodSandboxConfig.getDefaultInstance());
        LinuxContainerConfig.Builder linux = config.getLinux().toBuilder();
        linux.getSecurityContextBuilder().getNamespaceOptionsBuilder()
                .setPid(pod.getLinux().getSecurityContext().getNamespaceOptions().getPid());
        return CreateContainerRequest.newBuilder().setPodSandboxId(podId).setConfig(config.clone().setLinux(linux))
                .setSandboxConfig(pod).build();
    }

    public String create(String podId, ContainerConfig.Builder config) {
        return runtime().createContainer(createRequest(podId, config)).getContainerId();
    }

    public void start(String containerId) {
        runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(containerId).build());
    }

    public String run(String podId, ContainerConfig.Builder config) {
        String id = create(podId, config);
        start(id);
        return id;
    }

    public void stop(String containerId, long timeoutSeconds) {
        runtime().withDeadlineAfter(timeoutSeconds + 60, TimeUnit.SECONDS).stopContainer(StopContainerRequest
                .newBuilder().setContainerId(containerId).setTimeout(timeoutSeconds).build());
    }

    public ContainerStatus status(String containerId) {
        return runtime().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(containerId).build())
                .getStatus();
    }

    public ContainerStatus awaitExit(String containerId) {
        await().atMost(EXIT_TIMEOUT).until(() -> status(containerId).getState() == ContainerState.CONTAINER_EXITED);
        return status(containerId);
    }

    /** Waits for a line of the container's output, which is how tests know its shell has reached a point. */
    public void awaitOutput(String containerId, String line) {
        await().atMost(EXIT_TIMEOUT).until(() -> CriLogLine.read(logPath(containerId)).stream()
                .anyMatch(l -> l.content().equals(line)));
    }

    public Path logPath(String containerId) {
        return Path.of(status(containerId).getLogPath());
    }

    /** The container's whole output, stdout and stderr, one string per CRI log entry. */
    public List<String> output(String containerId) {
        return CriLogLine.read(logPath(containerId)).stream().map(CriLogLine::content).toList();
    }

    /** Verbose ContainerStatus info: berth's record of the container (pid, run dir, snapshot, handler). */
    public Map<String, Object> info(String containerId) {
        String info = runtime().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(containerId)
                .setVerbose(true).build()).getInfoOrThrow("info");
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> map = JSON.readValue(info, Map.class);
            return map;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The host pid of the container's first process. */
    public long pid(String containerId) {
        return ((Number) info(containerId).get("pid")).longValue();
    }

    /** The container's run dir: the shim's socket, pid file, exit file and the runtime bundle. */
    public Path runDir(String containerId) {
        return Path.of((String) info(containerId).get("runDir"));
    }

    /** The pid of the shim host carrying the container, checked to be a berth shim host. */
    public long shimPid(String containerId) throws IOException {
        long pid = hostPidOf(runDir(containerId));
        String cmdline = HostResidue.cmdlineOf(pid);
        if (!cmdline.contains("io.berth.shim.ShimMain")) {
            throw new IllegalStateException("pid " + pid + " of host.pid is not a berth shim host: " + cmdline);
        }
        return pid;
    }

    /** The pid of the shim host that carries the container of {@code runDir} (its {@code host} file names the host's dir). */
    public static long hostPidOf(Path runDir) throws IOException {
        Path hostDir = Path.of(Files.readString(runDir.resolve("host")).trim());
        return Long.parseLong(Files.readString(hostDir.resolve("host.pid")).trim());
    }


    /** The cgroup (v1) of a process in one controller's hierarchy. */
    public static Path cgroupOf(long pid, String controller) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
            String[] fields = line.split(":", 3);
            if (List.of(fields[1].split(",")).contains(controller)) {
                return Path.of("/sys/fs/cgroup/" + controller + fields[2]);
            }
        }
        throw new IllegalStateException("pid " + pid + " has no v1 " + controller + " cgroup");
    }
}
