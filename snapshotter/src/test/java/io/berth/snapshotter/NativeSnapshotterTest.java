package io.berth.snapshotter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class NativeSnapshotterTest extends SnapshotterConformanceTest {
    @Override
    protected Snapshotter open(Path root) {
        return new NativeSnapshotter(root);
    }

    @Test
    void everySnapshotIsABindMountOfItsOwnCopy() throws Exception {
        commitLayer("base", null, "f", "x");
        List<Mount> active = snapshotter.prepare("c", "base");
        assertThat(active).singleElement().satisfies(m -> {
            assertThat(m.type()).isEqualTo("bind");
            assertThat(m.options()).containsExactly("rw", "rbind");
            assertThat(Path.of(m.source()).resolve("f")).hasContent("x");
        });
        assertThat(snapshotter.mounts("base")).singleElement()
                .satisfies(m -> assertThat(m.options()).containsExactly("ro", "rbind"));
        assertThat(snapshotter.view("v", "base")).singleElement().satisfies(m -> assertThat(m.readOnly()).isTrue());
    }

    @Test
    void aCopyOfItsParentCannotBeBuiltBeforeIt() throws Exception {
        commitLayer("base", null, "f", "x");
        snapshotter.prepare("apart", null);

        assertThat(snapshotter.buildsLayersApart()).isFalse();
        assertThatThrownBy(() -> snapshotter.commit("top", "apart", "base"))
                .isInstanceOf(UnsupportedOperationException.class);
    }
}
