package io.berth.snapshotter;

import io.berth.snapshotter.fs.ImpliedDirs;
import io.berth.snapshotter.fs.TreeCopier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

/**
 * Snapshots as full copies: every new snapshot copies its parent's tree, and is shown by a bind mount of
 * its own directory. Slow and space-hungry, but it works on any filesystem and needs no overlay support,
 * which is why it is the fallback (as containerd's {@code native}).
 */
public final class NativeSnapshotter extends DirectorySnapshotter {
    public static final String DRIVER = "native";

    public NativeSnapshotter(Path root) {
        this(root, Clock.systemUTC());
    }

    NativeSnapshotter(Path root, Clock clock) {
        super(root, DRIVER, clock);
    }

    @Override
    public String driver() {
        return DRIVER;
    }

    @Override
    protected void populate(Path staging, Kind kind, List<StoredSnapshot> chain) throws IOException {
        Path fs = staging.resolve("fs");
        if (chain.isEmpty()) {
            ImpliedDirs.create(fs);
        } else {
            TreeCopier.copy(store.fs(chain.get(0).id()), fs);
        }
    }

    @Override
    protected List<Mount> mountsOf(StoredSnapshot snapshot, List<StoredSnapshot> chain) {
        String access = snapshot.kind() == Kind.ACTIVE ? "rw" : "ro";
        return List.of(new Mount("bind", store.fs(snapshot.id()).toString(), List.of(access, "rbind")));
    }
}
