package io.berth.e2e.stats;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;

/** Wall-clock latencies of repeated calls, for the numbers the benchmark and the closing notes report. */
final class Latencies {
    private final List<Long> nanos = new ArrayList<>();

    /** Runs {@code call} and records how long it took. */
    <T> T time(Callable<T> call) throws Exception {
        long start = System.nanoTime();
        T result = call.call();
        nanos.add(System.nanoTime() - start);
        return result;
    }

    int count() {
        return nanos.size();
    }

    /** The {@code p}-th percentile (nearest rank) in milliseconds. */
    double percentileMillis(int p) {
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1)) / 1e6;
    }

    String summary() {
        return String.format("n=%d median=%.2f ms p90=%.2f ms max=%.2f ms", count(), percentileMillis(50),
                percentileMillis(90), percentileMillis(100));
    }
}
