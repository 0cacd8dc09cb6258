package io.berth.shim;

import io.berth.linux.ErrnoException;
import io.berth.linux.Mounts;
import io.berth.shim.api.Mount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A container's root filesystem: the snapshotter's mounts stacked on {@code <bundle>/rootfs}, and how many
 * are in place, so that unmounting takes off exactly what was put on, also after an adoption or upgrade.
 */
final class Rootfs {
    private final Path dir;
    private final List<Mount> mounts;
    private int mounted;

    Rootfs(Path bundle, List<Mount> mounts) {
        this.dir = bundle.resolve("rootfs");
        this.mounts = List.copyOf(mounts);
    }

    /** Mounts them all, in order; on failure nothing stays mounted. */
    void mount() throws IOException {
        Files.createDirectories(dir);
        for (Mount mount : mounts) {
            try {
                Mounts.mount(mount.getType(), mount.getSource(), mount.getOptionsList(), dir);
            } catch (ErrnoException | RuntimeException e) {
                unmount();
                throw e;
            }
            mounted++;
        }
    }

    /** Takes over {@code count} mounts that another host or program image made. */
    void adopt(int count) {
        mounted = count;
    }

    int mounted() {
        return mounted;
    }

    /** Detaches every mount still in place; a failure is logged, the rest still go. */
    void unmount() {
        for (; mounted > 0; mounted--) {
            try {
                Mounts.unmount(dir, Mounts.MNT_DETACH);
            } catch (ErrnoException e) {
                ShimLog.error("cannot unmount " + dir + ": " + e.getMessage());
            }
        }
    }
}
