package io.berth.e2e.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The ecosystem's own CRI clients, crictl and critest (cri-tools, pinned in {@code test/tools/go.mod}), built from
 * the Go module proxy by {@code test/tools/build.sh} and cached per pin. berth's own clients can share its
 * misunderstandings of the CRI; these cannot.
 */
public final class CriTools {
    /** A first build downloads cri-tools' modules and compiles critest: about two minutes on 2 cores. */
    private static final long BUILD_TIMEOUT_MINUTES = 20;
    private static Path dir;

    private CriTools() {
    }

    public static Path crictl() {
        return binary("crictl");
    }

    public static Path critest() {
        return binary("critest");
    }

    private static synchronized Path binary(String name) {
        if (dir == null) {
            dir = build();
        }
        Path binary = dir.resolve(name);
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException(binary + " is missing after test/tools/build.sh");
        }
        return binary;
    }

    private static Path build() {
        Path script = repoRoot().resolve("test/tools/build.sh");
        try {
            Path log = Files.createTempFile("cri-tools-build", ".log");
            Path out = Files.createTempFile("cri-tools-dir", ".txt");
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
            String built = Files.readString(out).trim();
            Files.deleteIfExists(log);
            Files.deleteIfExists(out);
            return Path.of(built);
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
