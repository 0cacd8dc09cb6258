package io.berth.server.image.pull;

import io.berth.common.error.AlreadyExistsException;
import io.berth.common.error.BerthException;
import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.InternalException;
import io.berth.common.error.NotFoundException;
import io.berth.common.error.UnavailableException;
import io.berth.server.image.content.BlobInfo;
import io.berth.server.image.content.ContentStore;
import io.berth.server.image.reclaim.ImageReclaimer;
import io.berth.server.image.registry.BlobReader;
import io.berth.server.image.registry.Descriptor;
import io.berth.snapshotter.Kind;
import io.berth.snapshotter.Mount;
import io.berth.snapshotter.Snapshotter;
import io.berth.snapshotter.apply.ApartLayer;
import io.berth.snapshotter.apply.LayerApplier;
import io.berth.snapshotter.apply.LayerLimitException;
import io.berth.snapshotter.apply.NeedsLowerLayersException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * Turns one downloaded layer into the committed snapshot named by its chain id: prepare an active
 * snapshot on the parent chain, apply the layer, check its diffID, commit. A stack that already exists is
 * reused. One lock per chain id makes two pulls of the same layers build it once; the loser finds it done.
 * berthd has one instance, shared by pulls and archive imports, so that the lock covers both.
 */
public final class LayerUnpacker {
    private static final Logger LOG = Logger.getLogger(LayerUnpacker.class.getName());

    private final Snapshotter snapshotter;
    private final LayerApplier applier;
    private final ContentStore content;
    private final ImageReclaimer reclaimer;
    private final KeyedLocks locks = new KeyedLocks();
    /**
     * Large layers unpacked at once across the daemon, apart or onto their parent: each holds bookkeeping of up to
     * 150-400 bytes per entry at the [image] bounds (see bin/berthd, whose heap holds two). A layer unpacked as it
     * downloads needs a permit only once it passes {@link #LIGHT_ENTRIES} entries; without one free it is read to
     * its end, stored, and unpacked from the store once it gets one.
     */
    static final int MAX_CONCURRENT_UNPACKS = 2;
    /** Entries a layer may have while it unpacks without a permit: a few MiB of bookkeeping. */
    static final long LIGHT_ENTRIES = 16_384;

    private final Semaphore unpackPermits = new Semaphore(MAX_CONCURRENT_UNPACKS);

    public LayerUnpacker(Snapshotter snapshotter, LayerApplier applier, ContentStore content,
            ImageReclaimer reclaimer) {
        this.snapshotter = snapshotter;
        this.applier = applier;
        this.content = content;
        this.reclaimer = reclaimer;
    }

    /**
     * Makes sure snapshot {@code chainId} exists, leasing it for the pull. Returns true when this call
     * built it (the pull then owns its removal on failure), false when it was already there.
     */
    public boolean unpack(Descriptor layer, String diffId, String chainId, String parentChainId,
            ImageReclaimer.Lease lease) {
        return locks.withLock(chainId, () -> {
            boolean present = reclaimer.atomically(() -> {
                lease.snapshot(chainId);
                return isCommitted(chainId);
            });
            if (present) {
                return false;
            }
            String key = ImageReclaimer.PULL_SNAPSHOT_PREFIX + UUID.randomUUID() + "-" + diffId;
            acquirePermit(layer);
            boolean committed = false;
            try {
                List<Mount> mounts = snapshotter.prepare(key, parentChainId);
                try (InputStream blob = content.read(layer.digest())) {
                    applier.apply(mounts, blob, layer.mediaType()).verifyDiffId(diffId);
                }
                commit(chainId, key);
                committed = true;
                return true;
            } catch (IOException e) {
                throw new FailedPreconditionException("cannot unpack it: " + e.getMessage(), e);
            } finally {
                unpackPermits.release();
                if (!committed) {
                    discard(key);
                }
            }
        });
    }

