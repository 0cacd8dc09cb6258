package io.berth.e2e.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The ecosystem's clients the e2e suite runs, built with Go from the module proxy by the {@code build.sh} scripts
 * under {@code test/tools/} (each pins its module and caches the result per pin, so a build happens once per
 * machine). berth's own clients can share its misunderstandings of the CRI; these cannot.
 */
public final class GoTools {
    /** A first kubelet build compiles most of k8s.io/kubernetes: many minutes on 2 busy cores. */
    private static final long BUILD_TIMEOUT_MINUTES = 90;
    private static final Map<String, Path> BUILT = new ConcurrentHashMap<>();

    private GoTools() {
    }

    /** crictl and critest from cri-tools ({@code test/tools/build.sh}). */
    public static Path crictl() {
        return build("test/tools/build.sh").resolve("crictl");
    }

    public static Path critest() {
        return build("test/tools/build.sh").resolve("critest");
    }

    /** kubelet from k8s.io/kubernetes ({@code test/tools/kubelet/build.sh}). */
    public static Path kubelet() {
        return build("test/tools/kubelet/build.sh").resolve("kubelet");
    }

    /** kube-apiserver of the same k8s.io/kubernetes pin as {@link #kubelet()}, built with it. */
    public static Path kubeApiserver() {
        return build("test/tools/kubelet/build.sh").resolve("kube-apiserver");
    }

    /** etcd (go.etcd.io/etcd/server/v3) at the version that k8s.io/kubernetes pin requires, built with kubelet. */
    public static Path etcd() {
        return build("test/tools/kubelet/build.sh").resolve("etcd");
    }

    /** Our SPDY client for kubelet's streaming endpoints, on client-go ({@code test/tools/kubeletstream}). */
    public static Path kubeletStream() {
        return build("test/tools/kubeletstream/build.sh");
    }

    /** Runs the script once per JVM; it prints the path it built (a binary, or the directory of several). */
    private static Path build(String script) {
        Path built = BUILT.computeIfAbsent(script, s -> run(repoRoot().resolve(s)));
        if (!Files.exists(built)) {
            throw new IllegalStateException(built + " is missing after " + script);
        }
        return built;
    }

    private static Path run(Path script) {
        try {
            Path log = Files.createTempFile("go-tool-build", ".log");
            Path out = Files.createTempFile("go-tool-path", ".txt");
            Process p = new ProcessBuilder(script.toString()).redirectError(log.toFile()).redirectOutput(out.toFile())
                    .start();
            if (!p.waitFor(BUILD_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException(script + " did not finish within " + BUILD_TIMEOUT_MINUTES
                        + " minutes; its log: " + log);
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(script + " failed (exit " + p.exitValue() + "):\n"
                        + Files.readString(log));
            }
            Path built = Path.of(Files.readString(out).trim());
            Files.deleteIfExists(log);
            Files.deleteIfExists(out);
            return built;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The checkout: the packaged daemon lives in its {@code cri-server/target/berthd}. */
    private static Path repoRoot() {
        return E2eSettings.berthdLauncher().getParent().getParent().getParent().getParent().getParent();
    }
}
