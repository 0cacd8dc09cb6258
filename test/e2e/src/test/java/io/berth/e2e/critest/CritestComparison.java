package io.berth.e2e.critest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.e2e.fixtures.RegistryProcess;
import io.berth.e2e.harness.BerthdOptions;
import io.berth.e2e.harness.BerthdProcess;
import io.berth.e2e.harness.ContainerdProcess;
import io.berth.e2e.harness.GoTools;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.E2eSettings;
import io.berth.e2e.harness.ScratchDir;
import io.berth.e2e.harness.TestBridge;
import io.berth.e2e.network.ForwardGuard;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * By hand, not in CI (the README gives the command, under "The real clients"): the same critest conformance
 * run, then critest's own benchmarks, against berthd and against Debian's containerd, one after the other on
 * this machine, with the same images, mirrors and skips. Prints both summary lines and a table of benchmark medians with ratios, and
 * leaves everything in {@code test/e2e/target/critest-compare/}. No figure is asserted: speed is read, not tested.
 */
class CritestComparison {
    private static final Path OUT = Path.of("target", "critest-compare");

    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    @Test
    void berthdBesideContainerd() throws Exception {
        E2eSettings.assumeRoot();
        Path critest = GoTools.critest();
        ScratchDir scratch = daemons.scratchDir("critest-cmp-");
        try (RegistryProcess registry = RegistryProcess.start(scratch.resolve("registry"));
                TestBridge berthBridge = TestBridge.reserve("bcb", 227);
                TestBridge containerdBridge = TestBridge.reserve("bcd", 227);
                ForwardGuard guard = ForwardGuard.install(containerdBridge.name(), berthBridge.name())) {
            CritestImages.pushAll(URI.create(registry.url()));
            Path etc = CritestRun.mirrors(scratch.resolve("etc"), registry.host());
            Path params = writeParams(scratch.resolve("benchmark-params.yaml"));
            List<String> lines = new ArrayList<>();

            BerthdProcess berthd = daemons.startBerthd(BerthdOptions.defaults().withConfig(
                    "[image]\nregistry_config_dir = \"" + etc + "\"\n" + berthBridge.config()));
            lines.add("berth:      " + CritestRun.conformance(critest, berthd.socket(), OUT.resolve("berth"),
                    CritestE2eTest.skipPattern()).summary());
            CritestRun.benchmark(critest, berthd.socket(), OUT.resolve("berth-benchmark"), params);
            berthd.stop();

            ContainerdProcess containerd = daemons.startContainerd(new ContainerdProcess.Pods(
                    Optional.of(etc.resolve("certs.d")), Optional.of(containerdBridge), "registry.k8s.io/pause:3.9"));
            lines.add("containerd: " + CritestRun.conformance(critest, containerd.socket(), OUT.resolve("containerd"),
                    CritestE2eTest.skipPattern()).summary());
            CritestRun.benchmark(critest, containerd.socket(), OUT.resolve("containerd-benchmark"), params);
            containerd.stop();

            lines.add("");
            lines.addAll(benchmarkTable(OUT.resolve("berth-benchmark"), OUT.resolve("containerd-benchmark")));
            Files.write(OUT.resolve("comparison.txt"), lines);
            lines.forEach(System.out::println);
            assertThat(lines).isNotEmpty();
        }
    }

    /** critest's benchmark sizes, small enough for 2 cores, on an image the local registry serves. */
    private static Path writeParams(Path file) throws Exception {
        String image = CritestImages.E2E + "busybox:1.29-2";
        return Files.writeString(file, String.join("\n",
                "containersNumber: 50", "containersNumberParallel: 2",
                "podsNumber: 50", "podsNumberParallel: 2",
                "imagesNumber: 20", "imagesNumberParallel: 2",
                "imagePullingBenchmarkImage: " + image,
                "imageListingBenchmarkImages:", "  - " + image, ""));
    }

    /** One row per operation of each JSON result file: median and p90 in ms, and berth / containerd. */
    private static List<String> benchmarkTable(Path berth, Path containerd) throws Exception {
        List<String> rows = new ArrayList<>();
        rows.add(String.format(Locale.ROOT, "%-52s %12s %12s %8s", "critest benchmark (median ms, p90)", "berth",
                "containerd", "ratio"));
        try (Stream<Path> files = Files.list(berth)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                Path other = containerd.resolve(file.getFileName());
                JsonNode b = new ObjectMapper().readTree(file.toFile());
                JsonNode c = Files.exists(other) ? new ObjectMapper().readTree(other.toFile()) : null;
                JsonNode names = b.path("operationsNames");
                for (int op = 0; op < names.size(); op++) {
                    double[] bs = durations(b, op);
                    double[] cs = c == null ? new double[0] : durations(c, op);
                    String label = file.getFileName().toString().replace("_benchmark_data.json", "") + " "
                            + names.get(op).asText();
                    rows.add(String.format(Locale.ROOT, "%-52s %5.1f (%5.1f) %5.1f (%5.1f) %8s", label,
                            quantile(bs, 0.5), quantile(bs, 0.9), quantile(cs, 0.5), quantile(cs, 0.9),
                            cs.length == 0 ? "-" : String.format(Locale.ROOT, "%.2f",
                                    quantile(bs, 0.5) / quantile(cs, 0.5))));
                }
            }
        }
        return rows;
    }

    private static double[] durations(JsonNode results, int op) {
        List<Double> ms = new ArrayList<>();
        for (JsonNode point : results.path("datapoints")) {
            JsonNode d = point.path("operationsDurationsNs").path(op);
            if (d.isNumber()) {
                ms.add(d.asLong() / 1e6);
            }
        }
        return ms.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static double quantile(double[] values, double q) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    }
}