    private void commit(String chainId, String key) {
        try {
            snapshotter.commit(chainId, key);
        } catch (AlreadyExistsException e) {
            // Built by someone outside this lock (cannot happen within berthd, but a commit is idempotent in effect).
            if (!isCommitted(chainId)) {
                throw e;
            }
            discard(key);
        }
    }

    /**
     * Flushes every unpacked layer to disk; called once before an image record names the layers. A snapshot no
     * record names is removed at the next start (see {@link ImageReclaimer#reclaimAll}), so one flush per image
     * makes every snapshot that survives a crash whole, without a flush per layer or per file.
     */
    public void syncLayers() {
        snapshotter.sync();
    }

    /** Whether layers can be unpacked apart from their parents, in parallel, on this snapshotter (overlay). */
    public boolean unpacksApart() {
        return snapshotter.buildsLayersApart();
    }

    /**
     * Downloads layer {@code index} through {@code fetch} and unpacks it into a snapshot of its own with no parent
     * in the same pass, checking its diffID on the way; {@link #commitApart} later puts it on its parent. When
     * the pass cannot be made (the blob is stored already or comes from another pull's download, the download
     * switched host, or the layer grew large while two large layers were being unpacked), the layer is unpacked
     * from the store afterwards, on this thread, as {@link #unpackApart} does. A layer that fails its digest or
     * diffID or is unsafe fails here: neither its blob nor its snapshot is kept.
     */
    BlobInfo fetchUnpackingApart(int index, Descriptor layer, String diffId, String chainId, ApartSnapshots apart,
            Function<BlobReader, BlobInfo> fetch) {
        if (isCommitted(chainId) || apart.failed() || content.info(layer.digest()).isPresent()) {
            BlobInfo stored = fetch.apply(null);
            unpackApart(index, layer, diffId, chainId, apart);
            return stored;
        }
        String key = ImageReclaimer.PULL_SNAPSHOT_PREFIX + UUID.randomUUID() + "-" + diffId;
        boolean started = false;
        ApartSnapshots.Built built = null;
        ApartReader reader = null;
        BlobInfo stored;
        try {
            started = apart.start(key);
            List<Mount> mounts = started ? snapshotter.prepare(key, null) : List.of();
            if (mounts.size() == 1 && mounts.get(0).type().equals("bind")) {
                Path dir = Path.of(mounts.get(0).source());
                reader = new ApartReader(applier, dir, layer.mediaType(), diffId, LIGHT_ENTRIES, unpackPermits);
                try {
                    stored = fetch.apply(reader);
                } catch (BlobReader.Failed e) {
                    throw unpackFailure(e.getCause());
                }
                if (reader.applied() != null) {
                    built = new ApartSnapshots.Built(key, dir, reader.applied());
                }
            } else {
                stored = fetch.apply(null);
            }
        } finally {
            if (reader != null) {
                reader.releasePermit();
            }
            if (started) {
                apart.finish(index, key, built);
            }
        }
        if (reader != null && reader.wantsAnotherPass()) {
            unpackApart(index, layer, diffId, chainId, apart);
        }
        return stored;
    }

    private static RuntimeException unpackFailure(Throwable cause) {
        if (cause instanceof BerthException berth) {
            return berth;
        }
        if (cause instanceof IOException io) {
            return new FailedPreconditionException("cannot unpack it: " + io.getMessage(), io);
        }
        if (cause instanceof RuntimeException runtime) {
            return runtime;
        }
        return new InternalException("cannot unpack it: " + cause, cause);
    }

