package io.berth.snapshotter.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.linux.NoFollowFiles;
import io.berth.snapshotter.Mount;
import io.berth.snapshotter.OverlaySnapshotter;
import io.berth.snapshotter.Snapshotter;
import io.berth.snapshotter.tar.TarBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class OverlayLayerApplyTest extends LayerApplyConformanceTest {
    @Override
    protected Snapshotter open(Path root) {
        return new OverlaySnapshotter(root);
    }

    @Test
    void theUpperDirHoldsOverlayWhiteoutsAndOpaqueMarkersMadeByOverlayfs() throws Exception {
        layer("l1", null, new TarBuilder().file("a/x", "x").file("a/y", "y").file("d/old", "old"));
        layer("l2", "l1", new TarBuilder().file("a/.wh.x", "").dir("d", 0755).file("d/.wh..wh..opq", "")
                .file("d/new", "new"));

        Mount l2 = snapshotter.mounts("l2").get(0);
        Path upper = Path.of(l2.options().stream().filter(o -> o.startsWith("lowerdir=")).findFirst().orElseThrow()
                .substring("lowerdir=".length()).split(":")[0]);
        Path whiteout = upper.resolve("a/x");
        assertThat((int) Files.getAttribute(whiteout, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000)
                .isEqualTo(NoFollowFiles.S_IFCHR);
        assertThat((long) Files.getAttribute(whiteout, "unix:rdev", LinkOption.NOFOLLOW_LINKS)).isZero();
        assertThat(upper.resolve("a/y")).doesNotExist();
        // The lower entry of an opaque dir is hidden: by an opaque xattr or a whiteout of its own.
        Path old = upper.resolve("d/old");
        boolean opaque = NoFollowFiles.getXattr(upper.resolve("d"), "trusted.overlay.opaque")
                .map(v -> new String(v, StandardCharsets.UTF_8).equals("y")).orElse(false);
        boolean whitedOut = Files.exists(old, LinkOption.NOFOLLOW_LINKS)
                && (long) Files.getAttribute(old, "unix:rdev", LinkOption.NOFOLLOW_LINKS) == 0
                && ((int) Files.getAttribute(old, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000)
                        == NoFollowFiles.S_IFCHR;
        assertThat(opaque || whitedOut).as("d/old hidden in the upper dir").isTrue();
        assertThat(upper.resolve("d/new")).hasContent("new");
    }
}
