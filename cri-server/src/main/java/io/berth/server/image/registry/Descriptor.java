package io.berth.server.image.registry;

import io.berth.server.image.content.Digest;
import java.util.Optional;

/**
 * An OCI content descriptor: what a manifest or index says about one blob. Sizes and digests come from
 * the registry and are verified when the blob itself arrives.
 *
 * @param platform only on index entries
 */
public record Descriptor(String mediaType, Digest digest, long size, Optional<Platform> platform) {
    public Descriptor(String mediaType, Digest digest, long size) {
        this(mediaType, digest, size, Optional.empty());
    }
}
