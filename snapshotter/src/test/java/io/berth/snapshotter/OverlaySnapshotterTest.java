package io.berth.snapshotter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.InvalidArgumentException;
import io.berth.linux.TreeDeleter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class OverlaySnapshotterTest extends SnapshotterConformanceTest {
    @Override
    protected Snapshotter open(Path root) {
        return new OverlaySnapshotter(root);
    }

    @Test
    void anActiveSnapshotOnAChainIsAnOverlayWithLowersNearestFirst() throws Exception {
        commitLayer("l1", null);
        commitLayer("l2", "l1");
        List<Mount> mounts = snapshotter.prepare("c", "l2");
        String l1 = fsOf("l1");
        String l2 = fsOf("l2");
        assertThat(mounts).singleElement().satisfies(m -> {
            assertThat(m.type()).isEqualTo("overlay");
            assertThat(m.options()).contains("lowerdir=" + l2 + ":" + l1);
            assertThat(m.options()).anySatisfy(o -> assertThat(o).startsWith("upperdir=" + root));
            assertThat(m.options()).anySatisfy(o -> assertThat(o).startsWith("workdir=" + root));
        });
    }

    @Test
    void aLayerBuiltBeforeItsParentIsCommittedOntoItAndListedAfterIt() throws Exception {
        assertThat(snapshotter.buildsLayersApart()).isTrue();
        List<Mount> apart = snapshotter.prepare("apart", null);
        Files.writeString(Path.of(apart.get(0).source()).resolve("top"), "top");
        commitLayer("base", null);

        snapshotter.commit("top", "apart", "base");

        assertThat(snapshotter.stat("top").parent()).isEqualTo("base");
        assertThat(snapshotter.stat("top").kind()).isEqualTo(Kind.COMMITTED);
        assertThat(snapshotter.list()).extracting(SnapshotInfo::name).containsExactly("base", "top");
        assertThat(snapshotter.mounts("top").get(0).options()).contains("lowerdir=" + fsOf("top") + ":" + fsOf("base"));
        assertThatThrownBy(() -> snapshotter.remove("base")).isInstanceOf(FailedPreconditionException.class);
    }

    @Test
    void onlyALayerPreparedWithoutParentCanBeCommittedOntoAnother() throws Exception {
        commitLayer("base", null);
        snapshotter.prepare("child", "base");

        assertThatThrownBy(() -> snapshotter.commit("c", "child", "base"))
                .isInstanceOf(FailedPreconditionException.class).hasMessageContaining("built apart");
    }

    @Test
    void oneLayerIsShownByAReadOnlyBindMountAndMoreByALowerOnlyOverlay() throws Exception {
        commitLayer("l1", null);
        commitLayer("l2", "l1");
        Mount committedOne = snapshotter.mounts("l1").get(0);
        assertThat(committedOne.type()).isEqualTo("bind");
        assertThat(committedOne.options()).containsExactly("ro", "rbind");
        assertThat(committedOne.source()).isEqualTo(fsOf("l1"));

        Mount viewOfOne = snapshotter.view("v1", "l1").get(0);
        assertThat(viewOfOne).isEqualTo(committedOne);

        Mount viewOfTwo = snapshotter.view("v2", "l2").get(0);
        assertThat(viewOfTwo.type()).isEqualTo("overlay");
        assertThat(viewOfTwo.options()).contains("ro", "lowerdir=" + fsOf("l2") + ":" + fsOf("l1"))
                .noneMatch(o -> o.startsWith("upperdir="));
    }

    @Test
    void aChainOfMoreThanAHundredLayersMountsWithOptionsThatFitInOnePage() throws Exception {
        // A root as short as a real one (/var/lib/berth/snapshots is 24 characters); JUnit's temp dirs
        // are longer than any configured root would be.
        // createTempDirectory's random suffix varies in length, so the name is fixed and made unique by pid.
        Path shortRoot = Files.createDirectory(Path.of("/tmp/bs-" + ProcessHandle.current().pid()));
        assertThat(shortRoot.toString().length()).isLessThanOrEqualTo(26);
        snapshotter.close();
        root = shortRoot;
        snapshotter = open(root);
        try {
            int layers = 110;
            String parent = null;
            for (int i = 0; i < layers; i++) {
                String key = "active-" + i;
                List<Mount> mounts = snapshotter.prepare(key, parent);
                // Filling the upper dir directly is what the applier does in effect; mounting 110 times is
                // not what this test is about.
                Path own = Path.of(upperOf(mounts.get(0)));
                Files.writeString(own.resolve("layer-" + i), Integer.toString(i));
                Files.writeString(own.resolve("top"), Integer.toString(i));
                snapshotter.commit("layer-" + i, key);
                parent = "layer-" + i;
            }
            List<Mount> top = snapshotter.prepare("container", parent);
            assertThat(lowers(top.get(0))).hasSize(layers);
            assertThat(String.join(",", top.get(0).options()).length()).isLessThan(4096);

            withMounted(top, dir -> {
                for (int i = 0; i < layers; i++) {
                    assertThat(dir.resolve("layer-" + i)).hasContent(Integer.toString(i));
                }
                assertThat(dir.resolve("top")).hasContent(Integer.toString(layers - 1));
            });
        } finally {
            TreeDeleter.delete(shortRoot);
        }
    }

    @Test
    void aChainTooLongForOneMountIsRefusedBeforeAnythingIsCreated() throws Exception {
        snapshotter.close();
        root = tmp.resolve("r".repeat(200));
        snapshotter = open(root);
        String parent = null;
        int refusedAt = -1;
        for (int i = 0; i < 40 && refusedAt < 0; i++) {
            try {
                snapshotter.prepare("a" + i, parent);
            } catch (FailedPreconditionException e) {
                assertThat(e).hasMessageContaining("overlay layers").hasMessageContaining("shorter snapshotter root");
                refusedAt = i;
                break;
            }
            snapshotter.commit("l" + i, "a" + i);
            parent = "l" + i;
        }
        // Each lower is over 200 characters: about 4096 / 210 layers fit, and not one more.
        assertThat(refusedAt).isBetween(15, 20);
        assertThat(snapshotter.list()).hasSize(refusedAt);
        assertThat(idDirs()).hasSize(refusedAt);
    }

    @Test
    void aRootWithAnOptionSeparatorIsRefused() {
        assertThatThrownBy(() -> new OverlaySnapshotter(tmp.resolve("a,b")))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("must not contain");
    }

    private String fsOf(String committed) {
        return snapshotter.mounts(committed).stream().filter(m -> m.type().equals("bind")).findFirst()
                .map(Mount::source)
                .orElseGet(() -> lowers(snapshotter.mounts(committed).get(0))[0]);
    }

    private static String[] lowers(Mount m) {
        return m.options().stream().filter(o -> o.startsWith("lowerdir=")).findFirst().orElseThrow()
                .substring("lowerdir=".length()).split(":");
    }

    private static String upperOf(Mount m) {
        if (m.type().equals("bind")) {
            return m.source();
        }
        return m.options().stream().filter(o -> o.startsWith("upperdir=")).findFirst().orElseThrow()
                .substring("upperdir=".length());
    }
}
