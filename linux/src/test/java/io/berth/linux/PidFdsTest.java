package io.berth.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PidFdsTest {
    private static final Map<String, String> ENV = Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");

    @Test
    void aPidfdBecomesReadableWhenTheProcessItNamesIsKilled() throws Exception {
        int pid = spawn("sleep", "30");
        int pidfd = PidFds.open(pid);
        try (Epoll epoll = Epoll.open()) {
            assertThat(FileDescriptors.isCloseOnExec(pidfd)).isTrue();
            epoll.add(pidfd, Epoll.IN, pid);
            Epoll.Ready ready = new Epoll.Ready(1);
            assertThat(epoll.wait(ready, 0)).isZero();

            PidFds.sendSignal(pidfd, Posix.SIGKILL);

            assertThat(epoll.wait(ready, 10_000)).isEqualTo(1);
            assertThat(ready.events(0) & Epoll.IN).isNotZero();
            assertThat(ready.token(0)).isEqualTo(pid);
            ChildProcesses.WaitStatus status = ChildProcesses.waitFor(pid);
            assertThat(status.signal()).isEqualTo(Posix.SIGKILL);
        } finally {
            FileDescriptors.close(pidfd);
        }
    }

    @Test
    void signallingAReapedProcessIsEsrchNotSomeoneElse() throws Exception {
        int pid = spawn("true");
        int pidfd = PidFds.open(pid);
        try {
            ChildProcesses.waitFor(pid);
            assertThatThrownBy(() -> PidFds.sendSignal(pidfd, Posix.SIGTERM)).isInstanceOf(ErrnoException.class)
                    .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(ErrnoException.ESRCH));
        } finally {
            FileDescriptors.close(pidfd);
        }
    }

    @Test
    void aPidThatDoesNotExistIsEsrch() {
        assertThatThrownBy(() -> PidFds.open(Integer.MAX_VALUE)).isInstanceOf(ErrnoException.class)
                .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(ErrnoException.ESRCH));
    }

    static int spawn(String... argv) throws ErrnoException {
        int devNull = FileDescriptors.openReadWrite("/dev/null");
        try {
            return ChildProcesses.spawn(argv[0], List.of(argv), ENV, devNull, devNull, devNull);
        } finally {
            FileDescriptors.close(devNull);
        }
    }
}
