package io.berth.snapshotter;

import io.berth.common.error.AlreadyExistsException;
import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.InternalException;
import io.berth.common.error.InvalidArgumentException;
import io.berth.common.error.NotFoundException;
import io.berth.common.validate.Require;
import io.berth.linux.ErrnoException;
import io.berth.linux.FilesystemSync;
import io.berth.snapshotter.fs.DiskUsage;
import io.berth.snapshotter.fs.Usage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The semantics both snapshotters share (keys, kinds, parents, the errors), over a {@link SnapshotStore}.
 * Implementations decide how a new snapshot's directory is filled and which mounts show a snapshot.
 *
 * <p>One lock guards the index. Filling a new snapshot (a full copy for native) and deleting one happen
 * outside it: the key is reserved first, so a second prepare of the same key fails at once and a parent
 * with a child being created cannot be removed.
 */
abstract class DirectorySnapshotter implements Snapshotter {
    private static final Logger LOG = Logger.getLogger(DirectorySnapshotter.class.getName());
    private static final int MAX_KEY_LENGTH = 4096;

    protected final SnapshotStore store;
    private final Clock clock;
    private final Object lock = new Object();
    /** Published snapshots by key or committed name. */
    private final Map<String, StoredSnapshot> byName = new HashMap<>();
    /** Keys being created, each with its parent (or null). */
    private final Map<String, String> pending = new HashMap<>();

    protected DirectorySnapshotter(Path root, String driver, Clock clock) {
        this.clock = clock;
        try {
            this.store = SnapshotStore.open(root, driver);
            for (StoredSnapshot s : store.found()) {
                byName.put(s.name(), s);
            }
            dropOrphanedLayers();
        } catch (IOException e) {
            throw new InternalException("cannot open " + driver + " snapshots in " + root + ": " + e.getMessage(), e);
        }
    }

    /**
     * Committed snapshots whose parent is gone (its dir was removed or found damaged) cannot be mounted: they are
     * removed, with whatever was committed on them, one log line each, so that an image using them is seen to be
     * incomplete and pulled again. Active ones (a container's root) are kept and reported: they may be the upper
     * dir of a container that runs, and RemoveContainer takes them away.
     */
    private void dropOrphanedLayers() throws IOException {
        boolean removedAny = true;
        while (removedAny) {
            removedAny = false;
            for (StoredSnapshot s : List.copyOf(byName.values())) {
                if (s.parent() == null || s.parent().isEmpty() || byName.containsKey(s.parent())) {
                    continue;
                }
                if (s.kind() != Kind.COMMITTED) {
                    LOG.warning("snapshot " + s.name() + " (id " + s.id() + ") has lost its parent " + s.parent()
                            + "; kept until its container is removed");
                    continue;
                }
                byName.remove(s.name());
                store.deleteRemoved(store.unpublish(s.id()));
                LOG.warning("snapshot " + s.name() + " (id " + s.id() + ") has lost its parent " + s.parent()
                        + "; removed");
                removedAny = true;
            }
        }
    }

    /** Fills {@code staging} (an empty dir) for a new snapshot on top of {@code chain}, nearest first. */
    protected abstract void populate(Path staging, Kind kind, List<StoredSnapshot> chain) throws IOException;

    /** The mounts that show {@code snapshot}, whose parents are {@code chain}, nearest first. */
    protected abstract List<Mount> mountsOf(StoredSnapshot snapshot, List<StoredSnapshot> chain);

    /** A chance to refuse a chain before anything is created (overlay: too many layers for one mount). */
    protected void checkChain(Kind kind, List<StoredSnapshot> chain) {}

    @Override
    public List<Mount> prepare(String key, String parent) {
        return create(Kind.ACTIVE, key, parent);
    }

    @Override
    public List<Mount> view(String key, String parent) {
        return create(Kind.VIEW, key, parent);
    }

