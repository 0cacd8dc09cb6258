package io.berth.shim;

import io.berth.shim.client.LaunchOptions;
import io.berth.shim.client.ShimClient;
import io.berth.shim.client.ShimPool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * How long a container create waits for its shim: the time from asking for a shim until the container is
 * CREATED (JVM start + rootfs mount + runc create), for a cold JVM without and with the class-data
 * archive, and for the warm spare. Also the PSS of an idle shim. Run by scripts/bench-shim.sh, not by CI:
 * numbers, not assertions.
 */
public final class ShimStartBenchmark {
    private ShimStartBenchmark() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        LaunchOptions withArchive = LaunchOptions.defaults();
        List<String> plain = new ArrayList<>(withArchive.jvmOptions());
        plain.removeIf(o -> o.startsWith("-XX:SharedArchiveFile="));
        LaunchOptions withoutArchive = withArchive.withJvmOptions(plain);
        if (plain.size() == withArchive.jvmOptions().size()) {
            System.out.println("note: no " + LaunchOptions.CDS_ARCHIVE + " beside the jars; run from the packaged lib/");
        }
        Path scratch = Files.createTempDirectory("berth-shim-bench");
        try (ShimPool pool = new ShimPool(scratch.resolve("spares"), withArchive)) {
            report("cold, no class-data archive", time(scratch, rounds, 0, c -> ShimClient.launch(c, withoutArchive)));
            report("cold, class-data archive", time(scratch, rounds, 0, c -> ShimClient.launch(c, withArchive)));
            // berthd keeps the next spare booting between creates; give it the same chance here, untimed.
            report("warm spare (berthd's path)", time(scratch, rounds, 1500, pool::launch));
            try (ShimFixture f = new ShimFixture(Files.createDirectories(scratch.resolve("pss")), "sleep", "600")) {
                ShimClient shim = f.launch(false);
                Thread.sleep(2000);
                System.out.printf("idle shim: %s%n", smapsRollup(shim.shimPid()));
            }
        }
    }

    @FunctionalInterface
    private interface Launch {
        ShimClient launch(io.berth.shim.api.ShimConfig config) throws Exception;
    }

    private static List<Long> time(Path scratch, int rounds, long settleMillis, Launch launch) throws Exception {
        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            Thread.sleep(settleMillis);
            Path dir = Files.createTempDirectory(scratch, "c");
            try (ShimFixture f = new ShimFixture(dir, "sleep", "600")) {
                var config = f.config(false);
                long start = System.nanoTime();
                f.track(launch.launch(config));
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
