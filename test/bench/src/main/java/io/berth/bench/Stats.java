package io.berth.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Samples in milliseconds and their nearest-rank percentiles. */
final class Stats {
    private final List<Double> samples = new ArrayList<>();

    void add(double v) {
        samples.add(v);
    }

    int count() {
        return samples.size();
    }

    double percentile(double p) {
        if (samples.isEmpty()) {
            return Double.NaN;
        }
        List<Double> s = new ArrayList<>(samples);
        Collections.sort(s);
        int idx = (int) Math.ceil(p / 100.0 * s.size()) - 1;
        return s.get(Math.max(0, Math.min(s.size() - 1, idx)));
    }

    static double median(List<Double> values) {
        List<Double> s = new ArrayList<>(values);
        Collections.sort(s);
        int n = s.size();
        return n == 0 ? Double.NaN : n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    static double millisSince(long nanoStart) {
        return (System.nanoTime() - nanoStart) / 1e6;
    }
}
