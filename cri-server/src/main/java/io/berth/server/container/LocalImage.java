package io.berth.server.container;

import io.berth.server.container.spec.ImageProcessDefaults;

/**
 * An image present on this node, as container creation needs it.
 *
 * @param id the config digest
 * @param ref a digested reference (repo@sha256:...) when known, else the id
 * @param name the name the image is best known by, for annotations
 * @param topSnapshotKey the committed snapshot holding the image's full root filesystem
 */
public record LocalImage(String id, String ref, String name, ImageProcessDefaults config, String topSnapshotKey) {}
