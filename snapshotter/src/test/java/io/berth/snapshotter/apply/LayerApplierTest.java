package io.berth.snapshotter.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.InvalidArgumentException;
import io.berth.linux.NoFollowFiles;
import io.berth.snapshotter.tar.TarBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The applier on a plain directory (what a native snapshot is): contents, metadata, formats, digests. */
class LayerApplierTest {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    @TempDir
    Path tmp;
    Path root;

    @BeforeEach
    void makeRoot() throws IOException {
        root = Files.createDirectory(tmp.resolve("root"));
    }

    private AppliedLayer apply(TarBuilder layer) throws IOException {
        return LayerApplier.applyToDirectory(root, layer.stream(), null);
    }

    private static int mode(Path p) throws IOException {
        return (int) Files.getAttribute(p, "unix:mode", NOFOLLOW);
    }

    @Test
    void filesDirsAndSymlinksKeepOwnersModesAndTimes() throws Exception {
        Instant then = Instant.parse("2019-05-06T07:08:09Z");
        apply(new TarBuilder().mtime(then)
                .dir("usr", 0755).dir("usr/bin", 0755)
                .file("usr/bin/su", "#!su", 04755)
                .file("usr/bin/wall", "#!wall", 02755)
                .dir("tmp", 01777)
                .owner(1000, 1001).dir("home/u", 0700).file("home/u/notes", "hello", 0640)
                .owner(0, 0).symlink("bin", "usr/bin"));

        assertThat(root.resolve("usr/bin/su")).hasContent("#!su");
        assertThat(mode(root.resolve("usr/bin/su")) & 07777).isEqualTo(04755);
        assertThat(mode(root.resolve("usr/bin/wall")) & 07777).isEqualTo(02755);
        assertThat(mode(root.resolve("tmp")) & 07777).isEqualTo(01777);
        assertThat(Files.getAttribute(root.resolve("home/u/notes"), "unix:uid")).isEqualTo(1000);
        assertThat(Files.getAttribute(root.resolve("home/u/notes"), "unix:gid")).isEqualTo(1001);
        assertThat(mode(root.resolve("home/u")) & 07777).isEqualTo(0700);
        assertThat(Files.readSymbolicLink(root.resolve("bin"))).isEqualTo(Path.of("usr/bin"));
        assertThat(root.resolve("bin/su")).hasContent("#!su");
        assertThat(Files.getLastModifiedTime(root.resolve("usr/bin/su")).toInstant()).isEqualTo(then);
        // Set after their children were created, so still the layer's time.
        assertThat(Files.getLastModifiedTime(root.resolve("usr/bin")).toInstant()).isEqualTo(then);
        assertThat(Files.getLastModifiedTime(root.resolve("bin"), NOFOLLOW).toInstant()).isEqualTo(then);
    }

