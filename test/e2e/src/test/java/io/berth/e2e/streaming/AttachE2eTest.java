package io.berth.e2e.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.cri.v1.ContainerState;
import io.berth.e2e.harness.E2eDaemons;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Attach to the stdio of running containers, held by their shims, over every protocol variant. */
class AttachE2eTest {
    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    private static final Pattern TICK = Pattern.compile("tick-(\\d+)\n");

    private static StreamingTestbed testbed;
    /** {@code sh} on a terminal with stdin open, as {@code kubectl run -it} makes it. */
    private static String shell;
    /** Prints a numbered line five times a second, with no terminal. */
    private static String ticker;

    @BeforeAll
    static void startContainers() throws Exception {
        testbed = StreamingTestbed.start(daemons, "at");
        String pod = testbed.runPod("attach");
        shell = testbed.runContainer(pod, testbed.container("shell", "sh").setStdin(true).setTty(true));
        ticker = testbed.runContainer(pod, testbed.container("ticker", "sh", "-c",
                "i=0; while true; do echo tick-$i; i=$((i+1)); sleep 0.2; done"));
    }

    @AfterAll
    static void removeEverything() {
        if (testbed != null) {
            testbed.close();
        }
    }

    @ParameterizedTest
    @EnumSource(StreamProtocol.class)
    void whatIsTypedReachesTheShellOnItsTerminalAndDetachingLeavesItRunning(StreamProtocol protocol)
            throws Exception {
        // The shell echoes what is typed, so only the shell's own arithmetic proves the command ran.
        String answer = "answer-42-" + protocol;
        try (ExecConnection c = protocol.open(testbed.attachUrl(shell, Streams.TTY_IN_OUT), Streams.TTY_IN_OUT)) {
            c.resize(90, 33);
            c.stdin("echo answer-$((6*7))-" + protocol + "; stty size\n");
            c.awaitStdout(answer + "\r\n33 90\r\n");
        }
        assertThat(testbed.state(shell)).isEqualTo(ContainerState.CONTAINER_RUNNING);
        // The shim still writes the container's output to its CRI log while someone is attached.
        await().atMost(ExecConnection.SESSION_TIMEOUT).until(() -> testbed.log(shell).contains(answer));
    }

    @Test
    void severalAttachersOverEveryProtocolFollowTheSameOutputAtOnce() throws Exception {
        List<ExecConnection> attached = new ArrayList<>();
        try {
            for (StreamProtocol protocol : StreamProtocol.values()) {
                attached.add(protocol.open(testbed.attachUrl(ticker, Streams.OUT_ERR), Streams.OUT_ERR));
            }
            for (ExecConnection c : attached) {
                await().atMost(ExecConnection.SESSION_TIMEOUT).until(() -> !ticks(c.stdout()).isEmpty());
            }
            // The last one in saw its first line when all the others were in too: from there on, every
            // attacher must see every line, in order.
            int allIn = attached.stream().mapToInt(c -> ticks(c.stdout()).get(0)).max().orElseThrow();
            for (ExecConnection c : attached) {
                await().atMost(ExecConnection.SESSION_TIMEOUT).until(() -> ticks(c.stdout()).contains(allIn + 2));
                assertThat(c.ended()).isFalse();
                List<Integer> seen = ticks(c.stdout());
                assertThat(seen).contains(allIn, allIn + 1, allIn + 2);
                for (int k = 1; k < seen.size(); k++) {
                    assertThat(seen.get(k)).as("the line after tick-%d", seen.get(k - 1))
                            .isEqualTo(seen.get(k - 1) + 1);
                }
            }
        } finally {
            attached.forEach(ExecConnection::close);
        }
        assertThat(testbed.state(ticker)).isEqualTo(ContainerState.CONTAINER_RUNNING);
    }

    @Test
    void withStdinOnceTheFirstAttacherWhoseStdinEndsEndsTheContainersStdin() throws Exception {
        String pod = testbed.runPod("stdin-once");
        String once = testbed.runContainer(pod, testbed.container("once", "cat").setStdin(true).setStdinOnce(true));
        String open = testbed.runContainer(pod, testbed.container("open", "cat").setStdin(true));
        // An attacher without stdin comes and goes: that is no end of stdin.
        try (ExecConnection watcher = StreamProtocol.WEBSOCKET_V5.open(testbed.attachUrl(once, Streams.OUT_ERR),
                Streams.OUT_ERR)) {
            assertThat(watcher.ended()).isFalse();
        }
        try (ExecConnection c = StreamProtocol.SPDY_V5.open(testbed.attachUrl(once, Streams.IN_OUT_ERR),
                Streams.IN_OUT_ERR)) {
            c.stdin("typed once\n");
            c.awaitStdout("typed once\n");
            c.closeStdin();
            // cat reads its end of file and exits, and with it the container: that ends the attachment.
            c.awaitEnd();
            assertThat(c.error()).isEqualTo(StatusJson.SUCCESS);
        }
        await().atMost(StreamingTestbed.CONTAINER_TIMEOUT)
                .until(() -> testbed.state(once) == ContainerState.CONTAINER_EXITED);
        // Without stdin_once an attacher's end of stdin is its own: cat waits for the next one.
        try (ExecConnection c = StreamProtocol.SPDY_V5.open(testbed.attachUrl(open, Streams.IN_OUT_ERR),
                Streams.IN_OUT_ERR)) {
            c.stdin("typed first\n");
            c.awaitStdout("typed first\n");
            c.closeStdin();
        }
        assertThat(testbed.state(open)).isEqualTo(ContainerState.CONTAINER_RUNNING);
        try (ExecConnection c = StreamProtocol.WEBSOCKET_V4.open(testbed.attachUrl(open, Streams.IN_OUT_ERR),
                Streams.IN_OUT_ERR)) {
            c.stdin("typed again\n");
            c.awaitStdout("typed again\n");
        }
    }

    /** The numbers of the complete {@code tick-N} lines, in order. */
    private static List<Integer> ticks(String output) {
        List<Integer> numbers = new ArrayList<>();
        Matcher m = TICK.matcher(output);
        while (m.find()) {
            numbers.add(Integer.parseInt(m.group(1)));
        }
        return numbers;
    }
}
