package io.berth.e2e.kubelet;

import static org.awaitility.Awaitility.await;

import io.berth.e2e.harness.GoTools;
import io.berth.e2e.harness.LoggedProcess;
import io.berth.e2e.harness.ScratchDir;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A real kubelet ({@link GoTools#kubelet()}) on one CRI runtime of its own, running the static pods of
 * {@link #manifests()}: standalone, with no API server ({@link #start(Path)}), or registered as a node with a
 * {@link ControlPlane} ({@link #startConnected(Path, ControlPlane)}) for what kubelet does only with an API server.
 * Its root dir, cert dir, pod log dir and static pod dir live in one temp dir ({@link KubeletConfig}); its pod
 * cgroups under a cgroup root of its own ({@link KubeletHost}). Its server listens on 127.0.0.1 only, over TLS with
 * a self-signed certificate, with anonymous access allowed: for tests only.
 *
 * <p>{@link #close()} stops kubelet by pid, then stops and removes every pod sandbox of the runtime it drove (the
 * runtime must be the test's own), unmounts what kubelet left under its root dir and removes its cgroups.
 */
public final class KubeletProcess implements AutoCloseable {
    /** kubelet's start on a slow 2-core machine: cadvisor, the container manager, the first relist. */
    static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(120);
    /** kubelet exits on SIGTERM at once (no graceful node shutdown without systemd-logind); this bounds it. */
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    public static final String NODE_NAME = "berth-kubelet-e2e";

    private final Path kubelet;
    private final Path criSocket;
    private final ScratchDir dir;
    private final KubeletConfig config;
    private final KubeletHost host;
    private final HttpClient http;
    private LoggedProcess process;

    private KubeletProcess(Path kubelet, Path criSocket, ScratchDir dir, KubeletConfig config, KubeletHost host) {
        this.kubelet = kubelet;
        this.criSocket = criSocket;
        this.dir = dir;
        this.config = config;
        this.host = host;
        this.http = Loopback.trustingClient();
    }

    /** Writes the config and starts kubelet on {@code criSocket}; returns once its /healthz answers ok. */
    public static KubeletProcess start(Path criSocket) {
        return start(criSocket, "");
    }

    /**
     * As {@link #start(Path)}, with {@code extraYaml} appended to the KubeletConfiguration: top-level keys a
     * scenario needs (featureGates, containerLogMaxSize, ...), each line ending in a newline.
     */
    public static KubeletProcess start(Path criSocket, String extraYaml) {
        return start(criSocket, extraYaml, Optional.empty());
    }

    /**
     * As {@link #start(Path)}, with a kubeconfig for {@code controlPlane}'s API server: kubelet registers its node
     * there and has what it builds on a client (its RuntimeClass manager among them); pods still come from
     * {@link #manifests()}, and kubelet mirrors each into the API server. Close kubelet before the control plane.
     */
    public static KubeletProcess startConnected(Path criSocket, ControlPlane controlPlane) {
        return start(criSocket, "", Optional.of(controlPlane));
    }

    private static KubeletProcess start(Path criSocket, String extraYaml, Optional<ControlPlane> apiServer) {
        ScratchDir dir = ScratchDir.create("kubelet-");
        KubeletHost host = null;
        KubeletProcess kubelet = null;
        try {
            host = KubeletHost.claim();
            KubeletConfig config = KubeletConfig.write(dir, criSocket, Loopback.freePort(), host.cgroupRoot(),
                    extraYaml, apiServer);
            kubelet = new KubeletProcess(GoTools.kubelet(), criSocket, dir, config, host);
            kubelet.launch();
            return kubelet;
        } catch (IOException e) {
            closeQuietly(kubelet, dir, host);
            throw new UncheckedIOException(e);
        } catch (RuntimeException | Error e) {
            closeQuietly(kubelet, dir, host);
            throw e;
        }
    }

    private void launch() {
        List<String> command = new ArrayList<>(List.of(kubelet.toString(),
                "--config", config.file().toString(),
                "--root-dir", config.rootDir().toString(),
                "--cert-dir", config.certDir().toString(),
                "--hostname-override", NODE_NAME,
                "--v=2"));
        config.kubeconfig().ifPresent(k -> command.addAll(List.of("--kubeconfig", k.toString())));
        process = LoggedProcess.start(command, Map.of(), config.logFile());
        try {
            await("kubelet pid " + process.pid() + " serving /healthz on 127.0.0.1:" + port())
                    .atMost(STARTUP_TIMEOUT).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                    .until(() -> {
                        if (!process.isAlive()) {
                            throw new IllegalStateException("kubelet exited:\n" + logTail(80));
                        }
                        return "ok".equals(get("/healthz").body().trim());
                    });
        } catch (RuntimeException e) {
            throw new IllegalStateException(e.getMessage() + "\nkubelet log tail:\n" + logTail(80), e);
        }
    }

    /** The static pod directory: a manifest written here is a pod. */
    public Path manifests() {
        return config.manifests();
    }

    public Path rootDir() {
        return config.rootDir();
    }

    public Path podLogsDir() {
        return config.podLogsDir();
    }

    public int port() {
        return config.port();
    }

    /** The pod cgroups ({@code pod<uid>} dirs) kubelet has made below its cgroup root, in any hierarchy. */
    public List<Path> podCgroups() throws IOException {
        return host.podCgroups();
    }

    public long pid() {
        return process.pid();
    }

    public Path logFile() {
        return process.logFile();
    }

    public String logTail(int lines) {
        List<String> all = process == null ? List.of() : process.logText().lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** GET on kubelet's server (TLS, self-signed, anonymous). */
    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port() + path))
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** SIGTERM to kubelet's pid and wait; pods keep running, as when kubelet restarts on a node. */
    public void stop() {
        if (process != null && process.isAlive()) {
            process.terminate(STOP_TIMEOUT);
        }
    }

    /** Stops kubelet and starts it again with the same config, root dir and port. */
    public void restart() {
        stop();
        launch();
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        try {
            stop();
        } catch (RuntimeException e) {
            failure = e;
        }
        try {
            KubeletHost.removeAllPods(criSocket);
        } catch (RuntimeException e) {
            failure = addTo(failure, e);
        }
        try {
            dir.close();
        } catch (RuntimeException e) {
            failure = addTo(failure, e);
        }
        try {
            host.close();
        } catch (RuntimeException e) {
            failure = addTo(failure, e);
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static void closeQuietly(KubeletProcess kubelet, ScratchDir dir, KubeletHost host) {
        try {
            if (kubelet != null) {
                kubelet.close();
            } else {
                dir.close();
                if (host != null) {
                    host.close();
                }
            }
        } catch (RuntimeException suppressed) {
            // The start failure is the one to report.
        }
    }

    static RuntimeException addTo(RuntimeException first, RuntimeException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }
}