    @Test
    void aBinaryCapabilityXattrArrivesByteForByteAndHostPolicyXattrsDoNot() throws Exception {
        // VFS_CAP_REVISION_2 with cap_setuid (bit 7) and cap_net_raw (bit 13) permitted, effective flag set:
        // bytes over 0x7f, which a UTF-8 round trip would corrupt.
        byte[] cap = {1, 0, 0, 2, (byte) 0x80, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        apply(new TarBuilder()
                .fileWithXattr("usr/bin/newuidmap", "x", "security.capability", cap)
                .fileWithXattr("labelled", "x", "security.selinux", "system_u:object_r:etc_t:s0".getBytes())
                .fileWithXattr("forged", "x", "trusted.overlay.opaque", "y".getBytes())
                .fileWithXattr("noted", "x", "user.origin", "layer".getBytes()));

        assertThat(NoFollowFiles.getXattr(root.resolve("usr/bin/newuidmap"), "security.capability")).hasValue(cap);
        assertThat(NoFollowFiles.getXattr(root.resolve("noted"), "user.origin")).hasValue("layer".getBytes());
        assertThat(NoFollowFiles.listXattrs(root.resolve("labelled"))).doesNotContain("security.selinux");
        assertThat(NoFollowFiles.getXattr(root.resolve("forged"), "trusted.overlay.opaque")).isEmpty();
    }

    @Test
    void hardlinksDevicesAndFifosAreCreated() throws Exception {
        apply(new TarBuilder()
                .file("usr/bin/gzip", "gzip!", 0755)
                .hardlink("usr/bin/gunzip", "usr/bin/gzip")
                .hardlink("bin-zcat", "/usr/bin/gzip")
                .device("dev/null", false, 1, 3)
                .device("dev/loop0", true, 7, 0)
                .fifo("run/initctl"));

        Object inode = Files.getAttribute(root.resolve("usr/bin/gzip"), "unix:ino");
        assertThat(Files.getAttribute(root.resolve("usr/bin/gunzip"), "unix:ino")).isEqualTo(inode);
        assertThat(Files.getAttribute(root.resolve("bin-zcat"), "unix:ino")).isEqualTo(inode);
        assertThat(Files.getAttribute(root.resolve("usr/bin/gzip"), "unix:nlink")).isEqualTo(3);

        long rdev = (long) Files.getAttribute(root.resolve("dev/null"), "unix:rdev", NOFOLLOW);
        assertThat(mode(root.resolve("dev/null")) & 0170000).isEqualTo(NoFollowFiles.S_IFCHR);
        assertThat(NoFollowFiles.major(rdev)).isEqualTo(1);
        assertThat(NoFollowFiles.minor(rdev)).isEqualTo(3);
        assertThat(mode(root.resolve("dev/loop0")) & 0170000).isEqualTo(NoFollowFiles.S_IFBLK);
        assertThat(NoFollowFiles.major((long) Files.getAttribute(root.resolve("dev/loop0"), "unix:rdev", NOFOLLOW)))
                .isEqualTo(7);
        assertThat(mode(root.resolve("run/initctl"))).isEqualTo(NoFollowFiles.S_IFIFO | 0640);
    }

    @Test
    void plainGzipAndZstdLayersGiveTheSameDiffIdTheSha256OfTheTar() throws Exception {
        byte[] tar = new TarBuilder().file("etc/hostname", "berth").bytes();
        String expected = "sha256:" + sha256(tar);

        for (byte[] blob : new byte[][] {tar, TarBuilder.gzip(tar), TarBuilder.zstd(tar)}) {
            Path dir = Files.createDirectory(tmp.resolve("r" + Arrays.hashCode(blob)));
            AppliedLayer applied = LayerApplier.applyToDirectory(dir, new ByteArrayInputStream(blob), null);
            assertThat(applied.diffId()).isEqualTo(expected);
            assertThat(applied.uncompressedSize()).isEqualTo(tar.length);
            assertThat(applied.compressedDigest()).isEqualTo("sha256:" + sha256(blob));
            assertThat(applied.compressedSize()).isEqualTo(blob.length);
            assertThat(dir.resolve("etc/hostname")).hasContent("berth");
            assertThat(applied.verifyDiffId(expected)).isSameAs(applied);
        }
        AppliedLayer gz = LayerApplier.applyToDirectory(Files.createDirectory(tmp.resolve("gz")),
                new ByteArrayInputStream(TarBuilder.gzip(tar)), "application/vnd.oci.image.layer.v1.tar+gzip");
        assertThat(gz.compression()).isEqualTo(Compression.GZIP);
        assertThatThrownBy(() -> gz.verifyDiffId("sha256:" + "0".repeat(64)))
                .isInstanceOf(DiffIdMismatchException.class)
                .hasMessageContaining("expected sha256:000")
                .hasMessageContaining(expected);
    }

    @Test
    void aMediaTypeThatContradictsTheContentOrAnArchiveThatIsNotATarIsRefused() throws Exception {
        byte[] tar = new TarBuilder().file("f", "x").bytes();
        assertThatThrownBy(() -> LayerApplier.applyToDirectory(root, new ByteArrayInputStream(tar),
                "application/vnd.oci.image.layer.v1.tar+zstd"))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("says zstd but the content is none");
        byte[] garbage = "this is not a tar archive at all".repeat(40).getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> LayerApplier.applyToDirectory(root, new ByteArrayInputStream(garbage), null))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("not a valid tar");
        byte[] truncated = Arrays.copyOf(new TarBuilder().file("f", "x".repeat(5000)).bytes(), 2048);
        assertThatThrownBy(() -> LayerApplier.applyToDirectory(root, new ByteArrayInputStream(truncated), null))
                .isInstanceOf(IOException.class).hasMessageContaining("ends inside");
    }

