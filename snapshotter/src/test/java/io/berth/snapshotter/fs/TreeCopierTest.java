package io.berth.snapshotter.fs;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.linux.NoFollowFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TreeCopierTest {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    @TempDir
    Path tmp;

    @Test
    void theCopyKeepsTypesOwnersModesTimesXattrsAndHardlinks() throws Exception {
        Path src = Files.createDirectory(tmp.resolve("src"));
        Path bin = Files.createDirectories(src.resolve("usr/bin"));
        Path tool = Files.writeString(bin.resolve("tool"), "#!/bin/sh\n");
        NoFollowFiles.lchown(tool, 0, 42);
        NoFollowFiles.chmodNoFollow(tool, 02755);
        NoFollowFiles.setXattr(tool, "user.note", "kept".getBytes(StandardCharsets.UTF_8));
        Files.createLink(bin.resolve("tool-alias"), tool);
        Files.createSymbolicLink(src.resolve("bin"), Path.of("usr/bin"));
        NoFollowFiles.lchown(src.resolve("bin"), 7, 8);
        NoFollowFiles.mknod(src.resolve("null"), NoFollowFiles.S_IFCHR | 0666, NoFollowFiles.makedev(1, 3));
        NoFollowFiles.mknod(src.resolve("pipe"), NoFollowFiles.S_IFIFO | 0620, 0);
        NoFollowFiles.chmodNoFollow(src.resolve("pipe"), 0620); // mknod is subject to the umask
        Instant old = Instant.parse("2000-01-01T00:00:00Z");
        NoFollowFiles.setTimesNoFollow(bin, old, old);

        Path dst = tmp.resolve("dst");
        TreeCopier.copy(src, dst);

        Path copied = dst.resolve("usr/bin/tool");
        assertThat(copied).hasContent("#!/bin/sh\n");
        assertThat((int) Files.getAttribute(copied, "unix:mode") & 07777).isEqualTo(02755);
        assertThat(Files.getAttribute(copied, "unix:gid")).isEqualTo(42);
        assertThat(NoFollowFiles.getXattr(copied, "user.note")).hasValue("kept".getBytes(StandardCharsets.UTF_8));
        assertThat(Files.getAttribute(dst.resolve("usr/bin/tool-alias"), "unix:ino"))
                .isEqualTo(Files.getAttribute(copied, "unix:ino"));
        assertThat(Files.readSymbolicLink(dst.resolve("bin"))).isEqualTo(Path.of("usr/bin"));
        assertThat(Files.getAttribute(dst.resolve("bin"), "unix:uid", NOFOLLOW)).isEqualTo(7);
        assertThat(NoFollowFiles.minor((long) Files.getAttribute(dst.resolve("null"), "unix:rdev", NOFOLLOW)))
                .isEqualTo(3);
        assertThat((int) Files.getAttribute(dst.resolve("pipe"), "unix:mode", NOFOLLOW))
                .isEqualTo(NoFollowFiles.S_IFIFO | 0620);
        assertThat(Files.getLastModifiedTime(dst.resolve("usr/bin"))).isEqualTo(FileTime.from(old));
    }
}
