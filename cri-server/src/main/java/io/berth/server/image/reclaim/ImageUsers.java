package io.berth.server.image.reclaim;

import java.util.Set;

/**
 * Which images containers use; the container side implements it once containers exist. Removing an image
 * that a container uses is allowed (as in containerd): the container's own snapshot sits on the image's
 * top layer snapshot, so the snapshotter keeps that stack until the container is gone. This seam only
 * lets removal log who still uses the image, and lets a later GC pass know what to keep.
 */
@FunctionalInterface
public interface ImageUsers {
    ImageUsers NONE = () -> Set.of();

    /** Ids ({@code sha256:...}) of the images some container was created from. */
    Set<String> imagesInUse();
}
