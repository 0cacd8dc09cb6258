package io.berth.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/** The figures of one run, in the order they were measured; each is also echoed to stderr as it is recorded. */
final class Figures {
    private final Map<String, Double> values = new LinkedHashMap<>();

    void put(String key, double value) {
        values.put(key, Math.round(value * 1000) / 1000.0);
        System.err.printf("  %-45s %12.3f%n", key, value);
    }

    void putPercentiles(String key, Stats s, double... ps) {
        for (double p : ps) {
            put(key + ".p" + (int) p + "_ms", s.percentile(p));
        }
    }

    boolean has(String key) {
        return values.containsKey(key);
    }

    double get(String key) {
        return values.get(key);
    }

    /** The figures as recorded (rounded to 3 decimals), for the result JSON. */
    Map<String, Double> values() {
        return values;
    }
}
