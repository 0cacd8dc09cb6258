package io.berth.snapshotter;

import io.berth.common.error.InvalidArgumentException;
import io.berth.linux.ErrnoException;
import io.berth.linux.Mounts;
import io.berth.linux.TreeDeleter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.logging.Logger;

/** Picks and opens a snapshotter by configured name, or by what the host supports. */
public final class Snapshotters {
    private static final Logger LOG = Logger.getLogger(Snapshotters.class.getName());

    /** The configured choice; {@code AUTO} uses overlay where it works and native elsewhere. */
    public enum Driver {
        OVERLAYFS, NATIVE, AUTO;

        public static Driver parse(String name) {
            String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
            switch (n) {
                case "overlayfs", "overlay": return OVERLAYFS;
                case "native": return NATIVE;
                case "", "auto": return AUTO;
                default:
                    throw new InvalidArgumentException("unknown snapshotter '" + name
                            + "': expected overlayfs, native or auto");
            }
        }
    }

    private Snapshotters() {}

    public static Snapshotter open(Driver driver, Path root) {
        switch (driver) {
            case OVERLAYFS:
                return new OverlaySnapshotter(root);
            case NATIVE:
                return new NativeSnapshotter(root);
            default:
                boolean overlay = overlayWorksUnder(root);
                LOG.info("snapshotter for " + root + ": " + (overlay ? "overlayfs" : "native (overlay mount failed)"));
                return overlay ? new OverlaySnapshotter(root) : new NativeSnapshotter(root);
        }
    }

    /**
     * Whether an overlay with two lowers and an upper can be mounted and written in {@code root}: the
     * kernel must have overlayfs, the process must be allowed to mount, and the root's filesystem must
     * work as an upper (an overlay root inside a container, for one, does not).
     */
    public static boolean overlayWorksUnder(Path root) {
        Path probe = null;
        try {
            Files.createDirectories(root);
            probe = Files.createTempDirectory(root, SnapshotStore.PROBE);
            Path lower1 = Files.createDirectory(probe.resolve("l1"));
            Path lower2 = Files.createDirectory(probe.resolve("l2"));
            Path upper = Files.createDirectory(probe.resolve("u"));
            Path work = Files.createDirectory(probe.resolve("w"));
            Path merged = Files.createDirectory(probe.resolve("m"));
            Files.writeString(lower2.resolve("hidden"), "x");
            Mounts.mount("overlay", merged, "overlay", 0,
                    "lowerdir=" + lower1 + ":" + lower2 + ",upperdir=" + upper + ",workdir=" + work);
            try {
                Files.writeString(merged.resolve("written"), "x");
                Files.delete(merged.resolve("hidden"));
            } finally {
                Mounts.unmount(merged, Mounts.MNT_DETACH);
            }
            return Files.exists(upper.resolve("written"));
        } catch (ErrnoException e) {
            LOG.info("overlay does not work under " + root + ": " + e.getMessage());
            return false;
        } catch (IOException e) {
            LOG.info("overlay probe under " + root + " failed: " + e.getMessage());
            return false;
        } finally {
            if (probe != null) {
                try {
                    TreeDeleter.delete(probe);
                } catch (IOException e) {
                    LOG.warning("cannot delete overlay probe " + probe + ": " + e.getMessage());
                }
            }
        }
    }
}
