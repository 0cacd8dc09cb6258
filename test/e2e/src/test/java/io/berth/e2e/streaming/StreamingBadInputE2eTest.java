package io.berth.e2e.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.berth.cri.v1.AttachRequest;
import io.berth.cri.v1.ExecRequest;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.server.streaming.server.SpdyClient;
import io.berth.server.streaming.server.WsClient;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What berthd does with streaming requests it must refuse: tokens that are unknown, used, expired or for another
 * kind of session, protocols it does not speak, containers that do not run. Each refused request is shown to have
 * run nothing: the command it carried would have left a line in a file of the container.
 */
class StreamingBadInputE2eTest {
    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    /**
     * Short, so that expiry can be shown; every other URL here is opened right after its RPC returns (one after a
     * StopContainer, which this leaves time for).
     */
    private static final Duration TOKEN_TTL = Duration.ofSeconds(5);
    /** Far more than the socket buffers, pipes and Netty's queue between a process and a client hold together. */
    private static final long MEMORY_GROWTH_BOUND_KIB = 64 * 1024;

    private static StreamingTestbed testbed;
    private static String pod;
    private static String container;
    private static String stopped;

    @BeforeAll
    static void startContainers() throws Exception {
        testbed = StreamingTestbed.start(daemons, "bi",
                "[streaming]\ntoken_ttl_seconds = " + TOKEN_TTL.toSeconds());
        pod = testbed.runPod("bad-input");
        container = testbed.runSleeper(pod, "sleeper");
        stopped = testbed.runSleeper(pod, "stopped");
        testbed.stopContainer(stopped);
    }

    @AfterAll
    static void removeEverything() {
        if (testbed != null) {
            testbed.close();
        }
    }

    /** An exec URL whose command appends a line to {@code /tmp/<marker>}. */
    private static String markingExecUrl(String marker) {
        return testbed.execUrl(container, Streams.OUT_ERR, "sh", "-c", "echo ran >> /tmp/" + marker);
    }

    /** How many times a marking command ran. */
    private static long runs(String marker) {
        return testbed.execSync(container, 30, "cat", "/tmp/" + marker).getStdout().toStringUtf8().lines().count();
    }

    private static int spdyStatus(String url, String protocol) throws Exception {
        try (SpdyClient c = SpdyClient.connect(url, protocol)) {
            return c.status().status().code();
        }
    }

    private static int webSocketRefusal(String url, String protocol) throws Exception {
        try (WsClient c = WsClient.connect(url, protocol)) {
            return c.rejection().status().code();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"exec", "attach", "portforward"})
    void anUnknownTokenIsNotFoundOverBothTransports(String kind) throws Exception {
        URI issued = URI.create(markingExecUrl("unused"));
        String unknown = "http://" + issued.getHost() + ":" + issued.getPort() + "/" + kind
                + "/AAAAAAAAAAAAAAAAAAAAAA";
        assertThat(spdyStatus(unknown, "v4.channel.k8s.io")).isEqualTo(404);
        assertThat(webSocketRefusal(unknown, "v4.channel.k8s.io")).isEqualTo(404);
    }

    @Test
    void aUsedTokenIsNotFoundAndItsCommandRanOnce() throws Exception {
        String url = markingExecUrl("used");
        try (ExecConnection c = StreamProtocol.SPDY_V4.open(url, Streams.OUT_ERR)) {
            c.awaitEnd();
            assertThat(c.error()).isEqualTo(StatusJson.SUCCESS);
        }
        assertThat(spdyStatus(url, "v4.channel.k8s.io")).isEqualTo(404);
        assertThat(webSocketRefusal(url, "v5.channel.k8s.io")).isEqualTo(404);
        assertThat(runs("used")).isEqualTo(1);
    }

    @Test
    void anExpiredTokenIsNotFoundAndRunsNothing() {
        String url = markingExecUrl("expired");
        // Nothing shows a token's expiry but using it, so the only way is to let its lifetime pass.
        await().pollDelay(TOKEN_TTL.plusMillis(500)).atMost(TOKEN_TTL.plusSeconds(10))
                .until(() -> webSocketRefusal(url, "v5.channel.k8s.io") == 404);
        assertThat(runs("expired")).isZero();
    }

