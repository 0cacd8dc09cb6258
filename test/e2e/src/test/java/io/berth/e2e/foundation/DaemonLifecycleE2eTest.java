package io.berth.e2e.foundation;

import io.berth.e2e.harness.BasicCriCalls;
import io.berth.e2e.harness.BerthdCommand;
import io.berth.e2e.harness.BerthdOptions;
import io.berth.e2e.harness.BerthdProcess;
import io.berth.e2e.harness.CommandResult;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.E2eSettings;
import io.berth.e2e.harness.ScratchDir;
import io.berth.e2e.harness.ShimHostProcesses;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static io.berth.e2e.foundation.CriApiE2eTest.stringField;
import static io.berth.e2e.foundation.CriApiE2eTest.verboseConfig;
import static io.berth.e2e.foundation.Refusal.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

/** The daemon as a process on a node: its socket and directories, neighbours, leftovers, signals and restarts. */
class DaemonLifecycleE2eTest {

    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    @BeforeAll
    static void onlyForOwnBerthd() {
        E2eSettings.assumeOwnBerthd();
    }

    @Test
    void servesOnASocketOnlyRootsGroupCanUseUnderAPrivateRoot() throws IOException {
        BerthdProcess berthd = daemons.startBerthd();

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(berthd.socket()))).isEqualTo("rw-rw----");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(berthd.root()))).isEqualTo("rwx------");
        assertThat(berthd.logText()).contains("serving CRI on unix://" + berthd.socket());
    }

    @Test
    void twoDaemonsOnSeparateRootsServeSideBySide() throws Exception {
        BerthdProcess first = daemons.startBerthd();
        BerthdProcess second = daemons.startBerthd();

        assertThat(BasicCriCalls.version(first.client()).getRuntimeName()).isEqualTo("berth");
        assertThat(BasicCriCalls.version(second.client()).getRuntimeName()).isEqualTo("berth");
        assertThat(stringField(verboseConfig(first.client()), "root")).isEqualTo(first.root().toString());
        assertThat(stringField(verboseConfig(second.client()), "root")).isEqualTo(second.root().toString());
        assertThat(first.pid()).isNotEqualTo(second.pid());
    }

    @Test
    void aStaleSocketFileIsReplacedAndServed() throws IOException {
        ScratchDir dir = daemons.scratchDir("berthd-stale-");
        Path socket = dir.resolve("berth.sock");
        leaveStaleSocketFile(socket);

        BerthdProcess berthd = daemons.startBerthd(BerthdOptions.defaults().withSocket(socket));

        assertThat(BasicCriCalls.version(berthd.client()).getRuntimeApiVersion()).isEqualTo("v1");
        assertThat(berthd.logText()).contains("serving CRI on unix://" + socket);
    }

    @Test
    void aSecondDaemonOnALiveSocketIsRefusedAndTheFirstKeepsServing() {
        BerthdProcess first = daemons.startBerthd();
        ScratchDir dir = daemons.scratchDir("berthd-second-");

        CommandResult second = BerthdCommand.run(dir, "--root", dir.resolve("root").toString(),
                "--state", dir.resolve("state").toString(), "--socket", first.socket().toString());

        assertRefused(second, 1, first.socket().toString());
        assertThat(ShimHostProcesses.list(dir.resolve("state"))).as("shim hosts the refused daemon left").isEmpty();
        assertThat(first.isAlive()).isTrue();
        assertThat(first.socket()).exists();
        assertThat(BasicCriCalls.version(first.client()).getRuntimeName()).isEqualTo("berth");
    }

    /** A shell without job control starts background commands so; the JVM alone would then never see SIGINT. */
    @Test
    void aStopSignalStopsBerthdEvenIfWhoeverStartedItIgnoredTheSignal() throws IOException {
        BerthdProcess berthd = daemons.startBerthd();
        Path launcher = berthd.dir().resolve("berthd-ignoring-int-and-term");
        Files.writeString(launcher, "#!/bin/sh\ntrap '' INT TERM\nexec " + E2eSettings.berthdLauncher()
                + " \"$@\"\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwx------"));
        berthd.restartWith(launcher);
        assertThat(ignoredSignals(berthd.pid())).as("signals ignored by the launcher's exec").isZero();

        int exitCode = berthd.stopWith("INT");

        assertThat(exitCode).as("exit code after SIGINT; log:%n%s", berthd.logText()).isZero();
        assertThat(berthd.socket()).doesNotExist();
    }

    /** The SigIgn mask's bits for SIGINT and SIGTERM, from /proc. */
    private static long ignoredSignals(long pid) throws IOException {
        String mask = Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
                .filter(l -> l.startsWith("SigIgn:")).findFirst().orElseThrow().substring(7).trim();
        return Long.parseUnsignedLong(mask, 16) & ((1L << (2 - 1)) | (1L << (15 - 1)));
    }

    @ParameterizedTest(name = "SIG{0}")
    @ValueSource(strings = {"TERM", "INT"})
    void aStopSignalExitsZeroAndRemovesTheSocket(String signal) {
        BerthdProcess berthd = daemons.startBerthd();

        int exitCode = berthd.stopWith(signal);

        assertThat(exitCode).as("exit code after SIG%s; log:%n%s", signal, berthd.logText()).isZero();
        assertThat(berthd.socket()).doesNotExist();
    }

    @Test
    void afterKillNineARestartOnTheSameRootsServesAgain() throws Exception {
        BerthdProcess berthd = daemons.startBerthd();
        long firstPid = berthd.pid();

        berthd.kill9();
        // SIGKILL leaves the socket file behind: exactly the stale socket a crashed daemon leaves on a node.
        assertThat(berthd.socket()).exists();
        berthd.restart();

        assertThat(berthd.pid()).isNotEqualTo(firstPid);
        assertThat(stringField(verboseConfig(berthd.client()), "root")).isEqualTo(berthd.root().toString());
    }

    /** Binds a unix socket and closes it: the file stays, but nothing listens — what a crashed server leaves. */
    private static void leaveStaleSocketFile(Path socket) throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
        }
        assertThat(socket).as("precondition: the closed socket's file remains").exists();
    }
}
