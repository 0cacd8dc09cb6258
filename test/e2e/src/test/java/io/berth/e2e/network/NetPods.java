package io.berth.e2e.network;

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
import io.berth.cri.v1.PodSandboxStatusRequest;
import io.berth.cri.v1.PortMapping;
import io.berth.cri.v1.Protocol;
import io.berth.cri.v1.RemovePodSandboxRequest;
import io.berth.cri.v1.RunPodSandboxRequest;
import io.berth.cri.v1.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import io.berth.cri.v1.StartContainerRequest;
import io.berth.cri.v1.StopPodSandboxRequest;
import io.berth.e2e.harness.CriClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The CRI calls of the network tests, made the way kubelet makes them: pods with a log directory and the
 * class's cgroup parent; containers in the pod's network namespace with a PID namespace of their own (the
 * pod's mode is CONTAINER too), logging below the pod's log directory. Goes through the berthd's current
 * client, so it keeps working across a restart.
 */
final class NetPods {
    /** Containers start a runc process through a warm shim, but the machine is shared and busy. */
    static final Duration CONTAINER_TIMEOUT = Duration.ofSeconds(60);

    private final Supplier<CriClient> cri;
    private final Path logRoot;
    private final String cgroupParent;
    private final String image;
    /** kubelet sends the pod's config with each CreateContainer. */
    private final Map<String, PodSandboxConfig> podConfigs = new ConcurrentHashMap<>();

    NetPods(Supplier<CriClient> cri, Path logRoot, String cgroupParent, String image) {
        this.cri = cri;
        this.logRoot = logRoot;
        this.cgroupParent = cgroupParent;
        this.image = image;
    }

    RuntimeServiceBlockingStub runtime() {
        return cri.get().runtime();
    }

    static PortMapping tcp(int containerPort, int hostPort) {
        return PortMapping.newBuilder().setProtocol(Protocol.TCP).setContainerPort(containerPort)
                .setHostPort(hostPort).build();
    }

    /** A port nothing on this host listens on right now, for a hostPort. */
    static int freeHostPort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    PodSandboxConfig.Builder config(String name, PortMapping... ports) {
        String uid = UUID.randomUUID().toString();
        return PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("e2e-net").setUid(uid))
                .setHostname(name)
                .setLogDirectory(logRoot.resolve("e2e-net_" + name + "_" + uid).toString())
                .addAllPortMappings(List.of(ports))
                .setLinux(LinuxPodSandboxConfig.newBuilder()
                        .setCgroupParent(cgroupParent)
                        .setSecurityContext(LinuxSandboxSecurityContext.newBuilder()
                                .setNamespaceOptions(NamespaceOption.newBuilder().setPid(NamespaceMode.CONTAINER))));
    }

    String run(PodSandboxConfig.Builder config) {
        return run(config.build());
    }

    String run(PodSandboxConfig config) {
        String id = runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config).build())
                .getPodSandboxId();
        podConfigs.put(id, config);
        return id;
    }

    /** The pod's primary IP as PodSandboxStatus reports it. */
    String ip(String podId) {
        return runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(podId).build())
                .getStatus().getNetwork().getIp();
    }

    /** Creates and starts a container of the test image in the pod; returns its id. */
    String start(String podId, String name, String... command) {
        PodSandboxConfig pod = podConfigs.get(podId);
        ContainerConfig config = ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage(image))
                .addAllCommand(List.of(command))
                .setLogPath(name + ".log")
                .setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(LinuxContainerSecurityContext
                        .newBuilder().setNamespaceOptions(NamespaceOption.newBuilder()
                                .setPid(NamespaceMode.CONTAINER))))
                .build();
        String id = runtime().createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(podId)
                .setConfig(config).setSandboxConfig(pod).build()).getContainerId();
        runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        return id;
    }

    ContainerStatus status(String containerId) {
        return runtime().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(containerId).build())
                .getStatus();
    }

    /** Runs a container to its end; returns its status (exit code) once it exited. */
    ContainerStatus runToExit(String podId, String name, String... command) {
        String id = start(podId, name, command);
        await().atMost(CONTAINER_TIMEOUT).until(() -> status(id).getState() == ContainerState.CONTAINER_EXITED);
        return status(id);
    }

    /**
     * What a container wrote, from its CRI log ({@code <time> <stream> <P|F> <text>} per entry): the texts,
     * a newline after each full (F) entry.
     */
    static String output(ContainerStatus status) {
        try {
            StringBuilder out = new StringBuilder();
            for (String line : Files.readAllLines(Path.of(status.getLogPath()))) {
                String[] fields = line.split(" ", 4);
                out.append(fields.length == 4 ? fields[3] : "");
                if (fields.length >= 3 && fields[2].equals("F")) {
                    out.append('\n');
                }
            }
            return out.toString();
        } catch (NoSuchFileException none) {
            return "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void stop(String podId) {
        runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
    }

    void remove(String podId) {
        runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
        podConfigs.remove(podId);
    }

    List<String> listed() {
        return runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList().stream()
                .map(PodSandbox::getId).toList();
    }

    /** Removes every pod (and so every container and pod network), as kubelet does when a node drains. */
    void removeAll() {
        for (String id : listed()) {
            remove(id);
        }
    }
}
