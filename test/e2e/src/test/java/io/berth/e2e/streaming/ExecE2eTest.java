package io.berth.e2e.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.e2e.harness.E2eDaemons;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Exec into a running busybox container through berthd's streaming server, over every protocol variant. */
class ExecE2eTest {
    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    private static StreamingTestbed testbed;
    private static String container;

    @BeforeAll
    static void startContainer() throws Exception {
        testbed = StreamingTestbed.start(daemons, "ex");
        container = testbed.runSleeper(testbed.runPod("exec"), "sleeper");
    }

    @AfterAll
    static void removeEverything() {
        if (testbed != null) {
            testbed.close();
        }
    }

    private static ExecConnection exec(StreamProtocol protocol, Streams streams, String... cmd) throws Exception {
        return protocol.open(testbed.execUrl(container, streams, cmd), streams);
    }

    @ParameterizedTest
    @EnumSource(StreamProtocol.class)
    void withoutTtyStdoutAndStderrArriveApartAndSuccessEndsTheSession(StreamProtocol protocol) throws Exception {
        try (ExecConnection c = exec(protocol, Streams.OUT_ERR, "sh", "-c", "tty; echo to-stderr >&2")) {
            c.awaitEnd();
            assertThat(c.stdout()).isEqualTo("not a tty\n");
            assertThat(c.stderr()).isEqualTo("to-stderr\n");
            assertThat(c.error()).isEqualTo(StatusJson.SUCCESS);
        }
    }

    @ParameterizedTest
    @EnumSource(StreamProtocol.class)
    void aNonZeroExitCodeComesAsTheNonZeroExitCodeStatus(StreamProtocol protocol) throws Exception {
        List<String> cmd = List.of("sh", "-c", "echo before; exit 3");
        try (ExecConnection c = exec(protocol, Streams.OUT_ERR, cmd.toArray(String[]::new))) {
            c.awaitEnd();
            assertThat(c.stdout()).isEqualTo("before\n");
            assertThat(c.error()).isEqualTo(StatusJson.nonZeroExit(3, cmd));
        }
    }

    @ParameterizedTest
    @EnumSource(StreamProtocol.class)
    void stdinIsEchoedBackByCat(StreamProtocol protocol) throws Exception {
        String line = "hello over " + protocol.name + "\n";
        try (ExecConnection c = exec(protocol, Streams.IN_OUT_ERR, "cat")) {
            c.stdin(line);
            c.awaitStdout(line);
            if (protocol.canCloseStdin()) {
                c.closeStdin();
                c.awaitEnd();
                assertThat(c.stdout()).isEqualTo(line);
                assertThat(c.error()).isEqualTo(StatusJson.SUCCESS);
                return;
            }
        }
        // WebSocket v4 cannot end stdin: the client leaves instead, which kills the process.
        await().atMost(ExecConnection.SESSION_TIMEOUT).until(() -> !testbed.processes(container).contains("cat"));
    }

    @ParameterizedTest
    @EnumSource(StreamProtocol.class)
    void megabytesOfOutputArriveWholeAndInOrder(StreamProtocol protocol) throws Exception {
        int lines = 300_000; // about 2 MB, many times berthd's frame size and every buffer on the way
        String expected = IntStream.rangeClosed(1, lines).mapToObj(n -> n + "\n").collect(Collectors.joining());
        try (ExecConnection c = exec(protocol, Streams.OUT_ERR, "seq", "1", Integer.toString(lines))) {
            c.awaitEnd();
            assertThat(c.stdout().length()).isEqualTo(expected.length());
            assertThat(c.stdout()).isEqualTo(expected);
            assertThat(c.error()).isEqualTo(StatusJson.SUCCESS);
        }
    }

