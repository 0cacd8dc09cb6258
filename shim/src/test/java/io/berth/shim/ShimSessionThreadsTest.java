package io.berth.shim;

import static io.berth.shim.ShimFixture.PATIENCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.linux.FileDescriptors;
import io.berth.linux.UnixSockets;
import io.berth.shim.api.ExecRequest;
import io.berth.shim.api.Request;
import io.berth.shim.api.Response;
import io.berth.shim.api.StateRequest;
import io.berth.shim.api.Status;
import io.berth.shim.client.LaunchOptions;
import io.berth.shim.client.ProcessStream;
import io.berth.shim.client.ShimClient;
import io.berth.shim.client.ShimGrouping;
import io.berth.shim.protocol.MessageSocket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exec and attach sessions, containers and control connections are served by the host's one event loop:
 * however many there are, the host has no more threads than with one container and nothing else, and stays
 * under a small fixed bound. Needs root and runc.
 */
// SEPARATE_THREAD: a host that stops answering fails its test (the fixture then kills it), not the build
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ShimSessionThreadsTest {
    private static final int EXECS = 20;
    private static final int ATTACHERS = 5;
    private static final int CONTAINERS = 20;
    private static final int CONNECTIONS = 20;
    /** An idle host's own: the JVM's threads, main, and the event loop (16 on this JDK with the host's flags). */
    private static final int MAX_HOST_THREADS = 24;

    @TempDir
    Path dir;

    private ShimFixture fixture;
    private final List<ProcessStream> streams = new ArrayList<>();
    private final List<Integer> connections = new ArrayList<>();
    private ExecutorService clients;

    @AfterEach
    void cleanUp() throws Exception {
        streams.forEach(ProcessStream::close);
        connections.forEach(FileDescriptors::closeQuietly);
        if (clients != null) {
            clients.shutdownNow();
        }
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void twentyExecsAndFiveAttachersAddNoThreadToTheHostAndEachGetsItsOutputAndExitCode() throws Exception {
        fixture = new ShimFixture(dir, ShimGrouping.NODE, workersIdleOneSecond());
        TestContainer target = fixture.container("target", "sleep", "1000");
        TestContainer watched = fixture.container("watched", "sh", "-c",
                "while [ ! -e /go ]; do sleep 0.05; done; echo hello; echo bye >&2; exit 3");
        ShimClient execShim = target.run();
        ShimClient attachShim = watched.run();
        int host = execShim.shimPid();
        try (ProcessStream warmUp = execShim.exec(exec("sh", "-c", "exit 0").build())) {
            assertThat(StreamOutput.readAll(warmUp).exitCode()).isZero();
        }
        await().atMost(PATIENCE).until(() -> threadNames(host).stream().noneMatch(n -> n.startsWith("worker-")));
        List<String> before = threadNames(host);

        clients = Executors.newFixedThreadPool(EXECS + ATTACHERS);
        List<Future<ProcessStream>> opening = new ArrayList<>();
        for (int i = 0; i < EXECS; i++) {
            int n = i;
            opening.add(clients.submit(() -> {
                ProcessStream s = execShim.exec(exec("sh", "-c", "echo ready" + n + "; read x; echo got $x; exit " + n)
                        .setStdin(true).build());
                assertThat(StreamOutput.readUntil(s, "ready" + n + "\n")).isEqualTo("ready" + n + "\n");
                return s;
            }));
        }
        for (int i = 0; i < ATTACHERS; i++) {
            opening.add(clients.submit(() -> attachShim.attach(false)));
        }
        for (Future<ProcessStream> f : opening) {
            streams.add(f.get());
        }
        int peak = threadNames(host).size();
        // Every session is open and its process running; the workers that started them may still idle.
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(threadNames(host))
                .as("host threads with %d execs and %d attachers open", EXECS, ATTACHERS)
                .hasSizeLessThanOrEqualTo(before.size()).hasSizeLessThanOrEqualTo(MAX_HOST_THREADS));
        int during = threadNames(host).size();
        System.out.printf("host threads: %d with no session; %d while %d execs and %d attachers started; %d while"
                + " they all run%n", before.size(), peak, EXECS, ATTACHERS, during);

        for (int i = 0; i < EXECS; i++) {
            byte[] line = ("x" + i + "\n").getBytes(StandardCharsets.UTF_8);
            streams.get(i).writeStdin(line, 0, line.length);
        }
        watched.touch("go");
        for (int i = 0; i < EXECS; i++) {
            assertThat(StreamOutput.readAll(streams.get(i))).as("exec %d", i)
                    .isEqualTo(new StreamOutput("got x" + i + "\n", "", i));
        }
        for (int i = EXECS; i < EXECS + ATTACHERS; i++) {
            assertThat(StreamOutput.readAll(streams.get(i))).as("attacher %d", i - EXECS)
                    .isEqualTo(new StreamOutput("hello\n", "bye\n", 3));
        }
    }

    @Test
    void twentyContainersAndTwentyIdleControlConnectionsAddNoThreadToTheHost() throws Exception {
        fixture = new ShimFixture(dir, ShimGrouping.NODE, workersIdleOneSecond());
        ShimClient first = fixture.container("c0", "sleep", "1000").run();
        int host = first.shimPid();
        await().atMost(PATIENCE).until(() -> threadNames(host).stream().noneMatch(n -> n.startsWith("worker-")));
        List<String> before = threadNames(host);

        List<ShimClient> shims = new ArrayList<>(List.of(first));
        for (int i = 1; i < CONTAINERS; i++) {
            shims.add(fixture.container("c" + i, "sleep", "1000").run());
        }
        // Connected and silent, as a client is before it sends its request (half of them sent part of it).
        Path socket = new HostDir(fixture.hostsDir.resolve(ShimGrouping.NODE_GROUP)).socket();
        for (int i = 0; i < CONNECTIONS; i++) {
            int connection = UnixSockets.connect(socket);
            connections.add(connection);
            if (i % 2 == 1) {
                ByteBuffer lengthOnly = ByteBuffer.allocateDirect(1).put((byte) 10).flip();
                UnixSockets.send(connection, lengthOnly, new int[0]);
            }
        }

        await().atMost(PATIENCE).untilAsserted(() -> assertThat(threadNames(host))
                .as("host threads with %d containers and %d idle control connections", CONTAINERS, CONNECTIONS)
                .hasSizeLessThanOrEqualTo(before.size()).hasSizeLessThanOrEqualTo(MAX_HOST_THREADS));
        System.out.printf("host threads: %d with one container; %d with %d containers and %d idle control"
                + " connections%n", before.size(), threadNames(host).size(), CONTAINERS, CONNECTIONS);
        // The silent connections are still served: a request on each of those that sent nothing yet.
        for (int i = 0; i < CONNECTIONS; i += 2) {
            int connection = connections.get(i);
            MessageSocket.send(connection, Request.newBuilder().setRunDir(shims.get(i).runDir().toString())
                    .setState(StateRequest.getDefaultInstance()).build(), new int[0]);
            MessageSocket.Received<Response> answer = MessageSocket.receive(connection, Response.parser());
            assertThat(answer.message().getState().getStatus()).as("container %d", i).isEqualTo(Status.STATUS_RUNNING);
        }
        for (ShimClient shim : shims) {
            assertThat(shim.state().getStatus()).isEqualTo(Status.STATUS_RUNNING);
        }
    }

    /** Workers end 1 s after their last task, so that what is left is what the host holds for good. */
    private static LaunchOptions workersIdleOneSecond() {
        LaunchOptions options = LaunchOptions.defaults();
        return options.withJvmOptions(Stream.concat(options.jvmOptions().stream(),
                Stream.of("-D" + HostServices.WORKER_IDLE_PROPERTY + "=1")).toList());
    }

    private static ExecRequest.Builder exec(String... args) {
        return ExecRequest.newBuilder().addAllArgs(List.of(args));
    }

    /** The host's threads by name (the JVM names each native thread after its Java thread). */
    private static List<String> threadNames(int pid) throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    names.add(Files.readString(task.resolve("comm")).strip());
                } catch (IOException ended) {
                    // The thread ended while listed.
                }
            }
        }
        return names;
    }
}
