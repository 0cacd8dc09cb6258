package io.berth.linux;

import java.nio.file.Path;

/** tmpfs mounts berth makes for itself (a pod's /dev/shm). */
public final class Tmpfs {
    private Tmpfs() {}

    /** Mounts a size-capped tmpfs: nosuid, nodev, noexec, as a container runtime's /dev/shm is. */
    public static void mount(Path target, long sizeBytes, int mode) throws ErrnoException {
        Mounts.mount("shm", target, "tmpfs", Mounts.MS_NOSUID | Mounts.MS_NODEV | Mounts.MS_NOEXEC,
                "mode=" + Integer.toOctalString(mode) + ",size=" + sizeBytes);
    }

    /** Detaches the mount; a path that is not a mount point is left alone. */
    public static void unmount(Path target) throws ErrnoException {
        try {
            Mounts.unmount(target, Mounts.MNT_DETACH);
        } catch (ErrnoException e) {
            if (e.errno() != ErrnoException.EINVAL && e.errno() != ErrnoException.ENOENT) {
                throw e;
            }
        }
    }
}
