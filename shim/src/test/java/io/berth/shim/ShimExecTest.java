package io.berth.shim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.InvalidArgumentException;
import io.berth.shim.api.ExecRequest;
import io.berth.shim.client.ProcessStream;
import io.berth.shim.client.ShimClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Processes exec'd into a running container through its shim. Needs root and runc. */
// SEPARATE_THREAD: a host that stops answering fails its test (the fixture then kills it), not the build
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ShimExecTest {
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private ShimFixture fixture;
    private ShimClient shim;

    @AfterEach
    void cleanUp() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
    }

    private ShimClient running() throws Exception {
        fixture = new ShimFixture(dir, "sleep", "1000").withTools("yes", "id");
        shim = fixture.launch(false);
        shim.start();
        return shim;
    }

    private static ExecRequest.Builder exec(String... args) {
        return ExecRequest.newBuilder().addAllArgs(List.of(args));
    }

    @Test
    void stdoutAndStderrArriveSeparatelyAndTheExitCodeLast() throws Exception {
        running();
        try (ProcessStream s = shim.exec(exec("sh", "-c", "echo out; echo err >&2; echo more; exit 7").build())) {
            StreamOutput output = StreamOutput.readAll(s);
            assertThat(output).isEqualTo(new StreamOutput("out\nmore\n", "err\n", 7));
            assertThat(s.read()).as("nothing after the exit").isNull();
        }
    }

    @Test
    void theExecRunsWithTheContainersEnvironmentUnlessTheRequestSetsIt() throws Exception {
        running();
        try (ProcessStream s = shim.exec(exec("sh", "-c", "echo $TERM; pwd; id -u").build())) {
            assertThat(StreamOutput.readAll(s)).isEqualTo(new StreamOutput("xterm\n/\n0\n", "", 0));
        }
        try (ProcessStream s = shim.exec(exec("sh", "-c", "echo $TERM; pwd; id -u").addEnv("PATH=/bin").addEnv("TERM=dumb")
                .setCwd("/tmp").setUser(io.berth.shim.api.User.newBuilder().setUid(1000).setGid(1000)).build())) {
            assertThat(StreamOutput.readAll(s)).isEqualTo(new StreamOutput("dumb\n/tmp\n1000\n", "", 0));
        }
    }

    @Test
    void stdinIsEchoedBackByCatInEachOfTwoSessionsOneAfterTheOther() throws Exception {
        running();
        for (int i = 0; i < 2; i++) {
            try (ProcessStream s = shim.exec(exec("cat").setStdin(true).build())) {
                byte[] hello = ("hello\nworld" + i + "\n").getBytes(StandardCharsets.UTF_8);
                s.writeStdin(hello, 0, hello.length);
                assertThat(StreamOutput.readUntil(s, "world" + i + "\n")).isEqualTo("hello\nworld" + i + "\n");
                s.closeStdin();
                assertThat(StreamOutput.readAll(s)).isEqualTo(new StreamOutput("", "", 0));
            }
        }
    }

    @Test
    void aMegabyteOfStdinArrivesWholeThroughAProcessThatReadsSlowerThanItComes() throws Exception {
        running();
        int size = 1024 * 1024;
        byte[] chunk = "0123456789abcdef".repeat(4096).getBytes(StandardCharsets.UTF_8);
        try (ProcessStream s = shim.exec(exec("sh", "-c", "head -c " + size + " | wc -c").setStdin(true).build())) {
            for (int sent = 0; sent < size; sent += chunk.length) {
                s.writeStdin(chunk, 0, chunk.length);
            }
            StreamOutput output = StreamOutput.readAll(s);
            assertThat(output.stdout().trim()).isEqualTo(Integer.toString(size));
            assertThat(output.exitCode()).isZero();
        }
    }

    @Test
    void aTerminalExecStartsAtTheRequestedSizeAndFollowsResizes() throws Exception {
        running();
        ExecRequest request = exec("sh", "-c", "stty size; read x; stty size; exit 4").setTty(true).setStdin(true)
                .setWidth(100).setHeight(30).build();
        try (ProcessStream s = shim.exec(request)) {
            assertThat(StreamOutput.readUntil(s, "30 100")).contains("30 100");
            s.resize(123, 45);
            byte[] go = "go\n".getBytes(StandardCharsets.UTF_8);
            s.writeStdin(go, 0, go.length);
            StreamOutput rest = StreamOutput.readAll(s);
            assertThat(rest.stdout()).contains("45 123");
            assertThat(rest.stderr()).as("a terminal merges stderr into stdout").isEmpty();
            assertThat(rest.exitCode()).isEqualTo(4);
        }
    }

    @Test
    void aCommandThatDoesNotExistExitsNonZeroWithTheRuntimesMessageOnStderr() throws Exception {
        running();
        try (ProcessStream s = shim.exec(exec("/bin/no-such-command").build())) {
            StreamOutput output = StreamOutput.readAll(s);
            assertThat(output.exitCode()).isNotZero();
            assertThat(output.stderr()).contains("no-such-command");
        }
    }

    @Test
    void execIsRefusedUnlessTheContainerRuns() throws Exception {
        fixture = new ShimFixture(dir, "sh", "-c", "exit 0");
        shim = fixture.launch(false);
        assertThatThrownBy(() -> shim.exec(exec("true").build())).isInstanceOf(FailedPreconditionException.class)
                .hasMessageContaining("created");
        shim.start();
        shim.awaitExit();
        assertThatThrownBy(() -> shim.exec(exec("true").build())).isInstanceOf(FailedPreconditionException.class)
                .hasMessageContaining("stopped");
    }

    @Test
    void anExecWithoutACommandIsInvalid() throws Exception {
        running();
        assertThatThrownBy(() -> shim.exec(ExecRequest.getDefaultInstance()))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("command");
    }

    @Test
    void twentyExecsRunAtOnce() throws Exception {
        running();
        ExecutorService pool = Executors.newFixedThreadPool(20);
        try {
            List<Future<StreamOutput>> results = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                int n = i;
                results.add(pool.submit(() -> {
                    try (ProcessStream s = shim.exec(exec("sh", "-c", "sleep 0.5; echo exec" + n + "; exit " + n)
                            .build())) {
                        return StreamOutput.readAll(s);
                    }
                }));
            }
            for (int i = 0; i < 20; i++) {
                assertThat(results.get(i).get()).isEqualTo(new StreamOutput("exec" + i + "\n", "", i));
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(Files.list(fixture.runDir).map(p -> p.getFileName().toString()))
                .as("no exec leaves files behind").noneMatch(name -> name.matches("e\\d+\\..*"));
    }

    @Test
    void aClientThatStopsReadingBlocksTheProcessNotTheShimsMemory() throws Exception {
        running();
        try (ProcessStream s = shim.exec(exec("yes", "y".repeat(1000)).build())) {
            assertThat(s.read().kind()).isEqualTo(ProcessStream.Chunk.Kind.STDOUT);
            await().atMost(PATIENCE).until(() -> StreamOutput.childrenNamed(shim.shimPid(), "yes").size() == 1);
            int yes = StreamOutput.childrenNamed(shim.shimPid(), "yes").get(0);
            // Not reading: the pipe and the socket fill up and yes sleeps in its write, for good
            // (pipe_write, anon_pipe_write since Linux 6.16).
            await().atMost(PATIENCE).during(Duration.ofSeconds(1))
                    .until(() -> Files.readString(Path.of("/proc/" + yes + "/wchan")).endsWith("pipe_write"));
            assertThat(rssKib(shim.shimPid())).as("shim RSS (KiB)").isLessThan(200 * 1024);
            ProcessStream.Chunk next = s.read();
            assertThat(new String(next.data(), StandardCharsets.UTF_8)).startsWith("y");
        }
    }

    @Test
    void closingTheStreamKillsTheProcessBeforeItReturns() throws Exception {
        running();
        ProcessStream s = shim.exec(exec("sleep", "999").build());
        int init = shim.state().getPid();
        await().atMost(PATIENCE).until(() -> StreamOutput.childrenNamed(shim.shimPid(), "sleep").size() == 2);
        int sleep = StreamOutput.childrenNamed(shim.shimPid(), "sleep").stream().filter(p -> p != init)
                .findFirst().orElseThrow();

        s.close();

        assertThat(Path.of("/proc/" + sleep)).doesNotExist();
        assertThat(shim.state().getStatus()).isEqualTo(io.berth.shim.api.Status.STATUS_RUNNING);
    }

    @Test
    void closingTheStreamAlsoKillsWhatTheProcessStarted() throws Exception {
        running();
        ProcessStream s = shim.exec(exec("sh", "-c", "sleep 997; echo never").build());
        await().atMost(PATIENCE).until(() -> StreamOutput.childrenNamed(shim.shimPid(), "sh").size() == 1);
        int sh = StreamOutput.childrenNamed(shim.shimPid(), "sh").get(0);
        await().atMost(PATIENCE).until(() -> StreamOutput.childrenNamed(sh, "sleep").size() == 1);
        int sleep = StreamOutput.childrenNamed(sh, "sleep").get(0);

        s.close();

        // The container's init here (sleep) reaps nobody, so the killed grandchild may stay a zombie.
        await().atMost(PATIENCE).until(() -> isGoneOrZombie(sleep));
    }

    private static boolean isGoneOrZombie(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (java.io.IOException gone) {
            return true;
        }
    }

    private static long rssKib(int pid) throws Exception {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("VmRSS:"))
                .map(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst().orElseThrow();
    }
}
