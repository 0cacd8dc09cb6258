package io.berth.e2e.critest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * One run of the critest binary against one CRI socket, with its images served by the local registry through
 * mirrors. The same run serves berthd and containerd, so their answers can be compared.
 */
public final class CritestRun {
    /** The whole suite on 2 cores takes a few minutes; this bounds a hung run. */
    static final long TIMEOUT_MINUTES = 25;
    static final List<String> UPSTREAM_REGISTRIES = List.of("registry.k8s.io", "k8s.gcr.io", "gcr.io");

    private CritestRun() {
    }

    /**
     * Writes {@code <dir>/certs.d/<host>/hosts.toml} for every registry critest names, all mirrored by the local
     * one. berthd reads {@code <dir>} as its registry_config_dir; containerd takes {@code <dir>/certs.d} as its
     * config_path. Returns {@code dir}.
     */
    public static Path mirrors(Path dir, String registryHost) throws Exception {
        for (String upstream : UPSTREAM_REGISTRIES) {
            Path hosts = Files.createDirectories(dir.resolve("certs.d").resolve(upstream)).resolve("hosts.toml");
            Files.writeString(hosts, "server = \"http://" + registryHost + "\"\n\n[host.\"http://" + registryHost
                    + "\"]\n  capabilities = [\"pull\", \"resolve\"]\n");
        }
        return dir;
    }

    /** The conformance specs but those matching {@code skip}; report and log stay in {@code out}. */
    static CritestReport conformance(Path critest, Path socket, Path out, String skip) throws Exception {
        Path junit = out.resolve("critest-junit.xml").toAbsolutePath();
        Files.deleteIfExists(junit);
        run(out, "critest.log", critest.toString(), "-runtime-endpoint", "unix://" + socket,
                "-image-endpoint", "unix://" + socket, "-ginkgo.no-color", "-ginkgo.junit-report=" + junit,
                "-ginkgo.timeout=" + TIMEOUT_MINUTES + "m", "-ginkgo.skip=" + skip);
        if (!Files.exists(junit)) {
            throw new IllegalStateException("critest wrote no report:\n" + tail(out.resolve("critest.log")));
        }
        return CritestReport.read(junit);
    }

    /** critest -benchmark with the given params file; its JSON results land in {@code out}. */
    static void benchmark(Path critest, Path socket, Path out, Path params) throws Exception {
        run(out, "critest-benchmark.log", critest.toString(), "-benchmark", "-runtime-endpoint", "unix://" + socket,
                "-image-endpoint", "unix://" + socket, "-ginkgo.no-color",
                "-ginkgo.timeout=" + TIMEOUT_MINUTES + "m", "-benchmarking-params-file=" + params,
                "-benchmarking-output-dir=" + out.toAbsolutePath());
    }

    private static void run(Path out, String logName, String... command) throws Exception {
        Files.createDirectories(out);
        Path log = out.resolve(logName).toAbsolutePath();
        Process p = new ProcessBuilder(new ArrayList<>(List.of(command))).directory(out.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(TIMEOUT_MINUTES + 2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("critest did not finish; its log: " + log);
        }
    }

    private static String tail(Path log) throws Exception {
        List<String> lines = Files.readAllLines(log);
        return lines.subList(Math.max(0, lines.size() - 60), lines.size()).stream().collect(Collectors.joining("\n"));
    }
}
