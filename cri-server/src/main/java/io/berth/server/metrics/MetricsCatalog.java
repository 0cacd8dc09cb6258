package io.berth.server.metrics;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleSupplier;
import java.util.regex.Pattern;

/**
 * berthd's metrics: Dropwizard metrics in one {@link MetricRegistry}, grouped into Prometheus families with
 * help text and labels (Dropwizard names are flat strings with neither). Every metric is registered in the
 * registry under its Prometheus series name, e.g. {@code berth_grpc_requests_total{rpc="Version",code="OK"}}.
 */
public final class MetricsCatalog {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    private final MetricRegistry registry = new MetricRegistry();
    private final Map<String, MetricFamily> families = new ConcurrentHashMap<>();

    public MetricRegistry registry() {
        return registry;
    }

    /** A counter; the name ends in {@code _total}. The same name and labels give the same counter. */
    public Counter counter(String name, String help, Labels labels) {
        requireSuffix(name, "_total");
        return (Counter) family(name, help, MetricFamily.Type.COUNTER).children.computeIfAbsent(labels,
                l -> registry.register(seriesName(name, l), new Counter()));
    }

    /** A monotonic count kept elsewhere (e.g. by the JVM), read at scrape time. */
    public void counterOf(String name, String help, Labels labels, DoubleSupplier value) {
        requireSuffix(name, "_total");
        supplied(family(name, help, MetricFamily.Type.COUNTER), labels, value);
    }

    /** A value read at scrape time. Registering the same name and labels twice is a programming error. */
    public void gauge(String name, String help, Labels labels, DoubleSupplier value) {
        supplied(family(name, help, MetricFamily.Type.GAUGE), labels, value);
    }

    /** Removes one series of a gauge, e.g. of something that ended; a series not there is no error. */
    public void remove(String name, Labels labels) {
        MetricFamily family = families.get(name);
        if (family != null && family.children.remove(labels) != null) {
            registry.remove(seriesName(name, labels));
        }
    }

    /** Durations in seconds; the name ends in {@code _seconds}. The same name and labels give the same summary. */
    public DurationSummary durations(String name, String help, Labels labels) {
        requireSuffix(name, "_seconds");
        return (DurationSummary) family(name, help, MetricFamily.Type.SUMMARY).children.computeIfAbsent(labels, l -> {
            DurationSummary summary = new DurationSummary();
            registry.register(seriesName(name, l), summary.timer());
            return summary;
        });
    }

    /** The families sorted by name, for the exposition. */
    List<MetricFamily> families() {
        List<MetricFamily> out = new ArrayList<>(families.values());
        out.sort(Comparator.comparing(f -> f.name));
        return out;
    }

    private void supplied(MetricFamily family, Labels labels, DoubleSupplier value) {
        if (family.children.putIfAbsent(labels, value) != null) {
            throw new IllegalStateException(seriesName(family.name, labels) + " is registered twice");
        }
        registry.register(seriesName(family.name, labels), (Gauge<Double>) value::getAsDouble);
    }

    private MetricFamily family(String name, String help, MetricFamily.Type type) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a Prometheus metric name: '" + name + "'");
        }
        MetricFamily family = families.computeIfAbsent(name, n -> new MetricFamily(n, help, type));
        if (family.type != type || !family.help.equals(help)) {
            throw new IllegalStateException(name + " is already a " + family.type.textName() + " with help '"
                    + family.help + "'");
        }
        return family;
    }

    private static void requireSuffix(String name, String suffix) {
        if (!name.endsWith(suffix)) {
            throw new IllegalArgumentException(name + " must end in " + suffix);
        }
    }

    private static String seriesName(String name, Labels labels) {
        return name + labels.render();
    }
}
