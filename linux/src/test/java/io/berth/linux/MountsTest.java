package io.berth.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Needs root, as CI runs: these make real mounts and always undo them. */
class MountsTest {
    @TempDir
    Path dir;

    @Test
    void aReadOnlyBindMountShowsTheSourceAndRefusesWrites() throws Exception {
        Path source = Files.createDirectory(dir.resolve("source"));
        Files.writeString(source.resolve("hello"), "world");
        Path target = Files.createDirectory(dir.resolve("target"));

        Mounts.mount(source.toString(), target, null, Mounts.MS_BIND, null);
        try {
            Mounts.mount(null, target, null, Mounts.MS_BIND | Mounts.MS_REMOUNT | Mounts.MS_RDONLY, null);
            assertThat(MountTable.isMountPoint(target)).isTrue();
            assertThat(MountTable.mountPointsUnder(dir)).containsExactly(target);
            assertThat(Files.readString(target.resolve("hello"))).isEqualTo("world");
            assertThatThrownBy(() -> Files.writeString(target.resolve("new"), "x"))
                    .hasMessageContaining("Read-only file system");
        } finally {
            Mounts.unmount(target, 0);
        }
        assertThat(MountTable.isMountPoint(target)).isFalse();
        assertThat(target).isEmptyDirectory();
    }

    @Test
    void anOverlayMountMergesLowerAndUpper() throws Exception {
        Path lower = Files.createDirectory(dir.resolve("lower"));
        Path upper = Files.createDirectory(dir.resolve("upper"));
        Path work = Files.createDirectory(dir.resolve("work"));
        Path merged = Files.createDirectory(dir.resolve("merged"));
        Files.writeString(lower.resolve("from-lower"), "l");
        Files.writeString(upper.resolve("from-upper"), "u");

        Mounts.mount("overlay", merged, "overlay", 0,
                "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work);
        try {
            assertThat(merged.resolve("from-lower")).hasContent("l");
            assertThat(merged.resolve("from-upper")).hasContent("u");
        } finally {
            Mounts.unmount(merged, 0);
        }
    }

    @Test
    void failuresNameTheCallAndTheErrno() {
        Path missing = dir.resolve("missing");
        assertThatThrownBy(() -> Mounts.mount(dir.toString(), missing, null, Mounts.MS_BIND, null))
                .isInstanceOf(ErrnoException.class)
                .hasMessageContaining("mount(")
                .hasMessageContaining("ENOENT");
        assertThatThrownBy(() -> Mounts.unmount(dir, 0))
                .isInstanceOf(ErrnoException.class)
                .hasMessageContaining("EINVAL");
    }

    @Test
    void mountinfoEscapesAreDecoded() {
        assertThat(MountTable.unescape("/a\\040b\\011c\\134d")).isEqualTo("/a b\tc\\d");
        assertThat(MountTable.unescape("/plain\\9")).isEqualTo("/plain\\9");
    }
}
