package io.berth.snapshotter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.common.error.AlreadyExistsException;
import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.InvalidArgumentException;
import io.berth.common.error.NotFoundException;
import io.berth.linux.Posix;
import io.berth.linux.TreeDeleter;
import io.berth.snapshotter.fs.Usage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link Snapshotter} must do, seen from its user: mounts made from it are mounted for real
 * and read through. Each implementation's test extends this class. Needs root (CI runs as root).
 */
abstract class SnapshotterConformanceTest {
    @TempDir
    Path tmp;

    protected Path root;
    protected Snapshotter snapshotter;
    private int mountPoints;

    protected abstract Snapshotter open(Path root);

    @BeforeEach
    void openSnapshotter() {
        root = tmp.resolve("snapshots");
        snapshotter = open(root);
    }

    @AfterEach
    void closeSnapshotter() {
        snapshotter.close();
    }

    /** Mounts the snapshot's mounts, runs {@code body} on the mounted dir, and always unmounts. */
    protected void withMounted(List<Mount> mounts, ThrowingConsumer body) throws Exception {
        Path target = Files.createDirectories(tmp.resolve("mnt-" + mountPoints++));
        try (MountedView view = MountedView.mount(mounts, target)) {
            body.accept(view.path());
        }
        assertThat(target).isEmptyDirectory();
    }

    protected interface ThrowingConsumer {
        void accept(Path dir) throws Exception;
    }

    /** Commits a layer on {@code parent} holding the given files (name, content pairs). */
    protected void commitLayer(String name, String parent, String... files) throws Exception {
        String key = name + "-active";
        withMounted(snapshotter.prepare(key, parent), dir -> {
            for (int i = 0; i < files.length; i += 2) {
                Path f = dir.resolve(files[i]);
                Files.createDirectories(f.getParent());
                Files.writeString(f, files[i + 1]);
            }
        });
        snapshotter.commit(name, key);
    }

    @Test
    void theRootOfEverySnapshotIs0755UnderBerthdsUmask() throws Exception {
        // The root of a container's snapshot is its "/": under berthd's umask 0077 it must still be 0755.
        int previous = Posix.umask(0077);
        List<Mount> fresh;
        List<Mount> child;
        try {
            commitLayer("base", null, "etc/passwd", "root");
            fresh = snapshotter.prepare("fresh", null);
            child = snapshotter.prepare("child", "base");
        } finally {
            Posix.umask(previous);
        }
        for (List<Mount> mounts : List.of(fresh, child)) {
            withMounted(mounts, dir -> assertThat(Files.getPosixFilePermissions(dir))
                    .isEqualTo(PosixFilePermissions.fromString("rwxr-xr-x")));
        }
    }

    @Test
    void aPreparedSnapshotWithoutParentIsAnEmptyWritableTree() throws Exception {
        List<Mount> mounts = snapshotter.prepare("fresh", null);
        withMounted(mounts, dir -> {
            assertThat(dir).isEmptyDirectory();
            Files.writeString(dir.resolve("hello"), "world");
        });
        withMounted(snapshotter.mounts("fresh"), dir -> assertThat(dir.resolve("hello")).hasContent("world"));
    }

    @Test
    void aViewOfAChainShowsEveryLayerNewestWinningAndIsReadOnly() throws Exception {
        commitLayer("l1", null, "etc/os-release", "debian", "keep", "from l1");
        commitLayer("l2", "l1", "etc/os-release", "berth", "added", "from l2");

        withMounted(snapshotter.view("v", "l2"), dir -> {
            assertThat(dir.resolve("etc/os-release")).hasContent("berth");
            assertThat(dir.resolve("keep")).hasContent("from l1");
            assertThat(dir.resolve("added")).hasContent("from l2");
            assertThatThrownBy(() -> Files.writeString(dir.resolve("new"), "x"))
                    .hasMessageContaining("Read-only file system");
        });
        withMounted(snapshotter.mounts("l2"), dir -> {
            assertThat(dir.resolve("etc/os-release")).hasContent("berth");
            assertThatThrownBy(() -> Files.writeString(dir.resolve("new"), "x"))
                    .hasMessageContaining("Read-only file system");
        });
    }

    @Test
    void writesInAnActiveSnapshotDoNotReachItsParentOrASibling() throws Exception {
        commitLayer("base", null, "shared", "original");
        withMounted(snapshotter.prepare("c1", "base"), dir -> {
            assertThat(dir.resolve("shared")).hasContent("original");
            Files.writeString(dir.resolve("shared"), "changed by c1");
            Files.writeString(dir.resolve("only-c1"), "x");
        });
        withMounted(snapshotter.prepare("c2", "base"), dir -> {
            assertThat(dir.resolve("shared")).hasContent("original");
            assertThat(dir.resolve("only-c1")).doesNotExist();
        });
        withMounted(snapshotter.mounts("base"), dir -> {
            assertThat(dir.resolve("shared")).hasContent("original");
            assertThat(dir.resolve("only-c1")).doesNotExist();
        });
        withMounted(snapshotter.mounts("c1"), dir -> assertThat(dir.resolve("shared")).hasContent("changed by c1"));
    }

