package io.berth.server.image.store;

import java.util.ArrayList;
import java.util.List;

/**
 * An immutable view of one stored image. The container side uses {@link #config()} for the process
 * defaults and {@link #topSnapshotKey()} as the parent of a container's root:
 * {@code snapshotter.prepare(containerKey, image.topSnapshotKey())}.
 */
public record StoredImage(ImageMetadata metadata, ImageRefStatus refs) {

    public String id() {
        return metadata.id();
    }

    public ImageConfig config() {
        return metadata.config();
    }

    /** The committed snapshots of the image's layers, bottom first; each is named by its chain id. */
    public List<String> chainIds() {
        return ChainIds.of(metadata.config().diffIds());
    }

    /** The committed snapshot holding the whole image rootfs, or null for an image without layers. */
    public String topSnapshotKey() {
        List<String> chain = chainIds();
        return chain.isEmpty() ? null : chain.get(chain.size() - 1);
    }

    public List<String> repoTags() {
        return refs.repoTags();
    }

    public List<String> repoDigests() {
        return refs.repoDigests();
    }

    /** Every blob of the content store that this image needs: config, layers, manifests. */
    public List<String> blobs() {
        List<String> blobs = new ArrayList<>(metadata.layerDigests());
        blobs.add(metadata.id());
        blobs.addAll(refs.manifests());
        return blobs;
    }
}
