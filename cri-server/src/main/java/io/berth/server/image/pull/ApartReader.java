package io.berth.server.image.pull;

import io.berth.server.image.registry.BlobReader;
import io.berth.snapshotter.apply.ApartLayer;
import io.berth.snapshotter.apply.LayerApplier;
import io.berth.snapshotter.apply.LayerLimitException;
import io.berth.snapshotter.apply.NeedsLowerLayersException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.concurrent.Semaphore;
import java.util.logging.Logger;

/**
 * Unpacks a layer into its own snapshot dir while the layer downloads, and checks its diffID: the one pass over
 * the bytes. A layer that needs the layers below it is left for its commit to apply onto them; its bytes are
 * still read to the end, so that the download stores the blob.
 */
final class ApartReader implements BlobReader {
    private static final Logger LOG = Logger.getLogger(ApartReader.class.getName());

    private final LayerApplier applier;
    private final Path dir;
    private final String mediaType;
    private final String diffId;
    private final long lightEntries;
    private final Semaphore largeLayers;
    private volatile boolean holdsLargePermit;
    private volatile boolean deferred;
    private volatile ApartLayer applied;
    private volatile boolean started;
    private volatile boolean abandoned;

    /**
     * Past {@code lightEntries} entries the layer goes on only with a permit of {@code largeLayers}, held until
     * {@link #releasePermit}: the bookkeeping of a layer grows with its entries.
     */
    ApartReader(LayerApplier applier, Path dir, String mediaType, String diffId, long lightEntries,
            Semaphore largeLayers) {
        this.applier = applier;
        this.dir = dir;
        this.mediaType = mediaType;
        this.diffId = diffId;
        this.lightEntries = lightEntries;
        this.largeLayers = largeLayers;
    }

    @Override
    public void read(InputStream bytes) throws IOException {
        // A layer that needs another pass (its parent, or a permit it could not get) is still read to its end, so
        // that the download stores the blob for that pass.
        started = true;
        try {
            ApartLayer layer = applier.applyApart(dir, bytes, mediaType, lightEntries,
                    () -> {
                        holdsLargePermit = largeLayers.tryAcquire();
                        deferred = !holdsLargePermit;
                        return holdsLargePermit;
                    });
            layer.applied().verifyDiffId(diffId);
            applied = layer;
        } catch (NeedsLowerLayersException | LayerLimitException e) {
            // Apart, implied parents that the layers below have count too; onto them, the count is exact.
            LOG.fine(() -> "layer " + diffId + " is applied onto its parent: " + e.getMessage());
            bytes.transferTo(OutputStream.nullOutputStream());
        }
    }

    @Override
    public void abandon() {
        abandoned = true;
    }

    /** Gives back the permit for a large layer, if this reader took one. */
    void releasePermit() {
        if (holdsLargePermit) {
            holdsLargePermit = false;
            largeLayers.release();
        }
    }

    /**
     * Whether the layer still wants unpacking apart, from the stored blob: the download did not go through this
     * reader (the blob came from elsewhere, or the reader was abandoned), or the layer grew large while no permit
     * for a large layer was free.
     */
    boolean wantsAnotherPass() {
        return !started || abandoned || deferred;
    }

    /** The layer as unpacked and checked, or null when it was not (it needs its parent, or was abandoned). */
    ApartLayer applied() {
        return abandoned ? null : applied;
    }
}
