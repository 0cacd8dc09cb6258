package io.berth.server.container;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.cri.v1.ContainerConfig;
import io.berth.cri.v1.ContainerMetadata;
import io.berth.server.config.BerthConfig;
import io.berth.server.config.ConfigLoader;
import io.berth.snapshotter.SnapshotInfo;
import io.berth.snapshotter.Snapshotter;
import io.berth.snapshotter.Snapshotters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a CreateContainer cut short by a crash leaves (it records the container last) is found at start and
 * removed; what a recorded container or pod init owns is left alone. The OCI runtime is a script that logs its
 * arguments.
 */
class ContainerOrphansTest {
    private static final String OWNED = TestRecords.id("a1");
    private static final String ORPHAN = TestRecords.id("b2");
    private static final String POD_INIT = TestRecords.id("c3");

    @TempDir
    Path dir;
    private BerthConfig config;
    private Snapshotter snapshotter;
    private ContainerStore containers;
    private Path runtimeLog;
    private final List<Path> released = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        runtimeLog = dir.resolve("runtime.log");
        Path runtime = Files.writeString(dir.resolve("fake-runtime"), "#!/bin/sh\necho \"$@\" >> " + runtimeLog + "\n");
        Files.setPosixFilePermissions(runtime, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path toml = Files.writeString(dir.resolve("config.toml"), "[runtimes.fake]\nbinary = \"" + runtime + "\"\n");
        config = ConfigLoader.load(toml).withPaths(dir.resolve("root"), dir.resolve("state"), dir.resolve("s.sock"));
        snapshotter = Snapshotters.open(Snapshotters.Driver.NATIVE, config.root().resolve("snapshots"));
        containers = new ContainerStore(config.root().resolve("containers"));
    }

    @AfterEach
    void closeSnapshotter() {
        snapshotter.close();
    }

    @Test
    void aCutCreatesRunDirRuntimeContainerAndSnapshotsGoWhatARecordOrPodOwnsStays() throws Exception {
        snapshotter.prepare("layer-key", "");
        snapshotter.commit("layer", "layer-key");
        Path ownedRunDir = runDir(OWNED);
        Path orphanRunDir = runDir(ORPHAN);
        containers.add(metadata(OWNED, ownedRunDir), ContainerRunStatus.created());
        snapshotter.prepare("container-" + OWNED, "layer");
        snapshotter.prepare("container-" + ORPHAN, "layer");
        snapshotter.view("imgvol-" + ORPHAN + "-0", "layer");
        for (String id : List.of(OWNED, ORPHAN, POD_INIT)) {
            Files.createDirectories(config.state().resolve("runtime/fake").resolve(id));
        }

        new ContainerOrphans(config, containers, () -> Set.of(POD_INIT), snapshotter, released::add).remove();

        assertThat(ownedRunDir).isDirectory();
        assertThat(orphanRunDir).doesNotExist();
        assertThat(released).containsExactly(orphanRunDir);
        assertThat(snapshotter.list()).extracting(SnapshotInfo::name)
                .containsExactlyInAnyOrder("layer", "container-" + OWNED);
        assertThat(Files.readAllLines(runtimeLog)).containsExactly(
                "--root " + config.state().resolve("runtime/fake") + " delete --force " + ORPHAN);
        assertThat(containers.list()).extracting(ContainerStore.Container::id).containsExactly(OWNED);
    }

    @Test
    void withNothingCutShortNothingIsTouched() throws Exception {
        Path ownedRunDir = runDir(OWNED);
        containers.add(metadata(OWNED, ownedRunDir), ContainerRunStatus.created());

        new ContainerOrphans(config, containers, Set::of, snapshotter, released::add).remove();

        assertThat(ownedRunDir.resolve("bundle/config.json")).exists();
        assertThat(released).isEmpty();
        assertThat(runtimeLog).doesNotExist();
    }

    private Path runDir(String id) throws Exception {
        Path runDir = config.state().resolve("containers").resolve(id.substring(0, 16));
        Files.createDirectories(runDir.resolve("bundle/rootfs"));
        Files.writeString(runDir.resolve("bundle/config.json"), "{}");
        return runDir;
    }

    private static StoredContainerMetadata metadata(String id, Path runDir) {
        return new StoredContainerMetadata(id, POD_INIT, "kept_pod", ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName("kept")).build(), "sha256:" + "a".repeat(64),
                "busybox@sha256:" + "b".repeat(64), 1, "", runDir.toString(), "container-" + id, "fake", "SIGTERM",
                0, 0, List.of());
    }
}
