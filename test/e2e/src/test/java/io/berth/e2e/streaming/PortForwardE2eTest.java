package io.berth.e2e.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.e2e.harness.E2eDaemons;
import io.berth.server.streaming.server.ChannelOutput;
import io.berth.server.streaming.server.SpdyClient;
import io.berth.server.streaming.server.WsClient;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Port-forward to busybox httpd listening inside a pod's network namespace, over SPDY and WebSocket. The pod's
 * port is reached on the pod's own loopback, so nothing here leaves the host or the pod.
 */
class PortForwardE2eTest {
    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    private static final int HTTPD_PORT = 8080;
    /** Nothing listens there in the pod. */
    private static final int CLOSED_PORT = 8081;
    private static final String GET = "GET / HTTP/1.0\r\n\r\n";

    private static StreamingTestbed testbed;
    private static String pod;

    @BeforeAll
    static void startHttpd() throws Exception {
        testbed = StreamingTestbed.start(daemons, "pf");
        pod = testbed.runPod("web");
        String httpd = testbed.runContainer(pod, testbed.container("httpd", "httpd", "-f", "-p",
                Integer.toString(HTTPD_PORT), "-h", "/www"));
        await().atMost(StreamingTestbed.CONTAINER_TIMEOUT).until(() -> testbed.execSync(httpd, 10, "wget", "-q",
                "-O", "-", "http://127.0.0.1:" + HTTPD_PORT + "/").getExitCode() == 0);
    }

    @AfterAll
    static void removeEverything() {
        if (testbed != null) {
            testbed.close();
        }
    }

    @Test
    void spdyCarriesTwoRequestsOverOneConnectionAndReportsARefusedPortOnItsErrorStream() throws Exception {
        try (SpdyClient c = SpdyClient.connect(testbed.portForwardUrl(pod), "portforward.k8s.io")) {
            assertThat(c.status().status().code()).isEqualTo(101);
            int error0 = c.open(stream("error", HTTPD_PORT, 0));
            int data0 = c.open(stream("data", HTTPD_PORT, 0));
            int error1 = c.open(stream("error", HTTPD_PORT, 1));
            int data1 = c.open(stream("data", HTTPD_PORT, 1));
            int error2 = c.open(stream("error", CLOSED_PORT, 2));
            int data2 = c.open(stream("data", CLOSED_PORT, 2));
            c.send(data0, GET);
            c.send(data1, GET);
            // httpd answers HTTP/1.0 and closes: the relay then ends the data stream.
            await().atMost(ExecConnection.SESSION_TIMEOUT).until(() ->
                    c.finishedStreams().containsAll(List.of(data0, data1, error2)));
            assertIsTheIndexPage(c.text(data0));
            assertIsTheIndexPage(c.text(data1));
            assertThat(c.text(error0) + c.text(error1)).isEmpty();
            assertThat(c.text(error2)).contains("error forwarding port " + CLOSED_PORT + " to pod " + pod)
                    .contains("Connection refused");
            assertThat(c.text(data2)).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"v4.channel.k8s.io", "v4.base64.channel.k8s.io", "portforward.k8s.io"})
    void webSocketRelaysToHttpdBehindThePortPrefixOfEachChannel(String protocol) throws Exception {
        try (WsClient c = WsClient.connect(testbed.portForwardUrl(pod, HTTPD_PORT), protocol)) {
            assertThat(c.protocol()).isEqualTo(protocol);
            c.send(0, GET);
            ChannelOutput out = c.readAll(); // the session ends with its only connection
            byte[] port = {(byte) HTTPD_PORT, (byte) (HTTPD_PORT >> 8)};
            assertThat(out.bytes(1)).as("error channel: only its port").isEqualTo(port);
            byte[] data = out.bytes(0);
            assertThat(Arrays.copyOf(data, 2)).as("data channel starts with its port").isEqualTo(port);
            assertIsTheIndexPage(new String(data, 2, data.length - 2, StandardCharsets.UTF_8));
        }
    }

    private static Map<String, String> stream(String type, int port, int requestId) {
        return Map.of("streamType", type, "port", Integer.toString(port), "requestID", Integer.toString(requestId));
    }

    private static void assertIsTheIndexPage(String response) {
        assertThat(response).startsWith("HTTP/1.").contains(" 200 OK\r\n").endsWith("\r\n\r\n"
                + StreamingImage.INDEX_HTML);
    }
}
