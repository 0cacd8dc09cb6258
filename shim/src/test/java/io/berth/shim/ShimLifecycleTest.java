package io.berth.shim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.InternalException;
import io.berth.linux.ChildProcesses;
import io.berth.linux.Posix;
import io.berth.shim.ShimFixture.LogEntry;
import io.berth.shim.api.ExitStatus;
import io.berth.shim.api.State;
import io.berth.shim.api.Status;
import io.berth.shim.client.LaunchOptions;
import io.berth.shim.client.ShimClient;
import io.berth.shim.client.ShimGoneException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A shim driving a real runc container through its life. Needs root and runc. */
class ShimLifecycleTest {
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private ShimFixture fixture;

    @BeforeAll
    static void adoptOrphans() throws Exception {
        // Processes orphaned by a killed shim or a finished launcher re-parent to this JVM, so the
        // tests can reap them; this machine's pid 1 may not.
        ChildProcesses.becomeChildSubreaper();
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void anExitCodeIsRecordedInTheExitFileAndReturnedByWait() throws Exception {
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
    }

    @Test
    void aCleanExitIsCompletedAndDeleteUnmountsTheRootfsAndEndsTheShim() throws Exception {
        fixture = new ShimFixture(dir, "sh", "-c", "exit 0");
        ShimClient shim = fixture.launch(false);
        assertThat(fixture.rootfsMounted()).isTrue();
        shim.start();
        assertThat(shim.awaitExit().getReason()).isEqualTo("Completed");

        shim.delete(false);

        await().atMost(PATIENCE).until(() -> !shim.isAlive());
        assertThat(fixture.rootfsMounted()).isFalse();
        assertThat(fixture.runDir.resolve("shim.sock")).doesNotExist();
        assertThat(ShimFixture.runQuietly("runc", "--root", fixture.runcRoot.toString(), "list", "-q"))
                .doesNotContain(fixture.id);
        assertThatThrownBy(shim::state).isInstanceOf(ShimGoneException.class)
                .satisfies(e -> assertThat(((ShimGoneException) e).recordedExit()).isPresent());
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
        await().atMost(PATIENCE).until(() -> !shim.isAlive());
        assertThat(ShimClient.recordedExit(fixture.runDir)).get().extracting(ExitStatus::getExitCode).isEqualTo(137);
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
    void theShimOutlivesItsLauncherInASessionOfItsOwn() throws Exception {
        fixture = new ShimFixture(dir, "sh", "-c", "echo still here");
        Path config = dir.resolve("shim-config.pb");
        Files.write(config, fixture.config(false).toByteArray());
        Process launcher = new ProcessBuilder(LaunchOptions.defaults().javaBinary(), "-cp",
                System.getProperty("java.class.path"), ShimLauncherMain.class.getName(), config.toString())
                .redirectErrorStream(true).start();
        String output = new String(launcher.getInputStream().readAllBytes()).strip();
        assertThat(launcher.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(launcher.exitValue()).as(output).isZero();
        int shimPid = Integer.parseInt(output.lines().reduce((a, b) -> b).orElseThrow());

        ShimClient shim = fixture.track(ShimClient.connect(fixture.runDir));
        try {
            assertThat(shim.shimPid()).isEqualTo(shimPid);
            assertThat(shim.isAlive()).isTrue();
            assertThat(ShimFixture.sessionOf(shimPid)).isEqualTo(shimPid)
                    .isNotEqualTo(ShimFixture.sessionOf(ProcessHandle.current().pid()));
            shim.start();
            assertThat(shim.awaitExit().getExitCode()).isZero();
            assertThat(fixture.logEntries()).extracting(LogEntry::content).containsExactly("still here");
            shim.delete(false);
        } finally {
            ShimFixture.reapQuietly(shimPid); // re-parented to this JVM when the launcher exited
        }
    }

    @Test
    void aShimKilledWithSigkillIsReportedGone() throws Exception {
        fixture = new ShimFixture(dir, "sleep", "1000");
        ShimClient shim = fixture.launch(false);
        shim.start();
        int containerPid = shim.state().getPid();

        Posix.kill(shim.shimPid(), Posix.SIGKILL);

        await().atMost(PATIENCE).untilAsserted(() -> assertThatThrownBy(shim::state)
                .isInstanceOf(ShimGoneException.class)
                .satisfies(e -> assertThat(((ShimGoneException) e).recordedExit()).isEmpty()));
        assertThat(shim.isAlive()).isFalse();
        assertThatThrownBy(() -> ShimClient.connect(fixture.runDir)).isInstanceOf(ShimGoneException.class);

        ShimFixture.runQuietly("runc", "--root", fixture.runcRoot.toString(), "delete", "--force", fixture.id);
        ShimFixture.reapQuietly(containerPid);
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
        Files.createFile(fixture.rootfsSource.resolve("go"));
        shim.awaitExit();

        assertThat(fixture.logEntries()).extracting(LogEntry::stream, e -> e.content().strip())
                .containsExactly(org.assertj.core.groups.Tuple.tuple("stdout", "45 123"));
    }

    @Test
    void aContainerTheRuntimeCannotCreateFailsTheLaunchWithTheRuntimesReason() throws Exception {
        fixture = new ShimFixture(dir, "/bin/no-such-program");

        assertThatThrownBy(() -> fixture.launch(false)).isInstanceOf(InternalException.class)
                .hasMessageContaining("runc create")
                .hasMessageContaining("no-such-program");
        assertThat(fixture.rootfsMounted()).isFalse();
        assertThat(fixture.runDir.resolve("create-error")).exists();
    }
}
