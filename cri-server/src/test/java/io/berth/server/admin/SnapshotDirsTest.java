package io.berth.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.snapshotter.Mount;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SnapshotDirsTest {
    @Test
    void anOverlaySnapshotWritesToItsUpperDir() {
        List<Mount> mounts = List.of(new Mount("overlay", "overlay", List.of("index=off",
                "workdir=/var/lib/berth/snapshots/snapshots/9/work", "upperdir=/var/lib/berth/snapshots/snapshots/9/fs",
                "lowerdir=/var/lib/berth/snapshots/snapshots/3/fs")));

        assertThat(SnapshotDirs.writableDir(mounts)).contains(Path.of("/var/lib/berth/snapshots/snapshots/9/fs"));
    }

    @Test
    void aBindMountedSnapshotIsItsSource() {
        List<Mount> mounts = List.of(new Mount("bind", "/var/lib/berth/snapshots/snapshots/4/fs", List.of("rw", "rbind")));

        assertThat(SnapshotDirs.writableDir(mounts)).contains(Path.of("/var/lib/berth/snapshots/snapshots/4/fs"));
    }

    @Test
    void noMountsNoDir() {
        assertThat(SnapshotDirs.writableDir(List.of())).isEmpty();
    }
}
