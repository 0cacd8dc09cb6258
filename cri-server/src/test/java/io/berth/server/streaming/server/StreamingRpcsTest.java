package io.berth.server.streaming.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.InvalidArgumentException;
import io.berth.common.error.NotFoundException;
import io.berth.common.error.ResourceExhaustedException;
import io.berth.common.error.UnavailableException;
import io.berth.cri.v1.AttachRequest;
import io.berth.cri.v1.ExecRequest;
import io.berth.cri.v1.PortForwardRequest;
import io.berth.server.config.StreamingConfig;
import io.berth.server.rpc.AttachRpc;
import io.berth.server.rpc.ExecRpc;
import io.berth.server.rpc.PortForwardRpc;
import io.berth.server.streaming.FakeBackend;
import io.berth.server.streaming.MutableClock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StreamingRpcsTest {
    FakeBackend backend = new FakeBackend();
    StreamingServer server;
    ExecRpc exec;

    @BeforeEach
    void start() throws Exception {
        server = StreamingServer.start(StreamingConfig.defaults(), backend,
                new TokenStore(new MutableClock(), Duration.ofMinutes(1), 2));
        exec = new ExecRpc(backend, server);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    ExecRequest.Builder execRequest() {
        return ExecRequest.newBuilder().setContainerId(FakeBackend.RUNNING).addCmd("sh").setStdout(true);
    }

    @Test
    void execAnswersAOneTimeUrlOnLoopback() {
        assertThat(exec.call(execRequest().build()).getUrl())
                .matches("http://127\\.0\\.0\\.1:\\d+/exec/[A-Za-z0-9_-]{22}");
        assertThat(new AttachRpc(backend, server).call(AttachRequest.newBuilder().setContainerId(FakeBackend.RUNNING)
                .setStdout(true).build()).getUrl()).contains("/attach/");
    }

    @Test
    void execChecksTheRequestAndTheContainer() {
        assertThatThrownBy(() -> exec.call(execRequest().setTty(true).setStderr(true).build()))
                .isInstanceOf(InvalidArgumentException.class).hasMessage("tty and stderr cannot both be true");
        assertThatThrownBy(() -> exec.call(execRequest().setStdout(false).build()))
                .isInstanceOf(InvalidArgumentException.class)
                .hasMessage("one of stdin, stdout, or stderr must be set");
        assertThatThrownBy(() -> exec.call(execRequest().clearCmd().build()))
                .isInstanceOf(InvalidArgumentException.class);
        assertThatThrownBy(() -> exec.call(execRequest().setContainerId(FakeBackend.STOPPED).build()))
                .isInstanceOf(FailedPreconditionException.class);
        assertThatThrownBy(() -> exec.call(execRequest().setContainerId("dddd").build()))
                .isInstanceOf(NotFoundException.class);
        assertThat(backend.started).isEmpty();
    }

    @Test
    void tooManyWaitingUrlsIsResourceExhausted() {
        exec.call(execRequest().build());
        exec.call(execRequest().build());
        assertThatThrownBy(() -> exec.call(execRequest().build())).isInstanceOf(ResourceExhaustedException.class);
    }

    @Test
    void portForwardNeedsAKnownPodAndValidPorts() {
        PortForwardRpc pf = new PortForwardRpc(backend, server);
        assertThat(pf.call(PortForwardRequest.newBuilder().setPodSandboxId(FakeBackend.POD).addPort(80).build())
                .getUrl()).contains("/portforward/");
        assertThatThrownBy(() -> pf.call(PortForwardRequest.newBuilder().setPodSandboxId("dddd").build()))
                .isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> pf.call(PortForwardRequest.newBuilder().setPodSandboxId(FakeBackend.POD)
                .addPort(0).build())).isInstanceOf(InvalidArgumentException.class);
    }

    @Test
    void beforeTheServerRunsTheRpcsAreUnavailable() {
        StreamingEndpoint notStarted = new StreamingEndpoint(backend);
        assertThatThrownBy(() -> new ExecRpc(backend, notStarted).call(execRequest().build()))
                .isInstanceOf(UnavailableException.class);
    }
}
