package io.berth.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FdChannelTest {
    @TempDir
    Path dir;

    @Test
    void heapAndDirectBuffersRoundTripThroughAPipeAndEndOfStreamIsMinusOne() throws Exception {
        FileDescriptors.Pipe pipe = FileDescriptors.pipe();
        FdChannel out = new FdChannel(pipe.writeEnd());
        try (FdChannel in = new FdChannel(pipe.readEnd())) {
            assertThat(out.write(ByteBuffer.wrap(new byte[] {1, 2, 3}))).isEqualTo(3);
            assertThat(out.write(ByteBuffer.allocateDirect(2).put(new byte[] {4, 5}).flip())).isEqualTo(2);

            ByteBuffer heap = ByteBuffer.allocate(2);
            assertThat(in.read(heap)).isEqualTo(2);
            assertThat(heap.array()).containsExactly(1, 2);
            ByteBuffer direct = ByteBuffer.allocateDirect(8);
            direct.position(1);
            assertThat(in.read(direct)).isEqualTo(3);
            assertThat(direct.position()).isEqualTo(4);
            assertThat(new byte[] {direct.get(1), direct.get(2), direct.get(3)}).containsExactly(3, 4, 5);

            out.close();
            assertThat(in.read(heap.clear())).isEqualTo(-1);
        } finally {
            out.close();
        }
    }

    @Test
    void aWriteLargerThanThePipeAndTheStagingBufferArrivesWhole() throws Exception {
        byte[] payload = new byte[300_000];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) (i % 251);
        }
        FileDescriptors.Pipe pipe = FileDescriptors.pipe();
        FdChannel out = new FdChannel(pipe.writeEnd());
        try (FdChannel in = new FdChannel(pipe.readEnd())) {
            CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
                try (InputStream stream = Channels.newInputStream(in)) {
                    return stream.readAllBytes();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            ByteBuffer src = ByteBuffer.wrap(payload);
            assertThat(out.write(src)).isEqualTo(payload.length);
            assertThat(src.hasRemaining()).isFalse();
            out.close();
            assertThat(read.get()).isEqualTo(payload);
        } finally {
            out.close();
        }
    }

    @Test
    void worksOverAUnixSocketPair() throws Exception {
        Path path = dir.resolve("c.sock");
        int listener = UnixSockets.listen(path, 1);
        FdChannel client = new FdChannel(UnixSockets.connect(path));
        try (FdChannel server = new FdChannel(UnixSockets.accept(listener))) {
            OutputStream toServer = Channels.newOutputStream(client);
            toServer.write("ping".getBytes());
            ByteBuffer got = ByteBuffer.allocate(16);
            while (got.position() < 4) {
                server.read(got);
            }
            assertThat(new String(got.array(), 0, 4)).isEqualTo("ping");
            server.write(ByteBuffer.wrap("pong".getBytes()));
            ByteBuffer pong = ByteBuffer.allocateDirect(16);
            while (pong.position() < 4) {
                client.read(pong);
            }
            client.close();
            ByteBuffer reply = ByteBuffer.allocate(16);
            assertThat(server.read(reply)).isEqualTo(-1);
        } finally {
            client.close();
            FileDescriptors.close(listener);
        }
    }

    @Test
    void closeReleasesTheDescriptorOnceAndLaterCallsAreRefused() throws Exception {
        FileDescriptors.Pipe pipe = FileDescriptors.pipe();
        FdChannel in = new FdChannel(pipe.readEnd());
        try {
            assertThat(in.fd()).isEqualTo(pipe.readEnd());
            in.close();
            in.close();
            assertThat(in.isOpen()).isFalse();
            assertThatThrownBy(() -> FileDescriptors.isCloseOnExec(pipe.readEnd()))
                    .isInstanceOf(ErrnoException.class).hasMessageContaining("EBADF");
            assertThatThrownBy(() -> in.read(ByteBuffer.allocate(1))).isInstanceOf(ClosedChannelException.class);
        } finally {
            FileDescriptors.close(pipe.writeEnd());
        }
    }
}
