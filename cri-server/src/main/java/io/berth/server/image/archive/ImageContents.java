package io.berth.server.image.archive;

import io.berth.common.error.BerthException;
import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.InvalidArgumentException;
import io.berth.common.error.NotFoundException;
import io.berth.server.image.pull.PullErrors;
import io.berth.server.image.registry.Descriptor;
import io.berth.server.image.registry.ImageManifest;
import io.berth.server.image.registry.MediaTypes;
import io.berth.server.image.store.ImageConfig;
import io.berth.server.image.store.ImageConfigParser;
import java.util.List;
import java.util.function.Supplier;

/**
 * Checks what an image manifest names before anything of it is unpacked, as a pull does and more: media
 * types known, the config within the document bound and agreeing with the manifest on the number of
 * layers, an uncompressed layer's digest equal to its diffID. Each blob goes into the content store from
 * its archive member, verified against its digest and size on the way.
 */
final class ImageContents {
    private ImageContents() {}

    /** Stores and checks config and layers; returns the parsed config. */
    static ImageConfig store(ImageManifest manifest, String configMember, List<String> layerMembers,
            ArchiveMembers members, LeasedIngest ingest, ArchiveLimits limits, String what) {
        List<Descriptor> layers = manifest.layers();
        if (layers.size() > limits.maxLayers()) {
            throw new InvalidArgumentException(what + " has " + layers.size() + " layers, more than the "
                    + limits.maxLayers() + " an imported image may have");
        }
        Descriptor config = manifest.config();
        if (!MediaTypes.isConfig(config.mediaType())) {
            throw new InvalidArgumentException(what + ": config " + config.digest() + " has media type '"
                    + config.mediaType() + "', which is not an image config");
        }
        if (config.size() > limits.maxDocumentBytes()) {
            throw new InvalidArgumentException(what + ": config " + config.digest() + " is " + config.size()
                    + " bytes, more than the " + limits.maxDocumentBytes() + " allowed for configs");
        }
        store(members, configMember, config, what);
        byte[] configBytes = ingest.read(config.digest(), limits.maxDocumentBytes());
        ImageConfig parsed = asArchiveFault(() -> ImageConfigParser.parse(configBytes, what + " (member "
                + configMember + ")"));
        if (parsed.diffIds().size() != layers.size()) {
            throw new InvalidArgumentException(what + " is inconsistent: its manifest lists " + layers.size()
                    + " layers but its config names " + parsed.diffIds().size() + " diff_ids");
        }
        for (int i = 0; i < layers.size(); i++) {
            Descriptor layer = layers.get(i);
            String where = what + " layer " + (i + 1) + "/" + layers.size() + " (member " + layerMembers.get(i) + ")";
            if (!MediaTypes.isLayer(layer.mediaType())) {
                throw new InvalidArgumentException(where + " has media type '" + layer.mediaType()
                        + "', which is not a layer berth can unpack");
            }
            String diffId = parsed.diffIds().get(i);
            if (MediaTypes.isUncompressedLayer(layer.mediaType()) && !layer.digest().toString().equals(diffId)) {
                throw new InvalidArgumentException(where + " is an uncompressed tar of digest " + layer.digest()
                        + ", but the config's diffID for it is " + diffId);
            }
            store(members, layerMembers.get(i), layer, where);
        }
        return parsed;
    }

    /** Stores the blob {@code descriptor} names from {@code member}; a failure says which image it was for. */
    static void store(ArchiveMembers members, String member, Descriptor descriptor, String what) {
        try {
            members.store(member, descriptor.digest(), descriptor.size());
        } catch (BerthException e) {
            throw PullErrors.withContext(what, e);
        }
    }

    /**
     * Runs a step of the shared manifest and config parsers, whose complaints about a registry's documents
     * are FAILED_PRECONDITION; an archive's bad document is the caller's to fix, so INVALID_ARGUMENT.
     */
    static <T> T asArchiveFault(Supplier<T> step) {
        try {
            return step.get();
        } catch (FailedPreconditionException | NotFoundException e) {
            throw new InvalidArgumentException(e.getMessage(), e);
        }
    }
}
