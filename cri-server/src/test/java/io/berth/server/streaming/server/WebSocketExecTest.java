package io.berth.server.streaming.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.server.config.StreamingConfig;
import io.berth.server.streaming.FakeBackend;
import io.berth.server.streaming.FakeProcess;
import io.berth.server.streaming.MutableClock;
import io.berth.server.streaming.StreamRequest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WebSocketExecTest {
    static final List<String> CMD = List.of("sh", "-c", "exit 3");
    static final String EXIT_3_JSON = "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"command terminated with"
            + " non-zero exit code: error executing command [sh -c exit 3], exit code 3\",\"reason\":"
            + "\"NonZeroExitCode\",\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"3\"}]}}";
    static final String SUCCESS_JSON = "{\"metadata\":{},\"status\":\"Success\"}";

    FakeBackend backend = new FakeBackend();
    MutableClock clock = new MutableClock();
    StreamingServer server;

    @BeforeEach
    void start() throws Exception {
        server = StreamingServer.start(StreamingConfig.defaults(), backend,
                new TokenStore(clock, Duration.ofMinutes(1), 1000));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    String execUrl(boolean tty, boolean stdin, boolean stdout, boolean stderr) {
        return server.urlFor(new StreamRequest.Exec(FakeBackend.RUNNING, CMD, tty, stdin, stdout, stderr));
    }

    @ParameterizedTest
    @ValueSource(strings = {"v4.channel.k8s.io", "v4.base64.channel.k8s.io", "v5.channel.k8s.io"})
    void nonZeroExitIsTheStatusJsonOnTheErrorChannel(String protocol) throws Exception {
        backend.processes = () -> FakeProcess.exitsWith(3);
        try (WsClient c = WsClient.connect(execUrl(false, false, true, true), protocol)) {
            assertThat(c.protocol()).isEqualTo(protocol);
            WsClient.Msg first = c.next();
            assertThat(first.channel()).as("the empty 'connected' message").isEqualTo(1);
            assertThat(first.data()).isEmpty();
            ChannelOutput out = c.readAll();
            assertThat(out.text(1)).isEqualTo("hello out\n");
            assertThat(out.text(2)).isEqualTo("hello err\n");
            assertThat(out.text(3)).isEqualTo(EXIT_3_JSON);
        }
        await().until(() -> backend.started.get(0).closed.get());
        assertThat(backend.commands).containsExactly(CMD);
    }

    @Test
    void stdinIsEchoedAndTheV5CloseSignalEndsStdin() throws Exception {
        try (WsClient c = WsClient.connect(execUrl(false, true, true, true), "v5.channel.k8s.io")) {
            c.send(0, "ping\n");
            await().until(() -> !backend.started.isEmpty() && backend.started.get(0).stdinText().equals("ping\n"));
            c.sendRaw(new byte[] {(byte) 255, 0});
            ChannelOutput out = c.readAll();
            assertThat(out.text(1)).isEqualTo("hello out\nping\n");
            assertThat(out.text(3)).isEqualTo(SUCCESS_JSON);
            assertThat(backend.started.get(0).stdinClosed).isTrue();
        }
    }

    @Test
    void base64StdinIsDecoded() throws Exception {
        try (WsClient c = WsClient.connect(execUrl(false, true, true, false), "v4.base64.channel.k8s.io")) {
            c.send(0, "b64 data\n");
            await().until(() -> !backend.started.isEmpty()
                    && backend.started.get(0).stdinText().equals("b64 data\n"));
            await().until(() -> c.messages.stream().anyMatch(m -> m.channel() == 1 && m.text().equals("b64 data\n")));
        }
    }

    @Test
    void theV4CloseSignalIsNotStdinEof() throws Exception {
        try (WsClient c = WsClient.connect(execUrl(false, true, true, false), "v4.channel.k8s.io")) {
            c.send(0, "x");
            c.sendRaw(new byte[] {(byte) 255, 0});
            c.send(0, "y");
            await().until(() -> !backend.started.isEmpty() && backend.started.get(0).stdinText().equals("xy"));
            assertThat(backend.started.get(0).stdinClosed).isFalse();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"channel.k8s.io", "base64.channel.k8s.io", ""})
    void oldProtocolsWriteTheMessageOnlyOnFailure(String protocol) throws Exception {
        backend.processes = () -> FakeProcess.exitsWith(3);
        try (WsClient c = WsClient.connect(execUrl(false, false, true, false), protocol.isEmpty() ? null : protocol)) {
            assertThat(c.protocol()).isEqualTo(protocol);
            assertThat(c.readAll().text(3)).isEqualTo("command terminated with non-zero exit code: error executing"
                    + " command [sh -c exit 3], exit code 3");
        }
        backend.processes = () -> FakeProcess.exitsWith(0);
        try (WsClient c = WsClient.connect(execUrl(false, false, true, false), protocol.isEmpty() ? null : protocol)) {
            ChannelOutput out = c.readAll();
            assertThat(out.text(1)).isEqualTo("hello out\n");
            assertThat(out.order).doesNotContain(3);
        }
    }

    @Test
    void ttyResizeReachesTheProcess() throws Exception {
        try (WsClient c = WsClient.connect(execUrl(true, true, true, false), "v4.channel.k8s.io")) {
            c.send(4, "{\"Width\":100,\"Height\":40}");
            c.send(4, "{\"width\":120,");  // split object: the rest comes in the next message
            c.send(4, "\"height\":50}");
            await().until(() -> !backend.started.isEmpty() && backend.started.get(0).resizes.size() >= 1
                    && last(backend.started.get(0).resizes)[0] == 120);
            assertThat(last(backend.started.get(0).resizes)).containsExactly(120, 50);
        }
    }

    @Test
    void attachUsesTheContainersStreamsAndEndsWithSuccess() throws Exception {
        backend.processes = () -> FakeProcess.exitsWith(7);
        String url = server.urlFor(new StreamRequest.Attach(FakeBackend.RUNNING, true, false, true, false));
        assertThat(url).contains("/attach/");
        try (WsClient c = WsClient.connect(url, "v4.channel.k8s.io")) {
            ChannelOutput out = c.readAll();
            assertThat(out.text(1)).isEqualTo("hello out\n");
            assertThat(out.text(3)).isEqualTo(SUCCESS_JSON);
        }
        assertThat(backend.attachStdin).as("no stdin asked for, none attached")
                .containsEntry(FakeBackend.RUNNING, false);
    }

    @Test
    void aCommandThatCannotStartIsAnInternalErrorOnTheErrorChannel() throws Exception {
        String url = server.urlFor(new StreamRequest.Exec(FakeBackend.RUNNING, List.of("no-such-command"), false,
                false, true, false));
        try (WsClient c = WsClient.connect(url, "v4.channel.k8s.io")) {
            String err = "error executing command in container: exec failed: \\\"no-such-command\\\": executable"
                    + " file not found in $PATH";
            assertThat(c.readAll().text(3)).isEqualTo("{\"metadata\":{},\"status\":\"Failure\",\"message\":"
                    + "\"Internal error occurred: " + err + "\",\"reason\":\"InternalError\",\"details\":{\"causes\":"
                    + "[{\"message\":\"" + err + "\"}]},\"code\":500}");
        }
    }

    @Test
    void anUnknownSubprotocolIsForbiddenAndRunsNothing() throws Exception {
        try (WsClient c = WsClient.connect(execUrl(false, false, true, false), "v9.channel.k8s.io")) {
            assertThat(c.rejection().status().code()).isEqualTo(403);
        }
        assertThat(backend.started).isEmpty();
    }

    private static int[] last(List<int[]> list) {
        return list.get(list.size() - 1);
    }
}
