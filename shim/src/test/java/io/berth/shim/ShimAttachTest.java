package io.berth.shim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.berth.shim.TestContainer.LogEntry;
import io.berth.shim.api.Status;
import io.berth.shim.client.ProcessStream;
import io.berth.shim.client.ProcessStream.Chunk;
import io.berth.shim.client.ShimClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Clients attached to a container's own stdio through its shim. Needs root and runc. */
// SEPARATE_THREAD: a host that stops answering fails its test (the fixture then kills it), not the build
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ShimAttachTest {
    private static final Duration PATIENCE = Duration.ofSeconds(20);
    /** Waits for /go in the rootfs, so that a test can attach before the output it wants to see. */
    private static final String AWAIT_GO = "while [ ! -e /go ]; do sleep 0.05; done; ";

    @TempDir
    Path dir;

    private ShimFixture fixture;

    @AfterEach
    void cleanUp() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
    }

    private void go() throws IOException {
        Files.createFile(fixture.rootfsSource.resolve("go"));
    }

    @Test
    void twoAttachersSeeTheOutputAndTheExitWhileTheLogGetsEveryLine() throws Exception {
        fixture = new ShimFixture(dir, "sh", "-c", AWAIT_GO
                + "i=0; while [ $i -lt 200 ]; do echo line$i; i=$((i+1)); done; echo oops >&2; exit 3");
        ShimClient shim = fixture.launch(false);
        shim.start();
        try (ProcessStream first = shim.attach(false); ProcessStream second = shim.attach(false)) {
            go();
            StreamOutput one = StreamOutput.readAll(first);
            StreamOutput two = StreamOutput.readAll(second);

            String lines = IntStream.range(0, 200).mapToObj(i -> "line" + i + "\n").collect(Collectors.joining());
            assertThat(one).isEqualTo(new StreamOutput(lines, "oops\n", 3));
            assertThat(two).isEqualTo(one);
        }
        assertThat(fixture.logEntries()).filteredOn(e -> e.stream().equals("stdout")).extracting(LogEntry::content)
                .hasSize(200).startsWith("line0").endsWith("line199");
        assertThat(fixture.logEntries()).filteredOn(e -> e.stream().equals("stderr")).extracting(LogEntry::content)
                .containsExactly("oops");
    }

    @Test
    void attachingToAnExitedContainerGivesItsExitAtOnce() throws Exception {
        fixture = new ShimFixture(dir, "sh", "-c", "exit 5");
        ShimClient shim = fixture.launch(false);
        shim.start();
        shim.awaitExit();
        try (ProcessStream s = shim.attach(false)) {
            assertThat(StreamOutput.readAll(s)).isEqualTo(new StreamOutput("", "", 5));
        }
    }

    @Test
    void stdinOfAnAttacherReachesAContainerCreatedWithStdin() throws Exception {
        fixture = new ShimFixture(dir, "sh", "-c", "while read line; do echo got:$line; done; echo eof");
        ShimClient shim = fixture.launchWithStdin(false, false);
        shim.start();
        try (ProcessStream s = shim.attach(true)) {
            write(s, "hello\n");
            assertThat(StreamOutput.readUntil(s, "got:hello\n")).isEqualTo("got:hello\n");
            // Without stdin_once, an attacher ending its stdin leaves the container's stdin open.
            s.closeStdin();
        }
        try (ProcessStream s = shim.attach(true)) {
            write(s, "again\n");
            assertThat(StreamOutput.readUntil(s, "got:again\n")).isEqualTo("got:again\n");
            shim.closeStdin();
            assertThat(StreamOutput.readAll(s)).isEqualTo(new StreamOutput("eof\n", "", 0));
        }
    }

    @Test
    void withStdinOnceTheFirstAttacherDetachingClosesTheContainersStdin() throws Exception {
        fixture = new ShimFixture(dir, "sh", "-c", "while read line; do echo got:$line; done; echo eof");
        ShimClient shim = fixture.launchWithStdin(false, true);
        shim.start();
        try (ProcessStream watcher = shim.attach(false)) {
            try (ProcessStream s = shim.attach(true)) {
                write(s, "once\n");
                assertThat(StreamOutput.readUntil(s, "got:once\n")).isEqualTo("got:once\n");
            } // detaches without closing stdin itself
            assertThat(StreamOutput.readAll(watcher)).isEqualTo(new StreamOutput("got:once\neof\n", "", 0));
        }
        assertThat(shim.state().getStatus()).isEqualTo(Status.STATUS_STOPPED);
    }

    @Test
    void anAttacherResizesATerminalContainer() throws Exception {
        fixture = new ShimFixture(dir, "sh", "-c", AWAIT_GO + "stty size");
        ShimClient shim = fixture.launch(true);
        shim.start();
        try (ProcessStream s = shim.attach(false)) {
            s.resize(77, 22);
            // The resize frame is applied by the shim on its own time; the terminal is runc's /dev/console.
            await().atMost(PATIENCE).until(() -> consoleSize(shim).equals("22 77\n"));
            go();
            assertThat(StreamOutput.readAll(s).stdout()).contains("22 77");
        }
    }

    @Test
    void aSlowAttacherIsDroppedAndToldWithoutHoldingUpTheLogOrLaterAttachers() throws Exception {
        int bytes = 4_000_000;
        fixture = new ShimFixture(dir, "sh", "-c", AWAIT_GO + "head -c " + bytes + " /dev/zero | tr '\\0' a; echo;"
                + " echo flooded >&2; while [ ! -e /go2 ]; do sleep 0.05; done; echo after");
        ShimClient shim = fixture.launch(false);
        shim.start();
        try (ProcessStream slow = shim.attach(false)) {
            go();
            // The slow attacher reads nothing, yet the whole flood reaches the log.
            await().atMost(PATIENCE).until(() -> fixture.logEntries().stream().anyMatch(e -> e.content().equals("flooded")));
            try (ProcessStream later = shim.attach(false)) {
                Files.createFile(fixture.rootfsSource.resolve("go2"));
                assertThat(StreamOutput.readAll(later)).isEqualTo(new StreamOutput("after\n", "", 0));
            }

            // The slow one now reads what was left for it: some output, the notice, then the end.
            StringBuilder stderr = new StringBuilder();
            long[] stdoutBytes = {0};
            assertThatThrownBy(() -> {
                for (Chunk c = slow.read(); c != null; c = slow.read()) {
                    assertThat(c.kind()).isNotEqualTo(Chunk.Kind.EXIT);
                    if (c.kind() == Chunk.Kind.STDERR) {
                        stderr.append(new String(c.data(), StandardCharsets.UTF_8));
                    } else {
                        stdoutBytes[0] += c.data().length;
                    }
                }
            }).isInstanceOf(IOException.class).hasMessageContaining("without an exit");
            assertThat(stderr.toString()).contains("attach dropped").contains("too slowly");
            assertThat(stdoutBytes[0]).isPositive().isLessThan(bytes);
        }
        String logged = fixture.logEntries().stream().filter(e -> e.stream().equals("stdout"))
                .map(e -> e.content() + (e.tag().equals("F") ? "\n" : "")).collect(Collectors.joining());
        assertThat(logged).hasSize(bytes + "\nafter\n".length());
    }

    private static String consoleSize(ShimClient shim) throws IOException {
        try (ProcessStream s = shim.exec(io.berth.shim.api.ExecRequest.newBuilder()
                .addAllArgs(java.util.List.of("stty", "-F", "/dev/console", "size")).build())) {
            return StreamOutput.readAll(s).stdout();
        }
    }

    private static void write(ProcessStream s, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        s.writeStdin(b, 0, b.length);
    }
}
