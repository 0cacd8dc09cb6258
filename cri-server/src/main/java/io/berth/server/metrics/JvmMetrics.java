package io.berth.server.metrics;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.Metric;
import com.codahale.metrics.jvm.GarbageCollectorMetricSet;
import com.codahale.metrics.jvm.MemoryUsageGaugeSet;
import com.codahale.metrics.jvm.ThreadStatesGaugeSet;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * The JVM's memory, GC and thread numbers from metrics-jvm, under the family names of Prometheus' own JVM
 * exporter ({@code jvm_memory_bytes_used{area}}, {@code jvm_gc_collection_seconds_total{gc}}...), so existing
 * dashboards work. metrics-jvm writes pool and collector names with dashes for spaces ("G1-Eden-Space").
 */
public final class JvmMetrics {
    private JvmMetrics() {}

    public static void register(MetricsCatalog catalog) {
        Map<String, Metric> memory = new MemoryUsageGaugeSet().getMetrics();
        for (String area : new String[] {"heap", "non-heap"}) {
            Labels labels = Labels.of("area", area.equals("heap") ? "heap" : "nonheap");
            catalog.gauge("jvm_memory_bytes_used", "Used bytes of a JVM memory area", labels,
                    number(memory, area + ".used"));
            catalog.gauge("jvm_memory_bytes_committed", "Committed bytes of a JVM memory area", labels,
                    number(memory, area + ".committed"));
            catalog.gauge("jvm_memory_bytes_max", "Max bytes of a JVM memory area (-1 when undefined)", labels,
                    number(memory, area + ".max"));
        }
        memory.forEach((name, metric) -> {
            if (name.startsWith("pools.") && name.endsWith(".used")) {
                String pool = name.substring("pools.".length(), name.length() - ".used".length());
                catalog.gauge("jvm_memory_pool_bytes_used", "Used bytes of a JVM memory pool",
                        Labels.of("pool", pool), number(memory, name));
            }
        });

        Map<String, Metric> gc = new GarbageCollectorMetricSet().getMetrics();
        gc.forEach((name, metric) -> {
            if (name.endsWith(".count")) {
                String collector = name.substring(0, name.length() - ".count".length());
                Labels labels = Labels.of("gc", collector);
                catalog.counterOf("jvm_gc_collections_total", "Collections run by a JVM garbage collector", labels,
                        number(gc, name));
                DoubleSupplier millis = number(gc, collector + ".time");
                catalog.counterOf("jvm_gc_collection_seconds_total", "Time spent in a JVM garbage collector",
                        labels, () -> millis.getAsDouble() / 1000.0);
            }
        });

        Map<String, Metric> threads = new ThreadStatesGaugeSet().getMetrics();
        catalog.gauge("jvm_threads_current", "Live JVM threads", Labels.NONE, number(threads, "count"));
        catalog.gauge("jvm_threads_daemon", "Live JVM daemon threads", Labels.NONE, number(threads, "daemon.count"));
    }

    private static DoubleSupplier number(Map<String, Metric> metrics, String name) {
        Metric metric = metrics.get(name);
        if (!(metric instanceof Gauge<?> gauge)) {
            throw new IllegalStateException("metrics-jvm has no gauge " + name);
        }
        return () -> gauge.getValue() instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
