package io.berth.snapshotter.apply;

import io.berth.snapshotter.NativeSnapshotter;
import io.berth.snapshotter.Snapshotter;
import java.nio.file.Path;

class NativeLayerApplyTest extends LayerApplyConformanceTest {
    @Override
    protected Snapshotter open(Path root) {
        return new NativeSnapshotter(root);
    }
}
