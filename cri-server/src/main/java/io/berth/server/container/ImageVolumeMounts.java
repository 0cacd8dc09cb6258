package io.berth.server.container;

import io.berth.common.error.NotFoundException;
import io.berth.cri.v1.ImageSpec;
import io.berth.server.container.spec.ImageVolumes;
import io.berth.server.container.spec.RootScopedPath;
import io.berth.snapshotter.MountedView;
import io.berth.snapshotter.SnapshotInfo;
import io.berth.snapshotter.Snapshotter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Image volumes of one container (CRI {@code Mount.image}): a read-only view snapshot of the image,
 * mounted under the container's run dir, whose path (or a sub path inside it) the spec bind-mounts. The
 * views are named after the container so its removal finds and removes them.
 */
final class ImageVolumeMounts implements ImageVolumes {
    private final ImageLookup images;
    private final Snapshotter snapshotter;
    private final Path runDir;
    private final String containerId;
    private int next;

    ImageVolumeMounts(ImageLookup images, Snapshotter snapshotter, Path runDir, String containerId) {
        this.images = images;
        this.snapshotter = snapshotter;
        this.runDir = runDir;
        this.containerId = containerId;
    }

    @Override
    public String hostPath(ImageSpec image, String subPath) {
        LocalImage found = images.find(image.getImage());
        if (found.topSnapshotKey() == null) {
            throw new NotFoundException("image volume " + image.getImage() + " has no layers to mount");
        }
        int n = next++;
        String key = keyPrefix(containerId) + n;
        Path target = runDir.resolve("imgvol").resolve(Integer.toString(n));
        try {
            Files.createDirectories(target);
            // Left mounted on purpose: it lives as long as the container; removal unmounts the run dir.
            MountedView.mount(snapshotter.view(key, found.topSnapshotKey()), target);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot mount image volume " + image.getImage() + ": " + e.getMessage(), e);
        }
        Path resolved = subPath.isEmpty() ? target : RootScopedPath.resolve(target, subPath);
        if (!Files.exists(resolved, LinkOption.NOFOLLOW_LINKS)) {
            throw new NotFoundException("image_sub_path '" + subPath + "' does not exist in image " + image.getImage());
        }
        return resolved.toString();
    }

    /** Removes the container's image-volume views; call after their mounts are gone. */
    static void removeViews(Snapshotter snapshotter, String containerId) {
        String prefix = keyPrefix(containerId);
        for (SnapshotInfo info : snapshotter.list()) {
            if (info.name().startsWith(prefix)) {
                snapshotter.remove(info.name());
            }
        }
    }

    private static String keyPrefix(String containerId) {
        return "imgvol-" + containerId + "-";
    }
}
