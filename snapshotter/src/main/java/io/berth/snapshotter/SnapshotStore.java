package io.berth.snapshotter;

import io.berth.common.error.FailedPreconditionException;
import io.berth.common.io.AtomicFiles;
import io.berth.common.json.VersionedJson;
import io.berth.linux.ErrnoException;
import io.berth.linux.MountTable;
import io.berth.linux.Mounts;
import io.berth.linux.TreeDeleter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The on-disk layout of a snapshotter root, and the only code that changes it:
 *
 * <pre>
 *   &lt;root&gt;/driver            which implementation owns the root
 *   &lt;root&gt;/next-id           the next snapshot id; ids are never reused
 *   &lt;root&gt;/&lt;id&gt;/record.json  the snapshot's {@link StoredSnapshot}
 *   &lt;root&gt;/&lt;id&gt;/fs/         its contents (for overlay: its upper dir)
 *   &lt;root&gt;/.staging-&lt;id&gt;/    a snapshot being created
 *   &lt;root&gt;/.removing-&lt;id&gt;/   a snapshot being deleted
 *   &lt;root&gt;/.damaged-&lt;id&gt;/    a snapshot found damaged at open, kept for a person to look at
 * </pre>
 *
 * Ids are short decimal numbers so that overlay's {@code lowerdir=} option, which lists one path per
 * layer and must fit in one page, holds a hundred layers and more. A snapshot appears all at once: it is
 * built and its record written in a staging dir which is then renamed to its id. A crash leaves at most
 * staging or removing dirs, which {@link #open} deletes.
 */
final class SnapshotStore {
    private static final Logger LOG = Logger.getLogger(SnapshotStore.class.getName());
    static final String STAGING = ".staging-";
    static final String REMOVING = ".removing-";
    static final String PROBE = ".probe-";
    static final String DAMAGED = ".damaged-";

    /**
     * Ids reserved on disk per write of {@code next-id}: the write is two fsyncs, and a pull of 20 layers made
     * 20 of them. A restart skips what was reserved and not used; an id is never handed out twice.
     */
    static final long ID_BLOCK = 32;

    private final Path root;
    /** The snapshots found at open, each record read once (a berthd start reads them all). */
    private final List<StoredSnapshot> found;
    private long nextId;
    /** The first id not yet reserved on disk. */
    private long reservedUpTo;

    private SnapshotStore(Path root, List<StoredSnapshot> found, long nextId) {
        this.root = root;
        this.found = List.copyOf(found);
        this.nextId = nextId;
        this.reservedUpTo = nextId;
    }

    /** Opens (creating if needed) the root for {@code driver}, removing what a crash left behind. */
    static SnapshotStore open(Path root, String driver) throws IOException {
        Files.createDirectories(root);
        Path driverFile = root.resolve("driver");
        if (Files.exists(driverFile)) {
            String owner = Files.readString(driverFile, StandardCharsets.UTF_8).trim();
            if (!owner.equals(driver)) {
                throw new FailedPreconditionException("snapshot root " + root + " belongs to the '" + owner
                        + "' snapshotter, not '" + driver + "'; use another root or the same snapshotter");
            }
        } else {
            AtomicFiles.write(driverFile, (driver + "\n").getBytes(StandardCharsets.UTF_8));
        }
        removeLeftovers(root);
        List<StoredSnapshot> found = quarantineDamaged(root);
        Path counter = root.resolve("next-id");
        long next = Files.exists(counter) ? Long.parseLong(Files.readString(counter).trim()) : 1;
        for (StoredSnapshot s : found) {
            next = Math.max(next, s.id() + 1);
        }
        return new SnapshotStore(root, found, next);
    }

    Path root() {
        return root;
    }

    Path dir(long id) {
        return root.resolve(Long.toString(id));
    }

    Path fs(long id) {
        return dir(id).resolve("fs");
    }

    Path work(long id) {
        return dir(id).resolve("work");
    }

    /** Reserves a fresh id; its block is persisted first so that a crash never hands the same id out twice. */
    synchronized long allocateId() throws IOException {
        if (nextId >= reservedUpTo) {
            long ceiling = nextId + ID_BLOCK;
            AtomicFiles.write(root.resolve("next-id"), Long.toString(ceiling).getBytes(StandardCharsets.UTF_8));
            reservedUpTo = ceiling;
        }
        return nextId++;
    }

    /** An empty staging dir for snapshot {@code id}; fill it, then {@link #publish} it. */
    Path stage(long id) throws IOException {
        return Files.createDirectory(root.resolve(STAGING + id));
    }

    /** Writes the record into the staging dir and renames it into place: the snapshot now exists. */
    void publish(Path staging, StoredSnapshot record) throws IOException {
        VersionedJson.write(staging.resolve("record.json"), StoredSnapshot.VERSION, record);
        Files.move(staging, dir(record.id()), StandardCopyOption.ATOMIC_MOVE);
        AtomicFiles.fsyncDir(root);
    }

    void discardStaging(Path staging) {
        try {
            TreeDeleter.delete(staging);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot delete " + staging + "; it will be removed on next open", e);
        }
    }

    /** Replaces the record of an existing snapshot; atomic, so a crash keeps the old or the new one. */
    void rewrite(StoredSnapshot record) throws IOException {
        VersionedJson.write(dir(record.id()).resolve("record.json"), StoredSnapshot.VERSION, record);
    }

    /**
     * Makes the snapshot disappear at once (one rename), then deletes its files. Returns the renamed dir
     * so a caller may delete it outside its lock; {@link #deleteRemoved} does that.
     */
    Path unpublish(long id) throws IOException {
        Path doomed = root.resolve(REMOVING + id);
        Files.move(dir(id), doomed, StandardCopyOption.ATOMIC_MOVE);
        AtomicFiles.fsyncDir(root);
        return doomed;
    }

    void deleteRemoved(Path doomed) throws IOException {
        TreeDeleter.delete(doomed);
    }

    /** The snapshots as {@link #open} found them, the damaged ones moved aside. */
    List<StoredSnapshot> found() {
        return found;
    }

    /**
     * Moves aside, in one log line each, the snapshot dirs whose record cannot be read or whose files are gone:
     * nothing can be built on them. Aside, not deleted: an active snapshot may be the upper dir of a container
     * that still runs, and its files are that container's. Snapshots built on a damaged one are dealt with by the
     * snapshotter, which sees their parent missing. Returns the snapshots that are whole.
     */
    private static List<StoredSnapshot> quarantineDamaged(Path root) throws IOException {
        List<StoredSnapshot> whole = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root, p -> isId(p.getFileName().toString()))) {
            for (Path dir : entries) {
                try {
                    whole.add(read(dir));
                } catch (DamageException damage) {
                    Path aside = root.resolve(DAMAGED + dir.getFileName());
                    Files.move(dir, aside, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    LOG.warning("snapshot " + dir.getFileName() + " in " + root + " is damaged (" + damage.getMessage()
                            + "); moved aside to " + aside.getFileName() + " and dropped");
                }
            }
        }
        return whole;
    }

    /** What is wrong with a snapshot dir: its record does not read or its files are gone. */
    private static final class DamageException extends Exception {
        private static final long serialVersionUID = 1L;

        DamageException(String damage) {
            super(damage);
        }
    }

    /** The snapshot a dir holds, when its record reads and its files are there. */
    private static StoredSnapshot read(Path dir) throws DamageException {
        Path record = dir.resolve("record.json");
        StoredSnapshot s;
        try {
            s = VersionedJson.read(record, StoredSnapshot.class, StoredSnapshot.VERSION);
        } catch (IOException e) {
            throw new DamageException("its record cannot be read: " + e.getMessage());
        }
        if (s.id() != Long.parseLong(dir.getFileName().toString())) {
            throw new DamageException(record + " names snapshot id " + s.id());
        }
        if (!Files.isDirectory(dir.resolve("fs"))) {
            throw new DamageException("its fs dir is gone");
        }
        return s;
    }

    private static boolean isId(String name) {
        return !name.isEmpty() && name.length() < 19 && name.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    private static void removeLeftovers(Path root) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root, p -> {
            String n = p.getFileName().toString();
            return n.startsWith(STAGING) || n.startsWith(REMOVING) || n.startsWith(PROBE);
        })) {
            for (Path leftover : entries) {
                // A probe or an applier may have died with a mount under it; detach those first.
                for (Path mounted : MountTable.mountPointsUnder(leftover)) {
                    try {
                        Mounts.unmount(mounted, Mounts.MNT_DETACH);
                    } catch (ErrnoException e) {
                        throw new IOException("cannot unmount leftover " + mounted + ": " + e.getMessage(), e);
                    }
                }
                LOG.info("removing " + leftover + ", left by an interrupted create or remove");
                TreeDeleter.delete(leftover);
            }
        }
    }
}
