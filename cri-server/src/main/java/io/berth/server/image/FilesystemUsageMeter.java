package io.berth.server.image;

import io.berth.snapshotter.Usage;
import io.berth.snapshotter.fs.DiskUsage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Bytes and inodes used under a directory tree (the snapshotter root), for ImageFsInfo. Bytes are
 * apparent sizes ({@code du -sb}; the JDK exposes no block counts), each inode counted once however many
 * links it has. kubelet asks every few seconds and
 * a walk over many images is not free, so a result is reused for a short while unless
 * {@link #invalidate()} says the tree changed (after a pull or a removal).
 */
public final class FilesystemUsageMeter {
    /** What was measured and when. */
    public record Measurement(Path root, long usedBytes, long inodesUsed, Instant at) {}

    private static final Duration MAX_AGE = Duration.ofSeconds(10);

    private final Path root;
    private final Clock clock;
    private Measurement last;

    public FilesystemUsageMeter(Path root, Clock clock) {
        this.root = root;
        this.clock = clock;
    }

    public synchronized Measurement measure() throws IOException {
        Instant now = clock.instant();
        if (last == null || last.at().plus(MAX_AGE).isBefore(now)) {
            last = walk(now);
        }
        return last;
    }

    public synchronized void invalidate() {
        last = null;
    }

    private Measurement walk(Instant now) throws IOException {
        Usage usage = DiskUsage.of(root);
        return new Measurement(root, usage.bytes(), usage.inodes(), now);
    }
}
