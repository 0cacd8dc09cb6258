package io.berth.e2e.kubelet;

import io.berth.e2e.harness.E2eSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * {@code kubeletstream}: a SPDY client for kubelet's {@code /exec}, {@code /attach} and {@code /portForward} made
 * of client-go's own remotecommand and portforward packages ({@code test/tools/kubeletstream/main.go}), built once
 * per pin by {@code test/tools/kubeletstream/build.sh}, which caches it per machine.
 */
final class KubeletStreamTool {
    /** client-go and its dependencies, from the module cache the kubelet build filled, on 2 busy cores. */
    private static final long BUILD_TIMEOUT_MINUTES = 20;

    private static Path binary;

    private KubeletStreamTool() {
    }

    static synchronized Path path() {
        if (binary == null) {
            binary = build();
        }
        return binary;
    }

    private static Path build() {
        Path script = E2eSettings.berthdLauncher().getParent().getParent().getParent().getParent().getParent()
                .resolve("test/tools/kubeletstream/build.sh");
        try {
            Path log = Files.createTempFile("kubeletstream-build", ".log");
            Path out = Files.createTempFile("kubeletstream-path", ".txt");
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
}
