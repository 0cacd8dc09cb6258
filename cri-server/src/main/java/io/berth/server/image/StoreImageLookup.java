package io.berth.server.image;

import io.berth.common.error.NotFoundException;
import io.berth.server.container.ImageLookup;
import io.berth.server.container.LocalImage;
import io.berth.server.container.spec.ImageProcessDefaults;
import io.berth.server.image.store.ImageStore;
import io.berth.server.image.store.StoredImage;

/** The container side's view of the image store: what CreateContainer needs of a pulled image. */
public final class StoreImageLookup implements ImageLookup {
    private final ImageStore store;

    public StoreImageLookup(ImageStore store) {
        this.store = store;
    }

    @Override
    public LocalImage find(String reference) {
        StoredImage image = store.find(reference).orElseThrow(() -> new NotFoundException("image " + reference
                + " is not on this node; pull it first"));
        var c = image.config();
        String ref = image.repoDigests().isEmpty() ? image.id() : image.repoDigests().get(0);
        String name = image.repoTags().isEmpty() ? ref : image.repoTags().get(0);
        return new LocalImage(image.id(), ref, name,
                new ImageProcessDefaults(c.user(), c.env(), c.entrypoint(), c.cmd(), c.workingDir(), c.stopSignal()),
                image.topSnapshotKey());
    }
}
