package io.berth.server.image.registry;

import java.util.List;

/**
 * An image manifest (OCI or Docker schema2): the config blob and the layers, bottom layer first.
 *
 * @param mediaType the manifest's own media type
 */
public record ImageManifest(String mediaType, Descriptor config, List<Descriptor> layers) {
    public ImageManifest {
        layers = List.copyOf(layers);
    }
}
