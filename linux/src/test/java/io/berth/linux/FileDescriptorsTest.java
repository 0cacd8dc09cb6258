package io.berth.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class FileDescriptorsTest {
    @Test
    void bytesWrittenToAPipeAreReadBackAndCloseGivesEndOfFile() throws Exception {
        FileDescriptors.Pipe pipe = FileDescriptors.pipe();
        try {
            ByteBuffer out = ByteBuffer.allocateDirect(5).put(new byte[] {1, 2, 3, 4, 5}).flip();
            FileDescriptors.writeFully(pipe.writeEnd(), out);
            FileDescriptors.close(pipe.writeEnd());

            ByteBuffer in = ByteBuffer.allocateDirect(64);
            assertThat(FileDescriptors.read(pipe.readEnd(), in)).isEqualTo(5);
            assertThat(in.get(4)).isEqualTo((byte) 5);
            assertThat(FileDescriptors.read(pipe.readEnd(), in)).isZero();
        } finally {
            FileDescriptors.closeQuietly(pipe.readEnd());
        }
    }

    @Test
    void aReusedBufferGetsTheNextBytesAtItsStartWhereverItsPositionWas() throws Exception {
        FileDescriptors.Pipe pipe = FileDescriptors.pipe();
        try {
            ByteBuffer in = ByteBuffer.allocateDirect(64);
            FileDescriptors.writeFully(pipe.writeEnd(), ByteBuffer.allocateDirect(3).put(new byte[] {1, 2, 3}).flip());
            FileDescriptors.read(pipe.readEnd(), in);
            in.get(); // consumed partly, as a reader does
            FileDescriptors.writeFully(pipe.writeEnd(), ByteBuffer.allocateDirect(2).put(new byte[] {7, 8}).flip());

            assertThat(FileDescriptors.read(pipe.readEnd(), in)).isEqualTo(2);
            assertThat(in.position()).isZero();
            assertThat(new byte[] {in.get(0), in.get(1)}).containsExactly(7, 8);
        } finally {
            FileDescriptors.close(pipe.readEnd());
            FileDescriptors.close(pipe.writeEnd());
        }
    }

    @Test
    void descriptorsAreCloseOnExec() throws Exception {
        FileDescriptors.Pipe pipe = FileDescriptors.pipe();
        try {
            String fdinfo = Files.readString(Path.of("/proc/self/fdinfo/" + pipe.readEnd()));
            long flags = Long.parseLong(fdinfo.lines().filter(l -> l.startsWith("flags:")).findFirst().orElseThrow()
                    .substring("flags:".length()).trim(), 8);
            assertThat(flags & 02000000).isNotZero();
        } finally {
            FileDescriptors.close(pipe.readEnd());
            FileDescriptors.close(pipe.writeEnd());
        }
    }

    @Test
    void anEventfdCountsWhatIsWrittenToIt() throws Exception {
        int efd = FileDescriptors.eventfd();
        try {
            ByteBuffer one = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder()).putLong(7).flip();
            FileDescriptors.writeFully(efd, one);
            ByteBuffer in = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
            assertThat(FileDescriptors.read(efd, in)).isEqualTo(8);
            assertThat(in.getLong(0)).isEqualTo(7);
        } finally {
            FileDescriptors.close(efd);
        }
    }

    @Test
    void heapBuffersAreRefused() {
        assertThatThrownBy(() -> FileDescriptors.read(0, ByteBuffer.allocate(8)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void closingTwiceNamesEbadf() throws Exception {
        int fd = FileDescriptors.openReadOnly("/dev/null");
        FileDescriptors.close(fd);
        assertThatThrownBy(() -> FileDescriptors.close(fd)).isInstanceOf(ErrnoException.class)
                .hasMessageContaining("EBADF");
    }

    @Test
    void readSomeOnAnEmptyNonBlockingPipeIsMinusOneThenTheBytesThenEndOfFile() throws Exception {
        FileDescriptors.Pipe pipe = FileDescriptors.pipe();
        try {
            FileDescriptors.setNonBlocking(pipe.readEnd(), true);
            ByteBuffer in = ByteBuffer.allocateDirect(16);
            assertThat(FileDescriptors.readSome(pipe.readEnd(), in)).isEqualTo(-1);
            assertThat(in.remaining()).isZero();

            FileDescriptors.writeFully(pipe.writeEnd(), ByteBuffer.allocateDirect(2).put(new byte[] {4, 2}).flip());
            assertThat(FileDescriptors.readSome(pipe.readEnd(), in)).isEqualTo(2);
            assertThat(in.position()).isZero();
            assertThat(in.limit()).isEqualTo(2);
            assertThat(in.get(1)).isEqualTo((byte) 2);

            FileDescriptors.close(pipe.writeEnd());
            assertThat(FileDescriptors.readSome(pipe.readEnd(), in)).isZero();
        } finally {
            FileDescriptors.close(pipe.readEnd());
            FileDescriptors.closeQuietly(pipe.writeEnd());
        }
    }

    @Test
    void writeSomeWritesFromThePositionAndReportsAFullPipeAsZero() throws Exception {
        FileDescriptors.Pipe pipe = FileDescriptors.pipe();
        try {
            FileDescriptors.setNonBlocking(pipe.writeEnd(), true);
            ByteBuffer out = ByteBuffer.allocateDirect(4).put(new byte[] {9, 8, 7, 6}).flip();
            out.position(2);
            assertThat(FileDescriptors.writeSome(pipe.writeEnd(), out)).isEqualTo(2);
            assertThat(out.position()).isEqualTo(4);
            ByteBuffer in = ByteBuffer.allocateDirect(16);
            FileDescriptors.read(pipe.readEnd(), in);
            assertThat(new byte[] {in.get(0), in.get(1)}).containsExactly(7, 6);
            assertThat(in.limit()).isEqualTo(2);

            ByteBuffer big = ByteBuffer.allocateDirect(64 * 1024);
            long written = 0;
            int n;
            while ((n = FileDescriptors.writeSome(pipe.writeEnd(), big.clear())) > 0) {
                written += n;
            }
            assertThat(n).isZero();
            assertThat(written).isPositive();
        } finally {
            FileDescriptors.close(pipe.readEnd());
            FileDescriptors.close(pipe.writeEnd());
        }
    }

    @Test
    void nonBlockingAndCloseOnExecCanBeTurnedOffAndOnAgain() throws Exception {
        FileDescriptors.Pipe pipe = FileDescriptors.pipe();
        try {
            assertThat(FileDescriptors.isCloseOnExec(pipe.readEnd())).isTrue();
            FileDescriptors.setCloseOnExec(pipe.readEnd(), false);
            assertThat(FileDescriptors.isCloseOnExec(pipe.readEnd())).isFalse();
            assertThat(fdinfoFlags(pipe.readEnd()) & 02000000).isZero();
            FileDescriptors.setCloseOnExec(pipe.readEnd(), true);
            assertThat(FileDescriptors.isCloseOnExec(pipe.readEnd())).isTrue();

            FileDescriptors.setNonBlocking(pipe.readEnd(), true);
            assertThat(fdinfoFlags(pipe.readEnd()) & 04000).isNotZero();
            FileDescriptors.setNonBlocking(pipe.readEnd(), false);
            assertThat(fdinfoFlags(pipe.readEnd()) & 04000).isZero();
        } finally {
            FileDescriptors.close(pipe.readEnd());
            FileDescriptors.close(pipe.writeEnd());
        }
    }

    @Test
    void aDuplicateIsCloseOnExecAboveStdioAndSharesThePipe() throws Exception {
        FileDescriptors.Pipe pipe = FileDescriptors.pipe();
        FileDescriptors.setCloseOnExec(pipe.writeEnd(), false);
        int copy = FileDescriptors.dup(pipe.writeEnd());
        try {
            assertThat(copy).isGreaterThanOrEqualTo(3).isNotEqualTo(pipe.writeEnd());
            assertThat(FileDescriptors.isCloseOnExec(copy)).isTrue();
            FileDescriptors.close(pipe.writeEnd());
            FileDescriptors.writeFully(copy, ByteBuffer.allocateDirect(1).put((byte) 5).flip());
            ByteBuffer in = ByteBuffer.allocateDirect(4);
            assertThat(FileDescriptors.read(pipe.readEnd(), in)).isEqualTo(1);
            assertThat(in.get(0)).isEqualTo((byte) 5);
        } finally {
            FileDescriptors.close(copy);
            FileDescriptors.close(pipe.readEnd());
        }
    }

    @Test
    void aNonBlockingEventfdCountsSignalsAndDrainsToZero() throws Exception {
        int efd = FileDescriptors.eventfdNonBlocking();
        try {
            ByteBuffer in = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
            assertThat(FileDescriptors.readSome(efd, in)).isEqualTo(-1);
            FileDescriptors.signal(efd);
            FileDescriptors.signal(efd);
            assertThat(FileDescriptors.readSome(efd, in)).isEqualTo(8);
            assertThat(in.getLong(0)).isEqualTo(2);

            FileDescriptors.signal(efd);
            FileDescriptors.drainEventfd(efd);
            assertThat(FileDescriptors.readSome(efd, in)).isEqualTo(-1);
        } finally {
            FileDescriptors.close(efd);
        }
    }

    @Test
    void fcntlOnAClosedDescriptorIsEbadf() throws Exception {
        int fd = FileDescriptors.openReadOnly("/dev/null");
        FileDescriptors.close(fd);
        assertThatThrownBy(() -> FileDescriptors.setNonBlocking(fd, true)).isInstanceOf(ErrnoException.class)
                .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(ErrnoException.EBADF));
    }

    private static long fdinfoFlags(int fd) throws Exception {
        String fdinfo = Files.readString(Path.of("/proc/self/fdinfo/" + fd));
        return Long.parseLong(fdinfo.lines().filter(l -> l.startsWith("flags:")).findFirst().orElseThrow()
                .substring("flags:".length()).trim(), 8);
    }

    @Test
    void writeFullyWaitsOnANonBlockingDescriptorInsteadOfFailing() throws Exception {
        FileDescriptors.Pipe pipe = FileDescriptors.pipe();
        try {
            FileDescriptors.setNonBlocking(pipe.writeEnd(), true);
            // Four times a pipe's default 64 KiB: the writer must wait for the reader, not fail with EAGAIN.
            ByteBuffer data = ByteBuffer.allocateDirect(256 * 1024);
            java.util.concurrent.CompletableFuture<Long> read = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                ByteBuffer chunk = ByteBuffer.allocateDirect(16 * 1024);
                long total = 0;
                try {
                    int n;
                    while ((n = FileDescriptors.read(pipe.readEnd(), chunk)) > 0) {
                        total += n;
                    }
                } catch (ErrnoException e) {
                    throw new IllegalStateException(e);
                }
                return total;
            });
            FileDescriptors.writeFully(pipe.writeEnd(), data);
            FileDescriptors.close(pipe.writeEnd());
            assertThat(read.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(256 * 1024L);
        } finally {
            FileDescriptors.closeQuietly(pipe.readEnd());
        }
    }
}
