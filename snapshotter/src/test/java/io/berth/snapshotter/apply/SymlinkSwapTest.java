package io.berth.snapshotter.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.linux.NoFollowFiles;
import io.berth.snapshotter.tar.TarBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A layer that replaces a directory it wrote with a symlink to a host directory ({@code x/}, {@code x/probe/},
 * then {@code x -> /host/dir}) and then acts on the old path, or leaves a deferred step to act on it. The
 * host directory keeps its times, mode, owner and xattrs whatever the layer does. Needs root (chown).
 */
class SymlinkSwapTest {
    private static final Instant HOST_TIME = Instant.parse("2001-02-03T04:05:06Z");
    private static final Instant LAYER_TIME = Instant.parse("2020-01-01T00:00:00Z");

    @TempDir
    Path tmp;
    Path root;
    Path host;
    Path probe;
    Path hostFile;

    @BeforeEach
    void layout() throws IOException {
        root = Files.createDirectory(tmp.resolve("root"));
        host = Files.createDirectory(tmp.resolve("host"));
        probe = Files.createDirectory(host.resolve("probe"));
        hostFile = Files.writeString(probe.resolve("file"), "host");
        Files.setPosixFilePermissions(probe, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        for (Path p : new Path[] {host, probe, hostFile}) {
            Files.setLastModifiedTime(p, FileTime.from(HOST_TIME));
        }
    }

    @AfterEach
    void hostIsUntouched() throws IOException {
        for (Path p : new Path[] {host, probe, hostFile}) {
            assertThat(Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toInstant()).as("mtime of %s", p)
                    .isEqualTo(HOST_TIME);
            assertThat(Files.getAttribute(p, "unix:uid")).as("owner of %s", p).isEqualTo(0);
            assertThat(NoFollowFiles.listXattrs(p)).as("xattrs of %s", p).isEmpty();
        }
        assertThat(Files.getAttribute(probe, "unix:mode")).isEqualTo(040755);
        assertThat(hostFile).hasContent("host");
        assertThat(Files.getAttribute(hostFile, "unix:nlink")).isEqualTo(1);
    }

    private void apply(TarBuilder layer) throws IOException {
        LayerApplier.applyToDirectory(root, layer.stream(), null);
    }

    /** The layer's dirs, then x swapped for a link to the host dir. */
    private TarBuilder swapped(String linkTarget) {
        return new TarBuilder().mtime(LAYER_TIME).dir("x", 0755).dir("x/probe", 0755).symlink("x", linkTarget);
    }

    /** Where an absolute link to the host dir leads inside the root. */
    private Path hostInRoot() {
        return root.resolve(host.toString().substring(1));
    }

    @Test
    void deferredDirTimesAreNotSetThroughAnAbsoluteLinkThatReplacedAParent() throws Exception {
        apply(swapped(host.toString()));
        assertThat(root.resolve("x")).isSymbolicLink();
    }

    @Test
    void deferredDirTimesAreNotSetThroughARelativeLinkThatReplacedAParent() throws Exception {
        apply(swapped("../host"));
        assertThat(root.resolve("x")).isSymbolicLink();
    }

    @Test
    void deferredDirTimesAreNotSetOnADeeperDirWhoseGrandparentWasSwapped() throws Exception {
        apply(new TarBuilder().mtime(LAYER_TIME).dir("a", 0755).dir("a/host", 0755).dir("a/host/probe", 0755)
                .symlink("a", tmp.toString()));
    }

    @Test
    void directoryTimesStillLandWhereNothingWasSwapped() throws Exception {
        apply(swapped(host.toString()).dir("y", 0755).dir("y/z", 0755));
        assertThat(Files.getLastModifiedTime(root.resolve("y")).toInstant()).isEqualTo(LAYER_TIME);
        assertThat(Files.getLastModifiedTime(root.resolve("y/z")).toInstant()).isEqualTo(LAYER_TIME);
    }

    @Test
    void modeOwnerAndXattrsAfterTheSwapLandInsideTheRoot() throws Exception {
        apply(swapped(host.toString()).owner(4321, 4321)
                .dirWithXattr("x/probe", 0700, "user.evil", "yes".getBytes()));
        Path inside = hostInRoot().resolve("probe");
        assertThat(Files.getAttribute(inside, "unix:mode")).isEqualTo(040700);
        assertThat(Files.getAttribute(inside, "unix:uid")).isEqualTo(4321);
        assertThat(NoFollowFiles.getXattr(inside, "user.evil")).hasValue("yes".getBytes());
        assertThat(Files.getLastModifiedTime(inside).toInstant()).isEqualTo(LAYER_TIME);
    }

    @Test
    void metadataThroughARelativeLinkOutOfTheRootIsRefused() {
        assertThatThrownBy(() -> apply(swapped("../host").owner(4321, 4321)
                .dirWithXattr("x/probe", 0700, "user.evil", "yes".getBytes())))
                .isInstanceOf(UnsafeLayerException.class).hasMessageContaining("x/probe");
    }

    @Test
    void aWhiteoutAfterTheSwapDeletesNothingOnTheHost() throws Exception {
        apply(swapped(host.toString()).file("x/.wh.probe", "").file("x/probe/.wh.file", ""));
        assertThat(probe).isDirectory();
    }

    @Test
    void anOpaqueMarkerAfterTheSwapDeletesNothingOnTheHost() throws Exception {
        apply(swapped(host.toString()).file("x/probe/.wh..wh..opq", ""));
    }

    @Test
    void aHardlinkAfterTheSwapCannotReachAHostFile() {
        assertThatThrownBy(() -> apply(swapped(host.toString()).hardlink("stolen", "x/probe/file")))
                .isInstanceOf(io.berth.common.error.InvalidArgumentException.class)
                .hasMessageContaining("does not exist");
        assertThat(root.resolve("stolen")).doesNotExist();
    }
}