    @ParameterizedTest
    @EnumSource(StreamProtocol.class)
    void aMegabyteOfStdinArrivesWhole(StreamProtocol protocol) throws Exception {
        int size = 1024 * 1024;
        String chunk = "0123456789abcdef".repeat(4096); // 64 KiB per message, under the server's message limit
        try (ExecConnection c = exec(protocol, Streams.IN_OUT_ERR, "sh", "-c", "head -c " + size + " | wc -c")) {
            for (int sent = 0; sent < size; sent += chunk.length()) {
                c.stdin(chunk);
            }
            c.awaitEnd();
            assertThat(c.stdout().trim()).isEqualTo(Integer.toString(size));
            assertThat(c.error()).isEqualTo(StatusJson.SUCCESS);
        }
    }

    @ParameterizedTest
    @EnumSource(StreamProtocol.class)
    void aTtyExecRunsOnATerminalThatTakesEachResize(StreamProtocol protocol) throws Exception {
        try (ExecConnection c = exec(protocol, Streams.TTY_IN_OUT, "sh", "-c",
                "tty; read first; stty size; read second; stty size")) {
            c.awaitStdout("/dev/pts/");
            c.resize(120, 40);
            c.stdin("one\n");
            c.awaitStdout("40 120");
            c.resize(100, 30);
            c.stdin("two\n");
            c.awaitEnd();
            // The terminal echoes input and ends lines with \r\n; stty prints rows, then columns.
            assertThat(c.stdout()).contains("one\r\n40 120\r\n").endsWith("two\r\n30 100\r\n");
            assertThat(c.error()).isEqualTo(StatusJson.SUCCESS);
        }
    }

    @ParameterizedTest
    @EnumSource(StreamProtocol.class)
    void aCommandThatDoesNotExistEndsNonZeroWithTheRuntimesMessage(StreamProtocol protocol) throws Exception {
        try (ExecConnection c = exec(protocol, Streams.OUT_ERR, "no-such-command")) {
            c.awaitEnd();
            // As for ExecSync: runc's exit code and runc's own words, not a berth error.
            assertThat(c.error()).isEqualTo(StatusJson.nonZeroExit(255, List.of("no-such-command")));
            assertThat(c.stderr()).contains("exec: \"no-such-command\": executable file not found in $PATH");
            assertThat(c.stdout()).isEmpty();
        }
    }

    @Test
    void twentyConcurrentExecsOverAllProtocolsEachKeepTheirOwnStreamsAndExitCode() throws Exception {
        int sessions = 20;
        List<ExecConnection> connections = new ArrayList<>();
        ExecutorService openers = Executors.newFixedThreadPool(sessions);
        try {
            List<Future<ExecConnection>> opening = new ArrayList<>();
            for (int i = 0; i < sessions; i++) {
                StreamProtocol protocol = StreamProtocol.values()[i % StreamProtocol.values().length];
                List<String> cmd = readLineThenExit(i);
                opening.add(openers.submit((Callable<ExecConnection>) () ->
                        exec(protocol, Streams.IN_OUT_ERR, cmd.toArray(String[]::new))));
            }
            for (Future<ExecConnection> f : opening) {
                connections.add(f.get());
            }
            // Every process has started and is blocked in `read`: all twenty sessions are live at once.
            for (int i = 0; i < sessions; i++) {
                connections.get(i).awaitStdout("ready-" + i + "\n");
            }
            for (int i = 0; i < sessions; i++) {
                connections.get(i).stdin("line-" + i + "\n");
            }
            for (int i = 0; i < sessions; i++) {
                ExecConnection c = connections.get(i);
                c.awaitEnd();
                assertThat(c.stdout()).as("session %d", i).isEqualTo("ready-" + i + "\nline-" + i + "-back\n");
                assertThat(c.error()).as("session %d", i).isEqualTo(i % 4 == 0 ? StatusJson.SUCCESS
                        : StatusJson.nonZeroExit(i % 4, readLineThenExit(i)));
            }
        } finally {
            openers.shutdownNow();
            connections.forEach(ExecConnection::close);
        }
    }

    /** Session {@code i}: says it is ready, waits for a line, echoes it and exits with {@code i % 4}. */
    private static List<String> readLineThenExit(int i) {
        return List.of("sh", "-c", "echo ready-" + i + "; read line; echo \"$line\"-back; exit " + i % 4);
    }
}