    @Test
    void whiteoutsDeleteLowerContentAndAnOpaqueDirHidesAllOfItButThisLayersEntries() throws Exception {
        apply(new TarBuilder().file("a/x", "x").file("a/y", "y").file("d/old", "old").file("d/sub/deep", "deep"));
        apply(new TarBuilder()
                .file("a/.wh.x", "")
                .dir("d", 0755).file("d/new-before-marker", "1")
                .file("d/.wh..wh..opq", "")
                .file("d/new", "2")
                .file(".wh.never-existed", ""));

        assertThat(root.resolve("a")).isDirectoryContaining(p -> p.endsWith("y"))
                .isDirectoryNotContaining(p -> p.endsWith("x"));
        assertThat(root.resolve("d")).isDirectoryContaining(p -> p.endsWith("new"))
                .isDirectoryContaining(p -> p.endsWith("new-before-marker"))
                .isDirectoryNotContaining(p -> p.endsWith("old"))
                .isDirectoryNotContaining(p -> p.endsWith("sub"));
        try (var names = Files.list(root)) {
            assertThat(names.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".wh."));
        }
    }

    @Test
    void aWhiteoutSparesWhatTheSameLayerWrote() throws Exception {
        apply(new TarBuilder().file("etc/old", "lower"));
        apply(new TarBuilder().file("etc/new", "this layer").file(".wh.etc", ""));
        assertThat(root.resolve("etc/new")).hasContent("this layer");
        assertThat(root.resolve("etc/old")).doesNotExist();
    }

    @Test
    void writesGoThroughSymlinksOfEarlierLayersToWhereTheyPointInsideTheRoot() throws Exception {
        apply(new TarBuilder().dir("usr/bin", 0755).symlink("bin", "usr/bin")
                .dir("run", 0755).symlink("var/run", "/run"));
        apply(new TarBuilder().file("bin/tool", "tool").file("var/run/app.pid", "42"));

        assertThat(root.resolve("usr/bin/tool")).hasContent("tool");
        assertThat(Files.isSymbolicLink(root.resolve("bin"))).isTrue();
        assertThat(root.resolve("run/app.pid")).hasContent("42");
        assertThat(Files.isSymbolicLink(root.resolve("var/run"))).isTrue();
    }

    @Test
    void anEntryReplacesWhateverWasAtItsPathInsteadOfWritingThroughIt() throws Exception {
        apply(new TarBuilder().file("real", "original").symlink("config", "real").file("was-file", "f"));
        apply(new TarBuilder().file("config", "new config").dir("was-file", 0755));

        assertThat(Files.isSymbolicLink(root.resolve("config"))).isFalse();
        assertThat(root.resolve("config")).hasContent("new config");
        assertThat(root.resolve("real")).hasContent("original");
        assertThat(root.resolve("was-file")).isDirectory();
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void aLayerBuiltApartThatGrowsPastItsLightEntriesGoesOnOnlyWhenAllowed() throws Exception {
        TarBuilder layer = new TarBuilder();
        for (int i = 0; i < 5; i++) {
            layer.file("f" + i, "content " + i);
        }
        byte[] tar = layer.bytes();
        LayerApplier applier = new LayerApplier(tmp.resolve("scratch"));
        int[] asked = {0};

        assertThatThrownBy(() -> applier.applyApart(root, new ByteArrayInputStream(tar), null, 3, () -> ++asked[0] < 0))
                .isInstanceOf(NeedsLowerLayersException.class)
                .hasMessageContaining("more than 3 entries");
        assertThat(asked[0]).isEqualTo(1);

        Path other = Files.createDirectory(tmp.resolve("other"));
        ApartLayer applied = applier.applyApart(other, new ByteArrayInputStream(tar), null, 3, () -> ++asked[0] > 0);
        assertThat(asked[0]).as("asked once, at the fourth entry").isEqualTo(2);
        assertThat(other.resolve("f4")).hasContent("content 4");
        assertThat(applied.applied().compressedDigest()).as("the caller checks the blob's digest").isNull();
    }
}
