package io.berth.snapshotter;

import io.berth.linux.ErrnoException;
import io.berth.linux.Mounts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Snapshot mounts made real on a directory, unmounted on {@link #close}. The snapshotter itself never
 * mounts; this is for the layer applier and for image volumes, and mounts each one exactly as the shim mounts
 * a container's rootfs: through {@link Mounts#mount(String, String, List, Path)}.
 */
public final class MountedView implements AutoCloseable {
    private final Path target;
    private final int count;

    private MountedView(Path target, int count) {
        this.target = target;
        this.count = count;
    }

    public static MountedView mount(List<Mount> mounts, Path target) throws IOException {
        int done = 0;
        try {
            for (Mount m : mounts) {
                Mounts.mount(m.type(), m.source(), m.options(), target);
                done++;
            }
            return new MountedView(target, done);
        } catch (IOException | RuntimeException e) {
            for (int i = 0; i < done; i++) {
                try {
                    Mounts.unmount(target, Mounts.MNT_DETACH);
                } catch (ErrnoException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    public Path path() {
        return target;
    }

    @Override
    public void close() throws IOException {
        for (int i = 0; i < count; i++) {
            try {
                Mounts.unmount(target, 0);
            } catch (ErrnoException e) {
                if (e.errno() != ErrnoException.EBUSY) {
                    throw e;
                }
                // Something still has a file open in it; detach so the mount goes when that closes.
                Mounts.unmount(target, Mounts.MNT_DETACH);
            }
        }
    }
}