    @Test
    void statTellsKindParentAndTimesAndCommitMovesTheKeyToTheName() throws Exception {
        Instant before = Instant.now().minusSeconds(1);
        commitLayer("base", null);
        snapshotter.prepare("work", "base");
        snapshotter.view("look", "base");

        assertThat(snapshotter.stat("base")).satisfies(i -> {
            assertThat(i.kind()).isEqualTo(Kind.COMMITTED);
            assertThat(i.parent()).isNull();
            assertThat(i.created()).isAfter(before).isBeforeOrEqualTo(i.updated());
        });
        assertThat(snapshotter.stat("work").kind()).isEqualTo(Kind.ACTIVE);
        assertThat(snapshotter.stat("work").parent()).isEqualTo("base");
        assertThat(snapshotter.stat("look").kind()).isEqualTo(Kind.VIEW);

        snapshotter.commit("done", "work");
        assertThat(snapshotter.stat("done").kind()).isEqualTo(Kind.COMMITTED);
        assertThat(snapshotter.stat("done").parent()).isEqualTo("base");
        assertThatThrownBy(() -> snapshotter.stat("work")).isInstanceOf(NotFoundException.class)
                .hasMessageContaining("'work'");
    }

    @Test
    void unknownKeysAreNotFound() {
        assertThatThrownBy(() -> snapshotter.stat("nope")).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> snapshotter.mounts("nope")).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> snapshotter.usage("nope")).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> snapshotter.remove("nope")).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> snapshotter.commit("name", "nope")).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> snapshotter.prepare("child", "no-parent"))
                .isInstanceOf(NotFoundException.class).hasMessageContaining("parent snapshot 'no-parent'");
        assertThat(snapshotter.list()).isEmpty();
    }

    @Test
    void takenKeysAndNamesAreAlreadyExists() throws Exception {
        commitLayer("base", null);
        snapshotter.prepare("a", null);
        assertThatThrownBy(() -> snapshotter.prepare("a", null)).isInstanceOf(AlreadyExistsException.class);
        assertThatThrownBy(() -> snapshotter.view("a", "base")).isInstanceOf(AlreadyExistsException.class);
        assertThatThrownBy(() -> snapshotter.prepare("base", null)).isInstanceOf(AlreadyExistsException.class);
        assertThatThrownBy(() -> snapshotter.commit("base", "a")).isInstanceOf(AlreadyExistsException.class);
        assertThat(snapshotter.stat("a").kind()).isEqualTo(Kind.ACTIVE);
    }

    @Test
    void stateRulesAreEnforced() throws Exception {
        commitLayer("base", null);
        snapshotter.prepare("active", "base");
        snapshotter.view("view", "base");
        assertThatThrownBy(() -> snapshotter.commit("x", "view")).isInstanceOf(FailedPreconditionException.class)
                .hasMessageContaining("only an active snapshot can be committed");
        assertThatThrownBy(() -> snapshotter.commit("x", "base")).isInstanceOf(FailedPreconditionException.class);
        assertThatThrownBy(() -> snapshotter.prepare("child", "active")).isInstanceOf(InvalidArgumentException.class)
                .hasMessageContaining("not committed");
        assertThatThrownBy(() -> snapshotter.prepare("", null)).isInstanceOf(InvalidArgumentException.class);
    }

    @Test
    void aParentWithChildrenCannotBeRemovedUntilTheChildrenAre() throws Exception {
        commitLayer("base", null, "f", "x");
        snapshotter.prepare("child", "base");
        snapshotter.view("look", "base");

        assertThatThrownBy(() -> snapshotter.remove("base")).isInstanceOf(FailedPreconditionException.class)
                .hasMessageContaining("remove them first");
        withMounted(snapshotter.mounts("base"), dir -> assertThat(dir.resolve("f")).hasContent("x"));

        snapshotter.remove("child");
        snapshotter.remove("look");
        snapshotter.remove("base");
        assertThat(snapshotter.list()).isEmpty();
        assertThat(idDirs()).isEmpty();
    }

    @Test
    void walkVisitsEverySnapshotParentsFirst() throws Exception {
        commitLayer("l1", null);
        commitLayer("l2", "l1");
        snapshotter.prepare("c", "l2");
        snapshotter.view("v", "l1");
        List<String> order = new ArrayList<>();
        snapshotter.walk(i -> order.add(i.name()));
        assertThat(order).containsExactlyInAnyOrder("l1", "l2", "c", "v");
        assertThat(order.indexOf("l1")).isLessThan(order.indexOf("l2"));
        assertThat(order.indexOf("l2")).isLessThan(order.indexOf("c"));
    }

    @Test
    void usageCountsTheBytesAndInodesOfTheSnapshotsOwnFiles() throws Exception {
        commitLayer("base", null, "big", "x".repeat(50_000));
        snapshotter.prepare("c", "base");
        Usage before = snapshotter.usage("c");
        withMounted(snapshotter.mounts("c"), dir -> Files.write(dir.resolve("new"), new byte[20_000]));
        Usage after = snapshotter.usage("c");

        assertThat(after.bytes() - before.bytes()).isGreaterThanOrEqualTo(20_000);
        assertThat(after.inodes()).isEqualTo(before.inodes() + 1);
        assertThat(snapshotter.usage("base").bytes()).isGreaterThanOrEqualTo(50_000);
    }

    @Test
    void snapshotsSurviveAReopen() throws Exception {
        commitLayer("base", null, "f", "persisted");
        snapshotter.prepare("c", "base");
        SnapshotInfo before = snapshotter.stat("c");
        snapshotter.close();

        snapshotter = open(root);
        assertThat(snapshotter.stat("c")).isEqualTo(before);
        withMounted(snapshotter.mounts("c"), dir -> assertThat(dir.resolve("f")).hasContent("persisted"));
        assertThatThrownBy(() -> snapshotter.remove("base")).isInstanceOf(FailedPreconditionException.class);
    }

    /** A pull that fails interrupts its download threads, which may be making or removing a snapshot. */
    @Test
    void aSnapshotMadeAndRemovedOnAnInterruptedThreadIsWhollyThereThenWhollyGone() throws Exception {
        commitLayer("base", null, "f", "x");
        Thread.currentThread().interrupt();
        try {
            snapshotter.prepare("cancelled", "base");
            assertThat(snapshotter.stat("cancelled").kind()).isEqualTo(Kind.ACTIVE);
            assertThat(idDirs()).hasSize(2);

            snapshotter.remove("cancelled");
            assertThat(Thread.currentThread().isInterrupted()).as("the interrupt is kept for the caller").isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(snapshotter.list()).extracting(SnapshotInfo::name).containsExactly("base");
        assertThat(idDirs()).hasSize(1);
        assertThat(root).isDirectoryNotContaining(p -> p.getFileName().toString().startsWith("."));
    }

    @Test
    void leftoversOfAnInterruptedCreateOrRemoveAreDeletedOnOpen() throws Exception {
        commitLayer("base", null, "f", "x");
        snapshotter.close();
        // What a crash leaves: a half-built snapshot (with a record already written) and a half-deleted one.
        long nextFree = idDirs().stream().mapToLong(Long::parseLong).max().orElse(0) + 1;
        Path staging = Files.createDirectories(root.resolve(".staging-" + nextFree + "/fs/usr"));
        Files.writeString(staging.getParent().getParent().resolve("record.json"), "{\"version\":1,\"data\":{}}");
        Files.createDirectories(root.resolve(".removing-999/fs/etc"));

        snapshotter = open(root);
        assertThat(root).isDirectoryNotContaining(p -> p.getFileName().toString().startsWith("."));
        assertThat(snapshotter.list()).extracting(SnapshotInfo::name).containsExactly("base");
        snapshotter.prepare("after-crash", "base");
        assertThat(idDirs()).hasSize(2).doesNotHaveDuplicates();
        withMounted(snapshotter.mounts("after-crash"), dir -> assertThat(dir.resolve("f")).hasContent("x"));
    }

    @Test
    void aDamagedSnapshotIsMovedAsideOnOpenWithTheLayersCommittedOnItButAContainersRootIsKept() throws Exception {
        commitLayer("base", null, "f", "x");
        commitLayer("middle", "base", "g", "y");
        commitLayer("top", "middle", "h", "z");
        snapshotter.prepare("container", "top");
        snapshotter.close();
        Path middle = dirOf("middle");
        Files.writeString(middle.resolve("record.json"), "{\"version\": 1, \"da");

        snapshotter = open(root);

        assertThat(snapshotter.list()).extracting(SnapshotInfo::name).containsExactlyInAnyOrder("base", "container");
        assertThat(root.resolve(".damaged-" + middle.getFileName())).isDirectory();
        snapshotter.remove("container");
        commitLayer("middle", "base", "g", "y");
        withMounted(snapshotter.view("again", "middle"), dir -> assertThat(dir.resolve("g")).hasContent("y"));
    }

    @Test
    void aSnapshotWhoseFilesAreGoneIsDroppedOnOpen() throws Exception {
        commitLayer("base", null, "f", "x");
        commitLayer("kept", null, "k", "k");
        snapshotter.close();
        Path base = dirOf("base");
        TreeDeleter.delete(base.resolve("fs"));

        snapshotter = open(root);

        assertThat(snapshotter.list()).extracting(SnapshotInfo::name).containsExactly("kept");
    }

    /** The dir of the snapshot named {@code name}, found by its record. */
    private Path dirOf(String name) throws Exception {
        for (String id : idDirs()) {
            Path record = root.resolve(id).resolve("record.json");
            if (new ObjectMapper().readTree(record.toFile()).path("data").path("name").asText().equals(name)) {
                return root.resolve(id);
            }
        }
        throw new IllegalStateException("no snapshot named " + name);
    }

    protected List<String> idDirs() throws Exception {
        try (var entries = Files.list(root)) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> n.matches("[0-9]+")).toList();
        }
    }
}
