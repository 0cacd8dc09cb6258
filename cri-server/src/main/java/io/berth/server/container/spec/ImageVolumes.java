package io.berth.server.container.spec;

import io.berth.cri.v1.ImageSpec;

/** Finds the host directory that holds the read-only root filesystem of an image mounted as a volume. */
public interface ImageVolumes {
    /**
     * The host path of {@code image}'s root filesystem prepared for this container, or of {@code subPath}
     * inside it ({@code subPath} is relative, already checked to contain no {@code ..}, and must be resolved
     * without leaving that root filesystem).
     *
     * @throws io.berth.common.error.NotFoundException when the image is not present or the sub path is missing
     */
    String hostPath(ImageSpec image, String subPath);
}
