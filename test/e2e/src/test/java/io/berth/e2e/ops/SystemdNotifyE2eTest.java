package io.berth.e2e.ops;

import io.berth.e2e.harness.BasicCriCalls;
import io.berth.e2e.harness.CriClient;
import io.berth.e2e.harness.E2eSettings;
import io.berth.e2e.harness.LoggedProcess;
import io.berth.e2e.harness.ScratchDir;
import io.berth.e2e.harness.ShimHostProcesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * berthd under systemd's notify protocol, with this test in systemd's place: a datagram socket named by
 * NOTIFY_SOCKET, as berth.service (Type=notify) gives it.
 */
class SystemdNotifyE2eTest {
    private static final Duration STARTUP = Duration.ofSeconds(60);

    private ScratchDir dir;
    private NotifyListener systemd;
    private LoggedProcess berthd;

    @BeforeAll
    static void onlyForOwnBerthd() {
        E2eSettings.assumeOwnBerthd();
    }

    @BeforeEach
    void bindNotifySocket() {
        dir = ScratchDir.create("berthd-notify-");
        systemd = NotifyListener.bind(dir.resolve("notify"));
    }

    @AfterEach
    void cleanUp() {
        try {
            if (berthd != null) {
                berthd.kill9();
            }
        } finally {
            ShimHostProcesses.killAll(dir.resolve("state"));
            systemd.close();
            dir.close();
        }
    }

    @Test
    void readyComesOnceTheSocketServesAndStoppingWhenSigtermArrives() throws Exception {
        Path socket = dir.resolve("berth.sock");
        startBerthd(Map.of());

        String ready = nextDatagram();

        assertThat(ready).as("berthd log:\n%s", berthd.logText())
                .isEqualTo("READY=1\nSTATUS=serving CRI on unix://" + socket + "\nMAINPID=" + berthd.pid());
        try (CriClient client = CriClient.connect(socket)) {
            assertThat(BasicCriCalls.version(client).getRuntimeName()).isEqualTo("berth");
        }
        berthd.signal("TERM");
        assertThat(nextDatagram()).isEqualTo("STOPPING=1");
        assertThat(berthd.awaitExit(Duration.ofSeconds(30))).hasValue(0);
    }

    @Test
    void theShimHostDoesNotInheritTheNotifySocket() throws Exception {
        // runc would take an inherited NOTIFY_SOCKET as the container's: every `runc start` would wait for a
        // READY=1 from inside the container.
        startBerthd(Map.of("WATCHDOG_USEC", "60000000"));
        assertThat(nextDatagram()).startsWith("READY=1\n");

        List<Long> hosts = ShimHostProcesses.list(dir.resolve("state"));

        assertThat(hosts).as("berth starts the node's shim host before it is ready; log:\n%s", berthd.logText())
                .isNotEmpty();
        for (long host : hosts) {
            assertThat(environmentOf(host)).noneMatch(v -> v.startsWith("NOTIFY_SOCKET=")
                    || v.startsWith("WATCHDOG_USEC="));
        }
    }

    /** berthd on roots and a socket in this test's dir, with NOTIFY_SOCKET and {@code systemdEnv} set. */
    private void startBerthd(Map<String, String> systemdEnv) {
        Map<String, String> env = new HashMap<>(systemdEnv);
        env.put("NOTIFY_SOCKET", systemd.address());
        env.put("BERTH_JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        berthd = LoggedProcess.start(List.of(E2eSettings.berthdLauncher().toString(),
                "--root", dir.resolve("root").toString(), "--state", dir.resolve("state").toString(),
                "--socket", dir.resolve("berth.sock").toString()), env, dir.resolve("berthd.log"));
    }

    /** The next datagram systemd would get; fails when none comes while berthd starts. */
    private String nextDatagram() {
        return systemd.next(STARTUP, berthd);
    }

    private static List<String> environmentOf(long pid) throws IOException {
        return List.of(Files.readString(Path.of("/proc/" + pid + "/environ")).split("\0"));
    }
}