    private List<Mount> create(Kind kind, String key, String parent) {
        checkKey(key, "key");
        String parentName = parent == null || parent.isEmpty() ? null : parent;
        List<StoredSnapshot> chain;
        long id;
        synchronized (lock) {
            if (byName.containsKey(key) || pending.containsKey(key)) {
                throw new AlreadyExistsException("snapshot '" + Require.printable(key) + "' already exists");
            }
            chain = parentName == null ? List.of() : chainFrom(parentName);
            if (!chain.isEmpty() && chain.get(0).kind() != Kind.COMMITTED) {
                // As containerd: only a committed snapshot is immutable enough to build on.
                throw new InvalidArgumentException("parent '" + Require.printable(parentName) + "' is "
                        + chain.get(0).kind().name().toLowerCase() + ", not committed");
            }
            checkChain(kind, chain);
            pending.put(key, parentName);
        }
        Path staging = null;
        try {
            id = store.allocateId();
            staging = store.stage(id);
            populate(staging, kind, chain);
            String now = clock.instant().toString();
            StoredSnapshot record = new StoredSnapshot(id, key, parentName, kind, now, now);
            synchronized (lock) {
                store.publish(staging, record);
                staging = null;
                byName.put(key, record);
            }
            return mountsOf(record, chain);
        } catch (IOException e) {
            throw new InternalException("cannot create snapshot '" + Require.printable(key) + "': "
                    + e.getMessage(), e);
        } finally {
            synchronized (lock) {
                pending.remove(key);
            }
            if (staging != null) {
                store.discardStaging(staging);
            }
        }
    }

    @Override
    public List<Mount> mounts(String key) {
        synchronized (lock) {
            StoredSnapshot s = get(key);
            return mountsOf(s, s.parent() == null ? List.of() : chainFrom(s.parent()));
        }
    }

    @Override
    public void commit(String name, String key) {
        commitAs(name, key, false, null);
    }

    @Override
    public void sync() {
        try {
            FilesystemSync.syncFilesystemOf(store.root());
        } catch (ErrnoException e) {
            throw new InternalException("cannot flush the snapshots in " + store.root() + " to disk: "
                    + e.getMessage(), e);
        }
    }

    /** Overlay's own dir holds only its own changes; native's is a copy of its parent and says no. */
    protected boolean layersApart() {
        return false;
    }

    @Override
    public boolean buildsLayersApart() {
        return layersApart();
    }

    @Override
    public void commit(String name, String key, String parent) {
        if (!layersApart()) {
            throw new UnsupportedOperationException(driver() + " snapshots cannot be built apart from their parent");
        }
        commitAs(name, key, true, parent == null || parent.isEmpty() ? null : parent);
    }

    private void commitAs(String name, String key, boolean reparent, String parent) {
        checkKey(name, "name");
        synchronized (lock) {
            StoredSnapshot s = get(key);
            if (s.kind() != Kind.ACTIVE) {
                throw new FailedPreconditionException("snapshot '" + Require.printable(key) + "' is "
                        + s.kind().name().toLowerCase() + "; only an active snapshot can be committed");
            }
            if (byName.containsKey(name) || pending.containsKey(name)) {
                throw new AlreadyExistsException("snapshot '" + Require.printable(name) + "' already exists");
            }
            if (reparent && s.parent() != null) {
                throw new FailedPreconditionException("snapshot '" + Require.printable(key) + "' has parent '"
                        + Require.printable(s.parent()) + "'; only a snapshot built apart can be put on another");
            }
            if (reparent && parent != null) {
                List<StoredSnapshot> chain = chainFrom(parent);
                if (chain.get(0).kind() != Kind.COMMITTED) {
                    throw new InvalidArgumentException("parent '" + Require.printable(parent) + "' is "
                            + chain.get(0).kind().name().toLowerCase() + ", not committed");
                }
                checkChain(Kind.ACTIVE, chain);
            }
            StoredSnapshot committed = reparent ? s.committedAs(name, parent, clock.instant())
                    : s.committedAs(name, clock.instant());
            try {
                store.rewrite(committed);
            } catch (IOException e) {
                throw new InternalException("cannot commit '" + Require.printable(key) + "' as '"
                        + Require.printable(name) + "': " + e.getMessage(), e);
            }
            byName.remove(key);
            byName.put(name, committed);
        }
    }

