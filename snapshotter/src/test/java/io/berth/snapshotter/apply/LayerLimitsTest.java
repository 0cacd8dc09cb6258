package io.berth.snapshotter.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.InvalidArgumentException;
import io.berth.linux.MountTable;
import io.berth.snapshotter.NativeSnapshotter;
import io.berth.snapshotter.OverlaySnapshotter;
import io.berth.snapshotter.SnapshotInfo;
import io.berth.snapshotter.Snapshotter;
import io.berth.snapshotter.tar.TarBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reproductions of "a small layer exhausts berthd's heap", scaled down to small bounds: each layer is
 * refused naming the bound it passed, and a refused layer leaves nothing behind when applied as pulls do.
 */
class LayerLimitsTest {
    private static final LayerLimits SMALL = new LayerLimits(1_000, 1 << 20, 64 * 1024, 256);

    @TempDir
    Path tmp;

    private Path root() throws IOException {
        return Files.createDirectories(tmp.resolve("root"));
    }

    private void apply(TarBuilder layer, LayerLimits limits) throws IOException {
        LayerApplier.applyToDirectory(root(), new ByteArrayInputStream(TarBuilder.gzip(layer.bytes())), null, limits);
    }

    private void assertOverBound(TarBuilder layer, LayerLimits limits, String bound) {
        assertThatThrownBy(() -> apply(layer, limits)).isInstanceOfSatisfying(LayerLimitException.class,
                e -> assertThat(e.bound()).isEqualTo(bound))
                .hasMessageContaining("image." + bound);
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) 'v');
        return b;
    }

    @Test
    void manyMergedXRecordsPassThePaxBound() {
        TarBuilder layer = new TarBuilder();
        for (int i = 0; i < 40; i++) {
            layer.pax(TarConstants.LF_PAX_EXTENDED_HEADER_LC, "f", "comment" + i, bytes(4096));
        }
        assertOverBound(layer.file("f", "x"), SMALL, LayerLimits.PAX_BYTES);
    }

    @Test
    void thePaxBoundCountsTheWholeLayerNotOneEntry() {
        TarBuilder layer = new TarBuilder();
        for (int i = 0; i < 40; i++) {
            layer.pax(TarConstants.LF_PAX_EXTENDED_HEADER_LC, "f" + i, "comment", bytes(4096)).file("f" + i, "x");
        }
        assertOverBound(layer, SMALL, LayerLimits.PAX_BYTES);
    }

    @Test
    void mergedRecordsOfOneEntryAreHeldToOneMiBWhateverThePaxBound() {
        // The 600 x 1 MiB records merged into one entry, cut off at the second record.
        TarBuilder layer = new TarBuilder();
        for (int i = 0; i < 3; i++) {
            layer.pax(TarConstants.LF_PAX_EXTENDED_HEADER_LC, "f", "SCHILY.xattr.user.a" + i, bytes(400_000));
        }
        assertThatThrownBy(() -> apply(layer.file("f", "x"), LayerLimits.DEFAULTS))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("at most 1048576 bytes accepted per entry");
    }

    @Test
    void recordsWithinTheBoundsStillApply() throws Exception {
        TarBuilder layer = new TarBuilder();
        for (int i = 0; i < 3; i++) {
            layer.pax(TarConstants.LF_PAX_EXTENDED_HEADER_LC, "f", "SCHILY.xattr.user.a" + i, bytes(100));
        }
        apply(layer.file("f", "x"), SMALL);
        assertThat(io.berth.linux.NoFollowFiles.getXattr(tmp.resolve("root/f"), "user.a2")).hasValue(bytes(100));
    }

    @Test
    void repeatedDirectoryEntriesAddNoBookkeeping() {
        LayerPaths paths = new LayerPaths();
        for (int i = 0; i < 100_000; i++) {
            paths.dirTime(Path.of("a"), java.time.Instant.ofEpochSecond(i));
            paths.markWritten(Path.of("a"));
        }
        assertThat(paths.size()).isEqualTo(1);
    }

    @Test
    void repeatedDirectoryEntriesApplyOnceAndTheLastTimeWins() throws Exception {
        TarBuilder layer = new TarBuilder();
        for (int i = 0; i < 900; i++) {
            layer.mtime(java.time.Instant.ofEpochSecond(1_000_000 + i)).dir("a", 0755);
        }
        apply(layer, SMALL);
        assertThat(Files.getLastModifiedTime(tmp.resolve("root/a")).toInstant())
                .isEqualTo(java.time.Instant.ofEpochSecond(1_000_899));
    }

    @Test
    void repeatedDirectoryEntriesPassTheEntryBound() {
        TarBuilder layer = new TarBuilder();
        for (int i = 0; i < 1_001; i++) {
            layer.dir("a", 0755);
        }
        assertOverBound(layer, SMALL, LayerLimits.ENTRIES);
    }

    @Test
    void impliedParentsCountAsEntries() {
        StringBuilder deep = new StringBuilder();
        for (int i = 0; i < 60; i++) {
            deep.append("d/");
        }
        TarBuilder layer = new TarBuilder();
        for (int i = 0; i < 20; i++) {
            layer.file(i + "/" + deep + "f", "x"); // 61 dirs each: 1,220 in 20 entries
        }
        assertOverBound(layer, SMALL, LayerLimits.ENTRIES);
    }

    @Test
    void contentPastTheUncompressedBoundIsCutOff() {
        assertOverBound(new TarBuilder().file("big", "z".repeat(2 << 20)), SMALL, LayerLimits.UNCOMPRESSED_BYTES);
    }

    @Test
    void paddingAfterTheEndOfTheArchiveCountsToo() throws Exception {
        byte[] tar = new TarBuilder().file("f", "x").bytes();
        byte[] padded = Arrays.copyOf(tar, tar.length + (2 << 20));
        assertThatThrownBy(() -> LayerApplier.applyToDirectory(root(),
                new ByteArrayInputStream(TarBuilder.zstd(padded)), null, SMALL))
                .isInstanceOf(LayerLimitException.class).hasMessageContaining("image." + LayerLimits.UNCOMPRESSED_BYTES);
    }

    @Test
    void aPathOrLinkTargetPastThePathBoundIsRefused() {
        assertOverBound(new TarBuilder().file("a/" + "n".repeat(300), "x"), SMALL, LayerLimits.PATH_BYTES);
        assertOverBound(new TarBuilder().symlink("l", "t".repeat(300)), SMALL, LayerLimits.PATH_BYTES);
        // Bytes, not chars: 100 three-byte chars are 300 bytes.
        assertOverBound(new TarBuilder().file("\u20ac".repeat(100), "x"), SMALL, LayerLimits.PATH_BYTES);
    }

    @Test
    void aLayerOverABoundLeavesNothingInANativeSnapshotstore() throws Exception {
        nothingLeftBehindAsInPulls(NativeSnapshotter::new);
    }

    @Test
    void aLayerOverABoundLeavesNothingInAnOverlaySnapshotStore() throws Exception {
        nothingLeftBehindAsInPulls(OverlaySnapshotter::new);
    }

    /** As LayerUnpacker does it: prepare on the parent, apply, and on failure remove the active snapshot. */
    private void nothingLeftBehindAsInPulls(Function<Path, Snapshotter> open) throws Exception {
        Path store = tmp.resolve("snapshots");
        Path scratch = tmp.resolve("scratch");
        LayerApplier applier = new LayerApplier(scratch, SMALL);
        try (Snapshotter snapshotter = open.apply(store)) {
            snapshotter.prepare("base-key", null);
            snapshotter.commit("base", "base-key");
            List<Path> before = tree(store);
            List<SnapshotInfo> snapshotsBefore = snapshotter.list();

            TarBuilder layer = new TarBuilder().file("written-before-the-bound", "x");
            for (int i = 0; i < 1_001; i++) {
                layer.dir("a", 0755);
            }
            byte[] blob = TarBuilder.gzip(layer.bytes());
            assertThatThrownBy(() -> {
                try {
                    applier.apply(snapshotter.prepare("pull-key", "base"), new ByteArrayInputStream(blob), null);
                } finally {
                    snapshotter.remove("pull-key");
                }
            }).isInstanceOf(LayerLimitException.class).hasMessageContaining("image." + LayerLimits.ENTRIES);

            assertThat(snapshotter.list()).containsExactlyInAnyOrderElementsOf(snapshotsBefore);
            assertThat(tree(store)).containsExactlyInAnyOrderElementsOf(before);
        }
        assertThat(MountTable.mountPointsUnder(tmp)).isEmpty();
        assertThat(scratch).satisfiesAnyOf(p -> assertThat(p).doesNotExist(), p -> assertThat(p).isEmptyDirectory());
    }

    private static List<Path> tree(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            return all.map(dir::relativize).filter(p -> !p.toString().startsWith("metadata")).toList();
        }
    }
}