    /**
     * Applies layer {@code index} into a snapshot of its own with no parent, on the calling (download) thread,
     * and checks its diffID; {@link #commitApart} later puts it on its parent. Leaves nothing for the commit
     * (which then applies the layer onto its parent) when the chain snapshot exists already or when the layer
     * needs the layers below it to be applied (a whiteout, say). A layer that fails its diffID or is unsafe
     * fails here, and its snapshot is gone.
     */
    void unpackApart(int index, Descriptor layer, String diffId, String chainId, ApartSnapshots apart) {
        if (isCommitted(chainId)) {
            return;
        }
        String key = ImageReclaimer.PULL_SNAPSHOT_PREFIX + UUID.randomUUID() + "-" + diffId;
        if (!apart.start(key)) {
            return;
        }
        ApartSnapshots.Built built = null;
        boolean permitted = false;
        try {
            acquirePermit(layer);
            permitted = true;
            if (apart.failed()) {
                return;
            }
            List<Mount> mounts = snapshotter.prepare(key, null);
            if (mounts.size() != 1 || !mounts.get(0).type().equals("bind")) {
                return;
            }
            Path dir = Path.of(mounts.get(0).source());
            try (InputStream blob = content.read(layer.digest())) {
                ApartLayer applied = applier.applyApart(dir, blob, layer.mediaType());
                applied.applied().verifyDiffId(diffId);
                built = new ApartSnapshots.Built(key, dir, applied);
            } catch (NeedsLowerLayersException e) {
                LOG.fine(() -> "layer " + layer.digest() + " is applied onto its parent: " + e.getMessage());
            } catch (LayerLimitException e) {
                // Apart, implied parents that the layers below have count too; onto them, the count is exact.
                LOG.fine(() -> "layer " + layer.digest() + " is applied onto its parent: " + e.getMessage());
            } catch (IOException e) {
                throw new FailedPreconditionException("cannot unpack it: " + e.getMessage(), e);
            }
        } finally {
            if (permitted) {
                unpackPermits.release();
            }
            apart.finish(index, key, built);
        }
    }

    /**
     * Makes sure snapshot {@code chainId} exists once its parent does, as {@link #unpack}, from the snapshot
     * {@link #unpackApart} built for layer {@code index} when there is one and it means the same on the parent.
     */
    boolean commitApart(int index, Descriptor layer, String diffId, String chainId, String parentChainId,
            ImageReclaimer.Lease lease, ApartSnapshots apart) {
        ApartSnapshots.Built built = apart.take(index);
        return locks.withLock(chainId, () -> {
            boolean present = reclaimer.atomically(() -> {
                lease.snapshot(chainId);
                return isCommitted(chainId);
            });
            if (present) {
                if (built != null) {
                    discard(built.key());
                }
                return false;
            }
            if (built != null && commitOnParent(built, chainId, parentChainId)) {
                return true;
            }
            return unpack(layer, diffId, chainId, parentChainId, lease);
        });
    }

    private boolean commitOnParent(ApartSnapshots.Built built, String chainId, String parentChainId) {
        boolean committed = false;
        try {
            if (parentChainId == null
                    || applier.fitsOn(built.layer(), built.dir(), snapshotter.mounts(parentChainId))) {
                snapshotter.commit(chainId, built.key(), parentChainId);
                committed = true;
            } else {
                LOG.fine(() -> "layer " + chainId + " built apart does not fit on its parent; applying it onto it");
            }
            return committed;
        } catch (IOException e) {
            throw new FailedPreconditionException("cannot unpack it: " + e.getMessage(), e);
        } finally {
            if (!committed) {
                discard(built.key());
            }
        }
    }

    private void acquirePermit(Descriptor layer) {
        try {
            unpackPermits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnavailableException("interrupted while waiting to unpack layer " + layer.digest(), e);
        }
    }

    private boolean isCommitted(String name) {
        try {
            return snapshotter.stat(name).kind() == Kind.COMMITTED;
        } catch (NotFoundException e) {
            return false;
        }
    }

    void discard(String key) {
        try {
            snapshotter.remove(key);
        } catch (NotFoundException e) {
            // gone already
        } catch (RuntimeException e) {
            LOG.warning("cannot remove snapshot " + key + " of a failed unpack; it goes at the next start: "
                    + e.getMessage());
        }
    }
}
