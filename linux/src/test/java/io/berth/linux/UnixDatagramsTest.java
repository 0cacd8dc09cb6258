package io.berth.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(10)
class UnixDatagramsTest {
    @TempDir
    Path dir;

    private int receiver = -1;

    @AfterEach
    void closeReceiver() {
        FileDescriptors.closeQuietly(receiver);
    }

    @Test
    void eachSendArrivesWholeAsOneDatagramAtAPath() throws Exception {
        String path = dir.resolve("notify.sock").toString();
        receiver = UnixDatagrams.bind(path);

        UnixDatagrams.send(path, bytes("READY=1\nSTATUS=up"));
        UnixDatagrams.send(path, bytes("STOPPING=1"));

        assertThat(nextDatagram()).isEqualTo("READY=1\nSTATUS=up");
        assertThat(nextDatagram()).isEqualTo("STOPPING=1");
        assertThat(FileDescriptors.isCloseOnExec(receiver)).isTrue();
    }

    @Test
    void anAtSignNamesASocketInTheAbstractNamespaceWithNoFileBehindIt() throws Exception {
        String name = "berth-test-" + UUID.randomUUID();
        receiver = UnixDatagrams.bind("@" + name);

        UnixDatagrams.send("@" + name, bytes("WATCHDOG=1"));

        assertThat(nextDatagram()).isEqualTo("WATCHDOG=1");
        assertThat(Path.of(name)).doesNotExist();
        assertThat(Path.of("@" + name)).doesNotExist();
    }

    @Test
    void anAbstractNameIsExactlyItsBytesWithoutATrailingNul() throws Exception {
        // systemd binds the name to exactly its length; a NUL after it would make it another name.
        // /proc/net/unix shows an abstract name with '@' for every NUL byte in it, the leading one included.
        String name = "berth-test-" + UUID.randomUUID();
        receiver = UnixDatagrams.bind("@" + name);

        try (Stream<String> sockets = Files.lines(Path.of("/proc/net/unix"))) {
            assertThat(sockets.map(line -> line.substring(line.lastIndexOf(' ') + 1)))
                    .contains("@" + name).doesNotContain("@" + name + "@");
        }
    }

    @Test
    void namesUpTo107BytesFitSockaddrUnAndLongerOnesAreRefused() throws Exception {
        String longest = "@" + "n".repeat(107 - UUID.randomUUID().toString().length()) + UUID.randomUUID();
        receiver = UnixDatagrams.bind(longest);
        UnixDatagrams.send(longest, bytes("fits"));
        assertThat(nextDatagram()).isEqualTo("fits");

        assertThatThrownBy(() -> UnixDatagrams.send(longest + "n", bytes("x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("107 bytes");
        assertThatThrownBy(() -> UnixDatagrams.send("/" + "p".repeat(107), bytes("x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("107 bytes");
    }

    @Test
    void noOneBoundThereIsAnErrnoNamingTheAddress() throws Exception {
        String stale = dir.resolve("stale.sock").toString();
        FileDescriptors.close(UnixDatagrams.bind(stale));

        assertThatThrownBy(() -> UnixDatagrams.send(stale, bytes("READY=1")))
                .isInstanceOf(ErrnoException.class).hasMessageContaining(stale)
                .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(ErrnoException.ECONNREFUSED));
        String missing = dir.resolve("missing.sock").toString();
        assertThatThrownBy(() -> UnixDatagrams.send(missing, bytes("READY=1")))
                .isInstanceOf(ErrnoException.class)
                .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(ErrnoException.ENOENT));
    }

    @Test
    void bindingATakenPathIsEaddrinuse() throws Exception {
        String path = dir.resolve("taken.sock").toString();
        receiver = UnixDatagrams.bind(path);

        assertThatThrownBy(() -> UnixDatagrams.bind(path)).isInstanceOf(ErrnoException.class)
                .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(ErrnoException.EADDRINUSE));
    }

    private String nextDatagram() throws ErrnoException {
        ByteBuffer in = ByteBuffer.allocateDirect(256);
        FileDescriptors.read(receiver, in);
        return StandardCharsets.UTF_8.decode(in).toString();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
