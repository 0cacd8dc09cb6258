package io.berth.e2e.harness;

import io.berth.cri.v1.ListPodSandboxRequest;
import io.berth.cri.v1.PodSandbox;
import io.berth.cri.v1.RemovePodSandboxRequest;
import io.berth.cri.v1.StopPodSandboxRequest;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Debian's containerd, started as a real process on temp dirs, so the same client calls can be made against the
 * reference CRI implementation. Its config turns off what cannot work or only slows it down in a test: the
 * snapshotters that need special filesystems, the OpenTelemetry exporter, the debug and metrics listeners.
 */
public final class ContainerdProcess implements ManagedDaemon {

    public static final Path BINARY = Path.of("/usr/bin/containerd");
    /** Where Debian's containernetworking-plugins installs them. */
    private static final Path CNI_PLUGINS = Path.of("/usr/lib/cni");

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    /**
     * What containerd needs to run pods here rather than only answer calls: registry mirrors (a containerd
     * {@code config_path} dir of {@code <host>/hosts.toml}), a CNI bridge of its own from Debian's plugins, the
     * sandbox image to pull through those mirrors. This host lacks CAP_SYS_RESOURCE, so negative OOM scores are
     * always clamped ({@code restrict_oom_score_adj}).
     *
     * @param registryHosts empty: no mirrors
     * @param bridge        empty: no CNI network (pods cannot start)
     */
    public record Pods(Optional<Path> registryHosts, Optional<TestBridge> bridge, String sandboxImage) {
        public static Pods none() {
            return new Pods(Optional.empty(), Optional.empty(), "registry.k8s.io/pause:3.9");
        }
    }

    private final ScratchDir dir;
    private final Pods pods;
    private LoggedProcess process;
    private CriClient client;

    private ContainerdProcess(ScratchDir dir, Pods pods) {
        this.dir = dir;
        this.pods = pods;
    }

    public static ContainerdProcess start() {
        return start(Pods.none());
    }

    public static ContainerdProcess start(Pods pods) {
        ContainerdProcess containerd = new ContainerdProcess(ScratchDir.create("containerd-"), pods);
        try {
            containerd.launch();
            return containerd;
        } catch (RuntimeException | Error e) {
            containerd.close();
            throw e;
        }
    }

    private void launch() {
        Path config = dir.write("config.toml", config());
        for (String cniDir : List.of("cni-bin", "cni-conf")) {
            createDirectory(dir.resolve(cniDir));
        }
        pods.bridge().ifPresent(b -> dir.write("cni-conf/10-bridge.conflist", cniBridge(b)));
        process = LoggedProcess.start(List.of(BINARY.toString(), "--config", config.toString()), Map.of(),
                dir.resolve("containerd.log"));
        client = CriReadiness.awaitServing("containerd pid " + process.pid(), process, socket(), STARTUP_TIMEOUT);
    }

    private String config() {
        return String.join("\n",
                "version = 2",
                "root = " + quoted(root()),
                "state = " + quoted(dir.resolve("state")),
                "disabled_plugins = [",
                "  \"io.containerd.snapshotter.v1.btrfs\",",
                "  \"io.containerd.snapshotter.v1.zfs\",",
                "  \"io.containerd.snapshotter.v1.aufs\",",
                "  \"io.containerd.snapshotter.v1.devmapper\",",
                "  \"io.containerd.internal.v1.opt\",",
                "  \"io.containerd.tracing.processor.v1.otlp\",",
                "]",
                "[grpc]",
                "  address = " + quoted(socket()),
                "[ttrpc]",
                "  address = " + quoted(dir.resolve("containerd.sock.ttrpc")),
                "[debug]",
                "  address = \"\"",
                "[metrics]",
                "  address = \"\"",
                "[plugins.\"io.containerd.grpc.v1.cri\"]",
                // The streaming server picks a free loopback port instead of a fixed one two runs could share.
                "  stream_server_address = \"127.0.0.1\"",
                "  stream_server_port = \"0\"",
                "  restrict_oom_score_adj = true",
                "  sandbox_image = \"" + pods.sandboxImage() + "\"",
                "  [plugins.\"io.containerd.grpc.v1.cri\".cni]",
                "    bin_dir = " + quoted(pods.bridge().isPresent() ? CNI_PLUGINS : dir.resolve("cni-bin")),
                "    conf_dir = " + quoted(dir.resolve("cni-conf")),
                "  [plugins.\"io.containerd.grpc.v1.cri\".registry]",
                "    config_path = " + quoted(pods.registryHosts().orElse(dir.resolve("hosts.d"))),
                "");
    }

    /** Debian's bridge, host-local and portmap plugins on the given bridge and range, as containerd's docs set up. */
    private static String cniBridge(TestBridge bridge) {
        return "{\"cniVersion\": \"1.0.0\", \"name\": \"" + bridge.name() + "\", \"plugins\": ["
                + "{\"type\": \"bridge\", \"bridge\": \"" + bridge.name() + "\", \"isGateway\": true,"
                + " \"ipMasq\": true, \"hairpinMode\": true, \"ipam\": {\"type\": \"host-local\","
                + " \"ranges\": [[{\"subnet\": \"" + bridge.subnet() + "\"}]], \"routes\": [{\"dst\": \"0.0.0.0/0\"}]}},"
                + "{\"type\": \"portmap\", \"capabilities\": {\"portMappings\": true}}]}";
    }

    private static String quoted(Path path) {
        return "\"" + path + "\"";
    }

    private static void createDirectory(Path path) {
        try {
            Files.createDirectories(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public CriClient client() {
        return client;
    }

    public Path root() {
        return dir.resolve("root");
    }

    public Path socket() {
        return dir.resolve("containerd.sock");
    }

    public long pid() {
        return process.pid();
    }

    /** Removes the pods left, then SIGTERM and wait (SIGKILL if it hangs). Returns the exit code. */
    public int stop() {
        removeAllPods();
        if (client != null) {
            client.close();
            client = null;
        }
        return process.terminate(STOP_TIMEOUT);
    }

    /**
     * containerd's shims, pause processes and CNI namespaces outlive containerd itself, so pods a test left (a
     * failed critest spec does) are removed through the CRI first; best effort, each pod on its own.
     */
    private void removeAllPods() {
        if (client == null) {
            return;
        }
        try {
            for (PodSandbox pod : client.runtime().withDeadlineAfter(30, TimeUnit.SECONDS)
                    .listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
                try {
                    client.runtime().withDeadlineAfter(60, TimeUnit.SECONDS).stopPodSandbox(
                            StopPodSandboxRequest.newBuilder().setPodSandboxId(pod.getId()).build());
                    client.runtime().withDeadlineAfter(60, TimeUnit.SECONDS).removePodSandbox(
                            RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod.getId()).build());
                } catch (StatusRuntimeException e) {
                    System.err.println("containerd: could not remove pod " + pod.getId() + ": " + e.getStatus());
                }
            }
        } catch (StatusRuntimeException e) {
            System.err.println("containerd: could not list pods to remove: " + e.getStatus());
        }
    }

    @Override
    public String describe() {
        return "containerd pid " + (process == null ? "(not started)" : process.pid()) + " in " + dir.path();
    }

    @Override
    public String logText() {
        return process == null ? "" : process.logText();
    }

    @Override
    public void close() {
        try {
            if (process != null && process.isAlive()) {
                stop();
            }
        } finally {
            if (client != null) {
                client.close();
                client = null;
            }
            // containerd may leave overlay or shm mounts under its root and state; ScratchDir unmounts them first.
            dir.close();
        }
    }
}
