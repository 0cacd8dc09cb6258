package io.berth.server.image;

import io.berth.common.error.NotFoundException;
import io.berth.server.image.store.ImageStore;
import io.berth.server.image.store.StoredImage;
import io.berth.snapshotter.Snapshotter;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Images whose layer snapshots are not all there any more (a snapshot dir removed behind berth's back, or found
 * damaged): no container can be made from them. Their records are dropped at start, one log line each, so that
 * the image is reported absent and kubelet pulls it again, which unpacks the missing layers anew; kept, the image
 * would look present while every CreateContainer from it failed.
 */
final class IncompleteImages {
    private static final Logger LOG = Logger.getLogger(IncompleteImages.class.getName());

    private IncompleteImages() {}

    static void drop(ImageStore store, Snapshotter snapshotter) {
        for (StoredImage image : store.list()) {
            missingLayer(image, snapshotter).ifPresent(chain -> {
                store.delete(image.id());
                LOG.warning("image " + image.id() + " " + image.repoTags() + " lacks its layer snapshot " + chain
                        + "; the image record is dropped, pull the image again");
            });
        }
    }

    private static Optional<String> missingLayer(StoredImage image, Snapshotter snapshotter) {
        List<String> chain = image.chainIds();
        for (String key : chain) {
            try {
                snapshotter.stat(key);
            } catch (NotFoundException e) {
                return Optional.of(key);
            }
        }
        return Optional.empty();
    }
}
