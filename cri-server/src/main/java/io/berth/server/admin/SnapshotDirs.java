package io.berth.server.admin;

import io.berth.snapshotter.Mount;
import io.berth.snapshotter.Snapshotter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Where a snapshot keeps the writes of the container on it, for an operator looking at its files. */
@FunctionalInterface
public interface SnapshotDirs {
    Optional<Path> writableDir(String snapshotKey);

    /** From the snapshotter's mounts: overlay's upperdir, or the source of a bind-mounted (native) snapshot. */
    static SnapshotDirs of(Snapshotter snapshotter) {
        return key -> {
            List<Mount> mounts;
            try {
                mounts = snapshotter.mounts(key);
            } catch (RuntimeException gone) {
                return Optional.empty();
            }
            return writableDir(mounts);
        };
    }

    static Optional<Path> writableDir(List<Mount> mounts) {
        for (Mount m : mounts) {
            if (m.type().equals("bind")) {
                return Optional.of(Path.of(m.source()));
            }
            for (String option : m.options()) {
                if (option.startsWith("upperdir=")) {
                    return Optional.of(Path.of(option.substring("upperdir=".length())));
                }
            }
        }
        return Optional.empty();
    }
}
