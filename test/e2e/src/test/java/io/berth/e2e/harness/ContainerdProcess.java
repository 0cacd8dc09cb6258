package io.berth.e2e.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Debian's containerd, started as a real process on temp dirs, so the same client calls can be made against the
 * reference CRI implementation. Its config turns off what cannot work or only slows it down in a test: the
 * snapshotters that need special filesystems, the OpenTelemetry exporter, the debug and metrics listeners.
 */
public final class ContainerdProcess implements ManagedDaemon {

    public static final Path BINARY = Path.of("/usr/bin/containerd");

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final ScratchDir dir;
    private LoggedProcess process;
    private CriClient client;

    private ContainerdProcess(ScratchDir dir) {
        this.dir = dir;
    }

    public static ContainerdProcess start() {
        ContainerdProcess containerd = new ContainerdProcess(ScratchDir.create("containerd-"));
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
                "  [plugins.\"io.containerd.grpc.v1.cri\".cni]",
                "    bin_dir = " + quoted(dir.resolve("cni-bin")),
                "    conf_dir = " + quoted(dir.resolve("cni-conf")),
                "");
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

    /** SIGTERM and wait (SIGKILL if it hangs). Returns the exit code. */
    public int stop() {
        if (client != null) {
            client.close();
            client = null;
        }
        return process.terminate(STOP_TIMEOUT);
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
