package io.berth.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PosixTest {
    @TempDir
    Path dir;

    @Test
    void pidIsTheJvmsOwn() {
        assertThat((long) Posix.pid()).isEqualTo(ProcessHandle.current().pid());
    }

    @Test
    void uidMatchesTheOwnerOfAFileThisProcessCreates() throws Exception {
        Path f = Files.createFile(dir.resolve("mine"));
        assertThat(Files.getAttribute(f, "unix:uid")).isEqualTo(Posix.euid());
    }

    @Test
    void aRunningChildIsAliveAndAReapedOneIsNot() throws Exception {
        Process child = new ProcessBuilder("sleep", "30").start();
        int pid = (int) child.pid();
        try {
            assertThat(Posix.isAlive(pid)).isTrue();
        } finally {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
        assertThat(Posix.isAlive(pid)).isFalse();
    }

    @Test
    void killOfAMissingProcessNamesEsrch() throws Exception {
        Process child = new ProcessBuilder("true").start();
        child.waitFor(10, TimeUnit.SECONDS);
        int gone = (int) child.pid();
        assertThatThrownBy(() -> Posix.kill(gone, 0))
                .isInstanceOf(ErrnoException.class)
                .hasMessageContaining("ESRCH")
                .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(ErrnoException.ESRCH));
    }

    @Test
    void signallingAProcessGroupIsRefused() {
        assertThatThrownBy(() -> Posix.kill(0, Posix.SIGTERM)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void killProcessGroupReachesEveryMemberOfTheGroup() throws Exception {
        // setsid makes the shell a group leader (pgid == its pid); its background sleep is in that group.
        Process leader = new ProcessBuilder("setsid", "sh", "-c", "sleep 30 & echo $!; wait").start();
        int member = Integer.parseInt(new java.io.BufferedReader(new java.io.InputStreamReader(
                leader.getInputStream())).readLine().trim());
        try {
            Posix.killProcessGroup((int) leader.pid(), Posix.SIGKILL);
            assertThat(leader.waitFor(10, TimeUnit.SECONDS)).isTrue();
            // Orphaned by the shell, it is reaped by whoever adopts it; dead is what counts.
            await().atMost(Duration.ofSeconds(10)).until(() -> !Posix.isAlive(member) || isZombie(member));
        } finally {
            leader.destroyForcibly();
        }
        assertThatThrownBy(() -> Posix.killProcessGroup(1, Posix.SIGKILL))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static boolean isZombie(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (java.io.IOException gone) {
            return false;
        }
    }

    @Test
    void chmodChangesTheModeAndNamesEnoentForAMissingFile() throws Exception {
        Path f = Files.createFile(dir.resolve("f"));
        Posix.chmod(f.toString(), 0640);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-r-----");

        assertThatThrownBy(() -> Posix.chmod(dir.resolve("missing").toString(), 0600))
                .isInstanceOf(ErrnoException.class)
                .hasMessageContaining("ENOENT")
                .hasMessageContaining("No such file or directory");
    }

    @Test
    void umaskReturnsThePreviousMask() {
        int old = Posix.umask(0027);
        try {
            assertThat(Posix.umask(0027)).isEqualTo(0027);
        } finally {
            Posix.umask(old);
        }
    }
}
