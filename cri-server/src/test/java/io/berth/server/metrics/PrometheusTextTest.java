package io.berth.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {
    final MetricsCatalog catalog = new MetricsCatalog();

    @Test
    void countersGaugesAndSummariesAreWrittenAsTheirTypes() {
        catalog.counter("berth_things_total", "Things done", Labels.of("kind", "a")).inc(3);
        catalog.counter("berth_things_total", "Things done", Labels.of("kind", "b")).inc();
        catalog.gauge("berth_level", "A level", Labels.NONE, () -> 2.5);
        DurationSummary d = catalog.durations("berth_wait_seconds", "Waiting", Labels.of("rpc", "Version"));
        d.record(Duration.ofSeconds(1));
        d.record(Duration.ofSeconds(3));

        String text = PrometheusText.render(catalog);
        Map<String, PrometheusTextParser.Family> families = PrometheusTextParser.parse(text);

        assertThat(families).containsOnlyKeys("berth_things_total", "berth_level", "berth_wait_seconds");
        PrometheusTextParser.Family things = families.get("berth_things_total");
        assertThat(things.type()).isEqualTo("counter");
        assertThat(things.help()).isEqualTo("Things done");
        assertThat(things.sample("berth_things_total", Map.of("kind", "a")).orElseThrow().value()).isEqualTo(3);
        assertThat(things.sample("berth_things_total", Map.of("kind", "b")).orElseThrow().value()).isEqualTo(1);
        assertThat(families.get("berth_level").samples()).singleElement()
                .satisfies(s -> assertThat(s.value()).isEqualTo(2.5));

        PrometheusTextParser.Family wait = families.get("berth_wait_seconds");
        assertThat(wait.type()).isEqualTo("summary");
        assertThat(wait.sample("berth_wait_seconds_count", Map.of("rpc", "Version")).orElseThrow().value()).isEqualTo(2);
        assertThat(wait.sample("berth_wait_seconds_sum", Map.of("rpc", "Version")).orElseThrow().value()).isEqualTo(4);
        assertThat(wait.sample("berth_wait_seconds", Map.of("rpc", "Version", "quantile", "0.99")).orElseThrow()
                .value()).as("in seconds").isCloseTo(3, within(1e-6));
        assertThat(wait.sample("berth_wait_seconds", Map.of("rpc", "Version", "quantile", "0.5"))).isPresent();
        assertThat(text).contains("# TYPE berth_wait_seconds summary\n");
    }

    @Test
    void aSummaryWithoutObservationsHasUndefinedQuantiles() {
        catalog.durations("berth_wait_seconds", "Waiting", Labels.NONE);
        String text = PrometheusText.render(catalog);
        assertThat(text).contains("berth_wait_seconds{quantile=\"0.5\"} NaN\n", "berth_wait_seconds_sum 0\n",
                "berth_wait_seconds_count 0\n");
        assertThat(PrometheusTextParser.parse(text)).containsKey("berth_wait_seconds");
    }

    @Test
    void labelValuesAndHelpAreEscaped() {
        String nasty = "a\\b \"quoted\"\nline two";
        catalog.counter("berth_odd_total", "Help with \\ and\nnewline", Labels.of("v", nasty)).inc();
        String text = PrometheusText.render(catalog);

        assertThat(text).contains("v=\"a\\\\b \\\"quoted\\\"\\nline two\"")
                .contains("# HELP berth_odd_total Help with \\\\ and\\nnewline\n");
        PrometheusTextParser.Family f = PrometheusTextParser.parse(text).get("berth_odd_total");
        assertThat(f.help()).isEqualTo("Help with \\ and\nnewline");
        assertThat(f.samples().get(0).labels()).containsEntry("v", nasty);
    }

    @Test
    void specialValuesUseTheFormatsSpelling() {
        catalog.gauge("berth_nan", "x", Labels.NONE, () -> Double.NaN);
        catalog.gauge("berth_inf", "x", Labels.NONE, () -> Double.POSITIVE_INFINITY);
        catalog.gauge("berth_small", "x", Labels.NONE, () -> 1.5e-7);
        String text = PrometheusText.render(catalog);
        assertThat(text).contains("berth_nan NaN\n", "berth_inf +Inf\n", "berth_small 1.5E-7\n");
        assertThat(PrometheusTextParser.parse(text).get("berth_small").samples().get(0).value()).isEqualTo(1.5e-7);
    }

    @Test
    void namesAndTypesAreChecked() {
        assertThatThrownBy(() -> catalog.counter("berth_things", "x", Labels.NONE))
                .hasMessageContaining("must end in _total");
        assertThatThrownBy(() -> catalog.gauge("berth-bad", "x", Labels.NONE, () -> 1))
                .hasMessageContaining("not a Prometheus metric name");
        assertThatThrownBy(() -> Labels.of("quantile", "1")).hasMessageContaining("not a usable label name");
        assertThatThrownBy(() -> Labels.of("__x", "1")).hasMessageContaining("not a usable label name");
        catalog.gauge("berth_once", "x", Labels.NONE, () -> 1);
        assertThatThrownBy(() -> catalog.gauge("berth_once", "x", Labels.NONE, () -> 2))
                .hasMessageContaining("registered twice");
        catalog.counter("berth_once_total", "x", Labels.NONE).inc();
        assertThatThrownBy(() -> catalog.gauge("berth_once_total", "x", Labels.NONE, () -> 1))
                .hasMessageContaining("already a counter");
    }

    @Test
    void everyMetricIsAlsoInTheDropwizardRegistry() {
        catalog.counter("berth_things_total", "x", Labels.of("kind", "a")).inc();
        catalog.durations("berth_wait_seconds", "x", Labels.NONE);
        assertThat(catalog.registry().getNames())
                .containsExactlyInAnyOrder("berth_things_total{kind=\"a\"}", "berth_wait_seconds");
    }

    @Test
    void theParserRejectsWhatPrometheusWould() {
        assertThatThrownBy(() -> PrometheusTextParser.parse("# HELP x y\n# TYPE x counter\nx{a=\"1} 1\n"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PrometheusTextParser.parse("# HELP x y\n# TYPE x gauge\nx one\n"))
                .hasMessageContaining("not a float");
        assertThatThrownBy(() -> PrometheusTextParser.parse("# HELP x y\n# TYPE x gauge\nx 1\nx 2\n"))
                .hasMessageContaining("duplicate");
        assertThatThrownBy(() -> PrometheusTextParser.parse("# HELP x y\n# TYPE x gauge\ny 1\n"))
                .hasMessageContaining("outside");
        assertThatThrownBy(() -> PrometheusTextParser.parse("# HELP x y\n# TYPE x gauge\nx 1"))
                .hasMessageContaining("line feed");
    }

    @Test
    void jvmMetricsAreValidAndNamedLikePrometheusOwnExporter() {
        JvmMetrics.register(catalog);
        Map<String, PrometheusTextParser.Family> f = PrometheusTextParser.parse(PrometheusText.render(catalog));
        assertThat(f).containsKeys("jvm_memory_bytes_used", "jvm_memory_bytes_max", "jvm_memory_pool_bytes_used",
                "jvm_gc_collections_total", "jvm_gc_collection_seconds_total", "jvm_threads_current");
        assertThat(f.get("jvm_memory_bytes_used").sample("jvm_memory_bytes_used", Map.of("area", "heap"))
                .orElseThrow().value()).isPositive();
        assertThat(f.get("jvm_threads_current").samples().get(0).value()).isGreaterThanOrEqualTo(1);
    }
}
