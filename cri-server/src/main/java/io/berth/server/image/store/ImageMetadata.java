package io.berth.server.image.store;

import java.util.List;

/**
 * What a pull learns about an image and never changes afterwards: its id (the config digest), its layer
 * blobs, its size and its parsed config.
 *
 * @param id           {@code sha256:<hex>} of the config blob, as CRI reports image ids
 * @param layerDigests compressed layer blobs in the content store, bottom first
 * @param size         layers (compressed) + config + manifest, in bytes, as containerd counts it
 * @param config       the parsed config; its diffIds give the chain of snapshots
 * @param pulledAt     when the first pull of this image finished (ISO-8601)
 */
public record ImageMetadata(String id, List<String> layerDigests, long size, ImageConfig config, String pulledAt) {
    public ImageMetadata {
        layerDigests = List.copyOf(layerDigests);
    }
}
