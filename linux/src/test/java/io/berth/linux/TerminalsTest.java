package io.berth.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TerminalsTest {
    @TempDir
    Path dir;

    @Test
    void theWindowSizeSetOnAPtyMasterIsReadBack() throws Exception {
        int master = FileDescriptors.openReadWrite("/dev/ptmx");
        try {
            Terminals.setWindowSize(master, new Terminals.WindowSize(40, 132));
            assertThat(Terminals.windowSize(master)).isEqualTo(new Terminals.WindowSize(40, 132));
        } finally {
            FileDescriptors.close(master);
        }
    }

    @Test
    void aWindowSizeOnANonTerminalIsRefused() throws Exception {
        int fd = FileDescriptors.openReadOnly("/dev/null");
        try {
            assertThatThrownBy(() -> Terminals.setWindowSize(fd, new Terminals.WindowSize(1, 1)))
                    .isInstanceOf(ErrnoException.class).hasMessageContaining("TIOCSWINSZ");
        } finally {
            FileDescriptors.close(fd);
        }
    }

    @Test
    void aConsoleSocketWithNoConnectionDoesNotBlock() throws Exception {
        Path path = dir.resolve("console.sock");
        try (Terminals.ConsoleSocket socket = Terminals.ConsoleSocket.listen(path)) {
            assertThat(path).exists();
            assertThatThrownBy(socket::receiveFd).isInstanceOf(ErrnoException.class)
                    .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(ErrnoException.EAGAIN));
        }
        assertThat(path).doesNotExist();
    }
}
