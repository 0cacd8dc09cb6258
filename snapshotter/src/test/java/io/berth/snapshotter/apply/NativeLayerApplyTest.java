package io.berth.snapshotter.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.snapshotter.Mount;
import io.berth.snapshotter.NativeSnapshotter;
import io.berth.snapshotter.Snapshotter;
import io.berth.snapshotter.tar.TarBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class NativeLayerApplyTest extends LayerApplyConformanceTest {
    @Override
    protected Snapshotter open(Path root) {
        return new NativeSnapshotter(root);
    }

    @Test
    void whiteoutsAreDeletionsInTheCopyAndNoMarkerIsLeftBehind() throws Exception {
        layer("l1", null, new TarBuilder().file("a/x", "x").file("a/y", "y").file("d/old", "old"));
        layer("l2", "l1", new TarBuilder().file("a/.wh.x", "").dir("d", 0755).file("d/.wh..wh..opq", "")
                .file("d/new", "new"));

        // A native snapshot is a full copy: its own dir is the image, bind-mounted as is.
        Mount l2 = snapshotter.mounts("l2").get(0);
        Path fs = Path.of(l2.source());
        assertThat(fs.resolve("a/x")).doesNotExist();
        assertThat(fs.resolve("a/y")).hasContent("y");
        assertThat(fs.resolve("d/old")).doesNotExist();
        assertThat(fs.resolve("d/new")).hasContent("new");
        try (Stream<Path> all = Files.walk(fs)) {
            assertThat(all.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".wh."));
        }
    }
}
