package io.berth.server.metrics;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Snapshot;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * Writes a catalog in the Prometheus text exposition format, version 0.0.4: per family a {@code # HELP} and a
 * {@code # TYPE} line, then one line per series. A summary's series are its quantiles (label {@code quantile}),
 * {@code _sum} and {@code _count}, in seconds.
 */
public final class PrometheusText {
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /** The quantiles each summary reports: median, 90th and 99th percentile. */
    static final double[] QUANTILES = {0.5, 0.9, 0.99};

    private PrometheusText() {}

    public static String render(MetricsCatalog catalog) {
        StringBuilder out = new StringBuilder(8192);
        for (MetricFamily family : catalog.families()) {
            List<Map.Entry<Labels, Object>> children = new ArrayList<>(family.children.entrySet());
            if (children.isEmpty()) {
                continue;
            }
            children.sort(Comparator.comparing(e -> e.getKey().render()));
            out.append("# HELP ").append(family.name).append(' ').append(escapeHelp(family.help)).append('\n');
            out.append("# TYPE ").append(family.name).append(' ').append(family.type.textName()).append('\n');
            for (Map.Entry<Labels, Object> child : children) {
                writeChild(out, family.name, child.getKey(), child.getValue());
            }
        }
        return out.toString();
    }

    private static void writeChild(StringBuilder out, String name, Labels labels, Object metric) {
        if (metric instanceof Counter counter) {
            line(out, name, labels.render(), counter.getCount());
        } else if (metric instanceof DoubleSupplier supplier) {
            line(out, name, labels.render(), supplier.getAsDouble());
        } else if (metric instanceof DurationSummary summary) {
            // Read count and sum first: a quantile of a later sample beside an older count is harmless.
            long count = summary.count();
            double sum = summary.sumSeconds();
            Snapshot snapshot = summary.snapshot();
            for (double q : QUANTILES) {
                // No observations: a quantile is undefined (NaN, as Prometheus' own clients write), not 0 seconds.
                double seconds = count == 0 ? Double.NaN : snapshot.getValue(q) / 1e9;
                line(out, name, labels.renderWith("quantile", Double.toString(q)), seconds);
            }
            line(out, name + "_sum", labels.render(), sum);
            line(out, name + "_count", labels.render(), count);
        } else {
            throw new IllegalStateException("unknown metric kind " + metric.getClass() + " in " + name);
        }
    }

    private static void line(StringBuilder out, String name, String labels, double value) {
        out.append(name).append(labels).append(' ').append(formatValue(value)).append('\n');
    }

    /** Go's float syntax as Prometheus parses it: NaN, +Inf, -Inf, integers without a fraction. */
    static String formatValue(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "+Inf" : "-Inf";
        }
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return Double.toString(value);
    }

    /** HELP text escapes backslash and line feed (not quotes). */
    static String escapeHelp(String help) {
        return help.replace("\\", "\\\\").replace("\n", "\\n");
    }
}
