package io.berth.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixSocketsTest {
    @TempDir
    Path dir;

    private int listener = -1;
    private int client = -1;
    private int server = -1;

    @BeforeEach
    void connect() throws Exception {
        Path path = dir.resolve("s.sock");
        listener = UnixSockets.listen(path, 4);
        client = UnixSockets.connect(path);
        server = UnixSockets.accept(listener);
    }

    @AfterEach
    void closeAll() {
        FileDescriptors.closeQuietly(server);
        FileDescriptors.closeQuietly(client);
        FileDescriptors.closeQuietly(listener);
    }

    @Test
    void theSocketFileIsForItsOwnerOnlyAndEverySocketIsCloseOnExec() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("s.sock"))))
                .isEqualTo("rw-------");
        for (int fd : new int[] {listener, client, server}) {
            assertThat(FileDescriptors.isCloseOnExec(fd)).isTrue();
        }
    }

    @Test
    void aPassedPipeEndWritesIntoTheOriginalPipe() throws Exception {
        FileDescriptors.Pipe pipe = FileDescriptors.pipe();
        int received = -1;
        try {
            UnixSockets.send(client, ByteBuffer.wrap("fd".getBytes(StandardCharsets.UTF_8)),
                    new int[] {pipe.writeEnd()});
            FileDescriptors.close(pipe.writeEnd());

            ByteBuffer in = ByteBuffer.allocateDirect(64);
            UnixSockets.Received got = UnixSockets.receive(server, in, 4);
            assertThat(got.bytes()).isEqualTo(2);
            assertThat(StandardCharsets.UTF_8.decode(in).toString()).isEqualTo("fd");
            assertThat(got.fds()).hasSize(1);
            received = got.fds()[0];
            assertThat(FileDescriptors.isCloseOnExec(received)).isTrue();

            FileDescriptors.writeFully(received, ByteBuffer.allocateDirect(3).put(new byte[] {1, 2, 3}).flip());
            FileDescriptors.close(received);
            ByteBuffer out = ByteBuffer.allocateDirect(16);
            assertThat(FileDescriptors.read(pipe.readEnd(), out)).isEqualTo(3);
            assertThat(out.get(2)).isEqualTo((byte) 3);
            assertThat(FileDescriptors.read(pipe.readEnd(), out)).isZero(); // the passed copy was the last writer
        } finally {
            FileDescriptors.closeQuietly(received);
            FileDescriptors.close(pipe.readEnd());
        }
    }

    @Test
    void dataWithoutDescriptorsArrivesAsItIsAndTheBufferPositionAdvances() throws Exception {
        ByteBuffer data = ByteBuffer.allocateDirect(8).put("xxhello".getBytes(StandardCharsets.UTF_8)).flip();
        data.position(2);
        UnixSockets.send(client, data, new int[0]);
        assertThat(data.hasRemaining()).isFalse();

        ByteBuffer in = ByteBuffer.allocateDirect(64);
        UnixSockets.Received got = UnixSockets.receive(server, in, 0);
        assertThat(got.bytes()).isEqualTo(5);
        assertThat(got.fds()).isEmpty();
        assertThat(StandardCharsets.UTF_8.decode(in).toString()).isEqualTo("hello");
    }

    @Test
    void aLargeHeapBufferIsSentWhole() throws Exception {
        byte[] payload = new byte[1 << 20];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) (i * 31);
        }
        Thread sender = new Thread(() -> {
            try {
                UnixSockets.send(client, ByteBuffer.wrap(payload), new int[0]);
                FileDescriptors.close(client);
            } catch (ErrnoException e) {
                throw new AssertionError(e);
            }
        });
        sender.start();
        byte[] got = new byte[payload.length];
        int total = 0;
        ByteBuffer in = ByteBuffer.allocateDirect(8192);
        int n;
        while ((n = UnixSockets.receive(server, in, 0).bytes()) > 0) {
            in.get(got, total, n);
            total += n;
        }
        sender.join();
        client = -1;
        assertThat(total).isEqualTo(payload.length);
        assertThat(got).isEqualTo(payload);
    }

    @Test
    void moreDescriptorsThanAllowedAreAllClosedAndRefused() throws Exception {
        FileDescriptors.Pipe pipe = FileDescriptors.pipe();
        try {
            long before = openDescriptors();
            int[] three = {pipe.readEnd(), pipe.writeEnd(), pipe.readEnd()};
            UnixSockets.send(client, ByteBuffer.wrap(new byte[] {1}), three);
            // Room for one descriptor is room for two after padding: refused by count, not truncation.
            UnixSockets.send(client, ByteBuffer.wrap(new byte[] {2}), new int[] {pipe.readEnd(), pipe.writeEnd()});

            ByteBuffer in = ByteBuffer.allocateDirect(1);
            assertThatThrownBy(() -> UnixSockets.receive(server, in, 1)).isInstanceOf(ErrnoException.class)
                    .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(ErrnoException.EMSGSIZE));
            assertThatThrownBy(() -> UnixSockets.receive(server, in, 1)).isInstanceOf(ErrnoException.class)
                    .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(ErrnoException.EMSGSIZE));
            assertThat(openDescriptors()).isEqualTo(before);
        } finally {
            FileDescriptors.close(pipe.readEnd());
            FileDescriptors.close(pipe.writeEnd());
        }
    }

    @Test
    void descriptorsToAReceiverThatAcceptsNoneAreDropped() throws Exception {
        long before = openDescriptors();
        UnixSockets.send(client, ByteBuffer.wrap(new byte[] {1}), new int[] {client});
        assertThatThrownBy(() -> UnixSockets.receive(server, ByteBuffer.allocateDirect(4), 0))
                .isInstanceOf(ErrnoException.class);
        assertThat(openDescriptors()).isEqualTo(before);
    }

    @Test
    void descriptorsNeedDataToTravelWith() {
        assertThatThrownBy(() -> UnixSockets.send(client, ByteBuffer.allocate(0), new int[] {client}))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void thePeerIsThisProcessAndUser() throws Exception {
        assertThat(UnixSockets.peerUid(server)).isEqualTo(Posix.euid());
        assertThat(UnixSockets.peerPid(server)).isEqualTo(Posix.pid());
        assertThat(UnixSockets.peerPid(client)).isEqualTo(Posix.pid());
    }

    @Test
    void aClosedPeerIsEndOfStreamAndNothingYetIsMinusOne() throws Exception {
        FileDescriptors.setNonBlocking(server, true);
        ByteBuffer in = ByteBuffer.allocateDirect(8);
        assertThat(UnixSockets.receive(server, in, 0).bytes()).isEqualTo(-1);
        FileDescriptors.close(client);
        client = -1;
        assertThat(UnixSockets.receive(server, in, 0).bytes()).isZero();
    }

    @Test
    void sendingToAClosedPeerIsEpipeRatherThanASignal() throws Exception {
        FileDescriptors.close(server);
        server = -1;
        assertThatThrownBy(() -> UnixSockets.send(client, ByteBuffer.wrap(new byte[] {1}), new int[0]))
                .isInstanceOf(ErrnoException.class)
                .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(ErrnoException.EPIPE));
    }

    @Test
    void aNonBlockingListenerWithNoConnectionReturnsMinusOne() throws Exception {
        FileDescriptors.setNonBlocking(listener, true);
        assertThat(UnixSockets.accept(listener)).isEqualTo(-1);
    }

    @Test
    void pathsTooLongForSockaddrAreRefusedAndAnExistingPathIsEaddrinuse() {
        assertThatThrownBy(() -> UnixSockets.listen(dir.resolve("x".repeat(120)), 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> UnixSockets.listen(dir.resolve("s.sock"), 1)).isInstanceOf(ErrnoException.class)
                .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(ErrnoException.EADDRINUSE));
    }

    @Test
    void connectingWhereNoOneListensIsRefused() {
        assertThatThrownBy(() -> UnixSockets.connect(dir.resolve("none.sock"))).isInstanceOf(ErrnoException.class)
                .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(ErrnoException.ENOENT));
    }

    private static long openDescriptors() throws Exception {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
