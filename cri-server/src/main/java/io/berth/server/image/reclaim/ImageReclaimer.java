package io.berth.server.image.reclaim;

import io.berth.common.error.BerthException;
import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.NotFoundException;
import io.berth.server.image.content.BlobInfo;
import io.berth.server.image.content.ContentStore;
import io.berth.server.image.content.Digest;
import io.berth.server.image.store.ImageStore;
import io.berth.server.image.store.StoredImage;
import io.berth.snapshotter.Kind;
import io.berth.snapshotter.SnapshotInfo;
import io.berth.snapshotter.Snapshotter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Deletes blobs and layer snapshots that no image needs any more. Pulls in flight hold {@link Lease}s on
 * what they are using, so a removal or a failed pull never deletes a blob or snapshot that a concurrent
 * pull has just found in place and is about to build on. Leasing and deciding happen under one monitor.
 *
 * <p>A chain snapshot with children (another image's layer on top, or later a container's root) is kept:
 * the snapshotter refuses to remove it, and that refusal is the "still in use" answer, as in containerd.
 */
public final class ImageReclaimer {
    private static final Logger LOG = Logger.getLogger(ImageReclaimer.class.getName());
    /** Active snapshots a pull unpacks into are named with this prefix; any left at start are debris. */
    public static final String PULL_SNAPSHOT_PREFIX = "pull-";
    private static final String CHAIN_PREFIX = "sha256:";

    private final ImageStore images;
    private final ContentStore content;
    private final Snapshotter snapshotter;
    private final Map<String, Integer> leased = new HashMap<>();

    public ImageReclaimer(ImageStore images, ContentStore content, Snapshotter snapshotter) {
        this.images = images;
        this.content = content;
        this.snapshotter = snapshotter;
    }

    /** What one pull holds; closing it lets the reclaimer delete those things again. */
    public final class Lease implements AutoCloseable {
        private final List<String> held = new ArrayList<>();

        public void blob(Digest digest) {
            hold("blob " + digest);
        }

        public void snapshot(String chainId) {
            hold("snapshot " + chainId);
        }

        private void hold(String key) {
            synchronized (ImageReclaimer.this) {
                leased.merge(key, 1, Integer::sum);
                held.add(key);
            }
        }

        @Override
        public void close() {
            synchronized (ImageReclaimer.this) {
                for (String key : held) {
                    leased.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1);
                }
                held.clear();
            }
        }
    }

    public Lease lease() {
        return new Lease();
    }

    /** Runs {@code check} with no reclaim in between; a pull leases and checks presence through this. */
    public synchronized <T> T atomically(Supplier<T> check) {
        return check.get();
    }

    /**
     * Deletes those of {@code blobs} and {@code chainIds} (bottom first) that no image record and no lease
     * needs. Snapshots go top down, so a stack is removed as far as nothing is built on it.
     */
    public synchronized void reclaim(Collection<String> blobs, List<String> chainIds) {
        Set<String> neededBlobs = new HashSet<>();
        Set<String> neededChains = new HashSet<>();
        for (StoredImage image : images.list()) {
            neededBlobs.addAll(image.blobs());
            neededChains.addAll(image.chainIds());
        }
        for (String blob : new HashSet<>(blobs)) {
            if (!neededBlobs.contains(blob) && !leased.containsKey("blob " + blob)) {
                try {
                    content.delete(Digest.parse(blob));
                } catch (BerthException e) {
                    LOG.warning("cannot delete unused blob " + blob + ": " + e.getMessage());
                }
            }
        }
        for (int i = chainIds.size() - 1; i >= 0; i--) {
            String chain = chainIds.get(i);
            if (neededChains.contains(chain) || leased.containsKey("snapshot " + chain)) {
                continue;
            }
            removeSnapshot(chain);
        }
    }

    /**
     * At start, before any pull: removes the active snapshots of interrupted pulls, then every layer
     * snapshot and blob that no image record needs (what a crash between a layer commit and the image
     * record, or in the middle of a removal, left behind).
     */
    public synchronized void reclaimAll() {
        List<SnapshotInfo> all = snapshotter.list();
        for (int i = all.size() - 1; i >= 0; i--) {
            SnapshotInfo s = all.get(i);
            if (s.kind() == Kind.ACTIVE && s.name().startsWith(PULL_SNAPSHOT_PREFIX)) {
                LOG.info("removing snapshot " + s.name() + " of an interrupted pull");
                removeSnapshot(s.name());
            }
        }
        List<String> chains = new ArrayList<>();
        snapshotter.walk(s -> {
            if (s.kind() == Kind.COMMITTED && s.name().startsWith(CHAIN_PREFIX)) {
                chains.add(s.name());
            }
        });
        List<String> blobs = content.list().stream().map(BlobInfo::digest).map(Digest::toString).toList();
        reclaim(blobs, chains);
    }

    private void removeSnapshot(String key) {
        try {
            snapshotter.remove(key);
            LOG.fine("removed unused snapshot " + key);
        } catch (NotFoundException e) {
            // Already gone: what we wanted.
        } catch (FailedPreconditionException e) {
            LOG.fine("keeping snapshot " + key + ": " + e.getMessage());
        }
    }
}
