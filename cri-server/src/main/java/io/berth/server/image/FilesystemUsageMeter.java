package io.berth.server.image;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

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
        Set<String> seen = new HashSet<>();
        long[] bytes = {0};
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                count(dir);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                count(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                // A pull or removal running beside the walk deletes files under it; those simply do not count.
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }

            private void count(Path p) throws IOException {
                Map<String, Object> unix;
                try {
                    unix = Files.readAttributes(p, "unix:dev,ino,size", LinkOption.NOFOLLOW_LINKS);
                } catch (NoSuchFileException e) {
                    return;
                }
                if (seen.add(unix.get("dev") + ":" + unix.get("ino"))) {
                    bytes[0] += ((Number) unix.get("size")).longValue();
                }
            }
        });
        return new Measurement(root, bytes[0], seen.size(), now);
    }
}
