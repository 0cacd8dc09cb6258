package io.berth.shim;

import io.berth.shim.client.ShimGrouping;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * How long a container create waits for its shim: the time of {@link io.berth.shim.client.ShimHosts#create}
 * until the container is CREATED (rootfs mount + runc create, plus a JVM boot where the group has no host
 * yet), in the node's warm host and in container grouping, where every create starts a host. Also the
 * PSS of an idle node host carrying one container. Run by scripts/bench-shim.sh, not by CI: numbers, not
 * assertions.
 */
public final class ShimStartBenchmark {
    private ShimStartBenchmark() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        // Under /tmp: the host sockets live in here and must stay under the 108-byte limit.
        Path scratch = Files.createTempDirectory(Path.of("/tmp"), "berth-shim-bench");
        report("warm node host", time(scratch.resolve("node"), rounds, ShimGrouping.NODE));
        report("container grouping (cold JVM)", time(scratch.resolve("ctr"), rounds, ShimGrouping.CONTAINER));
        try (ShimFixture f = new ShimFixture(Files.createDirectories(scratch.resolve("pss")), "sleep", "600")) {
            f.launch(false).start();
            Thread.sleep(2000);
            System.out.printf("idle node host with one container: %s%n",
                    smapsRollup(f.hostPid(ShimGrouping.NODE_GROUP)));
        }
    }

    private static List<Long> time(Path dir, int rounds, ShimGrouping grouping) throws Exception {
        List<Long> millis = new ArrayList<>();
        try (ShimFixture f = new ShimFixture(Files.createDirectories(dir), grouping)) {
            for (int i = 0; i < rounds; i++) {
                TestContainer c = f.container("c" + i, "sleep", "600");
                var config = c.config(false);
                long start = System.nanoTime();
                c.track(f.hosts().create(config));
                millis.add((System.nanoTime() - start) / 1_000_000);
            }
        }
        return millis;
    }

    private static void report(String what, List<Long> millis) {
        List<Long> sorted = new ArrayList<>(millis);
        Collections.sort(sorted);
        System.out.printf("%-30s median %4d ms  p90 %4d ms  (n=%d)%n", what, sorted.get(sorted.size() / 2),
                sorted.get((int) Math.min(sorted.size() - 1, Math.round(sorted.size() * 0.9))), sorted.size());
    }

    private static String smapsRollup(int pid) throws Exception {
        StringBuilder out = new StringBuilder();
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/smaps_rollup"))) {
            if (line.startsWith("Rss:") || line.startsWith("Pss:")) {
                out.append(line.replaceAll("\\s+", " ")).append("  ");
            }
        }
        return out.toString().trim();
    }
}
