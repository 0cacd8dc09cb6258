package io.berth.server.image.pull;

import io.berth.common.error.AlreadyExistsException;
import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.NotFoundException;
import io.berth.server.image.content.ContentStore;
import io.berth.server.image.reclaim.ImageReclaimer;
import io.berth.server.image.registry.Descriptor;
import io.berth.snapshotter.Kind;
import io.berth.snapshotter.Mount;
import io.berth.snapshotter.Snapshotter;
import io.berth.snapshotter.apply.LayerApplier;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.UUID;
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
            List<Mount> mounts = snapshotter.prepare(key, parentChainId);
            boolean committed = false;
            try (InputStream blob = content.read(layer.digest())) {
                applier.apply(mounts, blob, layer.mediaType()).verifyDiffId(diffId);
                commit(chainId, key);
                committed = true;
                return true;
            } catch (IOException e) {
                throw new FailedPreconditionException("cannot unpack it: " + e.getMessage(), e);
            } finally {
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

    private boolean isCommitted(String name) {
        try {
            return snapshotter.stat(name).kind() == Kind.COMMITTED;
        } catch (NotFoundException e) {
            return false;
        }
    }

    private void discard(String key) {
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
