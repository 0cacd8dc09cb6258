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
}
