package io.berth.snapshotter;

import io.berth.snapshotter.fs.Usage;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Filesystem snapshots addressed by key, modelled on containerd's {@code core/snapshots}: an image's
 * layers become a chain of {@link Kind#COMMITTED} snapshots; a container's root is an {@link Kind#ACTIVE}
 * snapshot on top of the chain; a {@link Kind#VIEW} is a read-only look at a chain.
 *
 * <p>A snapshotter returns {@link Mount}s and never mounts a container's root itself: whoever runs the
 * container mounts them. Keys of active snapshots and views, and names of committed ones, share one
 * namespace. Failures are typed: an unknown key is {@code NotFoundException}, a taken key
 * {@code AlreadyExistsException}, an operation the snapshot's state forbids
 * {@code FailedPreconditionException}.
 */
public interface Snapshotter extends AutoCloseable {

    /** Creates a writable snapshot on top of the committed snapshot {@code parent} (null: empty). */
    List<Mount> prepare(String key, String parent);

    /** Creates a read-only snapshot of the committed snapshot {@code parent} (null: empty). */
    List<Mount> view(String key, String parent);

    /**
     * The mounts that show the snapshot: writable for an active one, read-only for a view or a
     * committed one.
     */
    List<Mount> mounts(String key);

    /** Turns the active snapshot {@code key} into the committed snapshot {@code name}; the key is gone. */
    void commit(String name, String key);

    /**
     * Whether a layer can be built apart from its parent and put on it afterwards
     * ({@link #commit(String, String, String)}): true where a snapshot's own dir holds only its own changes
     * (overlay), false where it is a copy of its parent (native).
     */
    default boolean buildsLayersApart() {
        return false;
    }

    /**
     * Turns the active snapshot {@code key}, prepared with no parent, into the committed snapshot {@code name}
     * on top of the committed snapshot {@code parent}. Only where {@link #buildsLayersApart()}.
     */
    default void commit(String name, String key, String parent) {
        throw new UnsupportedOperationException(driver() + " snapshots cannot be built apart from their parent");
    }

    /**
     * Flushes the files of every snapshot to disk, at once (one syncfs, not an fsync per file). A commit does not
     * sync: whoever makes a committed snapshot matter after a crash (an image record naming it) syncs first.
     */
    default void sync() {}

    /** Removes a snapshot that no other snapshot has as its parent. */
    void remove(String key);

    SnapshotInfo stat(String key);

    /** Space and inodes used by the snapshot's own directory, not counting its parents. */
    Usage usage(String key);

    /** Calls {@code visitor} once per snapshot, parents before their children. */
    void walk(Consumer<SnapshotInfo> visitor);

    /** Every snapshot, parents before their children. */
    default List<SnapshotInfo> list() {
        List<SnapshotInfo> all = new ArrayList<>();
        walk(all::add);
        return all;
    }

    /** The name of this implementation as configuration spells it ({@code overlayfs}, {@code native}). */
    String driver();

    @Override
    void close();
}
