package io.berth.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NoFollowFilesTest {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    @TempDir
    Path dir;

    @Test
    void makedevRoundTripsLargeMajorAndMinorNumbers() {
        long dev = NoFollowFiles.makedev(4095 + 4096 * 3, 0x123456);
        assertThat(NoFollowFiles.major(dev)).isEqualTo(4095 + 4096 * 3);
        assertThat(NoFollowFiles.minor(dev)).isEqualTo(0x123456);
        assertThat(NoFollowFiles.makedev(1, 3)).isEqualTo(0x103);
    }

    @Test
    void mknodCreatesACharacterDeviceWithTheGivenNumbersAndAFifo() throws Exception {
        Path nul = dir.resolve("null");
        NoFollowFiles.mknod(nul, NoFollowFiles.S_IFCHR | 0666, NoFollowFiles.makedev(1, 3));
        long rdev = (long) Files.getAttribute(nul, "unix:rdev", NOFOLLOW);
        assertThat(NoFollowFiles.major(rdev)).isEqualTo(1);
        assertThat(NoFollowFiles.minor(rdev)).isEqualTo(3);
        assertThat(Files.isRegularFile(nul, NOFOLLOW)).isFalse();
        assertThat(Files.readString(nul)).isEmpty();

        Path fifo = dir.resolve("fifo");
        NoFollowFiles.mknod(fifo, NoFollowFiles.S_IFIFO | 0600, 0);
        assertThat((int) Files.getAttribute(fifo, "unix:mode", NOFOLLOW) & 0170000).isEqualTo(NoFollowFiles.S_IFIFO);

        assertThatThrownBy(() -> NoFollowFiles.mknod(fifo, NoFollowFiles.S_IFIFO | 0600, 0))
                .isInstanceOf(ErrnoException.class).hasMessageContaining("EEXIST").hasMessageContaining("fifo");
    }

    @Test
    void lchownChangesTheLinkAndLeavesItsTargetAlone() throws Exception {
        Path target = Files.writeString(dir.resolve("target"), "x");
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);
        NoFollowFiles.lchown(link, 1234, 5678);
        assertThat(Files.getAttribute(link, "unix:uid", NOFOLLOW)).isEqualTo(1234);
        assertThat(Files.getAttribute(link, "unix:gid", NOFOLLOW)).isEqualTo(5678);
        assertThat(Files.getAttribute(target, "unix:uid", NOFOLLOW)).isEqualTo(Posix.euid());
    }

    @Test
    void chmodNoFollowSetsSetuidAndStickyBitsAndRefusesALink() throws Exception {
        Path file = Files.writeString(dir.resolve("tool"), "x");
        NoFollowFiles.chmodNoFollow(file, 04755);
        assertThat((int) Files.getAttribute(file, "unix:mode", NOFOLLOW) & 07777).isEqualTo(04755);
        Path d = Files.createDirectory(dir.resolve("tmp"));
        NoFollowFiles.chmodNoFollow(d, 01777);
        assertThat((int) Files.getAttribute(d, "unix:mode", NOFOLLOW) & 07777).isEqualTo(01777);

        Path link = Files.createSymbolicLink(dir.resolve("link"), file);
        assertThatThrownBy(() -> NoFollowFiles.chmodNoFollow(link, 0600)).isInstanceOf(ErrnoException.class);
        assertThat((int) Files.getAttribute(file, "unix:mode", NOFOLLOW) & 07777).isEqualTo(04755);
    }

    @Test
    void setTimesNoFollowChangesTheLinkNotItsTarget() throws Exception {
        Path target = Files.writeString(dir.resolve("target"), "x");
        FileTime before = Files.getLastModifiedTime(target);
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);
        Instant then = Instant.parse("2001-02-03T04:05:06.789Z");
        NoFollowFiles.setTimesNoFollow(link, then, then);
        assertThat(Files.getLastModifiedTime(link, NOFOLLOW).toInstant()).isEqualTo(then);
        assertThat(Files.getLastModifiedTime(target)).isEqualTo(before);
    }

    @Test
    void xattrsCanBeSetListedReadAndRemoved() throws Exception {
        Path file = Files.writeString(dir.resolve("f"), "x");
        assertThat(NoFollowFiles.getXattr(file, "user.missing")).isEmpty();
        NoFollowFiles.setXattr(file, "user.colour", "blue".getBytes(StandardCharsets.UTF_8));
        byte[] cap = {1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        NoFollowFiles.setXattr(file, "security.capability", cap);

        assertThat(NoFollowFiles.listXattrs(file)).contains("user.colour", "security.capability");
        assertThat(NoFollowFiles.getXattr(file, "user.colour")).hasValueSatisfying(
                v -> assertThat(new String(v, StandardCharsets.UTF_8)).isEqualTo("blue"));
        assertThat(NoFollowFiles.getXattr(file, "security.capability")).hasValueSatisfying(
                v -> assertThat(v).isEqualTo(cap));

        NoFollowFiles.removeXattr(file, "user.colour");
        assertThat(NoFollowFiles.listXattrs(file)).doesNotContain("user.colour");
        assertThatThrownBy(() -> NoFollowFiles.removeXattr(file, "user.colour"))
                .isInstanceOf(ErrnoException.class)
                .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(ErrnoException.ENODATA));
    }

    @Test
    void aNameWithANulByteIsRefusedBeforeItReachesTheKernel() {
        assertThatThrownBy(() -> NoFollowFiles.lchown(dir.resolve("a\0b"), 0, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
