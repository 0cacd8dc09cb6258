package io.berth.server.image.archive;

import io.berth.server.image.reference.ImageReference;
import io.berth.server.image.registry.Descriptor;
import io.berth.server.image.registry.ImageManifest;
import io.berth.server.image.store.ImageConfig;
import java.util.List;

/**
 * One image of an archive, its blobs verified and in the content store, ready to be unpacked and recorded.
 *
 * @param what         how messages name it: its first name, else where the archive lists it
 * @param tags         tags the archive gives it, normalized as a pull names them
 * @param repoDigests  {@code name@digest} of what the archive's names point at
 * @param manifests    digests of its manifest (and index) kept in the content store
 * @param manifest     config and layers, bottom layer first
 * @param manifestSize bytes of the manifest document
 * @param config       the parsed config
 */
record ArchiveImage(String what, List<ImageReference> tags, List<String> repoDigests, List<String> manifests,
        ImageManifest manifest, long manifestSize, ImageConfig config) {

    ArchiveImage {
        tags = List.copyOf(tags);
        repoDigests = List.copyOf(repoDigests);
        manifests = List.copyOf(manifests);
    }

    /** The config digest: the id a pull of the same image gives it. */
    String id() {
        return manifest.config().digest().toString();
    }

    /** Layers (as stored) + config + manifest, as a pull counts an image's size. */
    long size() {
        return manifest.config().size() + manifestSize + manifest.layers().stream().mapToLong(Descriptor::size).sum();
    }
}
