package io.berth.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChildProcessesTest {
    private static final Map<String, String> ENV = Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");

    @Test
    void aSpawnedChildWritesToTheGivenPipeAndItsExitCodeIsReaped() throws Exception {
        FileDescriptors.Pipe out = FileDescriptors.pipe();
        int devNull = FileDescriptors.openReadOnly("/dev/null");
        int pid;
        try {
            pid = ChildProcesses.spawn("sh", List.of("sh", "-c", "echo hello; exit 3"), ENV, devNull, out.writeEnd(),
                    out.writeEnd());
        } finally {
            FileDescriptors.close(out.writeEnd());
            FileDescriptors.close(devNull);
        }
        String output = readAll(out.readEnd());
        ChildProcesses.WaitStatus status = ChildProcesses.waitFor(pid);

        assertThat(output).isEqualTo("hello\n");
        assertThat(status.pid()).isEqualTo(pid);
        assertThat(status.exited()).isTrue();
        assertThat(status.exitCode()).isEqualTo(3);
        assertThat(status.shellExitCode()).isEqualTo(3);
    }

    @Test
    void aChildKilledBySignalReportsTheSignalAnd128PlusIt() throws Exception {
        int devNull = FileDescriptors.openReadWrite("/dev/null");
        int pid;
        try {
            pid = ChildProcesses.spawn("/bin/sh", List.of("sh", "-c", "kill -TERM $$"), ENV, devNull, devNull, devNull);
        } finally {
            FileDescriptors.close(devNull);
        }
        ChildProcesses.WaitStatus status = ChildProcesses.waitFor(pid);

        assertThat(status.signaled()).isTrue();
        assertThat(status.signal()).isEqualTo(15);
        assertThat(status.shellExitCode()).isEqualTo(143);
    }

    @Test
    void theChildGetsNoDescriptorBeyondItsStdio() throws Exception {
        FileDescriptors.Pipe out = FileDescriptors.pipe();
        int devNull = FileDescriptors.openReadOnly("/dev/null");
        int pid;
        try {
            pid = ChildProcesses.spawn("sh", List.of("sh", "-c", "ls /proc/self/fd"), ENV, devNull, out.writeEnd(),
                    out.writeEnd());
        } finally {
            FileDescriptors.close(out.writeEnd());
            FileDescriptors.close(devNull);
        }
        String fds = readAll(out.readEnd());
        ChildProcesses.waitFor(pid);
        // 0, 1, 2, and 3 is the directory ls itself opened.
        assertThat(fds.split("\\s+")).containsOnly("0", "1", "2", "3");
    }

    @Test
    void killingTheGroupOfAChildSpawnedInItsOwnGroupEndsWhatItForkedToo() throws Exception {
        FileDescriptors.Pipe out = FileDescriptors.pipe();
        int devNull = FileDescriptors.openReadOnly("/dev/null");
        int pid;
        try {
            // The grandchild holds the pipe too: only its death as well lets the reader see end of file.
            pid = ChildProcesses.spawn("sh", List.of("sh", "-c", "sleep 600 & sleep 600"), ENV, devNull,
                    out.writeEnd(), out.writeEnd(), true);
        } finally {
            FileDescriptors.close(out.writeEnd());
            FileDescriptors.close(devNull);
        }
        Posix.killProcessGroup(pid, Posix.SIGKILL);
        assertThat(ChildProcesses.waitFor(pid).signal()).isEqualTo(Posix.SIGKILL);
        assertThat(readAll(out.readEnd())).isEmpty();
    }

    @Test
    void aMissingProgramIsEnoent() throws Exception {
        assertThatThrownBy(() -> ChildProcesses.spawn("/nonexistent/prog", List.of("prog"), ENV, 0, 1, 2))
                .isInstanceOf(ErrnoException.class)
                .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(ErrnoException.ENOENT));
    }

    @Test
    void waitNoHangIsEmptyWhileTheChildRunsAndReapsItOnceItHasExited() throws Exception {
        int pid = PidFdsTest.spawn("sleep", "30");
        int pidfd = PidFds.open(pid);
        try {
            assertThat(ChildProcesses.waitNoHang(pid)).isEmpty();
            PidFds.sendSignal(pidfd, Posix.SIGKILL);
            awaitExit(pidfd);

            assertThat(ChildProcesses.waitNoHang(pid)).get()
                    .satisfies(status -> assertThat(status.pid()).isEqualTo(pid))
                    .satisfies(status -> assertThat(status.signal()).isEqualTo(Posix.SIGKILL));
            assertThat(ChildProcesses.waitNoHang(pid)).isEmpty(); // reaped already: ECHILD
        } finally {
            FileDescriptors.close(pidfd);
        }
    }

    @Test
    void waitAnyNoHangReapsWhicheverChildExitedAndIsEmptyWithoutChildren() throws Exception {
        int pid = PidFdsTest.spawn("sh", "-c", "exit 4");
        int pidfd = PidFds.open(pid);
        try {
            awaitExit(pidfd);
            assertThat(ChildProcesses.waitAnyNoHang()).get()
                    .satisfies(status -> assertThat(status.pid()).isEqualTo(pid))
                    .satisfies(status -> assertThat(status.exitCode()).isEqualTo(4));
            assertThat(ChildProcesses.waitAnyNoHang()).isEmpty();
        } finally {
            FileDescriptors.close(pidfd);
        }
    }

    @Test
    void waitNoHangOnAProcessThatIsNotOurChildIsEmpty() throws Exception {
        assertThat(ChildProcesses.waitNoHang(1)).isEmpty();
    }

    private static void awaitExit(int pidfd) throws ErrnoException {
        try (Epoll epoll = Epoll.open()) {
            epoll.add(pidfd, Epoll.IN, 0);
            assertThat(epoll.wait(new Epoll.Ready(1), 10_000)).isEqualTo(1);
        }
    }

    private static String readAll(int fd) throws ErrnoException {
        ByteBuffer buf = ByteBuffer.allocateDirect(4096);
        StringBuilder text = new StringBuilder();
        try {
            while (FileDescriptors.read(fd, buf) > 0) {
                text.append(StandardCharsets.UTF_8.decode(buf));
            }
        } finally {
            FileDescriptors.close(fd);
        }
        return text.toString();
    }
}
