package io.berth.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CI runs the quick form of {@code scripts/bench-compare.sh} end to end against berth only (containerd is left out
 * to keep {@code mvn verify} short; the script and the runner are the same code for both), so the tool cannot rot.
 * It checks that every figure is there and sane; it asserts no timing.
 */
class BenchCompareQuickTest {
    private static final List<String> FIGURES = List.of(
            "lifecycle.RunPodSandbox.p50_ms", "lifecycle.CreateContainer.p90_ms", "lifecycle.StartContainer.p99_ms",
            "lifecycle.StopContainer.p50_ms", "lifecycle.RemoveContainer.p50_ms", "lifecycle.StopPodSandbox.p50_ms",
            "lifecycle.RemovePodSandbox.p99_ms", "lifecycle.pod_start.p50_ms", "lifecycle.pod_start.p99_ms",
            "burst.10pods.all_running_s",
            "scale.10pods.start_total_s", "scale.10pods.ListPodSandbox.p50_ms", "scale.10pods.ListContainers.p99_ms",
            "scale.10pods.ListContainerStats.p50_ms",
            "exec.ExecSync_true.p50_ms", "exec.ExecSync_true.p99_ms",
            "pull.big.seconds", "pull.big.mib_per_s", "pull.smallfiles.seconds", "pull.smallfiles.files_per_s",
            "memory.0pods.total_mib", "memory.0pods.daemon_mib", "memory.10pods.total_mib", "memory.10pods.shims_mib",
            "memory.10pods.per_pod_mib",
            "restart.10pods.answers_s", "restart.10pods.lists_all_running_s",
            "logs.lines_per_s", "logs.mib_per_s", "logs.daemon_cpu_ms_per_mib", "logs.shim_cpu_ms_per_mib");

    @TempDir
    Path tmp;

    @Test
    void quickFormMeasuresEveryFigure() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")),
                "the benchmark starts berthd, runc containers and a bridge: it needs root");
        Path repo = Path.of(System.getProperty("berth.repo", "../..")).toAbsolutePath().normalize();
        assumeTrue(Files.isExecutable(repo.resolve("cri-server/target/berthd/bin/berthd")),
                "no packaged berthd in cri-server/target/berthd (run `mvn package` first)");
        Path out = tmp.resolve("combined.json");
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ProcessBuilder pb = new ProcessBuilder("bash", repo.resolve("scripts/bench-compare.sh").toString(), "--quick",
                "--runtimes", "berth", "--out", out.toString())
                .redirectErrorStream(true)
                .redirectOutput(tmp.resolve("bench.log").toFile());
        pb.environment().put("BENCH_CP", String.join(File.pathSeparator, classpath.split(File.pathSeparator)));
        pb.environment().put("BENCH_JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        pb.environment().put("BENCH_RESULTS", tmp.resolve("results").toString());
        Process p = pb.start();
        boolean done = p.waitFor(10, TimeUnit.MINUTES);
        if (!done) {
            p.destroy();
            p.waitFor(60, TimeUnit.SECONDS);
        }
        String log = Files.readString(tmp.resolve("bench.log"));
        assertThat(done).as("bench-compare.sh --quick finished; output:\n%s", log).isTrue();
        assertThat(p.exitValue()).as("exit code; output:\n%s", log).isZero();

        JsonNode combined = new ObjectMapper().readTree(out.toFile());
        JsonNode machine = combined.get("machine");
        for (String key : List.of("cores", "kernel", "cgroup", "jdk")) {
            assertThat(machine.hasNonNull(key)).as("machine." + key).isTrue();
        }
        assertThat(combined.get("runs")).hasSize(1);
        JsonNode figures = combined.get("runs").get(0).get("figures");
        for (String key : FIGURES) {
            assertThat(figures.has(key)).as("figure %s in %s", key, figures).isTrue();
        }
        // Every figure is a finite count, size or duration, never negative; except the marginal memory per pod,
        // a difference of two readings that noise can push below zero when a pod costs next to nothing.
        figures.fields().forEachRemaining(e -> {
            double v = e.getValue().asDouble();
            assertThat(Double.isFinite(v)).as("%s = %s", e.getKey(), v).isTrue();
            if (!e.getKey().endsWith(".per_pod_mib")) {
                assertThat(v).as(e.getKey()).isGreaterThanOrEqualTo(0);
            }
        });
        assertThat(figures.get("memory.10pods.total_per_pod_mib").asDouble()).isPositive();
        assertThat(figures.get("lifecycle.cycles").asInt()).isEqualTo(5);
        assertThat(figures.get("scale.10pods.listed_pods").asInt()).isEqualTo(10);
        assertThat(figures.get("scale.10pods.listed_containers").asInt()).isEqualTo(10);
        assertThat(figures.get("scale.10pods.listed_stats").asInt()).isEqualTo(10);
        assertThat(figures.get("exec.calls").asInt()).isEqualTo(20);
        assertThat(figures.get("exec.nonzero_exits").asInt()).isZero();
        assertThat(figures.get("pull.big.layers").asInt()).isGreaterThanOrEqualTo(6);
        assertThat(figures.get("pull.smallfiles.layers").asInt()).isEqualTo(20);
        // The node's shim host carries all ten containers: the shim memory is one JVM's, not ten.
        assertThat(figures.get("memory.10pods.shim_processes").asInt()).isGreaterThanOrEqualTo(1);
        assertThat(figures.get("memory.10pods.shims_mib").asDouble()).isPositive();
        assertThat(figures.get("memory.10pods.daemon_mib").asDouble()).isPositive();
        assertThat(figures.get("logs.lines_per_s").asDouble()).isPositive();
        assertThat(Files.readString(tmp.resolve("results/table.md"))).contains("| lifecycle.pod_start.p50_ms |");
    }
}
