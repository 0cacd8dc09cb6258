package io.berth.snapshotter;

import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.InvalidArgumentException;
import io.berth.linux.Mounts;
import io.berth.snapshotter.fs.ImpliedDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Snapshots as overlayfs layers, as containerd's {@code overlayfs} snapshotter: each snapshot's {@code fs}
 * dir holds only its own changes; an active snapshot is an overlay of its parents' dirs (lower) and its
 * own (upper). Where a single directory is the whole picture (a view or committed snapshot of one layer)
 * a read-only bind mount is returned instead, as containerd does, because overlay needs two lowers to
 * mount without an upper.
 */
public final class OverlaySnapshotter extends DirectorySnapshotter {
    public static final String DRIVER = "overlayfs";

    private final boolean indexOff;

    public OverlaySnapshotter(Path root) {
        this(root, Clock.systemUTC());
    }

    OverlaySnapshotter(Path root, Clock clock) {
        super(checkRoot(root), DRIVER, clock);
        // As containerd: with the index feature on, a lower dir shared by two overlays can make the
        // second mount fail, so turn it off wherever the kernel knows the option.
        this.indexOff = Files.exists(Path.of("/sys/module/overlay/parameters/index"));
    }

    private static Path checkRoot(Path root) {
        String abs = root.toAbsolutePath().toString();
        if (abs.contains(",") || abs.contains(":")) {
            // Both separate things inside overlay's option string; the kernel has no way to escape them.
            throw new InvalidArgumentException("overlay snapshot root " + abs + " must not contain ',' or ':'");
        }
        return root.toAbsolutePath();
    }

    @Override
    public String driver() {
        return DRIVER;
    }

    /** A layer's upper dir does not depend on its parent's files: it can be filled before the parent exists. */
    @Override
    protected boolean layersApart() {
        return true;
    }

    @Override
    protected void checkChain(Kind kind, List<StoredSnapshot> chain) {
        if (kind == Kind.ACTIVE && !chain.isEmpty()) {
            // The would-be child: upper and work of a new id, no longer than the next id will be.
            String data = overlayData(chain, "upperdir=" + store.fs(99_999_999L), "workdir=" + store.work(99_999_999L));
            if (data.length() > Mounts.MAX_DATA_BYTES) {
                throw new FailedPreconditionException("a snapshot on '" + chain.get(0).name() + "' would need "
                        + chain.size() + " overlay layers, " + data.length() + " bytes of mount options; the"
                        + " kernel accepts " + Mounts.MAX_DATA_BYTES
                        + ". Use a shorter snapshotter root or fewer layers");
            }
        }
    }

    @Override
    protected void populate(Path staging, Kind kind, List<StoredSnapshot> chain) throws IOException {
        // The upper dir: its mode is the mode of the container's "/".
        ImpliedDirs.create(staging.resolve("fs"));
        if (kind == Kind.ACTIVE) {
            Files.createDirectory(staging.resolve("work"));
        }
    }

    @Override
    protected List<Mount> mountsOf(StoredSnapshot snapshot, List<StoredSnapshot> chain) {
        switch (snapshot.kind()) {
            case ACTIVE:
                if (chain.isEmpty()) {
                    return List.of(bind(snapshot, "rw"));
                }
                return List.of(new Mount("overlay", "overlay", options(chain,
                        "workdir=" + store.work(snapshot.id()), "upperdir=" + store.fs(snapshot.id()))));
            case VIEW:
                return readOnly(chain.isEmpty() ? List.of(snapshot) : chain);
            case COMMITTED:
                List<StoredSnapshot> layers = new ArrayList<>();
                layers.add(snapshot);
                layers.addAll(chain);
                return readOnly(layers);
            default:
                throw new IllegalStateException("unknown kind " + snapshot.kind());
        }
    }

    private List<Mount> readOnly(List<StoredSnapshot> layers) {
        if (layers.size() == 1) {
            return List.of(bind(layers.get(0), "ro"));
        }
        List<String> options = new ArrayList<>();
        options.add("ro");
        options.addAll(options(layers));
        return List.of(new Mount("overlay", "overlay", options));
    }

    private Mount bind(StoredSnapshot s, String access) {
        return new Mount("bind", store.fs(s.id()).toString(), List.of(access, "rbind"));
    }

    private List<String> options(List<StoredSnapshot> lowers, String... upper) {
        List<String> options = new ArrayList<>();
        if (indexOff) {
            options.add("index=off");
        }
        options.addAll(List.of(upper));
        options.add("lowerdir=" + lowers.stream().map(s -> store.fs(s.id()).toString())
                .collect(Collectors.joining(":")));
        return options;
    }

    private String overlayData(List<StoredSnapshot> lowers, String... upper) {
        return String.join(",", options(lowers, upper));
    }
}
