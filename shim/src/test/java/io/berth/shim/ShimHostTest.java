package io.berth.shim;

import static io.berth.shim.ShimFixture.PATIENCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.berth.linux.Posix;
import io.berth.shim.TestContainer.LogEntry;
import io.berth.shim.api.ExecRequest;
import io.berth.shim.api.ExitStatus;
import io.berth.shim.api.Status;
import io.berth.shim.client.ProcessStream;
import io.berth.shim.client.ShimClient;
import io.berth.shim.client.ShimGoneException;
import io.berth.shim.client.LaunchOptions;
import io.berth.shim.client.ShimGrouping;
import io.berth.shim.client.ShimHosts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Shim hosts carrying several containers: grouping, upgrade in place, fairness. Needs root and runc. */
// SEPARATE_THREAD: a host that stops answering fails its test (the fixture then kills it), not the build
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ShimHostTest {
    /** Prints "line <n>" every 50 ms, for ever. */
    private static final String COUNTER = "i=0; while true; do echo line $i; i=$((i+1)); sleep 0.05; done";
    private static final Pattern COUNTER_LINE = Pattern.compile("line (\\d+)");

    @TempDir
    Path dir;

    private ShimFixture fixture;

    @AfterEach
    void cleanUp() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void oneNodeHostCarriesSeveralContainersEachWithItsOwnLogAndDeletingOneLeavesTheOthers() throws Exception {
        fixture = new ShimFixture(dir, ShimGrouping.NODE);
        List<TestContainer> containers = new ArrayList<>();
        List<ShimClient> shims = new ArrayList<>();
        for (String name : List.of("a", "b", "c")) {
            TestContainer c = fixture.container(name, "sh", "-c", "echo I am " + name + "; exec sleep 1000");
            containers.add(c);
            shims.add(c.run());
        }
        int host = fixture.hostPid(ShimGrouping.NODE_GROUP);

        for (int i = 0; i < 3; i++) {
            TestContainer c = containers.get(i);
            assertThat(shims.get(i).shimPid()).isEqualTo(host);
            assertThat(shims.get(i).state().getStatus()).isEqualTo(Status.STATUS_RUNNING);
            await().atMost(PATIENCE).until(() -> !c.logEntries().isEmpty());
            assertThat(c.logEntries()).extracting(LogEntry::content).containsExactly("I am " + c.dir.getFileName());
        }
        assertThat(shims).extracting(s -> s.state().getPid()).doesNotHaveDuplicates();

        shims.get(1).delete(true);

        assertThat(fixture.awaitReportedExit(containers.get(1).runDir).getExitCode()).isEqualTo(137);
        assertThatThrownBy(() -> shims.get(1).state()).isInstanceOf(ShimGoneException.class);
        assertThat(containers.get(1).rootfsMounted()).isFalse();
        for (int i : new int[] {0, 2}) {
            assertThat(shims.get(i).state().getStatus()).isEqualTo(Status.STATUS_RUNNING);
            assertThat(containers.get(i).rootfsMounted()).isTrue();
        }
        assertThat(fixture.hostPid(ShimGrouping.NODE_GROUP)).isEqualTo(host);
        assertThat(fixture.reports).extracting(ShimFixture.Report::runDir).containsExactly(containers.get(1).runDir);
    }

    @Test
    void podGroupingGivesEachPodItsOwnHostWhichExitsAfterItsLastContainer() throws Exception {
        fixture = new ShimFixture(dir, ShimGrouping.POD);
        assertThat(fixture.hosts().hosts()).as("no host before the first pod").isEmpty();
        TestContainer a1 = fixture.container("a1", "sleep", "1000").inSandbox("podaaaaaaaaaaaa-one");
        TestContainer a2 = fixture.container("a2", "sleep", "1000").inSandbox("podaaaaaaaaaaaa-one");
        TestContainer b = fixture.container("b", "sleep", "1000").inSandbox("podbbbbbbbbbbbb-two");
        ShimClient shimA1 = a1.run();
        ShimClient shimA2 = a2.run();
        ShimClient shimB = b.run();

        int hostA = fixture.hostPid("pod-podaaaaaaaaa");
        int hostB = fixture.hostPid("pod-podbbbbbbbbb");
        assertThat(hostA).isNotEqualTo(hostB);
        assertThat(shimA1.shimPid()).isEqualTo(hostA);
        assertThat(shimA2.shimPid()).isEqualTo(hostA);
        assertThat(shimB.shimPid()).isEqualTo(hostB);
        assertThat(fixture.hosts().hosts()).containsOnlyKeys("pod-podaaaaaaaaa", "pod-podbbbbbbbbb");

        shimA1.delete(true);
        assertThat(ProcessHandle.of(hostA)).get().matches(ProcessHandle::isAlive, "still carrying a2");
        shimA2.delete(true);

        ShimFixture.awaitExitOf(hostA, PATIENCE);
        assertThat(shimB.state().getStatus()).isEqualTo(Status.STATUS_RUNNING);
        assertThat(fixture.hosts().hostPid("pod-podaaaaaaaaa")).isEmpty();
        assertThat(fixture.awaitReportedExit(a1.runDir).getExitCode()).isEqualTo(137);
        assertThat(fixture.awaitReportedExit(a2.runDir).getExitCode()).isEqualTo(137);
        assertThat(fixture.reports).as("the pod host's exit is no container's exit").hasSize(2);

        // The pod gets a new host for its next container.
        TestContainer a3 = fixture.container("a3", "sleep", "1000").inSandbox("podaaaaaaaaaaaa-one");
        ShimClient shimA3 = a3.run();
        assertThat(shimA3.shimPid()).isNotEqualTo(hostA).isNotEqualTo(hostB)
                .isEqualTo(fixture.hostPid("pod-podaaaaaaaaa"));
        assertThat(shimA3.state().getStatus()).isEqualTo(Status.STATUS_RUNNING);
    }

    @Test
    void containerGroupingGivesEachContainerItsOwnHost() throws Exception {
        fixture = new ShimFixture(dir, ShimGrouping.CONTAINER);
        TestContainer a = fixture.container("a", "sleep", "1000");
        TestContainer b = fixture.container("b", "sh", "-c", "exit 4");
        ShimClient shimA = a.run();
        ShimClient shimB = b.run();

        assertThat(shimA.shimPid()).isNotEqualTo(shimB.shimPid());
        assertThat(shimA.shimPid()).isEqualTo(fixture.hostPid("ctr-" + a.id.substring(0, 12)));
        assertThat(shimB.awaitExit().getExitCode()).isEqualTo(4);
        int hostB = shimB.shimPid();
        shimB.delete(false);
        ShimFixture.awaitExitOf(hostB, PATIENCE);
        assertThat(shimA.state().getStatus()).isEqualTo(Status.STATUS_RUNNING);
    }

    @Test
    void berthdHearsExitsAfterMoreRestartsThanTheHostHoldsSubscriptionsWithNoExitBetween() throws Exception {
        fixture = new ShimFixture(dir, ShimGrouping.NODE);
        TestContainer c = fixture.container("c", "sh", "-c", "exec sleep 1000");
        c.run();
        int host = fixture.hostPid(ShimGrouping.NODE_GROUP);
        // Each berthd leaves without unsubscribing, as one killed with -9 does; nothing exits in between.
        for (int i = 0; i <= 2 * HostEvents.MAX_SUBSCRIBERS; i++) {
            fixture.stopBerthd();
            fixture.startBerthd();
        }
        assertThat(fixture.hostPid(ShimGrouping.NODE_GROUP)).isEqualTo(host);

        c.track(ShimClient.connect(c.runDir)).kill(Posix.SIGKILL, false);

        assertThat(fixture.awaitReportedExit(c.runDir).getExitCode()).isEqualTo(137);
    }

    @Test
    void anUpgradeInPlaceKeepsThePidsTheContainersAndEveryLineOfTheirOutput() throws Exception {
        fixture = new ShimFixture(dir, ShimGrouping.NODE);
        TestContainer c = fixture.container("c", "sh", "-c", COUNTER);
        ShimClient shim = c.run();
        int host = fixture.hostPid(ShimGrouping.NODE_GROUP);
        int containerPid = shim.state().getPid();
        await().atMost(PATIENCE).until(() -> counters(c).size() >= 10);
        assertThat(ShimFixture.cmdline(host)).doesNotContain("--resume");

        fixture.hosts().upgrade(ShimGrouping.NODE_GROUP);

        assertThat(ShimFixture.cmdline(host)).as("the new program image").contains("--resume");
        assertThat(fixture.hostPid(ShimGrouping.NODE_GROUP)).isEqualTo(host);
        ShimClient after = c.track(ShimClient.connect(c.runDir));
        assertThat(after.shimPid()).isEqualTo(host);
        assertThat(after.state().getStatus()).isEqualTo(Status.STATUS_RUNNING);
        assertThat(after.state().getPid()).isEqualTo(containerPid);
        try (ProcessStream s = after.exec(ExecRequest.newBuilder().addArgs("echo").addArgs("hi").build())) {
            assertThat(StreamOutput.readAll(s)).isEqualTo(new StreamOutput("hi\n", "", 0));
        }
        int upgradedAt = counters(c).size();
        await().atMost(PATIENCE).until(() -> counters(c).size() >= upgradedAt + 20);

        List<Integer> counters = counters(c);
        for (int i = 0; i < counters.size(); i++) {
            assertThat(counters.get(i)).as("line %d of %s", i, counters).isEqualTo(i);
        }
        // The upgraded host still reports exits, with the code: the container is still its child.
        after.kill(Posix.SIGKILL, false);
        ExitStatus exit = fixture.awaitReportedExit(c.runDir);
        assertThat(exit.getExitCode()).isEqualTo(137);
        assertThat(exit.getReason()).isEqualTo("Error");
        assertThat(fixture.reports).hasSize(1);
        assertThat(fixture.hostPid(ShimGrouping.NODE_GROUP)).as("berthd did not take the exec for a death")
                .isEqualTo(host);
        assertThat(new HostDir(fixture.hostsDir.resolve("node")).pid()).content().isEqualTo(Integer.toString(host));
    }

    /**
     * A starting host's command line reads empty, even "s", for a moment while setsid execs java; a launcher
     * that judged liveness by it took about 1 start in 50 for dead. 60 starts catch that most of the time.
     */
    @Test
    void everyHostStartSucceeds() throws Exception {
        Path hostsDir = dir.resolve("starts");
        for (int i = 0; i < 60; i++) {
            ShimHosts hosts = new ShimHosts(hostsDir.resolve(Integer.toString(i)), LaunchOptions.defaults(),
                    ShimGrouping.NODE, (runDir, exit) -> { });
            Optional<Integer> pid = Optional.empty();
            try {
                hosts.start();
                hosts.startNodeHost();
                pid = hosts.hostPid(ShimGrouping.NODE_GROUP);
                assertThat(pid).as("start %d", i).isPresent();
            } finally {
                hosts.close();
                if (pid.isPresent()) {
                    Posix.kill(pid.get(), Posix.SIGKILL);
                    ShimFixture.awaitExitOf(pid.get(), PATIENCE);
                }
            }
        }
    }

    /** When the host logged each of the container's lines, from {@code from} on. */
    private static List<Instant> ticksSince(TestContainer c, Instant from) throws Exception {
        return c.logEntries().stream().map(e -> Instant.parse(e.time())).filter(t -> !t.isBefore(from)).toList();
    }

    /** The counters of the container's complete "line <n>" lines, P chunks joined. */
    private static List<Integer> counters(TestContainer c) throws Exception {
        List<String> lines = c.logLines("stdout");
        List<Integer> counters = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = COUNTER_LINE.matcher(lines.get(i));
            if (!m.matches()) {
                throw new AssertionError("not a counter line: '" + lines.get(i) + "' in " + lines);
            }
            counters.add(Integer.parseInt(m.group(1)));
        }
        return counters;
    }

    /** Streams an exec of yes in the container until {@code bytes} arrived; the rate, in KiB/s. */
    private static long execRateKiBs(ShimClient shim, long bytes) throws IOException {
        long read = 0;
        long from = System.nanoTime();
        try (ProcessStream s = shim.exec(ExecRequest.newBuilder().addArgs("yes").build())) {
            for (ProcessStream.Chunk c = s.read(); c != null && read < bytes; c = s.read()) {
                read += c.kind() == ProcessStream.Chunk.Kind.EXIT ? 0 : c.data().length;
            }
        }
        return (read >> 10) * 1_000_000_000L / Math.max(1, System.nanoTime() - from);
    }

    @Test
    void aContainerAndAnExecFloodingTheirOutputDelayNeitherANeighboursLinesNorAnExit() throws Exception {
        fixture = new ShimFixture(dir, ShimGrouping.NODE);
        TestContainer noisy = fixture.container("noisy", "yes").withTools("yes");
        TestContainer ticker = fixture.container("ticker", "sh", "-c",
                "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.1; done");
        TestContainer quitter = fixture.container("quitter", "sh", "-c",
                "while [ ! -e /go ]; do sleep 0.01; done; exit 7").withTools("yes");
        ShimClient tickerShim = ticker.run();
        ShimClient quitting = quitter.run();
        // What an exec of yes streams to this client with no flood beside it, for comparison.
        long aloneKiBs = execRateKiBs(quitting, 32 << 20);
        ShimClient noisyShim = noisy.run();
        await().atMost(PATIENCE).until(() -> Files.exists(noisy.log) && Files.size(noisy.log) > (1 << 20));
        // An exec floods its stream too, read as fast as this client can: the loop serves it beside the logs.
        ProcessStream execFlood = noisyShim.exec(ExecRequest.newBuilder().addArgs("yes").build());
        AtomicLong execBytes = new AtomicLong();
        Thread execReader = new Thread(() -> {
            try {
                for (ProcessStream.Chunk c = execFlood.read(); c != null && c.kind() != ProcessStream.Chunk.Kind.EXIT;
                        c = execFlood.read()) {
                    execBytes.addAndGet(c.data().length);
                }
            } catch (IOException closed) {
                // The test closed the stream.
            }
        }, "exec-flood-reader");
        execReader.start();
        await().atMost(PATIENCE).until(() -> execBytes.get() > (1 << 20));

        // The window: about 3 s of the neighbour's ticks, counted in its log, not slept.
        Instant from = Instant.now();
        long noisyBytesBefore = Files.size(noisy.log);
        long execBytesBefore = execBytes.get();
        long fromNanos = System.nanoTime();
        await().atMost(PATIENCE).until(() -> ticksSince(ticker, from).size() >= 15);
        long goAt = System.nanoTime();
        quitter.touch("go"); // half way through, the quitter exits
        ExitStatus exit = fixture.awaitReportedExit(quitter.runDir);
        long exitLatencyMillis = (fixture.reports.stream().filter(r -> r.runDir().equals(quitter.runDir)).findFirst()
                .orElseThrow().atNanos() - goAt) / 1_000_000;
        // A short exec in the neighbour, its output read as it comes: served on the same loop as the floods.
        long execAt = System.nanoTime();
        StreamOutput echoed;
        try (ProcessStream s = tickerShim.exec(ExecRequest.newBuilder().addArgs("echo").addArgs("hi").build())) {
            echoed = StreamOutput.readAll(s);
        }
        long execMillis = (System.nanoTime() - execAt) / 1_000_000;
        await().atMost(PATIENCE).until(() -> ticksSince(ticker, from).size() >= 30);
        long windowMillis = (System.nanoTime() - fromNanos) / 1_000_000;
        long noisyBytes = Files.size(noisy.log) - noisyBytesBefore;
        long execFloodBytes = execBytes.get() - execBytesBefore;
        execFlood.close();
        execReader.join(PATIENCE.toMillis());

        List<Instant> ticks = ticksSince(ticker, from);
        long maxGapMillis = 0;
        for (int i = 1; i < ticks.size(); i++) {
            maxGapMillis = Math.max(maxGapMillis, Duration.between(ticks.get(i - 1), ticks.get(i)).toMillis());
        }
        System.out.printf("fairness: %d neighbour lines in %d ms, max gap %d ms (written every 100 ms); exit"
                + " reported %d ms after its cue; the flood logged %d MiB/s and its exec streamed %d KiB/s (alone,"
                + " %d KiB/s); an exec of echo in the neighbour took %d ms%n",
                ticks.size(), windowMillis, maxGapMillis, exitLatencyMillis,
                (noisyBytes * 1000 / Math.max(1, windowMillis)) >> 20,
                (execFloodBytes * 1000 / Math.max(1, windowMillis)) >> 10, aloneKiBs, execMillis);

        assertThat(exit.getExitCode()).isEqualTo(7);
        assertThat(quitting.state().getStatus()).isEqualTo(Status.STATUS_STOPPED);
        assertThat(noisyBytes).as("the flood went on").isPositive();
        assertThat(execFloodBytes).as("the exec's flood went on").isPositive();
        assertThat(maxGapMillis).as("max gap between the neighbour's lines (ms)").isLessThan(1500);
        assertThat(exitLatencyMillis).as("exit reported after its cue (ms)").isLessThan(1500);
        assertThat(echoed).isEqualTo(new StreamOutput("hi\n", "", 0));
        assertThat(ticker.logLines("stdout")).allMatch(l -> l.matches("tick \\d+"));
    }
}
