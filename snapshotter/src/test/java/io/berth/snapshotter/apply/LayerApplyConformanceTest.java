package io.berth.snapshotter.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.linux.MountTable;
import io.berth.linux.Posix;
import io.berth.snapshotter.MountedView;
import io.berth.snapshotter.Snapshotter;
import io.berth.snapshotter.tar.TarBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Layers applied onto real snapshots, then the image mounted and read as a container would see it.
 * Every snapshotter passes this. Needs root (CI runs as root).
 */
abstract class LayerApplyConformanceTest {
    @TempDir
    Path tmp;
    Path outside;
    Snapshotter snapshotter;
    LayerApplier applier;

    protected abstract Snapshotter open(Path root);

    @BeforeEach
    void setUp() throws Exception {
        snapshotter = open(tmp.resolve("snapshots"));
        applier = new LayerApplier(tmp.resolve("scratch"));
        outside = Files.createDirectory(tmp.resolve("outside"));
    }

    @AfterEach
    void nothingLeftMountedAndNothingOutside() throws Exception {
        snapshotter.close();
        assertThat(MountTable.mountPointsUnder(tmp)).isEmpty();
        assertThat(outside).isEmptyDirectory();
    }

    /** Applies a layer on {@code parent} and commits it as {@code name}, as an image pull does. */
    protected AppliedLayer layer(String name, String parent, TarBuilder tar) throws Exception {
        String key = "extract-" + name;
        byte[] blob = TarBuilder.gzip(tar.bytes());
        AppliedLayer applied = applier.apply(snapshotter.prepare(key, parent), new java.io.ByteArrayInputStream(blob),
                "application/vnd.oci.image.layer.v1.tar+gzip");
        snapshotter.commit(name, key);
        return applied;
    }

    protected void withImage(String top, ThrowingConsumer body) throws Exception {
        Path target = Files.createDirectories(tmp.resolve("container"));
        try (MountedView view = MountedView.mount(snapshotter.view("container-view", top), target)) {
            body.accept(view.path());
        } finally {
            snapshotter.remove("container-view");
        }
    }

    protected interface ThrowingConsumer {
        void accept(Path dir) throws Exception;
    }

    private TarBuilder base() {
        return new TarBuilder()
                .dir("usr/bin", 0755).file("usr/bin/sh", "sh").symlink("bin", "usr/bin")
                .file("a/x", "x").file("a/y", "y")
                .file("d/old", "old").file("d/sub/deep", "deep")
                .dir("etc", 0755).file("etc/passwd", "root:x:0:0::/root:/bin/sh");
    }

    @Test
    void theImageRootAndParentsNoEntryDescribesAre0755UnderBerthdsUmask() throws Exception {
        // berthd runs with umask 0077; a "/" or "/a" of 0700 would lock non-root container users out.
        int previous = Posix.umask(0077);
        try {
            layer("l1", null, new TarBuilder().file("a/b/file", "f"));
            layer("l2", "l1", new TarBuilder().file("c/file", "f"));
        } finally {
            Posix.umask(previous);
        }
        withImage("l2", root -> {
            for (Path dir : List.of(root, root.resolve("a"), root.resolve("a/b"), root.resolve("c"))) {
                assertThat(Files.getPosixFilePermissions(dir)).as(dir.toString())
                        .isEqualTo(PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        });
    }

    @Test
    void whiteoutsAndOpaqueDirsHideLowerContentInTheMountedImage() throws Exception {
        layer("l1", null, base());
        layer("l2", "l1", new TarBuilder()
                .file("a/.wh.x", "")
                .dir("d", 0755).file("d/.wh..wh..opq", "").file("d/new", "new")
                .file(".wh.etc", ""));

        withImage("l2", root -> {
            assertThat(root.resolve("a/x")).doesNotExist();
            assertThat(root.resolve("a/y")).hasContent("y");
            assertThat(root.resolve("d/old")).doesNotExist();
            assertThat(root.resolve("d/sub")).doesNotExist();
            assertThat(root.resolve("d/new")).hasContent("new");
            assertThat(root.resolve("etc")).doesNotExist();
            try (Stream<Path> all = Files.walk(root)) {
                assertThat(all.map(p -> p.getFileName() == null ? "" : p.getFileName().toString()))
                        .noneMatch(n -> n.startsWith(".wh."));
            }
        });
        // The lower layer itself is unchanged.
        withImage("l1", root -> assertThat(root.resolve("a/x")).hasContent("x"));
    }

    @Test
    void aFileUnderALowerLayersSymlinkLandsWhereTheLinkPoints() throws Exception {
        layer("l1", null, base());
        layer("l2", "l1", new TarBuilder().file("bin/tool", "tool", 0755));

        withImage("l2", root -> {
            assertThat(root.resolve("usr/bin/tool")).hasContent("tool");
            assertThat(Files.isSymbolicLink(root.resolve("bin"))).isTrue();
            assertThat(root.resolve("usr/bin/sh")).hasContent("sh");
        });
    }

    @Test
    void aHostileUpperLayerCannotEscapeThroughItsOwnOrALowerLayersLinks() throws Exception {
        layer("l1", null, base().symlink("planted", "../../../../../../../../.." + outside));

        assertThatThrownBy(() -> layer("l2", "l1", new TarBuilder().file("planted/evil", "x")))
                .isInstanceOf(UnsafeLayerException.class).hasMessageContaining("planted/evil");
        snapshotter.remove("extract-l2");

        // etc -> / then etc/passwd: confined to the image's own root.
        layer("l3", "l1", new TarBuilder().symlink("etc", "/").file("etc/passwd", "evil"));
        withImage("l3", root -> {
            assertThat(root.resolve("passwd")).hasContent("evil");
            assertThat(Files.isSymbolicLink(root.resolve("etc"))).isTrue();
        });
        withImage("l1", root -> assertThat(root.resolve("etc/passwd")).hasContent("root:x:0:0::/root:/bin/sh"));
    }

    @Test
    void theDiffIdOfEachLayerIsItsUncompressedSha256() throws Exception {
        TarBuilder tar = new TarBuilder().file("f", "content");
        byte[] bytes = new TarBuilder().file("f", "content").bytes();
        String expected = "sha256:" + java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        assertThat(layer("l1", null, tar).diffId()).isEqualTo(expected);
    }
}
