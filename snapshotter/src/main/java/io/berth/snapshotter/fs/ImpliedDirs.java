package io.berth.snapshotter.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Directories a container sees but no layer entry describes: the root of a snapshot's filesystem and the parents
 * that a layer implies without listing them. They get 0755 whatever berthd's umask (0077), as containerd gives them:
 * a container's "/" of 0700 would shut every non-root user out of its own root filesystem.
 */
public final class ImpliedDirs {
    private static final Set<PosixFilePermission> RWXR_XR_X = PosixFilePermissions.fromString("rwxr-xr-x");

    private ImpliedDirs() {}

    /** {@code mkdir} then {@code chmod 0755}: the mode of mkdir alone would be cut down by the umask. */
    public static Path create(Path dir) throws IOException {
        Files.createDirectory(dir);
        Files.setPosixFilePermissions(dir, RWXR_XR_X);
        return dir;
    }
}
