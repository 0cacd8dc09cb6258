package io.berth.snapshotter;

import io.berth.linux.ErrnoException;
import io.berth.linux.Mounts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Snapshot mounts made real on a directory, unmounted on {@link #close}. The snapshotter itself never
 * mounts; this is for the layer applier and for tests, and follows the same option rules the shim will
 * ({@code ro}/{@code rw}, {@code bind}/{@code rbind}, the rest passed to the filesystem as data).
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
                mountOne(m, target);
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

    private static void mountOne(Mount m, Path target) throws IOException {
        long flags = 0;
        List<String> data = new ArrayList<>();
        boolean bind = m.type().equals("bind");
        for (String option : m.options()) {
            switch (option) {
                case "ro" -> flags |= Mounts.MS_RDONLY;
                case "rw" -> { }
                case "bind" -> bind = true;
                case "rbind" -> {
                    bind = true;
                    flags |= Mounts.MS_REC;
                }
                case "nosuid" -> flags |= Mounts.MS_NOSUID;
                case "nodev" -> flags |= Mounts.MS_NODEV;
                case "noexec" -> flags |= Mounts.MS_NOEXEC;
                default -> data.add(option);
            }
        }
        String joined = data.isEmpty() ? null : String.join(",", data);
        if (joined != null && joined.length() > OverlaySnapshotter.MAX_MOUNT_DATA) {
            throw new IOException("mount options for " + target + " are " + joined.length()
                    + " bytes; the kernel accepts " + OverlaySnapshotter.MAX_MOUNT_DATA);
        }
        if (bind) {
            Mounts.mount(m.source(), target, null, Mounts.MS_BIND | (flags & Mounts.MS_REC), null);
            long rest = flags & ~Mounts.MS_REC;
            if (rest != 0) {
                // A bind mount ignores every flag but MS_REC on creation; read-only takes a remount.
                try {
                    Mounts.mount(null, target, null, Mounts.MS_BIND | Mounts.MS_REMOUNT | rest, null);
                } catch (ErrnoException e) {
                    Mounts.unmount(target, Mounts.MNT_DETACH);
                    throw e;
                }
            }
        } else {
            Mounts.mount(m.source(), target, m.type(), flags, joined);
        }
    }
}
