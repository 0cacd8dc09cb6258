package io.berth.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.server.config.BerthConfig;
import io.berth.server.config.ConfigLoader;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon starts the metrics endpoint after the gRPC server when enabled, and stops it first. */
class DaemonMetricsEndpointTest {
    @TempDir
    Path dir;

    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** The daemon starts the node's shim host, which outlives it by design; the test ends it. */
    @org.junit.jupiter.api.AfterEach
    void endShimHosts() throws Exception {
        io.berth.shim.client.ShimHosts.killAll(dir.resolve("state").resolve("shims"));
    }

    BerthConfig config(String metricsSection) throws Exception {
        Path file = dir.resolve("config.toml");
        Files.writeString(file, metricsSection);
        return ConfigLoader.load(file).withPaths(dir.resolve("root"), dir.resolve("state"), dir.resolve("cri.sock"));
    }

    HttpResponse<String> scrape(int port) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void enabledServesDaemonAndJvmMetricsUntilStopped() throws Exception {
        int port = freePort();
        Daemon daemon = Daemon.start(config("[metrics]\nenabled = true\naddress = \"127.0.0.1:" + port + "\"\n"));
        try {
            HttpResponse<String> r = scrape(port);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("\nberth_sandboxes 0\n").contains("jvm_memory_bytes_used{area=\"heap\"}");
        } finally {
            daemon.stop();
        }
        assertThatThrownBy(() -> scrape(port)).isInstanceOf(ConnectException.class);
    }

    @Test
    void disabledOpensNoListener() throws Exception {
        int port = freePort();
        Daemon daemon = Daemon.start(config("[metrics]\nenabled = false\naddress = \"127.0.0.1:" + port + "\"\n"));
        try {
            assertThatThrownBy(() -> scrape(port)).isInstanceOf(ConnectException.class);
        } finally {
            daemon.stop();
        }
    }

    @Test
    void aMetricsAddressInUseFailsTheStartAndReleasesEverything() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            BerthConfig c = config("[metrics]\naddress = \"127.0.0.1:" + taken.getLocalPort() + "\"\n");
            assertThatThrownBy(() -> Daemon.start(c)).hasMessageStartingWith("metrics address 127.0.0.1:"
                    + taken.getLocalPort());
            assertThat(c.socket()).as("the CRI socket is removed again").doesNotExist();
            Daemon.start(config("")).stop();
        }
    }
}
