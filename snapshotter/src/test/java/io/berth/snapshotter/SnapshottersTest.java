package io.berth.snapshotter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.InvalidArgumentException;
import io.berth.linux.MountTable;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshottersTest {
    @TempDir
    Path tmp;

    @Test
    void autoPicksOverlayWhereItMountsAndLeavesNoProbeBehind() {
        // CI hosts (and this one) have overlayfs and run as root.
        Path root = tmp.resolve("auto");
        try (Snapshotter s = Snapshotters.open(Snapshotters.Driver.AUTO, root)) {
            assertThat(s.driver()).isEqualTo("overlayfs");
        }
        assertThat(root).isDirectoryNotContaining(p -> p.getFileName().toString().startsWith(".probe"));
        assertThat(MountTable.mountPointsUnder(root)).isEmpty();
    }

    @Test
    void theProbeFailsWhereOverlayCannotBeMountedAsAnUpper() throws Exception {
        // A root that cannot hold the probe must give "no", not an exception, so AUTO falls back to native.
        Path notADir = java.nio.file.Files.writeString(tmp.resolve("file"), "x");
        assertThat(Snapshotters.overlayWorksUnder(notADir)).isFalse();
    }

    @Test
    void driverNamesParseAsConfigurationSpellsThem() {
        assertThat(Snapshotters.Driver.parse("overlayfs")).isEqualTo(Snapshotters.Driver.OVERLAYFS);
        assertThat(Snapshotters.Driver.parse("Native")).isEqualTo(Snapshotters.Driver.NATIVE);
        assertThat(Snapshotters.Driver.parse("")).isEqualTo(Snapshotters.Driver.AUTO);
        assertThatThrownBy(() -> Snapshotters.Driver.parse("btrfs")).isInstanceOf(InvalidArgumentException.class)
                .hasMessageContaining("expected overlayfs, native or auto");
    }

    @Test
    void aRootIsNeverOpenedByTheOtherDriver() {
        Path root = tmp.resolve("r");
        new NativeSnapshotter(root).close();
        assertThatThrownBy(() -> new OverlaySnapshotter(root)).isInstanceOf(FailedPreconditionException.class)
                .hasMessageContaining("belongs to the 'native' snapshotter");
    }
}
