package io.berth.server.image;

import io.berth.common.error.NotFoundException;
import io.berth.common.validate.Require;
import io.berth.cri.v1.ImageSpec;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code ImageSpec.runtime_handler}, which kubelet sends under its RuntimeClassInImageCriApi gate. containerd keeps
 * images per handler because its handlers may use different snapshotters; every berth handler runs on the one
 * snapshotter, so berth keeps one image store that every handler sees: an image pulled for one handler is there
 * for all. What the API does ask is kept: an unknown handler is an error, and an image asked for by a handler is
 * answered under that handler's name. The empty name is the default handler.
 */
public final class ImageHandlers {
    private final Set<String> configured;

    public ImageHandlers(Collection<String> configured) {
        this.configured = Set.copyOf(configured);
    }

    /** The spec's handler, once known to be configured. */
    public String check(ImageSpec spec, String field) {
        String handler = spec.getRuntimeHandler();
        if (!handler.isEmpty() && !configured.contains(handler)) {
            throw new NotFoundException(field + ".runtime_handler '" + Require.printable(handler)
                    + "' is not configured; configured handlers: " + String.join(", ", new TreeSet<>(configured)));
        }
        return handler;
    }
}
