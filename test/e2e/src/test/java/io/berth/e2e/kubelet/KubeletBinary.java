package io.berth.e2e.kubelet;

import io.berth.e2e.harness.E2eSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The kubelet binary (k8s.io/kubernetes/cmd/kubelet, pinned in {@code test/tools/kubelet/go.mod}), built once per
 * pin by {@code test/tools/kubelet/build.sh}, which caches it per machine.
 */
public final class KubeletBinary {
    /** A first build compiles most of k8s.io/kubernetes: many minutes on 2 busy cores. */
    private static final long BUILD_TIMEOUT_MINUTES = 90;

    private static Path binary;

    private KubeletBinary() {
    }

    /** Builds kubelet once per pin with {@code test/tools/kubelet/build.sh}; returns the binary. */
    public static synchronized Path path() {
        if (binary == null) {
            binary = build();
        }
        return binary;
    }

    private static Path build() {
        Path script = repoRoot().resolve("test/tools/kubelet/build.sh");
        try {
            Path log = Files.createTempFile("kubelet-build", ".log");
            Path out = Files.createTempFile("kubelet-path", ".txt");
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
            if (!Files.isExecutable(built)) {
                throw new IllegalStateException(built + " is missing after " + script);
            }
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
