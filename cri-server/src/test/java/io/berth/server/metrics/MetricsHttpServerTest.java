package io.berth.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MetricsHttpServerTest {
    final MetricsCatalog catalog = new MetricsCatalog();
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    HttpResponse<String> get(InetSocketAddress at, String path, String method) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + at.getPort() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesTheExpositionOnLoopback() throws Exception {
        catalog.counter("berth_hits_total", "Hits", Labels.NONE).inc(7);
        try (MetricsHttpServer server = MetricsHttpServer.start(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), catalog)) {
            assertThat(server.address().getAddress().isLoopbackAddress()).isTrue();
            HttpResponse<String> ok = get(server.address(), "/metrics", "GET");
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.headers().firstValue("Content-Type")).contains("text/plain; version=0.0.4; charset=utf-8");
            assertThat(PrometheusTextParser.parse(ok.body()).get("berth_hits_total").samples().get(0).value())
                    .isEqualTo(7);

            catalog.counter("berth_hits_total", "Hits", Labels.NONE).inc();
            assertThat(get(server.address(), "/metrics", "GET").body()).as("read at every scrape")
                    .contains("berth_hits_total 8\n");

            assertThat(get(server.address(), "/", "GET").statusCode()).isEqualTo(404);
            HttpResponse<String> post = get(server.address(), "/metrics", "POST");
            assertThat(post.statusCode()).isEqualTo(405);
            assertThat(post.headers().firstValue("Allow")).contains("GET, HEAD");
        }
    }

    @Test
    void closingStopsListening() throws Exception {
        InetSocketAddress at;
        try (MetricsHttpServer server = MetricsHttpServer.start(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), catalog)) {
            at = server.address();
        }
        assertThatThrownBy(() -> get(at, "/metrics", "GET")).isInstanceOf(ConnectException.class);
    }

    @Test
    void anAddressInUseIsAnErrorNamingIt() throws Exception {
        try (MetricsHttpServer first = MetricsHttpServer.start(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), catalog)) {
            assertThatThrownBy(() -> MetricsHttpServer.start(first.address(), catalog))
                    .isInstanceOf(IOException.class)
                    .hasMessageStartingWith("metrics address 127.0.0.1:" + first.address().getPort() + ": ");
        }
    }
}
