package io.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.linux.ErrnoException;
import io.berth.linux.FileDescriptors;
import io.berth.linux.UnixDatagrams;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(10)
class SystemdNotifierTest {
    private static final long PID = 4242;
    private static final Logger LOG = Logger.getLogger(SystemdNotifier.class.getName());

    @TempDir
    Path dir;

    private final List<LogRecord> warnings = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                warnings.add(record);
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };
    private int systemd = -1;

    @BeforeEach
    void captureWarnings() {
        LOG.addHandler(capture);
    }

    @AfterEach
    void release() {
        LOG.removeHandler(capture);
        FileDescriptors.closeQuietly(systemd);
    }

    @Test
    void readyStatusAndStoppingAreOneDatagramEachOnASocketPath() throws Exception {
        String socket = dir.resolve("notify").toString();
        systemd = UnixDatagrams.bind(socket);
        SystemdNotifier notifier = new SystemdNotifier(Map.of("NOTIFY_SOCKET", socket), PID);

        notifier.ready("serving CRI on unix:///run/berth/berth.sock");
        notifier.status("draining");
        notifier.stopping();

        assertThat(nextDatagram())
                .isEqualTo("READY=1\nSTATUS=serving CRI on unix:///run/berth/berth.sock\nMAINPID=4242");
        assertThat(nextDatagram()).isEqualTo("STATUS=draining");
        assertThat(nextDatagram()).isEqualTo("STOPPING=1");
        assertThat(warnings).isEmpty();
    }

    @Test
    void aNameStartingWithAnAtSignIsAnAbstractSocket() throws Exception {
        String socket = "@berth-notify-test-" + UUID.randomUUID();
        systemd = UnixDatagrams.bind(socket);

        new SystemdNotifier(Map.of("NOTIFY_SOCKET", socket), PID).ready("up");

        assertThat(nextDatagram()).isEqualTo("READY=1\nSTATUS=up\nMAINPID=4242");
    }

    @Test
    void aLineBreakInAStatusCannotAddAKey() throws Exception {
        String socket = dir.resolve("notify").toString();
        systemd = UnixDatagrams.bind(socket);

        new SystemdNotifier(Map.of("NOTIFY_SOCKET", socket), PID).status("socket /tmp/x\nSTOPPING=1");

        assertThat(nextDatagram()).isEqualTo("STATUS=socket /tmp/x STOPPING=1");
    }

    @Test
    void withoutNotifySocketEveryCallDoesNothingAndSaysNothing() {
        for (Map<String, String> environment : List.of(Map.<String, String>of(), Map.of("NOTIFY_SOCKET", ""),
                Map.of("WATCHDOG_USEC", "1000"))) {
            SystemdNotifier notifier = new SystemdNotifier(environment, PID);

            notifier.ready("up");
            notifier.status("still up");
            notifier.stopping();

            assertThat(watchdogThreads()).isZero();
        }
        assertThat(warnings).isEmpty();
    }

    @Test
    void aSocketNoOneListensOnIsWarnedAboutOnceAndNeverThrown() {
        String socket = dir.resolve("gone").toString();
        SystemdNotifier notifier = new SystemdNotifier(Map.of("NOTIFY_SOCKET", socket), PID);

        notifier.ready("up");
        notifier.status("still up");
        notifier.stopping();

        assertThat(warnings).singleElement().satisfies(w -> assertThat(w.getMessage()).contains(socket, "ENOENT"));
    }

    @Test
    void aNotifySocketThatIsNoUnixAddressIsWarnedAboutOnce() {
        SystemdNotifier notifier = new SystemdNotifier(Map.of("NOTIFY_SOCKET", "vsock:2:1234"), PID);

        notifier.ready("up");
        notifier.stopping();

        assertThat(warnings).singleElement().satisfies(w -> assertThat(w.getMessage()).contains("vsock:2:1234"));
    }

    @Test
    void theWatchdogPingsFromReadyUntilStopping() throws Exception {
        String socket = dir.resolve("notify").toString();
        systemd = UnixDatagrams.bind(socket);
        // 20 ms: a ping every 10 ms.
        SystemdNotifier notifier = new SystemdNotifier(
                Map.of("NOTIFY_SOCKET", socket, "WATCHDOG_USEC", "20000", "WATCHDOG_PID", Long.toString(PID)), PID);

        notifier.ready("up");
        assertThat(nextDatagram()).startsWith("READY=1\n");
        assertThat(nextDatagram()).isEqualTo("WATCHDOG=1");
        assertThat(nextDatagram()).isEqualTo("WATCHDOG=1");
        notifier.stopping();

        String last = nextDatagram();
        while (last.equals("WATCHDOG=1")) {
            last = nextDatagram();
        }
        assertThat(last).isEqualTo("STOPPING=1");
        assertThat(watchdogThreads()).isZero();
    }

    @Test
    void aWatchdogMeantForAnotherProcessIsNotPinged() throws Exception {
        String socket = dir.resolve("notify").toString();
        systemd = UnixDatagrams.bind(socket);
        SystemdNotifier notifier = new SystemdNotifier(
                Map.of("NOTIFY_SOCKET", socket, "WATCHDOG_USEC", "20000", "WATCHDOG_PID", "1"), PID);

        notifier.ready("up");

        assertThat(watchdogThreads()).isZero();
        notifier.stopping();
        assertThat(nextDatagram()).startsWith("READY=1\n");
        assertThat(nextDatagram()).isEqualTo("STOPPING=1");
    }

    private String nextDatagram() throws ErrnoException {
        ByteBuffer in = ByteBuffer.allocateDirect(512);
        FileDescriptors.read(systemd, in);
        return StandardCharsets.UTF_8.decode(in).toString();
    }

    private static long watchdogThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals(SystemdNotifier.WATCHDOG_THREAD) && t.isAlive()).count();
    }
}
