package io.berth.e2e.reliability;

import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.berth.cri.v1.ContainerConfig;
import io.berth.cri.v1.ContainerMetadata;
import io.berth.cri.v1.ContainerState;
import io.berth.cri.v1.ContainerStatus;
import io.berth.cri.v1.ContainerStatusRequest;
import io.berth.cri.v1.CreateContainerRequest;
import io.berth.cri.v1.ImageSpec;
import io.berth.cri.v1.KeyValue;
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
import io.berth.cri.v1.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import io.berth.e2e.fixtures.LayerBuilder;
import io.berth.e2e.fixtures.RegistryProcess;
import io.berth.e2e.fixtures.TestImage;
import io.berth.e2e.harness.BerthdOptions;
import io.berth.e2e.harness.BerthdProcess;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.E2eSettings;
import io.berth.e2e.harness.HostCommands;
import io.berth.e2e.harness.ScratchDir;
import io.berth.e2e.harness.TestBridge;
import io.berth.e2e.images.RegistryHosts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A registry with a busybox image and one berthd for a reliability class, with a pod range of bridge octet 231
 * and a cgroup parent of its own. Besides runc, the berthd knows two more runtime handlers: {@code faulty}, a
 * stand-in script in front of runc that misbehaves for the containers that ask it to (see {@link #FAULT}), and
 * {@code missing}, whose binary does not exist.
 */
final class RuntimeFaultTestbed implements AutoCloseable {
    /** A container's env entry {@code BERTH_FAULT=<command>-<fail|hang|nothing>} makes the stand-in misbehave. */
    static final String FAULT = "BERTH_FAULT";
    /** What the stand-in prints on stderr when it refuses a command. */
    static final String REFUSAL = "stand-in runtime refuses";
    static final String REPOSITORY = "reliability/busybox";
    static final Duration EXIT_TIMEOUT = Duration.ofSeconds(60);
    /** How long the stand-in's hangs last: a number no container of the tests sleeps, so they can be found. */
    private static final int HANG_SECONDS = 86399;

    private final ScratchDir scratch;
    private final RegistryProcess registry;
    private final TestBridge bridge;
    private final String cgroupParent;
    private final String image;
    private final BerthdProcess berthd;

    private RuntimeFaultTestbed(ScratchDir scratch, RegistryProcess registry, TestBridge bridge, String image,
            BerthdProcess berthd) {
        this.scratch = scratch;
        this.registry = registry;
        this.bridge = bridge;
        this.cgroupParent = "/berth-e2e-" + bridge.name();
        this.image = image;
        this.berthd = berthd;
    }

    /** {@code tag}: 2 letters naming the class in its bridge; {@code configLines}: more berthd config. */
    static RuntimeFaultTestbed start(E2eDaemons daemons, String tag, String... configLines) throws Exception {
        E2eSettings.assumeOwnBerthd();
        ScratchDir scratch = daemons.scratchDir("reliability-" + tag + "-");
        RegistryProcess registry = RegistryProcess.start(scratch.resolve("registry"));
        TestBridge bridge = TestBridge.reserve("brl" + tag, 231);
        try {
            registry.pusher().push(REPOSITORY, "e2e", busybox());
            String image = registry.host() + "/" + REPOSITORY + ":e2e";
            Path standIn = writeStandIn(scratch);
            String config = new RegistryHosts(scratch.resolve("etc-berth")).plainHttp(registry.host()).config()
                    + bridge.config()
                    + "[runtimes.runc]\n"
                    + "[runtimes.faulty]\nbinary = \"" + standIn + "\"\n"
                    + "[runtimes.missing]\nbinary = \"" + scratch.resolve("no-such-runtime") + "\"\n"
                    + String.join("\n", configLines) + "\n";
            BerthdProcess berthd = daemons.startBerthd(BerthdOptions.defaults().withConfig(config));
            pull(berthd, image);
            return new RuntimeFaultTestbed(scratch, registry, bridge, image, berthd);
        } catch (Exception | Error e) {
            bridge.close();
            registry.close();
            throw e;
        }
    }

    static TestImage busybox() {
        return TestImage.builder()
                .layer(new LayerBuilder().busybox("sh", "sleep", "echo", "true", "kill", "cat")
                        .dir("tmp", 01777).build(LayerBuilder.Compression.GZIP))
                .env("PATH=/bin")
                .build();
    }

    static void pull(BerthdProcess berthd, String image) {
        berthd.client().images().withDeadlineAfter(60, TimeUnit.SECONDS).pullImage(PullImageRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage(image)).build());
    }

    /**
     * The stand-in runtime: runc itself unless the container's bundle asks for a fault on this command. Faults
     * happen once per container and command (a marker in the scratch dir), so that a test can then clean up
     * through the same handler, as after a runtime that hung once.
     */
    private static Path writeStandIn(ScratchDir scratch) throws IOException {
        Path markers = Files.createDirectories(scratch.resolve("fault-markers"));
        String script = String.join("\n",
                "#!/bin/sh",
                "all=\"$*\"",
                "root=''",
                "while [ \"${1#--}\" != \"$1\" ]; do",
                "  [ \"$1\" = --root ] && root=$2",
                "  shift 2",
                "done",
                "cmd=$1; shift",
                "bundle=''",
                "case $cmd in",
                "  create) while [ $# -gt 1 ]; do [ \"$1\" = --bundle ] && bundle=$2; shift; done; id=$1 ;;",
                "  start|state) id=$1 ;;",
                "  kill|delete) [ \"${1#--}\" != \"$1\" ] && shift; id=$1 ;;",
                "  *) id='' ;;",
                "esac",
                "if [ -n \"$id\" ] && [ -z \"$bundle\" ]; then",
                "  bundle=$(runc --root \"$root\" state \"$id\" 2>/dev/null"
                        + " | sed -n 's/.*\"bundle\": *\"\\([^\"]*\\)\".*/\\1/p')",
                "fi",
                "marker=" + markers + "/$id.$cmd",
                "if [ -n \"$bundle\" ] && [ ! -e \"$marker\" ]; then",
                "  fault=$(grep -o '" + FAULT + "=" + "'\"$cmd\"'-[a-z]*' \"$bundle/config.json\" | head -n 1)",
                "  case ${fault#*=} in",
                "    $cmd-fail) touch \"$marker\"; echo \"" + REFUSAL + " $cmd of $id\" >&2; exit 3 ;;",
                "    $cmd-hang) touch \"$marker\"; sleep " + HANG_SECONDS + "; exit 0 ;;",
                "    $cmd-nothing) touch \"$marker\"; exit 0 ;;",
                "  esac",
                "fi",
                "exec runc $all",
                "");
        Path file = scratch.resolve("faulty-runc");
        Files.writeString(file, script);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    /** Pushes another image to the class's registry; returns how to pull it. */
    String push(String repository, TestImage image) throws Exception {
        registry.pusher().push(repository, "e2e", image);
        return registry.host() + "/" + repository + ":e2e";
    }

    BerthdProcess berthd() {
        return berthd;
    }

    RuntimeServiceBlockingStub runtime() {
        return berthd.client().runtime();
    }

    String image() {
        return image;
    }

    Path scratch() {
        return scratch.path();
    }

    String runPod(String name, String handler) {
        return runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(podConfig(name))
                .setRuntimeHandler(handler).build()).getPodSandboxId();
    }

    PodSandboxConfig podConfig(String name) {
        return PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("e2e-reliability")
                        .setUid(UUID.randomUUID().toString()))
                .setLogDirectory(scratch.resolve("logs/" + name).toString())
                .setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent(cgroupParent)
                        .setSecurityContext(LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(
                                NamespaceOption.newBuilder().setPid(NamespaceMode.POD))))
                .build();
    }

    /** A busybox container running {@code sh -c script}; {@code fault} (may be empty) goes to the stand-in. */
    CreateContainerRequest container(String podId, String name, String fault, String script) {
        return container(podId, name, fault, NamespaceMode.POD, script);
    }

    /** The same, in its pod's PID namespace ({@code POD}, kubelet's shareProcessNamespace) or its own. */
    CreateContainerRequest container(String podId, String name, String fault, NamespaceMode pid, String script) {
        ContainerConfig.Builder config = ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage(image))
                .addAllCommand(List.of("/bin/sh", "-c", script))
                .setLogPath(name + ".log")
                .setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(LinuxContainerSecurityContext
                        .newBuilder().setNamespaceOptions(NamespaceOption.newBuilder().setPid(pid))));
        if (!fault.isEmpty()) {
            config.addEnvs(KeyValue.newBuilder().setKey(FAULT).setValue(ByteString.copyFromUtf8(fault)));
        }
        return CreateContainerRequest.newBuilder().setPodSandboxId(podId).setConfig(config)
                .setSandboxConfig(podConfig(name)).build();
    }

    ContainerStatus status(String containerId) {
        return runtime().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(containerId).build())
                .getStatus();
    }

    ContainerStatus awaitExit(String containerId) {
        await().atMost(EXIT_TIMEOUT).until(() -> status(containerId).getState() == ContainerState.CONTAINER_EXITED);
        return status(containerId);
    }

    void removeAllPods() {
        for (PodSandbox pod : runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
            runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod.getId()).build());
        }
    }

    /** Mounts of this berthd still in the host's mount table (rootfs, snapshots, pinned namespaces). */
    List<String> mounts() {
        String table = HostCommands.run("cat", "/proc/self/mountinfo");
        String dir = berthd.dir().path().toString();
        return table.lines().filter(l -> l.contains(dir)).toList();
    }

    /** Containers the runtime still holds (runc's state dirs), per handler. */
    List<Path> runtimeContainers() {
        return children(berthd.state().resolve("runtime")).stream().flatMap(handler -> children(handler).stream())
                .toList();
    }

    /** Dirs of containers and sandboxes under berthd's state (bundles, run dirs). */
    List<Path> runDirs() {
        return Stream.of("containers", "sandboxes").flatMap(kind -> children(berthd.state().resolve(kind)).stream())
                .toList();
    }

    /** Cgroups left below the class's parent in any hierarchy. */
    List<Path> cgroups() {
        try (Stream<Path> found = Files.find(Path.of("/sys/fs/cgroup"), 3,
                (p, attrs) -> attrs.isDirectory() && p.toString().contains(cgroupParent.substring(1)))) {
            return found.flatMap(p -> children(p).stream()).filter(Files::isDirectory).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Processes of the stand-in's hangs still alive. */
    List<String> hungStandIns() {
        return processes("sleep " + HANG_SECONDS);
    }

    /** Host processes whose command line is exactly {@code args}. */
    static List<String> processes(String args) {
        return HostCommands.run("ps", "-eo", "args").lines().map(String::strip).filter(args::equals).toList();
    }

    private static List<Path> children(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(dir)) {
            return list.toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
                berthd.close();
            } finally {
                bridge.close();
                for (Path hierarchy : children(Path.of("/sys/fs/cgroup"))) {
                    HostCommands.run("rmdir", hierarchy.resolve(cgroupParent.substring(1)).toString());
                }
                HostCommands.run("rmdir", Path.of("/sys/fs/cgroup", cgroupParent).toString());
                registry.close();
            }
        }
    }
}
