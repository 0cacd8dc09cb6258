package io.berth.server.image;

import io.berth.snapshotter.fs.DiskUsage;
import io.berth.snapshotter.fs.Usage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.logging.Logger;

/**
 * Bytes and inodes used under a directory tree (the snapshotter root), for ImageFsInfo. Bytes are
 * apparent sizes ({@code du -sb}; the JDK exposes no block counts), each inode counted once however many
 * links it has. kubelet asks every few seconds and
 * a walk over many images is not free, so a result is reused for a short while unless
 * {@link #invalidate()} says the tree changed (after a pull or a removal).
 *
 * <p>kubelet builds its image manager only once ImageFsInfo has answered, so a walk that fails (the tree changes
 * under it) must not fail the call: the last good figure is answered, with the time it was measured, and the
 * next call walks again. Only a meter that has never measured retries at once, a few times, before giving up.
 */
public final class FilesystemUsageMeter {
    private static final Logger LOG = Logger.getLogger(FilesystemUsageMeter.class.getName());

    /** What was measured and when. */
    public record Measurement(Path root, long usedBytes, long inodesUsed, Instant at) {}

    /** How the tree is measured: {@link DiskUsage} in berthd, a fake in tests. */
    @FunctionalInterface
    public interface Walk {
        Usage of(Path root) throws IOException;
    }

    private static final Duration MAX_AGE = Duration.ofSeconds(10);
    /** Walks tried in a row when there is no good figure yet: a concurrent removal does not repeat itself. */
    static final int FIRST_ATTEMPTS = 3;

    private final Path root;
    private final Clock clock;
    private final Walk walk;
    /** The answer while it is fresh; dropped when stale or invalidated. */
    private Measurement current;
    /** The last walk that succeeded: the answer while walks fail. */
    private Measurement lastGood;
    private boolean failing;

    public FilesystemUsageMeter(Path root, Clock clock) {
        this(root, clock, DiskUsage::of);
    }

    public FilesystemUsageMeter(Path root, Clock clock, Walk walk) {
        this.root = root;
        this.clock = clock;
        this.walk = walk;
    }

    public synchronized Measurement measure() throws IOException {
        Instant now = clock.instant();
        if (current != null && !current.at().plus(MAX_AGE).isBefore(now)) {
            return current;
        }
        IOException failure = null;
        int attempts = lastGood == null ? FIRST_ATTEMPTS : 1;
        for (int i = 0; i < attempts; i++) {
            try {
                Usage usage = walk.of(root);
                current = lastGood = new Measurement(root, usage.bytes(), usage.inodes(), now);
                if (failing) {
                    LOG.info("measuring " + root + " works again");
                    failing = false;
                }
                return current;
            } catch (IOException | UncheckedIOException e) {
                IOException cause = e instanceof UncheckedIOException u ? u.getCause() : (IOException) e;
                if (failure == null) {
                    failure = cause;
                } else {
                    failure.addSuppressed(cause);
                }
            }
        }
        if (!failing) {
            // Once per run of failures: kubelet asks every few seconds and each would log the same.
            LOG.warning("could not measure " + root + " (" + failure + "); "
                    + (lastGood == null ? "no figure to answer with yet" : "answering the figure of " + lastGood.at())
                    + " until a walk succeeds");
            failing = true;
        }
        if (lastGood == null) {
            throw failure;
        }
        return lastGood;
    }

    public synchronized void invalidate() {
        current = null;
    }
}
