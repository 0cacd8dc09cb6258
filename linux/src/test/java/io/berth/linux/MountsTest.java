package io.berth.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
    void aBindMountGivenAsOptionsGetsEveryFlagThroughARemountAndItsPropagation() throws Exception {
        Path source = Files.createDirectory(dir.resolve("source"));
        Files.writeString(source.resolve("marker"), "here");
        Path target = Files.createDirectory(dir.resolve("target"));

        Mounts.mount("bind", source.toString(), List.of("rbind", "ro", "nosuid", "nodev", "noexec", "rprivate"),
                target);
        try {
            assertThat(target.resolve("marker")).hasContent("here");
            assertThatThrownBy(() -> Files.writeString(target.resolve("new"), "x"))
                    .hasMessageContaining("Read-only file system");
            String[] info = mountInfo(target);
            assertThat(info[5].split(",")).contains("ro", "nosuid", "nodev", "noexec");
            assertThat(info[6]).as("optional fields: no peer group, so private").isEqualTo("-");
        } finally {
            Mounts.unmount(target, Mounts.MNT_DETACH);
        }
        assertThat(target.resolve("marker")).doesNotExist();
    }

    @Test
    void aFilesystemGivenAsOptionsGetsItsFlagsAsFlagsAndTheRestAsData() throws Exception {
        Path target = Files.createDirectory(dir.resolve("tmp"));
        Mounts.mount("tmpfs", "berth-test", List.of("nosuid", "noatime", "mode=0710", "size=1m"), target);
        try {
            String[] info = mountInfo(target);
            assertThat(info[5].split(",")).contains("rw", "nosuid", "noatime");
            String superblock = String.join(" ", info).split(" - ")[1];
            assertThat(superblock).startsWith("tmpfs berth-test ").contains("size=1024k", "mode=710");
        } finally {
            Mounts.unmount(target, 0);
        }
    }

    @Test
    void optionDataLongerThanMountReadsIsRefusedAndNothingIsMounted() throws Exception {
        Path target = Files.createDirectory(dir.resolve("long"));
        assertThatThrownBy(() -> Mounts.mount("tmpfs", "berth-test", List.of("size=1m", "x=" + "y".repeat(4096)),
                target)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reads at most 4095");
        assertThat(MountTable.isMountPoint(target)).isFalse();
    }

    @Test
    void detachingSomethingNotMountedIsEinval() throws Exception {
        Path target = Files.createDirectory(dir.resolve("plain"));
        assertThatThrownBy(() -> Mounts.unmount(target, Mounts.MNT_DETACH)).isInstanceOf(ErrnoException.class)
                .hasMessageContaining("EINVAL");
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

    /** The fields of {@code target}'s line in /proc/self/mountinfo (the topmost mount there). */
    private static String[] mountInfo(Path target) throws Exception {
        String[] found = null;
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] fields = line.split(" ");
            if (MountTable.unescape(fields[4]).equals(target.toString())) {
                found = fields;
            }
        }
        assertThat(found).as(target + " in mountinfo").isNotNull();
        return found;
    }
}
