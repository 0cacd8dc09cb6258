package io.berth.server.streaming.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.server.config.StreamingConfig;
import io.berth.server.streaming.FakeBackend;
import io.berth.server.streaming.FakeProcess;
import io.berth.server.streaming.StreamRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SpdyExecTest {
    FakeBackend backend = new FakeBackend();
    StreamingServer server;

    @BeforeEach
    void start() throws Exception {
        server = StreamingServer.start(StreamingConfig.defaults().withStreamCreationTimeout(Duration.ofSeconds(2)),
                backend, new TokenStore());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    String execUrl(boolean tty, boolean stdin, boolean stdout, boolean stderr) {
        return server.urlFor(new StreamRequest.Exec(FakeBackend.RUNNING, WebSocketExecTest.CMD, tty, stdin, stdout,
                stderr));
    }

    @ParameterizedTest
    @ValueSource(strings = {"v4.channel.k8s.io", "v5.channel.k8s.io"})
    void stdinEchoAndHalfCloseEndWithSuccessJson(String protocol) throws Exception {
        try (SpdyClient c = SpdyClient.connect(execUrl(false, true, true, true), protocol, "v3.channel.k8s.io")) {
            FullHttpResponse r = c.status();
            assertThat(r.status().code()).isEqualTo(101);
            assertThat(r.headers().get("X-Stream-Protocol-Version")).isEqualTo(protocol);
            assertThat(r.headers().get("Upgrade")).isEqualTo("SPDY/3.1");
            Map<String, Integer> s = c.openAll(List.of("error", "stdin", "stdout", "stderr"));
            c.send(s.get("stdin"), "ping\n");
            await().until(() -> !backend.started.isEmpty() && backend.started.get(0).stdinText().equals("ping\n"));
            c.finish(s.get("stdin"));
            c.awaitClosed();
            assertThat(c.replied).containsAll(s.values());
            assertThat(c.text(s.get("stdout"))).isEqualTo("hello out\nping\n");
            assertThat(c.text(s.get("stderr"))).isEqualTo("hello err\n");
            assertThat(c.text(s.get("error"))).isEqualTo(WebSocketExecTest.SUCCESS_JSON);
            assertThat(c.finished).contains(s.get("stdout"), s.get("stderr"), s.get("error"));
            assertThat(c.goAway).isTrue();
        }
    }

    @Test
    void nonZeroExitIsTheExactStatusJson() throws Exception {
        backend.processes = () -> FakeProcess.exitsWith(3);
        try (SpdyClient c = SpdyClient.connect(execUrl(false, false, true, false), "v4.channel.k8s.io")) {
            Map<String, Integer> s = c.openAll(List.of("error", "stdout"));
            c.awaitClosed();
            assertThat(c.text(s.get("stdout"))).isEqualTo("hello out\n");
            assertThat(c.text(s.get("error"))).isEqualTo(WebSocketExecTest.EXIT_3_JSON);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"v3.channel.k8s.io", "v2.channel.k8s.io", "channel.k8s.io"})
    void olderProtocolsWriteTheMessageText(String protocol) throws Exception {
        backend.processes = () -> FakeProcess.exitsWith(3);
        try (SpdyClient c = SpdyClient.connect(execUrl(false, false, true, false), protocol)) {
            assertThat(c.status().headers().get("X-Stream-Protocol-Version")).isEqualTo(protocol);
            Map<String, Integer> s = c.openAll(List.of("error", "stdout"));
            c.awaitClosed();
            assertThat(c.text(s.get("error"))).isEqualTo("command terminated with non-zero exit code: error"
                    + " executing command [sh -c exit 3], exit code 3");
        }
    }

    @Test
    void ttyWithResizeStream() throws Exception {
        try (SpdyClient c = SpdyClient.connect(execUrl(true, true, true, false), "v4.channel.k8s.io")) {
            Map<String, Integer> s = c.openAll(List.of("error", "stdin", "stdout", "resize"));
            c.send(s.get("resize"), "{\"Width\":80,\"Height\":24}{\"Width\":");
            c.send(s.get("resize"), "132,\"Height\":43}\n");
            // Sizes queued faster than they apply are coalesced: the newest one always arrives.
            await().until(() -> !backend.started.isEmpty() && !backend.started.get(0).resizes.isEmpty()
                    && backend.started.get(0).resizes.get(backend.started.get(0).resizes.size() - 1)[0] == 132);
            assertThat(backend.started.get(0).resizes).allSatisfy(size -> assertThat(size).satisfiesAnyOf(
                    v -> assertThat(v).containsExactly(80, 24), v -> assertThat(v).containsExactly(132, 43)));
        }
    }

    @Test
    void theProcessStartsOnlyWhenEveryStreamIsThere() throws Exception {
        try (SpdyClient c = SpdyClient.connect(execUrl(false, true, true, false), "v4.channel.k8s.io")) {
            c.open("error");
            c.open("stdout");
            await().until(() -> c.replied.size() == 2);
            assertThat(backend.started).isEmpty();
            c.open("stdin");
            await().until(() -> backend.started.size() == 1);
        }
    }

    @Test
    void aClientThatNeverOpensItsStreamsIsDisconnected() throws Exception {
        try (SpdyClient c = SpdyClient.connect(execUrl(false, true, true, false), "v4.channel.k8s.io")) {
            c.open("error");
            c.awaitClosed(); // the 2 s stream creation timeout
            assertThat(backend.started).isEmpty();
        }
    }

    @Test
    void unknownAndDuplicateStreamsAreRefused() throws Exception {
        try (SpdyClient c = SpdyClient.connect(execUrl(false, false, true, false), "v4.channel.k8s.io")) {
            int bogus = c.open("bogus");
            int first = c.open("stdout");
            int again = c.open("stdout");
            int noType = c.open(Map.of("x", "y"));
            await().until(() -> c.resets.containsAll(List.of(bogus, again, noType)));
            assertThat(c.replied).containsExactly(first);
        }
    }

    @Test
    void pingsAreAnswered() throws Exception {
        try (SpdyClient c = SpdyClient.connect(execUrl(false, false, true, false), "v4.channel.k8s.io")) {
            c.ping(7);
            await().until(() -> c.pongs.contains(7));
        }
    }

    @Test
    void noCommonProtocolIsForbiddenWithTheAcceptedList() throws Exception {
        try (SpdyClient c = SpdyClient.connect(execUrl(false, false, true, false), "v9.channel.k8s.io")) {
            FullHttpResponse r = c.status();
            assertThat(r.status().code()).isEqualTo(403);
            assertThat(r.headers().getAll("X-Accepted-Stream-Protocol-Versions")).containsExactly(
                    "v5.channel.k8s.io", "v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io",
                    "channel.k8s.io");
        }
        assertThat(backend.started).isEmpty();
    }

    @Test
    void missingProtocolOrUpgradeHeadersAreBadRequests() throws Exception {
        try (SpdyClient c = SpdyClient.connect(execUrl(false, false, true, false))) {
            assertThat(c.status().status().code()).isEqualTo(400);
        }
        try (SpdyClient c = SpdyClient.connect(execUrl(false, false, true, false), Map.of(), "v4.channel.k8s.io")) {
            assertThat(c.status().status().code()).isEqualTo(400);
        }
        assertThat(backend.started).isEmpty();
    }
}
