package io.berth.shim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.berth.common.error.InternalException;
import io.berth.shim.api.ShimConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An OCI runtime that misbehaves on create, a script in runc's place: what it said on stderr comes back in the
 * error, one that hangs is killed with what it forked once the config's timeout has passed, and one that exits 0
 * without creating anything is an error too. The rootfs is unmounted after each.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RuntimeFaultsTest {
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
    void aCreateThatFailsQuotesWhatTheRuntimeSaidOnStderr() throws Exception {
        assertThatThrownBy(() -> createWith("echo 'no such cgroup, says the runtime' >&2; exit 2", 0))
                .isInstanceOf(InternalException.class)
                .hasMessageContaining("create")
                .hasMessageContaining("exit 2")
                .hasMessageContaining("no such cgroup, says the runtime");
        assertThat(fixture.rootfsMounted()).isFalse();
    }

    @Test
    void aCreateThatHangsIsKilledWithWhatItForkedAndReportedAsTimedOut() throws Exception {
        long start = System.nanoTime();
        assertThatThrownBy(() -> createWith("sleep 86397 & sleep 86397; exit 0", 1))
                .isInstanceOf(InternalException.class)
                .hasMessageContaining("timed out")
                .hasMessageContaining("1s");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(5)).until(() -> ProcessHandle.allProcesses()
                .noneMatch(p -> p.info().commandLine().orElse("").equals("sleep 86397")));
        assertThat(fixture.rootfsMounted()).isFalse();
    }

    @Test
    void aCreateThatExitsZeroWithoutCreatingAnythingIsAnError() throws Exception {
        assertThatThrownBy(() -> createWith("exit 0", 0))
                .isInstanceOf(InternalException.class)
                .hasMessageContaining("created nothing");
        assertThat(fixture.rootfsMounted()).isFalse();
    }

    /** Creates the fixture's container with a runtime that runs {@code script} for every command. */
    private void createWith(String script, int timeoutSeconds) throws Exception {
        fixture = new ShimFixture(dir, "/bin/true");
        Path runtime = dir.resolve("stand-in-runtime");
        Files.writeString(runtime, "#!/bin/sh\n" + script + "\n");
        Files.setPosixFilePermissions(runtime, PosixFilePermissions.fromString("rwxr-xr-x"));
        ShimConfig config = fixture.config(false).toBuilder().setRuntime(runtime.toString())
                .setRuntimeTimeoutSeconds(timeoutSeconds).build();
        fixture.create(config);
    }
}