    @Test
    void anExecTokenDoesNotOpenAnAttachAndIsUsedUpByTheTry() throws Exception {
        String url = markingExecUrl("wrong-kind");
        assertThat(spdyStatus(url.replace("/exec/", "/attach/"), "v4.channel.k8s.io")).isEqualTo(404);
        assertThat(spdyStatus(url, "v4.channel.k8s.io")).isEqualTo(404);
        assertThat(runs("wrong-kind")).isZero();
    }

    @Test
    void aProtocolBerthDoesNotSpeakIsForbiddenAndRunsNothing() throws Exception {
        assertThat(spdyStatus(markingExecUrl("no-protocol"), "v9.channel.k8s.io")).isEqualTo(403);
        assertThat(webSocketRefusal(markingExecUrl("no-protocol"), "v9.channel.k8s.io")).isEqualTo(403);
        assertThat(runs("no-protocol")).isZero();
    }

    @Test
    void execAttachAndExecSyncInAStoppedContainerAreFailedPrecondition() {
        assertFailedPrecondition(() -> testbed.runtime().exec(ExecRequest.newBuilder().setContainerId(stopped)
                .addCmd("true").setStdout(true).build()));
        assertFailedPrecondition(() -> testbed.runtime().attach(AttachRequest.newBuilder().setContainerId(stopped)
                .setStdout(true).build()));
        assertFailedPrecondition(() -> testbed.execSync(stopped, 10, "true"));
    }

    private static void assertFailedPrecondition(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
            assertThat(e.getStatus().getDescription()).contains(stopped).contains("EXITED");
        });
    }

    @Test
    void aUrlWhoseContainerStoppedBeforeItWasOpenedSaysWhyOnTheErrorStream() throws Exception {
        String goingAway = testbed.runSleeper(pod, "going-away");
        String url = testbed.execUrl(goingAway, Streams.OUT_ERR, "true");
        testbed.stopContainer(goingAway);
        try (ExecConnection c = StreamProtocol.WEBSOCKET_V5.open(url, Streams.OUT_ERR)) {
            c.awaitEnd();
            assertThat(c.error()).startsWith("{\"metadata\":{},\"status\":\"Failure\",\"message\":\"Internal error"
                    + " occurred: error executing command in container: container " + goingAway
                    + " is not running").contains("\"code\":500");
        }
    }

    @ParameterizedTest
    @EnumSource(value = StreamProtocol.class, names = {"SPDY_V4", "WEBSOCKET_V5"})
    void aClientThatNeverReadsHoldsTheProcessBackInsteadOfFillingBerthdsMemory(StreamProtocol protocol)
            throws Exception {
        HostProcess berthd = new HostProcess(testbed.berthd().pid());
        HostProcess shim = testbed.shim(container);
        long berthdBefore = berthd.rssKib();
        long shimBefore = shim.rssKib();
        AtomicLong berthdPeak = new AtomicLong();
        AtomicLong shimPeak = new AtomicLong();
        HostProcess yes;
        try (ExecConnection c = protocol.open(testbed.execUrl(container, Streams.OUT, "yes", "y".repeat(1000)),
                Streams.OUT)) {
            c.stopReading();
            await().atMost(ExecConnection.SESSION_TIMEOUT).until(() -> shim.childrenNamed("yes").size() == 1);
            yes = shim.childrenNamed("yes").get(0);
            // Every buffer between yes and this client is full: yes sleeps in its write and stays there
            // (pipe_write; anon_pipe_write since Linux 6.16). Memory is sampled all along.
            await().atMost(ExecConnection.SESSION_TIMEOUT).during(Duration.ofSeconds(3)).until(() -> {
                berthdPeak.accumulateAndGet(berthd.rssKib(), Math::max);
                shimPeak.accumulateAndGet(shim.rssKib(), Math::max);
                return yes.wchan().endsWith("pipe_write");
            });
            assertThat(c.ended()).as("held back, not cut off").isFalse();
        }
        System.out.printf("[streaming e2e] non-reading %s client: berthd RSS %d KiB before, peak %d KiB; shim RSS"
                + " %d KiB before, peak %d KiB%n", protocol, berthdBefore, berthdPeak.get(), shimBefore,
                shimPeak.get());
        assertThat(berthdPeak.get() - berthdBefore).as("berthd RSS growth (KiB)").isLessThan(MEMORY_GROWTH_BOUND_KIB);
        assertThat(shimPeak.get() - shimBefore).as("shim RSS growth (KiB)").isLessThan(MEMORY_GROWTH_BOUND_KIB);
        await().atMost(ExecConnection.SESSION_TIMEOUT).until(() -> !yes.isAlive());
    }
}
