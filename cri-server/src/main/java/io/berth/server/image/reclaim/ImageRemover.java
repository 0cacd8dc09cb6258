package io.berth.server.image.reclaim;

import io.berth.common.error.InvalidArgumentException;
import io.berth.server.image.reference.ImageReference;
import io.berth.server.image.store.ImageStore;
import io.berth.server.image.store.StoredImage;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * RemoveImage's semantics, as Docker and CRI-O have them: a tag that is one of several names of an image
 * only comes off; removing the last tag, a digest reference or the id removes the image, and then its
 * blobs and layer snapshots that no other image needs. Removing an image that is not there succeeds.
 */
public final class ImageRemover {
    private static final Logger LOG = Logger.getLogger(ImageRemover.class.getName());

    private final ImageStore images;
    private final ImageReclaimer reclaimer;
    private final ImageUsers users;

    public ImageRemover(ImageStore images, ImageReclaimer reclaimer, ImageUsers users) {
        this.images = images;
        this.reclaimer = reclaimer;
        this.users = users;
    }

    /** What a removal did. */
    public enum Outcome { NOT_FOUND, UNTAGGED, REMOVED }

    public Outcome remove(String text) {
        StoredImage removed;
        // The store's monitor: no pull can record this image between the lookup and the delete.
        synchronized (images) {
            Optional<StoredImage> found = images.find(text);
            if (found.isEmpty()) {
                LOG.info("RemoveImage " + text + ": no such image, nothing to do");
                return Outcome.NOT_FOUND;
            }
            StoredImage image = found.get();
            Optional<String> tag = tagNamed(text, image);
            if (tag.isPresent() && image.repoTags().size() > 1) {
                images.untag(image.id(), tag.get());
                LOG.info("untagged " + tag.get() + " from image " + image.id() + "; it keeps " + (image.repoTags().size() - 1)
                        + " other tag(s)");
                return Outcome.UNTAGGED;
            }
            if (users.imagesInUse().contains(image.id())) {
                LOG.info("removing image " + image.id() + " although containers use it; their snapshots keep"
                        + " the layers they sit on");
            }
            images.delete(image.id());
            removed = image;
        }
        reclaimer.reclaim(removed.blobs(), removed.chainIds());
        LOG.info("removed image " + removed.id() + " " + removed.repoTags());
        return Outcome.REMOVED;
    }

    /** The normalized tag {@code text} names, when it is one of the image's tags. */
    private static Optional<String> tagNamed(String text, StoredImage image) {
        try {
            ImageReference ref = ImageReference.parse(text);
            if (ref.digest() == null && image.repoTags().contains(ref.toString())) {
                return Optional.of(ref.toString());
            }
        } catch (InvalidArgumentException e) {
            // an id or id prefix
        }
        return Optional.empty();
    }
}
