package io.berth.linux;

import com.sun.jna.LastErrorException;
import java.nio.file.Path;

/** tmpfs mounts berth makes for itself (a pod's /dev/shm). */
public final class Tmpfs {
    private static final long MS_NOSUID = 2;
    private static final long MS_NODEV = 4;
    private static final long MS_NOEXEC = 8;
    private static final int MNT_DETACH = 2;

    private Tmpfs() {}

    /** Mounts a size-capped tmpfs: nosuid, nodev, noexec, as a container runtime's /dev/shm is. */
    public static void mount(Path target, long sizeBytes, int mode) throws ErrnoException {
        String data = "mode=" + Integer.toOctalString(mode) + ",size=" + sizeBytes;
        try {
            NamespaceCalls.mount("shm", target.toString(), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, data);
        } catch (LastErrorException e) {
            throw new ErrnoException("mount(tmpfs " + target + ", " + data + ")", e.getErrorCode());
        }
    }

    /** Detaches the mount; a path that is not a mount point is left alone. */
    public static void unmount(Path target) throws ErrnoException {
        try {
            NamespaceCalls.umount2(target.toString(), MNT_DETACH);
        } catch (LastErrorException e) {
            if (e.getErrorCode() != ErrnoException.EINVAL && e.getErrorCode() != ErrnoException.ENOENT) {
                throw new ErrnoException("umount2(" + target + ")", e.getErrorCode());
            }
        }
    }
}