    @Override
    public void remove(String key) {
        Path doomed;
        synchronized (lock) {
            StoredSnapshot s = get(key);
            boolean hasChild = byName.values().stream().anyMatch(c -> key.equals(c.parent()))
                    || pending.containsValue(key);
            if (hasChild) {
                throw new FailedPreconditionException("cannot remove snapshot '" + Require.printable(key)
                        + "': other snapshots are built on it; remove them first");
            }
            try {
                doomed = store.unpublish(s.id());
            } catch (IOException e) {
                throw new InternalException("cannot remove snapshot '" + Require.printable(key) + "': "
                        + e.getMessage(), e);
            }
            byName.remove(key);
        }
        try {
            store.deleteRemoved(doomed);
        } catch (IOException e) {
            // The snapshot is gone already; its files go on the next open.
            LOG.log(Level.WARNING, "snapshot '" + key + "' removed but " + doomed + " could not be deleted", e);
        }
    }

    @Override
    public SnapshotInfo stat(String key) {
        synchronized (lock) {
            return get(key).info();
        }
    }

    @Override
    public Usage usage(String key) {
        long id;
        synchronized (lock) {
            id = get(key).id();
        }
        try {
            return DiskUsage.of(store.fs(id));
        } catch (IOException e) {
            throw new InternalException("cannot measure snapshot '" + Require.printable(key) + "': "
                    + e.getMessage(), e);
        }
    }

    @Override
    public void walk(Consumer<SnapshotInfo> visitor) {
        List<StoredSnapshot> all;
        synchronized (lock) {
            all = new ArrayList<>(byName.values());
        }
        // Oldest first, but a parent before its child even when the child is older: a layer built apart from
        // its parent may have been created before it.
        all.sort(Comparator.comparingLong(StoredSnapshot::id));
        Map<String, StoredSnapshot> unvisited = new HashMap<>();
        all.forEach(s -> unvisited.put(s.name(), s));
        for (StoredSnapshot s : all) {
            visitParentsFirst(s, unvisited, visitor);
        }
    }

    private static void visitParentsFirst(StoredSnapshot s, Map<String, StoredSnapshot> unvisited,
            Consumer<SnapshotInfo> visitor) {
        List<StoredSnapshot> line = new ArrayList<>();
        for (StoredSnapshot next = s; next != null && unvisited.remove(next.name()) != null;
                next = next.parent() == null ? null : unvisited.get(next.parent())) {
            line.add(next);
        }
        for (int i = line.size() - 1; i >= 0; i--) {
            visitor.accept(line.get(i).info());
        }
    }

    @Override
    public void close() {}

    /** Must be called holding the lock. */
    private StoredSnapshot get(String key) {
        StoredSnapshot s = key == null ? null : byName.get(key);
        if (s == null) {
            throw new NotFoundException("snapshot '" + Require.printable(String.valueOf(key)) + "' does not exist");
        }
        return s;
    }

    /** The snapshot named {@code name} and its ancestors, nearest first. Must be called holding the lock. */
    private List<StoredSnapshot> chainFrom(String name) {
        List<StoredSnapshot> chain = new ArrayList<>();
        for (String next = name; next != null; next = chain.get(chain.size() - 1).parent()) {
            StoredSnapshot s = byName.get(next);
            if (s == null) {
                throw new NotFoundException("parent snapshot '" + Require.printable(next) + "' does not exist");
            }
            chain.add(s);
        }
        return chain;
    }

    private static void checkKey(String key, String field) {
        Require.nonEmpty(key, field);
        if (key.length() > MAX_KEY_LENGTH || key.indexOf('\0') >= 0) {
            throw new InvalidArgumentException(field + " '" + Require.printable(key)
                    + "' is not a valid snapshot key: at most " + MAX_KEY_LENGTH + " characters, no NUL");
        }
    }
}
