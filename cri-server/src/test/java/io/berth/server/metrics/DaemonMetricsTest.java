package io.berth.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class DaemonMetricsTest {
    private final MetricsCatalog catalog = new MetricsCatalog();
    private final DaemonMetrics metrics = new DaemonMetrics(catalog);

    @Test
    void aRunningPullShowsTheBytesOfEachLayerUntilItEnds() {
        metrics.imagePullLayerBytes("reg/app:1", "sha256:aa", 1024);
        metrics.imagePullLayerBytes("reg/app:1", "sha256:aa", 4096);
        metrics.imagePullLayerBytes("reg/app:1", "sha256:bb", 10);

        String text = PrometheusText.render(catalog);
        assertThat(text).contains("berth_image_pull_layer_bytes{image=\"reg/app:1\",layer=\"sha256:aa\"} 4096")
                .contains("berth_image_pull_layer_bytes{image=\"reg/app:1\",layer=\"sha256:bb\"} 10");

        metrics.imagePullEnded("reg/app:1", List.of("sha256:aa", "sha256:bb", "sha256:config"));

        assertThat(PrometheusText.render(catalog)).doesNotContain("sha256:aa").doesNotContain("sha256:bb");
        metrics.imagePullLayerBytes("reg/app:1", "sha256:aa", 1);
        assertThat(PrometheusText.render(catalog)).as("a second pull of the image shows again")
                .contains("layer=\"sha256:aa\"} 1");
    }
}
