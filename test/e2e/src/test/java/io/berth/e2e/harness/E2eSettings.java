package io.berth.e2e.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** What the build tells the e2e suite through system properties, and the facts about the host it depends on. */
public final class E2eSettings {

    /** Where the packaged daemon lives: {@code bin/berthd} and {@code lib/*.jar}. */
    public static final String DIST_PROPERTY = "berth.dist";
    /** Points the API-behaviour tests at another CRI runtime, e.g. {@code unix:///run/containerd/containerd.sock}. */
    public static final String ENDPOINT_PROPERTY = "berth.e2e.endpoint";

    /** Runs every berthd of the suite with this {@code [shim] group} (node, pod or container); unset: berthd's default. */
    public static final String SHIM_GROUP_PROPERTY = "berth.e2e.shimGroup";

    private E2eSettings() {
    }

    /** The {@code [shim] group} the suite's daemons run with, when the build asks for one. */
    public static Optional<String> shimGroup() {
        String group = System.getProperty(SHIM_GROUP_PROPERTY);
        return group == null || group.isBlank() ? Optional.empty() : Optional.of(group.trim());
    }

    public static Path berthdLauncher() {
        String dist = System.getProperty(DIST_PROPERTY);
        if (dist == null || dist.isBlank()) {
            throw new IllegalStateException("system property " + DIST_PROPERTY + " is not set; run the suite through Maven");
        }
        Path launcher = Path.of(dist).toAbsolutePath().normalize().resolve("bin/berthd");
        if (!Files.isExecutable(launcher)) {
            throw new IllegalStateException(launcher + " is missing or not executable; build it with `mvn -pl test/e2e -am verify`");
        }
        return launcher;
    }

    /** The socket of a runtime that someone else started, when the suite is pointed at one. */
    public static Optional<Path> externalEndpoint() {
        String endpoint = System.getProperty(ENDPOINT_PROPERTY);
        if (endpoint == null || endpoint.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(Path.of(endpoint.startsWith("unix://") ? endpoint.substring("unix://".length()) : endpoint));
    }

    /** Skips the caller when it is about the berthd process itself, which an external endpoint does not give us. */
    public static void assumeOwnBerthd() {
        assumeTrue(externalEndpoint().isEmpty(),
                () -> "this test is about the berthd process (flags, sockets, signals, config files); skipped because "
                        + ENDPOINT_PROPERTY + "=" + System.getProperty(ENDPOINT_PROPERTY));
    }

    /** Namespaces, mounts, sockets in root-owned places: the e2e suite only makes sense as root. */
    public static void assumeRoot() {
        assumeTrue(effectiveUid() == 0,
                "the berth e2e suite needs root (it starts daemons that mount, create namespaces and cgroups); "
                        + "run `mvn verify` as root to run it, as CI does");
    }

    private static long effectiveUid() {
        try {
            // "Uid:\treal\teffective\tsaved\tfs" — the effective uid is the one the kernel checks.
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(line -> line.startsWith("Uid:"))
                    .map(line -> Long.parseLong(line.split("\\s+")[2]))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no Uid line in /proc/self/status"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
