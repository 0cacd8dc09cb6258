package io.berth.server.metrics;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One Prometheus metric family: a name, its help text and type, and one child per label set. A child is a
 * Dropwizard {@code Counter}, a {@link DurationSummary}, or a supplier of a value read from elsewhere.
 */
final class MetricFamily {
    enum Type {
        COUNTER, GAUGE, SUMMARY;

        String textName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    final String name;
    final String help;
    final Type type;
    final Map<Labels, Object> children = new ConcurrentHashMap<>();

    MetricFamily(String name, String help, Type type) {
        this.name = name;
        this.help = help;
        this.type = type;
    }
}
