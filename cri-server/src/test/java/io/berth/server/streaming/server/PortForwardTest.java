package io.berth.server.streaming.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.server.config.StreamingConfig;
import io.berth.server.streaming.FakeBackend;
import io.berth.server.streaming.StreamRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Port-forward into a network namespace the test makes (root), over SPDY and WebSocket. */
class PortForwardTest {
    @TempDir
    Path dir;

    FakeBackend backend = new FakeBackend();
    StreamingServer server;
    PodNetns pod;

    @BeforeEach
    void start() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root for namespaces");
        pod = new PodNetns(dir.resolve("netns"));
        backend.netns = pod.file;
        server = StreamingServer.start(StreamingConfig.defaults(), backend, new TokenStore());
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (pod != null) {
            pod.close();
        }
    }

    String url(List<Integer> ports) {
        return server.urlFor(new StreamRequest.PortForward(FakeBackend.POD, ports));
    }

    @Test
    void spdyRelaysSeveralConnectionsToSeveralPortsInsideThePodNetns() throws Exception {
        int echo = pod.echoServer();
        int greeter = pod.greeter("hello from the pod\n");
        try (SpdyClient c = SpdyClient.connect(url(List.of()), "portforward.k8s.io")) {
            assertThat(c.status().status().code()).isEqualTo(101);
            int err1 = c.open(Map.of("streamType", "error", "port", "" + echo, "requestID", "0"));
            int data1 = c.open(Map.of("streamType", "data", "port", "" + echo, "requestID", "0"));
            int err2 = c.open(Map.of("streamType", "error", "port", "" + greeter, "requestID", "1"));
            int data2 = c.open(Map.of("streamType", "data", "port", "" + greeter, "requestID", "1"));
            int err3 = c.open(Map.of("streamType", "error", "port", "" + echo, "requestID", "2"));
            int data3 = c.open(Map.of("streamType", "data", "port", "" + echo, "requestID", "2"));
            c.send(data1, "one");
            c.send(data3, "three");
            c.finish(data1);
            c.finish(data3);
            await().until(() -> c.finished.containsAll(List.of(data1, data2, data3)));
            assertThat(c.text(data1)).isEqualTo("echo:one");
            assertThat(c.text(data2)).isEqualTo("hello from the pod\n");
            assertThat(c.text(data3)).isEqualTo("echo:three");
            assertThat(c.text(err1) + c.text(err2) + c.text(err3)).isEmpty();
        }
    }

    @Test
    void spdyReportsARefusedConnectionOnTheErrorStream() throws Exception {
        int closed = pod.closedPort();
        try (SpdyClient c = SpdyClient.connect(url(List.of()), "portforward.k8s.io")) {
            int err = c.open(Map.of("streamType", "error", "port", "" + closed, "requestID", "0"));
            int data = c.open(Map.of("streamType", "data", "port", "" + closed, "requestID", "0"));
            await().until(() -> c.finished.containsAll(List.of(err, data)));
            assertThat(c.text(err)).startsWith("{\"closeConnection\":true,\"message\":\"error forwarding port "
                    + closed + " to pod " + FakeBackend.POD + ", uid : failed to connect to localhost:" + closed
                    + " inside the pod's network namespace: Connection refused").endsWith("\"}\n");
        }
    }

    @Test
    void spdyRefusesStreamsWithoutAValidPortOrType() throws Exception {
        try (SpdyClient c = SpdyClient.connect(url(List.of()), "portforward.k8s.io")) {
            int noPort = c.open(Map.of("streamType", "data", "requestID", "0"));
            int badPort = c.open(Map.of("streamType", "data", "port", "70000", "requestID", "1"));
            int badType = c.open(Map.of("streamType", "stdin", "port", "80", "requestID", "2"));
            await().until(() -> c.resets.containsAll(List.of(noPort, badPort, badType)));
        }
    }

    @Test
    void webSocketPrefixesEachChannelWithItsPortAndRelays() throws Exception {
        int echo = pod.echoServer();
        int greeter = pod.greeter("hi\n");
        try (WsClient c = WsClient.connect(url(List.of(greeter, echo)), "v4.channel.k8s.io")) {
            assertThat(c.protocol()).isEqualTo("v4.channel.k8s.io");
            c.send(2, "ws");
            ChannelOutput out = new ChannelOutput();
            await().until(() -> {
                WsClient.Msg m;
                while ((m = c.messages.poll()) != null && !m.close()) {
                    out.add(m.channel(), m.data());
                }
                return out.text(0).endsWith("hi\n") && out.text(2).endsWith("echo:ws");
            });
            assertThat(out.bytes(0)).startsWith(le(greeter));
            assertThat(out.bytes(1)).isEqualTo(le(greeter));
            assertThat(out.bytes(2)).startsWith(le(echo));
            assertThat(out.bytes(3)).isEqualTo(le(echo));
        }
    }

    @Test
    void webSocketPortsComeFromTheQueryWhenTheRequestNamedNone() throws Exception {
        int greeter = pod.greeter("q\n");
        try (WsClient c = WsClient.connect(url(List.of()) + "?port=" + greeter, "portforward.k8s.io")) {
            ChannelOutput out = c.readAll(); // closes when its only connection has ended
            assertThat(out.bytes(0)).startsWith(le(greeter));
            assertThat(out.text(0)).endsWith("q\n");
        }
    }

    private static byte[] le(int port) {
        return new byte[] {(byte) port, (byte) (port >> 8)};
    }
}
