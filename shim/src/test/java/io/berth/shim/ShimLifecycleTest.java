package io.berth.shim;

import static io.berth.shim.ShimFixture.PATIENCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.InternalException;
import io.berth.linux.Posix;
import io.berth.shim.TestContainer.LogEntry;
import io.berth.shim.api.ExecRequest;
import io.berth.shim.api.ExitStatus;
import io.berth.shim.api.State;
import io.berth.shim.api.Status;
import io.berth.shim.client.ProcessStream;
import io.berth.shim.client.ShimClient;
import io.berth.shim.client.ShimGoneException;
import io.berth.shim.client.ShimGrouping;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A container driven through its life by a shim host, as berthd drives it. Needs root and runc. */
// SEPARATE_THREAD: a host that stops answering fails its test (the fixture then kills it), not the build
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ShimLifecycleTest {
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
    void anExitCodeIsRecordedInTheExitFileReturnedByWaitAndReportedToBerthd() throws Exception {
        fixture = new ShimFixture(dir, "sh", "-c", "exit 3");
        ShimClient shim = fixture.launch(false);
        assertThat(shim.state().getStatus()).isEqualTo(Status.STATUS_CREATED);
        assertThat(shim.start().getStatus()).isIn(Status.STATUS_RUNNING, Status.STATUS_STOPPED);

        ExitStatus exit = shim.awaitExit();

        assertThat(exit.getExitCode()).isEqualTo(3);
        assertThat(exit.getSignal()).isZero();
        assertThat(exit.getReason()).isEqualTo("Error");
        assertThat(ShimClient.recordedExit(fixture.runDir)).contains(exit);
        assertThat(fixture.runDir.resolve("exit")).content().contains("exit_code=3");
        State state = shim.state();
        assertThat(state.getStatus()).isEqualTo(Status.STATUS_STOPPED);
        assertThat(state.getExit()).isEqualTo(exit);
        assertThat(fixture.awaitReportedExit(fixture.runDir)).isEqualTo(exit);
        assertThat(fixture.reports).hasSize(1);
    }

    @Test
    void aCleanExitIsCompletedAndDeleteUnmountsTheRootfsAndForgetsTheContainerWhileTheNodeHostStays()
            throws Exception {
        fixture = new ShimFixture(dir, "sh", "-c", "exit 0");
        ShimClient shim = fixture.launch(false);
        assertThat(fixture.rootfsMounted()).isTrue();
        assertThat(fixture.runDir.resolve("host")).content().isEqualTo(fixture.hostsDir.resolve("node").toString());
        shim.start();
        assertThat(shim.awaitExit().getReason()).isEqualTo("Completed");

        shim.delete(false);

        assertThat(fixture.rootfsMounted()).isFalse();
        assertThat(fixture.runDir.resolve("host")).doesNotExist();
        assertThat(ShimFixture.runQuietly("runc", "--root", fixture.runcRoot.toString(), "list", "-q"))
                .doesNotContain(fixture.id);
        assertThatThrownBy(shim::state).isInstanceOf(ShimGoneException.class)
                .satisfies(e -> assertThat(((ShimGoneException) e).recordedExit()).get()
                        .extracting(ExitStatus::getReason).isEqualTo("Completed"));
        assertThatThrownBy(() -> ShimClient.connect(fixture.runDir)).isInstanceOf(ShimGoneException.class);
        assertThat(shim.isAlive()).as("the node's host outlives its containers").isTrue();
        assertThat(fixture.hostPid(ShimGrouping.NODE_GROUP)).isEqualTo(shim.shimPid());
    }

    @Test
    void aRunningContainerIsNotDeletedWithoutForce() throws Exception {
        fixture = new ShimFixture(dir, "sleep", "1000");
        ShimClient shim = fixture.launch(false);
        shim.start();

        assertThatThrownBy(() -> shim.delete(false)).isInstanceOf(FailedPreconditionException.class)
                .hasMessageContaining("running");
        assertThatThrownBy(() -> shim.resize(80, 24)).isInstanceOf(FailedPreconditionException.class)
                .hasMessageContaining("no terminal");

        shim.delete(true);
        assertThat(ShimClient.recordedExit(fixture.runDir)).get().extracting(ExitStatus::getExitCode).isEqualTo(137);
        assertThat(fixture.awaitReportedExit(fixture.runDir).getExitCode()).isEqualTo(137);
        assertThatThrownBy(shim::state).isInstanceOf(ShimGoneException.class);
    }

    @Test
    void sigtermEndsASleepWith143AndTheSignalRecorded() throws Exception {
        // In its own pid namespace sleep would be init, which ignores signals it has no handler for.
        fixture = new ShimFixture(dir, "sleep", "1000").withHostPidNamespace();
        ShimClient shim = fixture.launch(false);
        shim.start();
        assertThat(shim.state().getStatus()).isEqualTo(Status.STATUS_RUNNING);

        shim.kill(Posix.SIGTERM, false);
        ExitStatus exit = shim.awaitExit();

        assertThat(exit.getExitCode()).isEqualTo(143);
        assertThat(exit.getSignal()).isEqualTo(Posix.SIGTERM);
        assertThat(exit.getReason()).isEqualTo("Error");
        assertThat(ShimClient.recordedExit(fixture.runDir)).contains(exit);
        shim.kill(Posix.SIGKILL, false); // after the exit: a no-op, not an error
    }

    @Test
    void theHostOutlivesBerthdInASessionOfItsOwnAndARestartedBerthdReattachesToIt() throws Exception {
        fixture = new ShimFixture(dir, "sh", "-c", "echo before; while [ ! -e /go ]; do sleep 0.05; done; echo after");
        ShimClient shim = fixture.launch(false);
        shim.start();
        int hostPid = fixture.hostPid(ShimGrouping.NODE_GROUP);
        assertThat(ShimFixture.sessionOf(hostPid)).isEqualTo(hostPid)
                .isNotEqualTo(ShimFixture.sessionOf(ProcessHandle.current().pid()));

        fixture.stopBerthd();
        assertThat(ProcessHandle.of(hostPid)).get().matches(ProcessHandle::isAlive, "alive");
        assertThat(ShimClient.connect(fixture.runDir).state().getStatus()).isEqualTo(Status.STATUS_RUNNING);

        fixture.startBerthd();
        assertThat(fixture.hostPid(ShimGrouping.NODE_GROUP)).as("reattached, not replaced").isEqualTo(hostPid);
        ShimClient again = fixture.track(ShimClient.connect(fixture.runDir));
        assertThat(again.shimPid()).isEqualTo(hostPid);
        fixture.go();

        assertThat(fixture.awaitReportedExit(fixture.runDir).getExitCode()).as("reported to the new berthd").isZero();
        assertThat(fixture.logEntries()).extracting(LogEntry::content).containsExactly("before", "after");
        again.delete(false);
    }

    @Test
    void aHostKilledWithSigkillIsReplacedByOneThatAdoptsItsRunningContainer() throws Exception {
        fixture = new ShimFixture(dir, "sh", "-c",
                "echo before; while [ ! -e /go ]; do sleep 0.05; done; echo after; exec sleep 1000");
        ShimClient shim = fixture.launch(false);
        shim.start();
        await().atMost(PATIENCE).until(() -> fixture.logEntries().size() == 1);
        int containerPid = shim.state().getPid();
        int hostPid = fixture.hostPid(ShimGrouping.NODE_GROUP);

        Posix.kill(hostPid, Posix.SIGKILL);
        ShimFixture.awaitExitOf(hostPid, PATIENCE);
        fixture.go(); // the container writes while its host is dead or the new one boots

        await().atMost(PATIENCE).until(() -> fixture.hosts().hostPid(ShimGrouping.NODE_GROUP)
                .filter(pid -> pid != hostPid).isPresent());
        int newHost = fixture.hostPid(ShimGrouping.NODE_GROUP);
        // Adopting takes the new host a moment after it serves; until then it does not know the container.
        ShimClient adopted = fixture.track(await().atMost(PATIENCE).ignoreExceptions()
                .until(() -> ShimClient.connect(fixture.runDir), c -> true));
        assertThat(adopted.shimPid()).isEqualTo(newHost);
        State state = adopted.state();
        assertThat(state.getStatus()).isEqualTo(Status.STATUS_RUNNING);
        assertThat(state.getPid()).isEqualTo(containerPid);
        assertThat(fixture.runDir.resolve("host")).content().isEqualTo(fixture.hostsDir.resolve("node").toString());
        await().atMost(PATIENCE).until(() -> fixture.logEntries().size() == 2);
        assertThat(fixture.logEntries()).extracting(LogEntry::content).containsExactly("before", "after");
        try (ProcessStream s = adopted.exec(ExecRequest.newBuilder().addArgs("echo").addArgs("hi").build())) {
            assertThat(StreamOutput.readAll(s)).isEqualTo(new StreamOutput("hi\n", "", 0));
        }
        assertThat(fixture.reports).as("no exit reported for a container that runs on").isEmpty();

        adopted.delete(true);
        // The adopted init is not the new host's child: its exit code went to whoever reaped it.
        ExitStatus exit = fixture.awaitReportedExit(fixture.runDir);
        assertThat(exit.getReason()).isEqualTo("Unknown");
        assertThat(exit.getExitCode()).isEqualTo(255);
        assertThat(fixture.rootfsMounted()).isFalse();
    }

    @Test
    void aContainerThatExitsWhileItsHostIsDeadIsAdoptedAsExitedWithAnUnknownCode() throws Exception {
        fixture = new ShimFixture(dir, "sleep", "1000");
        ShimClient shim = fixture.launch(false);
        shim.start();
        int containerPid = shim.state().getPid();
        int hostPid = fixture.hostPid(ShimGrouping.NODE_GROUP);

        // Stopped, the host cannot reap its container; killed, it leaves the zombie to this JVM, the subreaper.
        Posix.kill(hostPid, ShimFixture.SIGSTOP);
        Posix.kill(containerPid, Posix.SIGKILL);
        await().atMost(PATIENCE).until(() -> ShimFixture.isGoneOrZombie(containerPid));
        Posix.kill(hostPid, Posix.SIGKILL);

        ExitStatus exit = fixture.awaitReportedExit(fixture.runDir);
        assertThat(exit.getReason()).isEqualTo("Unknown");
        assertThat(exit.getExitCode()).isEqualTo(255);
        assertThat(exit.getMessage()).contains("died");
        // The exit file keeps no message (see CriLogTest#theExitFileKeepsWhyAnExitIsNotFullyKnown).
        assertThat(ShimClient.recordedExit(fixture.runDir)).get()
                .extracting(ExitStatus::getExitCode, ExitStatus::getReason, ExitStatus::getExitedAtUnixNanos)
                .containsExactly(255, "Unknown", exit.getExitedAtUnixNanos());
        ShimClient adopted = fixture.track(ShimClient.connect(fixture.runDir));
        assertThat(adopted.shimPid()).isNotEqualTo(hostPid);
        assertThat(adopted.state().getStatus()).isEqualTo(Status.STATUS_STOPPED);
        adopted.delete(false);
        assertThat(fixture.rootfsMounted()).isFalse();
    }

    @Test
    void aBerthdRestartedAfterTheHostDiedFindsTheContainerGoneWithoutAnExit() throws Exception {
        fixture = new ShimFixture(dir, "sleep", "1000");
        ShimClient shim = fixture.launch(false);
        shim.start();
        int containerPid = shim.state().getPid();
        int hostPid = fixture.hostPid(ShimGrouping.NODE_GROUP);

        // Without berthd nobody holds the container's output or starts a replacement host.
        fixture.stopBerthd();
        Posix.kill(hostPid, Posix.SIGKILL);
        ShimFixture.awaitExitOf(hostPid, PATIENCE);
        Posix.kill(containerPid, Posix.SIGKILL);
        await().atMost(PATIENCE).until(() -> ShimFixture.isGoneOrZombie(containerPid));
        fixture.startBerthd();

        int newHost = fixture.hostPid(ShimGrouping.NODE_GROUP);
        assertThat(newHost).isNotEqualTo(hostPid);
        assertThatThrownBy(() -> ShimClient.connect(fixture.runDir)).isInstanceOf(ShimGoneException.class)
                .satisfies(e -> assertThat(((ShimGoneException) e).recordedExit()).isEmpty());
        assertThat(ShimClient.recordedExit(fixture.runDir)).isEmpty();
        assertThat(fixture.reports).isEmpty();
    }

    @Test
    void aContainerKilledForMemoryIsOomKilled() throws Exception {
        fixture = new ShimFixture(dir, "sh", "-c", "x=$(head -c 100000000 /dev/zero | tr '\\0' a); echo ${#x}")
                .withMemoryLimit(32L << 20);
        ShimClient shim = fixture.launch(false);
        shim.start();

        ExitStatus exit = shim.awaitExit();

        assertThat(exit.getReason()).isEqualTo("OOMKilled");
        assertThat(exit.getExitCode()).isEqualTo(137);
        assertThat(ShimClient.recordedExit(fixture.runDir)).contains(exit);
    }

    @Test
    void aTerminalContainerSeesTheWindowSizeSetByResize() throws Exception {
        fixture = new ShimFixture(dir, "sh", "-c", "while [ ! -e /go ]; do sleep 0.05; done; stty size");
        ShimClient shim = fixture.launch(true);
        assertThat(shim.state().getTty()).isTrue();
        shim.start();

        shim.resize(123, 45);
        fixture.go();
        shim.awaitExit();

        assertThat(fixture.logEntries()).extracting(LogEntry::stream, e -> e.content().strip())
                .containsExactly(org.assertj.core.groups.Tuple.tuple("stdout", "45 123"));
    }

    @Test
    void aContainerTheRuntimeCannotCreateFailsTheCreateWithTheRuntimesReasonAndLeavesNothing() throws Exception {
        fixture = new ShimFixture(dir, "/bin/no-such-program");

        assertThatThrownBy(() -> fixture.launch(false)).isInstanceOf(InternalException.class)
                .hasMessageContaining("runc create")
                .hasMessageContaining("no-such-program");
        assertThat(fixture.rootfsMounted()).isFalse();
        assertThat(fixture.runDir.resolve("host")).doesNotExist();
        assertThatThrownBy(() -> ShimClient.connect(fixture.runDir)).isInstanceOf(ShimGoneException.class);
        assertThat(ProcessHandle.of(fixture.hostPid(ShimGrouping.NODE_GROUP))).get()
                .matches(ProcessHandle::isAlive, "the host survives a failed create");
    }
}
